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
    import json

    click.echo(json.dumps(_jsonable(data), indent=2, ensure_ascii=False))


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


def table(headers, rows, *, right=(), flex=(), indent: int = 0) -> str:
    """Aligned columns fitting the terminal: the `flex` columns shrink (with …) to fit.
    Piped or redirected (and no `COLUMNS`), nothing is cut."""
    rows = [[_cell(c) for c in row] for row in rows]
    count = len(headers) if headers else len(rows[0]) if rows else 0
    heads = list(headers) if headers else [""] * count
    widths = [max([len(heads[i])] + [len(r[i]) for r in rows]) for i in range(count)]
    room = _width()
    excess = 0 if room is None else indent + sum(widths) + 2 * (count - 1) - room
    while excess > 0:
        shrinkable = [i for i in flex if widths[i] > max(8, len(heads[i]))]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1

    def fit(text: str, i: int) -> str:
        if len(text) > widths[i]:
            text = text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if i in right else text.ljust(widths[i])

    out = []
    for row in ([heads] if headers else []) + rows:
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
