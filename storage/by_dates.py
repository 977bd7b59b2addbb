"""Statuses by date (SPEC §3): which of invoiced, active and expired a contract is in, and
whether its lines have expired, is a pure function of its dates, its stored (manual) state
and the day. Reads compute it (status_on in Python, status_is / status_column in SQL);
`sweep` stores it for the real business day, for the indexes, and nothing else needs it.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

import peewee as pw
import pendulum

from . import audit
from .clock import now_utc
from .db import reads, writes
from .errors import InvalidInput
from .lookup import line_ref
from .models import Contract, Line, WriteKey
from .people import LISTED, require

# Stored invoiced, active and expired are one manual state ("billed"): which of the three
# a contract is in is a pure function of its dates and the day, computed on every read, so
# no command (not even one run with --today) can leave a wrong status behind. `sweep` only
# keeps the stored value in step with the real day, for the indexes.
DATE_DRIVEN = ("invoiced", "active", "expired")


def status_on(stored: str, start: pendulum.Date, end: pendulum.Date, day: pendulum.Date) -> str:
    """The status a contract is in on `day`, from its stored (manual) state and its dates."""
    return status_when(stored, day < start, day > end)


def status_when(stored: str, not_started: bool, ended: bool) -> str:
    """status_on, from whether the contract's start is still to come and its end is past."""
    if stored in DATE_DRIVEN:
        if not_started:
            return "invoiced"
        if ended:
            return "expired"
        return "active"
    if stored == "on_hold" and ended:
        return "expired"
    return stored


def line_status_on(
    stored: str, end: pendulum.Date, contract_status: str, day: pendulum.Date
) -> str:
    """A line's status on `day`: an existing line of a billed contract expires after its end."""
    if contract_status == "draft":
        return stored
    if stored == "existing" and day > end:
        return "expired"
    if stored == "expired" and day <= end:
        return "existing"
    return stored


def status_is(status: str, day: pendulum.Date) -> pw.ColumnBase:
    """A condition on Contract rows: in `status` on `day` (status_on, as SQL)."""
    billed = Contract.status.in_(DATE_DRIVEN)
    if status == "invoiced":
        return billed & (Contract.start > day)
    if status == "active":
        return billed & (Contract.start <= day) & (Contract.end >= day)
    if status == "expired":
        return Contract.status.in_(DATE_DRIVEN + ("on_hold",)) & (Contract.end < day)
    if status == "on_hold":
        return (Contract.status == "on_hold") & (Contract.end >= day)
    return Contract.status == status


def status_column(day: pendulum.Date) -> pw.ColumnBase:
    """status_on as an SQL expression, for grouping and showing."""
    return pw.Case(
        None,
        [
            (Contract.status.in_(DATE_DRIVEN + ("on_hold",)) & (Contract.end < day), "expired"),
            (Contract.status.in_(DATE_DRIVEN) & (Contract.start > day), "invoiced"),
            (Contract.status.in_(DATE_DRIVEN), "active"),
        ],
        Contract.status,
    )


def _sweep_updates(day: pendulum.Date) -> list[tuple[str, str, str, pw.ColumnBase]]:
    """(action, stored status it changes from, status it stores, condition on the dates)."""
    started = (Contract.start <= day) & (Contract.end >= day)
    return [
        ("activate", "invoiced", "active", started),
        ("expire", "invoiced", "expired", Contract.end < day),
        ("expire", "active", "expired", Contract.end < day),
        # only a status stored under a wrong clock in the past can need these
        ("activate", "expired", "active", started),
        ("correct", "active", "invoiced", Contract.start > day),
        ("correct", "expired", "invoiced", Contract.start > day),
    ]


def _lines_to_expire(day: pendulum.Date) -> pw.ColumnBase:
    """Existing lines of billed contracts whose end has passed (sweep stores them expired)."""
    billed = Contract.select(Contract.id).where(Contract.status.in_(DATE_DRIVEN))
    return (Line.status == "existing") & (Line.end < day) & Line.contract.in_(billed)


@writes
def sweep(by_hand: bool = False) -> dict[str, int]:
    """Store the date-driven statuses of the real business day: invoiced→active, →expired,
    and lines of billed contracts →expired.

    Set-based and guarded: each change is one UPDATE whose WHERE holds the status it changes
    from, so a hold or cancel committed meanwhile is never overwritten (on PostgreSQL the
    UPDATE re-reads a row changed under it). Draft, held and canceled contracts are never
    touched. Idempotent. Run by hand (`contracts sweep`) it is a listed user's action;
    the automatic sweep (console, cron) is recorded as "sweep". Never as of another day:
    statuses read on another day are computed, not stored (see status_on)."""
    from .clock import acting_as_of_another_day, real_today

    if acting_as_of_another_day():
        raise InvalidInput(
            "sweep always stores the statuses of the real day; run it without --today."
        )
    who = require(LISTED, "sweep") if by_hand else "sweep"
    day = real_today()
    stamp = now_utc()
    counts = {"activated": 0, "expired": 0, "lines_expired": 0}
    for action, old, new, when in _sweep_updates(day):
        changed = list(
            Contract.update(status=new, modified=stamp, version=Contract.version + 1)
            .where((Contract.status == old) & when)
            .returning(Contract.number)
            .tuples()
            .execute()
        )
        for (number,) in changed:
            audit.record("contract", number, action, who, {"status": [old, new]})
        if action == "activate":
            counts["activated"] += len(changed)
        elif action == "expire":
            counts["expired"] += len(changed)
    lines = list(
        Line.update(status="expired")
        .where(_lines_to_expire(day))
        .returning(Line.contract, Line.position)
        .tuples()
        .execute()
    )
    for contract_id_, position in lines:
        audit.record(
            "line",
            line_ref(contract_id_, position),
            "expire",
            who,
            {"status": ["existing", "expired"]},
        )
    counts["lines_expired"] = len(lines)
    # idempotency keys serve a retry seconds after a lost reply; a day is plenty
    WriteKey.delete().where(WriteKey.at < stamp - dt.timedelta(days=1)).execute()
    return counts


@reads
def sweep_needed() -> bool:
    """Whether sweep has anything to store for the real day (cheap: the console asks it
    before opening a write transaction)."""
    from .clock import real_today

    day = real_today()
    stale = functools.reduce(
        operator.or_, [(Contract.status == old) & when for _a, old, _n, when in _sweep_updates(day)]
    )
    return (
        Contract.select().where(stale).exists()
        or Line.select().where(_lines_to_expire(day)).exists()
    )


def sweep_if_due() -> dict[str, int] | None:
    """The automatic sweep (the console): store the real day's statuses when any is stale;
    nothing under --today. Reads never need it: they compute statuses from the dates."""
    from .clock import acting_as_of_another_day

    if acting_as_of_another_day() or not sweep_needed():
        return None
    return sweep()
