"""The one rule for text typed by a user: what is kept, what is refused, and how a typed
value is quoted back in a message. Every message names the field (`what`)."""

from __future__ import annotations

from .errors import InvalidInput

QUOTE_LIMIT = 40  # characters of a typed value quoted back in a message


def one_line(text: object, what: str, limit: int = 200, required: bool = True) -> str:
    """A name or a title: runs of spaces, tabs and new lines become one space. Refused when
    empty (unless not `required`: then ""), longer than `limit`, or holding control
    characters."""
    value = " ".join(str(text or "").split())
    if not value:
        if not required:
            return ""
        raise InvalidInput(f"the {what} is empty.")
    if len(value) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters.")
    _refuse_control(value, what, allowed="")
    return value


def free_text(text: object, what: str, limit: int, crlf: bool = False) -> str:
    """A text of several lines (a resolution, a description): stripped at both ends; may be
    empty; new lines and tabs allowed, no other control characters. With `crlf`, Windows
    line ends count as new lines (else their carriage return is refused)."""
    value = str(text or "")
    if crlf:
        value = value.replace("\r\n", "\n")
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters.")
    _refuse_control(value, what, allowed="\n\t")
    return value


def quoted(text: object) -> str:
    """A typed value fit to quote back in a message: control characters shown as "?",
    shortened to 40 characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in str(text or ""))
    return clean if len(clean) <= QUOTE_LIMIT else clean[: QUOTE_LIMIT - 3] + "..."


def _refuse_control(value: str, what: str, allowed: str) -> None:
    if value.isprintable():  # the common case, without a look at each character
        return
    if any(not ch.isprintable() and ch not in allowed for ch in value):
        raise InvalidInput(f"the {what} contains control characters.")
