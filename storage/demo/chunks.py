"""The demo's contracts are made in chunks of CHUNK_CONTRACTS, each from dice of its own
(seeded by the fill's seed and the chunk's place), so that chunks can be made side by side
(apart.py) and the same seed still gives the same data however many are made at once.

A chunk's contracts have their ids from the start (the chunk's place says which), but how
many lines, cases, ledger entries and audit events it holds is known only once it is made:
it numbers them from 0, and `placed` moves them past the chunks before it once their counts
are known. A case's number is its id as text, and a reversal's note names the case it
reverses by that number: both are written then too."""

from __future__ import annotations

from typing import Any

from ..lookup import case_number
from ..models import AuditEvent, Base, Case, Line, UsageEntry

CHUNK_CONTRACTS = 5_000  # contracts per chunk: what one process holds while making them
PLACED: tuple[type[Base], ...] = (Line, Case, UsageEntry, AuditEvent)  # numbered from 0


def chunk_count(contracts: int) -> int:
    return -(-contracts // CHUNK_CONTRACTS)


def chunk_bounds(chunk: int, contracts: int) -> tuple[int, int]:
    """The places (from 0) of the first contract of `chunk` and of the first after it."""
    return chunk * CHUNK_CONTRACTS, min(contracts, (chunk + 1) * CHUNK_CONTRACTS)


def placed(model: type[Base], rows: list[Any], at: dict[type[Base], int]) -> list[Any]:
    """The rows of `model` made by a chunk, with the ids it numbered from 0 moved to start at
    `at` (the first id of each table in PLACED that the chunk takes), case numbers and the
    notes of reversals written; as plain tuples. Rows of other tables are kept as they are."""
    place = _PLACE.get(model)
    return rows if place is None else place(rows, *(at[table] for table in PLACED))


# Each table unpacked by name: a loop over the columns took twice as long.


def _lines(rows: list[Any], line: int, _case: int, _entry: int, _audit: int) -> list[Any]:
    return [
        (i + line, c, p, t, pr, s, e, tot, u, price, d, st, None if o is None else o + line, cr)
        for (i, c, p, t, pr, s, e, tot, u, price, d, st, o, cr) in rows
    ]


def _cases(rows: list[Any], line: int, case: int, _entry: int, _audit: int) -> list[Any]:
    return [
        (
            i + case,
            case_number(i + case),
            cu,
            t,
            None if li is None else li + line,
            st,
            op,
            by,
            ra,
            ro,
            rb,
            res,
            sp,
            ch,
        )
        for (i, _number, cu, t, li, st, op, by, ra, ro, rb, res, sp, ch) in rows
    ]


def _ledger(rows: list[Any], line: int, case: int, entry: int, _audit: int) -> list[Any]:
    return [
        (
            i + entry,
            li + line,
            ca + case,
            amount,
            kind,
            who,
            when,
            f"{case_number(ca + case)} reopened" if kind == "reversal" else note,
        )
        for (i, li, ca, amount, kind, who, when, note) in rows
    ]


def _audit(rows: list[Any], _line: int, _case: int, _entry: int, audit: int) -> list[Any]:
    return [
        (i + audit, entity, ref, action, who, when, changes)
        for (i, entity, ref, action, who, when, changes) in rows
    ]


_PLACE = {Line: _lines, Case: _cases, UsageEntry: _ledger, AuditEvent: _audit}
