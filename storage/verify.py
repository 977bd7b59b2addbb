"""`verify`: every invariant of the ledger and the contracts, checked on one snapshot."""

from __future__ import annotations

import peewee as pw

from .allotments import ALLOTMENTS
from .db import read_snapshot, reads
from .lookup import line_ref
from .models import Case, Contract, Line, UsageEntry, tuples


@reads
def verify() -> list[str]:
    """Every invariant of the ledger and the contracts; returns the violations found.

    All its queries read one snapshot (one read transaction; REPEATABLE READ on PostgreSQL,
    a deferred transaction on SQLite's WAL), so charges committed while it runs can never
    look like a violation, and it never blocks a writer."""
    with read_snapshot():
        return _violations()


def _violations() -> list[str]:
    from . import status_tally

    return _line_violations() + _case_violations() + _date_violations() + status_tally.differences()


def _line_violations() -> list[str]:
    """Each line's use agrees with its ledger, is not negative, exceeds its total only under
    a supervisor's override, and its dates lie within its contract's."""
    problems: list[str] = []
    sums = {
        line_id: total
        for line_id, total in tuples(
            UsageEntry.select(UsageEntry.line, pw.fn.SUM(UsageEntry.amount)).group_by(
                UsageEntry.line
            )
        )
    }
    supervised = {
        line_id
        for (line_id,) in tuples(
            UsageEntry.select(UsageEntry.line)
            # an opening balance is what a supervisor's import said the line had used
            .where(UsageEntry.kind.in_(("override", "adjustment", "opening balance")))
            .distinct()
        )
    }
    lines = tuples(
        Line.select(
            Line.id,
            Line.position,
            Line.used,
            Line.total,
            Line.start,
            Line.end,
            Contract.id,
            Contract.start,
            Contract.end,
            Contract.allotment_type,
        ).join(Contract)
    )
    for lid, pos, used, total, l_start, l_end, cid, c_start, c_end, kind in lines:
        ref = line_ref(cid, pos)
        ledger_sum = int(sums.get(lid, 0) or 0)
        if used != ledger_sum:
            problems.append(f"{ref}: used is {used} but its ledger sums to {ledger_sum}.")
        if used < 0:
            problems.append(f"{ref}: used is negative ({used}).")
        metered = kind not in ALLOTMENTS or ALLOTMENTS[kind].metered
        if metered and total is not None and used > total and lid not in supervised:
            problems.append(f"{ref}: used {used} exceeds the total {total} without an override.")
        if l_start < c_start or l_end > c_end:
            problems.append(f"{ref}: its dates {l_start}..{l_end} lie outside the contract's.")
    return problems


def _case_violations() -> list[str]:
    """At most one charge of a case stands; a resolved case's charge is its ledger's sum; an
    open or canceled case holds no charge."""
    problems: list[str] = []
    per_case = {
        case_id: (total, n)
        for case_id, total, n in tuples(
            UsageEntry.select(
                UsageEntry.case, pw.fn.SUM(UsageEntry.amount), pw.fn.COUNT(UsageEntry.id)
            )
            .where(UsageEntry.case.is_null(False))
            .group_by(UsageEntry.case)
        )
    }
    charges = {
        case_id: n
        for case_id, n in tuples(
            UsageEntry.select(UsageEntry.case, pw.fn.COUNT(UsageEntry.id))
            .where(UsageEntry.case.is_null(False) & UsageEntry.kind.in_(("charge", "override")))
            .group_by(UsageEntry.case)
        )
    }
    reversals = {
        case_id: n
        for case_id, n in tuples(
            UsageEntry.select(UsageEntry.case, pw.fn.COUNT(UsageEntry.id))
            .where(UsageEntry.case.is_null(False) & (UsageEntry.kind == "reversal"))
            .group_by(UsageEntry.case)
        )
    }
    for cid, number, status, charged in tuples(
        Case.select(Case.id, Case.number, Case.status, Case.charged)
    ):
        total = int((per_case.get(cid) or (0, 0))[0] or 0)
        outstanding = charges.get(cid, 0) - reversals.get(cid, 0)
        if outstanding not in (0, 1):
            problems.append(f"{number}: {outstanding} outstanding charges (at most one allowed).")
        if status == "resolved":
            if total != charged:
                problems.append(f"{number}: charged {charged} but its ledger sums to {total}.")
        else:
            if total != 0 or charged != 0 or outstanding != 0:
                problems.append(f"{number} is {status} but still has a charge of {total}.")
    return problems


def _date_violations() -> list[str]:
    problems: list[str] = []
    for number, _start, _end in tuples(
        Contract.select(Contract.number, Contract.start, Contract.end).where(
            Contract.end < Contract.start
        )
    ):
        problems.append(f"{number}: ends before it starts.")
    return problems
