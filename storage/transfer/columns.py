"""What `export` writes and `import` reads (issue 12): the kinds, their columns in a stable
order, and how values are written as text: ISO dates, moments in UTC, money in the decimal
form the command line takes (`1200.50`), amounts with their unit (`10 cases`, `12h 30m`)."""

from __future__ import annotations

import datetime as dt
import re

from ..allotments import allotment
from ..amounts import MAX_USE, format_money
from ..errors import InvalidInput
from ..models import Customer
from ..text import quoted

# The kinds in the order they are written and read: each refers only to those before it.
KINDS = ("customers", "templates", "contracts", "lines", "cases", "ledger")


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": _names("name emails phones created"),
    "templates": _names(
        "name abbr allotment_type billing volume hours increment minimum description days_off "
        "created modified"
    ),
    "contracts": _names(
        "number title customer bill_to template status start end billing_start billing_end "
        "cancel_date cancel_reason origin origin_kind allotment_type billing hours increment "
        "minimum owner created modified version"
    ),
    "lines": _names(
        "contract position title product start end total used price discount status renews created"
    ),
    "cases": _names(
        "number customer title line status opened opened_by resolved_at resolved_on "
        "resolved_by resolution spent charged"
    ),
    "ledger": _names("line case amount kind who at note"),
}
# The columns a row must fill; every other column may be left empty (or out).
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("name",),
    "templates": ("name", "abbr", "allotment_type", "billing"),
    "contracts": ("customer", "template", "status", "start", "end"),
    "lines": ("contract", "title"),
    "cases": ("customer", "title", "status"),
    "ledger": ("line", "amount", "kind"),
}
STORED = Customer.created  # a moment as stored: naive UTC text
SEPARATOR = "; "  # between several e-mail addresses, phone numbers or days off in one cell
OPENING = "opening balance"  # the ledger kind of what a line had used before the import
LEDGER_KINDS = ("charge", "override", "reversal", "adjustment", OPENING)


def money(cents: int | None) -> str:
    """`1200.50`: the decimal form `--price` takes (no thousands separator: no quoting)."""
    return format_money(cents).replace(",", "")


def amount(kind_name: str, value: int | None) -> str:
    """An amount with its unit: `10 cases`, `1 case`, `12h 30m`, `-30m`; "" for none."""
    if value is None:
        return ""
    kind = allotment(kind_name)
    if kind.shows_unit:
        return ("-" if value < 0 else "") + kind.show(abs(value))
    return f"{value} {kind.unit if abs(value) == 1 else kind.units}"


_UNIT = re.compile(r"^(?P<n>[+-]?\s*\d+)\s*(?:cases?)?$", re.IGNORECASE)


def read_amount(text: str, kind_name: str, what: str, signed: bool = False) -> int:
    """An amount as `amount` writes it (or as typed on the command line: `10`, `40h`,
    `1h30m`); zero allowed, negative only when `signed`."""
    kind = allotment(kind_name)
    raw = text.strip()
    sign = 1
    if raw[:1] in "+-" and raw:
        sign, raw = (-1 if raw[0] == "-" else 1), raw[1:].strip()
        if sign < 0 and not signed:
            raise InvalidInput(f"the {what} '{quoted(text)}' cannot be negative.")
    if kind.shows_unit:
        value = 0 if raw in ("0", "0m") else kind.parse(raw, what)
    else:
        match = _UNIT.match(raw)
        if not match:
            raise InvalidInput(
                f"the {what} '{quoted(text)}' is not a number of cases; write it like 10 or 10 cases."
            )
        value = int(match.group("n").replace(" ", ""))
    if value > MAX_USE:
        raise InvalidInput(f"the {what} '{quoted(text)}' is too large.")
    return sign * value


def moment(value: dt.datetime | None) -> str:
    """A stored moment (naive UTC) as ISO text in UTC: `2026-06-15T10:00:00+00:00`."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.UTC).isoformat()


def read_moment(text: str, what: str) -> dt.datetime:
    """An ISO moment (a zone or offset; none means UTC), as stored: naive UTC."""
    raw = text.strip().replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"the {what} '{quoted(text)}' is not a moment; write it like 2026-06-15T10:00:00+00:00."
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    if not 1900 <= value.year <= 9000:
        raise InvalidInput(f"the {what} '{quoted(text)}' is outside the calendar.")
    return value


def stored_moment(text: str, what: str) -> str:
    """A moment as read_moment reads it, as the database stores it (naive UTC text); the
    form `export` writes (`…T10:00:00+00:00`) without a round trip through datetime."""
    if text.endswith("+00:00") and len(text) in (25, 32) and text[10] == "T":
        stored = f"{text[:10]} {text[11:-6]}"
        try:
            if 1900 <= dt.datetime.fromisoformat(stored).year <= 9000:
                return stored
        except ValueError:
            pass
    value = read_moment(text, what)
    return STORED.db_value(value)


def several(value: object) -> list[str]:
    """The values of a cell that holds several (`a@x; b@y`) or of a JSON list."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]
