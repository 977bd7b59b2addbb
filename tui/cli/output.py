"""What the command line prints: one-line failures, JSON, tables that fit the terminal, and
the sentences' small words (`2 of 3 cases left`, `1 case`, `on hold`).

Imported as `from tui.cli import output as out`; nothing here reads the database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

import storage

PROG = "contracts"


# ---------------------------------------------------------------------------------------
# Failures: one line on stderr and an exit code, never a traceback


def one_line(text) -> str:
    return " ".join(str(text).split())


def fail(message, code: int):
    click.echo(f"{PROG}: {one_line(message)}", err=True)
    sys.exit(code)


# ---------------------------------------------------------------------------------------
# JSON and tables


def _jsonable(data):
    if isinstance(data, list):
        return [_jsonable(item) for item in data]
    return data.to_json() if hasattr(data, "to_json") else data


def emit_json(data) -> None:
    """Print `data` as JSON; a storage view (or a list of them) as its `to_json()`."""
    click.echo(json_text(_jsonable(data)))


class _Unusual(Exception):
    """A value `json_text` leaves to the json module (json.dumps writes it, or refuses it)."""


def json_text(data) -> str:
    """`json.dumps(data, indent=2, ensure_ascii=False)`, the same text, written here: the
    json module's own indented writer is Python, a node at a time, and `attention --json`
    writes half a million of them. Text, whole numbers, None, booleans, lists and dicts
    with text keys are written here; anything else goes to json.dumps."""
    import json

    out: list[str] = []
    try:
        _json_value(data, "\n", out)
    except _Unusual:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return "".join(out)


def _json_value(value, pad: str, out: list[str]) -> None:
    """Append `value` as JSON to `out`; `pad` is a newline and the current indent."""
    from json.encoder import encode_basestring as text  # the C one when there is one

    kind = type(value)
    if kind is str:
        out.append(text(value))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner, sep = pad + "  ", "{"
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            if type(item) is str:  # most values: no call
                out.append(f"{sep}{inner}{text(key)}: {text(item)}")
            else:
                out.append(f"{sep}{inner}{text(key)}: ")
                _json_value(item, inner, out)
            sep = ","
        out.append(pad + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner, sep = pad + "  ", "["
        for item in value:
            out.append(sep + inner)
            _json_value(item, inner, out)
            sep = ","
        out.append(pad + "]")
    else:  # floats (NaN, Infinity), subclasses, objects json refuses
        raise _Unusual


def json_or_nothing(found, as_json: bool, nothing: str | Callable[[], str] = "") -> bool:
    """With --json, print `found` (a view or a list of views) as JSON; without, print the
    `nothing` sentence when `found` is an empty list. True when that said it all."""
    if as_json:
        emit_json(found)
        return True
    if isinstance(found, list) and not found:
        click.echo(nothing if isinstance(nothing, str) else nothing())
        return True
    return False


def _width() -> int | None:
    """The columns a table may take: `COLUMNS` when set, else the terminal's; None (no
    limit) when stdout is not a terminal, so a pipe or a file gets whole values."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(40, int(columns))
    if not sys.stdout.isatty():
        return None
    # shutil.get_terminal_size's rule without importing shutil (and with it bz2 and lzma):
    # a few milliseconds of every `contracts check`.
    try:
        return max(40, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return 80


def _cell(value) -> str:
    return "-" if value is None else one_line(value)


_PLAIN = bytes(range(0x20, 0x7F)) + b"\n"  # printable ASCII, and the newline joining cells


def _one_line_each(text: str, cells: int) -> bool:
    """Whether `cells` ASCII cells joined by newlines (`text`) are each one line already:
    printable, single spaces between words, none at either end."""
    raw = text.encode()
    return (
        not raw.translate(None, _PLAIN)  # no control character
        and raw.count(b"\n") == cells - 1  # none within a cell
        and b"  " not in raw
        and b" \n" not in raw
        and b"\n " not in raw
        and raw[:1] != b" "
        and raw[-1:] != b" "
    )


def _column(cells: tuple) -> list[str]:
    """A column's cells as shown (`_cell`). Tens of thousands of rows (`attention`): the
    plain ASCII cells are checked together, as one string, and left as they are when each
    is one line already; only the others are tidied one by one."""
    try:
        text = "\n".join(cells)
    except TypeError:  # not all text
        return [_cell(c) for c in cells]
    if text.isascii():
        return list(cells) if _one_line_each(text, len(cells)) else [one_line(c) for c in cells]
    plain = [c for c in cells if c.isascii()]
    if not _one_line_each("\n".join(plain), len(plain)):
        return [one_line(c) for c in cells]
    return [c if c.isascii() else " ".join(c.split()) for c in cells]


def table(headers, rows, *, right=(), flex=(), indent: int = 0) -> str:
    """Aligned columns fitting the terminal: the `flex` columns shrink (with …) to fit.
    Piped or redirected (and no `COLUMNS`), nothing is cut."""
    rows = rows if isinstance(rows, list) else list(rows)
    count = len(headers) if headers else len(rows[0]) if rows else 0
    if not count:
        return ""
    heads = list(headers) if headers else [""] * count
    columns = [_column(cells) for cells in zip(*rows)] if rows else [[]] * count
    widths = [max(len(heads[i]), max(map(len, columns[i]), default=0)) for i in range(count)]
    room = _width()
    excess = 0 if room is None else indent + sum(widths) + 2 * (count - 1) - room
    cut = False
    while excess > 0:
        shrinkable = [i for i in flex if widths[i] > max(8, len(heads[i]))]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
        cut = True
    if not cut:  # every cell fits its column: one format for every row
        cells = "  ".join(f"{{:{'>' if i in right else '<'}{w}}}" for i, w in enumerate(widths))
        line = " " * indent + cells
        head = [line.format(*heads).rstrip()] if headers else []
        return "\n".join(head + list(map(str.rstrip, map(line.format, *columns))))

    def fit(text: str, i: int) -> str:
        if len(text) > widths[i]:
            text = text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if i in right else text.ljust(widths[i])

    out = []
    for row in ([heads] if headers else []) + list(zip(*columns)):
        out.append((" " * indent + "  ".join(fit(c, i) for i, c in enumerate(row))).rstrip())
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# Words in sentences and cells


def local(stamp) -> str:
    from storage.clock import to_local

    moment = to_local(stamp)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 case`, `2 cases`, `1,000 contracts`."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def amount(value: int | None, kind: str | None) -> str:
    """`1 case`, `3 cases`, `1h 30m`: an amount in a sentence."""
    if value is None:
        return "-"
    return storage.allotment(kind or "cases").words(value)


def signed(value: int, kind: str) -> str:
    return storage.allotment(kind).signed(value)


def days(n: int | None) -> str:
    if n is None:
        return "-"
    if n == 0:
        return "ends today"
    return f"{n} day{'' if n == 1 else 's'} left"
