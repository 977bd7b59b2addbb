"""The billing schedule: a contract's periods by its billing frequency, the price spread over
them, when each falls due, and the overage (use beyond a line's total) booked in each.

A period falls due on its last day (a bill is sent when a period ends), or on the day the
contract was invoiced when it ended before that (the first bill catches up). The contract's
billing tab (`billing_schedule`) and the period report (bills.py) compute both
with the same functions here: `schedule` and `due_on` for the price, `overage_between` for
the overage."""

from __future__ import annotations

import datetime as dt
import json
import math
from calendar import monthrange
from collections.abc import Sequence
from fractions import Fraction

import peewee as pw
import pendulum

from .allotments import metered_types
from .clock import today
from .db import reads
from .forecast import day_start
from .lookup import find_contract
from .models import AuditEvent, Contract, Line, UsageEntry, tuples
from .views import BillingPeriod

# A contract's tab asks for the use at each period's start: this many columns a query at most
# (SQLite allows 2,000), so a contract of thousands of periods takes several queries.
BOUNDS_A_QUERY = 500
BILLING_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannually": 6, "annually": 12}


@reads
def billing_schedule(number: str, price: int | None = None) -> list[BillingPeriod]:
    """The contract's billing periods by its frequency: the total price spread by days, the
    day each falls due, the overage booked in it, and what happened to it (`state`).
    `price`: the contract's total price in cents, when the caller has read it already.

    A canceled contract is billed up to its cancel date."""
    contract = find_contract(number)
    if price is None:
        price = contract_prices([contract.id]).get(contract.id, 0)
    invoiced = invoice_days([contract.number]).get(contract.number)
    periods = schedule(
        contract.billing_start,
        contract.billing_end,
        contract.billing,
        price,
        contract.cancel_date if contract.status == "canceled" else None,
    )
    if not periods:
        return []
    # overage before the first period is billed with it, after the last with the last
    inner = [day_start(p.start) for p in periods[1:]]
    over = overage_between([contract.id], [None, *inner, None]).get(contract.id)
    draft, on = contract.status == "draft", today()
    return [
        BillingPeriod(
            p.start,
            p.end,
            p.amount_cents,
            cents(over[i]) if over else 0,
            due_on=None if draft else due_on(p.end, invoiced),
            state=period_state(p, on, None if draft else invoiced, draft),
            canceled=p.canceled,
        )
        for i, p in enumerate(periods)
    ]


def due_on(end: pendulum.Date, invoiced: pendulum.Date | None) -> pendulum.Date:
    """A period falls due when it ends, or on the invoice day when it ended before that."""
    return end if invoiced is None or invoiced <= end else invoiced


def period_state(
    p: BillingPeriod, on: pendulum.Date, invoiced: pendulum.Date | None, draft: bool
) -> str:
    """What happened to a period by `on`: `not invoiced` (a draft), `before invoicing` (it
    ended before the contract was invoiced: the first bill holds it), `billed` (it ended
    while the contract was invoiced), `current` or `upcoming`."""
    if draft:
        return "not invoiced"
    if invoiced is not None and p.end < invoiced:
        return "before invoicing"
    if p.end < on:
        return "billed"
    return "current" if p.start <= on else "upcoming"


@reads
def invoice_days(numbers: Sequence[str]) -> dict[str, pendulum.Date]:
    """The business day each contract was invoiced (the day the invoice acted as of, in its
    audit event; else the day of the event). A contract with no invoice in its trail, such as
    demo data, is taken as invoiced before its first period."""
    from .amounts import parse_date
    from .forecast import stored_day

    if not numbers:
        return {}
    events = tuples(
        AuditEvent.select(AuditEvent.ref, AuditEvent.at, AuditEvent.changes)
        .where(
            (AuditEvent.entity == "contract")
            & (AuditEvent.action == "invoice")
            & AuditEvent.ref.in_(list(numbers))
        )
        .order_by(AuditEvent.id.desc())  # the first invoice wins
    )
    out = {}
    for ref, at, changes in events:
        on = json.loads(changes or "{}").get("on")
        out[ref] = parse_date(on) if on else stored_day(at)
    return out


@reads
def contract_prices(ids: Sequence[int]) -> dict[int, int]:
    """Each contract's total price in cents (the sum of its lines' net prices)."""
    if not ids:
        return {}
    rows = tuples(
        Line.select(Line.contract, pw.fn.SUM(Line.price - Line.discount))
        .where(Line.contract.in_(list(ids)))
        .group_by(Line.contract)
    )
    return {contract: int(price or 0) for contract, price in rows}


@reads
def overage_between(
    ids: Sequence[int], bounds: Sequence[dt.datetime | None]
) -> dict[int, list[Fraction]]:
    """The overage of each contract booked between consecutive `bounds` (stored moments;
    None first: from the beginning, None last: to the end), as exact cents per window.

    Overage is the use beyond a line's total, billed at the line's rate (net price / total):
    a line's overage in a window is its overage at the window's end less its overage at the
    window's start, so a reversal or a lowering adjustment gives back what it undoes.
    Contracts without any are left out."""
    if not ids:
        return {}
    # the use of each line at each bound (before a first None: nothing; to a last None: all)
    moments = list(bounds[1:] if bounds[0] is None else bounds)
    lines: dict[int, tuple[int, int, int, list[int]]] = {}
    for i in range(0, len(moments), BOUNDS_A_QUERY):
        for line, contract, total, net, *used in tuples(
            _use_at(ids, moments[i : i + BOUNDS_A_QUERY])
        ):
            found = lines.setdefault(line, (contract, total, int(net), [0] * (bounds[0] is None)))
            found[3].extend(int(u or 0) for u in used)
    out: dict[int, list[Fraction]] = {}
    for contract, total, net, used in lines.values():
        over = [max(0, u - total) for u in used]
        if not any(over):
            continue
        windows = out.setdefault(contract, [Fraction(0)] * (len(used) - 1))
        for i in range(len(used) - 1):
            windows[i] += Fraction((over[i + 1] - over[i]) * net, total)
    return out


def _use_at(ids: Sequence[int], moments: Sequence[dt.datetime | None]) -> pw.ModelSelect[Line]:
    """(line, contract, total, net price, its use before each moment (None: all of it)) of
    the metered lines with a total of the contracts `ids` that have any ledger entry."""
    return (
        Line.select(
            Line.id,
            Line.contract,
            Line.total,
            Line.price - Line.discount,
            *(
                pw.fn.SUM(UsageEntry.amount)
                if moment is None
                else pw.fn.SUM(pw.Case(None, [(UsageEntry.at < moment, UsageEntry.amount)], 0))
                for moment in moments
            ),
        )
        .join(UsageEntry, on=UsageEntry.line == Line.id)
        .switch(Line)
        .join(Contract)
        .where(
            Line.contract.in_(list(ids))
            & (Line.total > 0)
            & Contract.allotment_type.in_(metered_types())
        )
        .group_by(Line.id, Line.contract, Line.total, Line.price, Line.discount)
    )


def cents(amount: Fraction) -> int:
    """Exact cents rounded once, half away from zero."""
    whole = math.floor(abs(amount) + Fraction(1, 2))
    return whole if amount >= 0 else -whole


def schedule(
    start: pendulum.Date,
    end: pendulum.Date,
    billing: str,
    price_cents: int,
    cancel_date: pendulum.Date | None = None,
) -> list[BillingPeriod]:
    """Periods of `billing` months from start to end. Whole periods bill equal shares of the
    price; a short last period (or the one a cancel date cuts) bills its share of days."""
    months = BILLING_MONTHS[billing]
    periods = []  # (start, end, weight), as day ordinals: pendulum's arithmetic is slow
    last = end.toordinal()
    k, p_start = 0, start.toordinal()
    while p_start <= last:
        natural_end = _add_months(start, months * (k + 1)) - 1
        p_end = min(natural_end, last)
        full_days = natural_end - p_start + 1
        periods.append((p_start, p_end, (p_end - p_start + 1) / full_days))
        k += 1
        p_start = natural_end + 1
    total_weight = sum(w for _s, _e, w in periods)
    cancel = cancel_date.toordinal() if cancel_date is not None else None
    out = []
    billed = 0
    for i, (p_start, p_end, weight) in enumerate(periods):
        if i == len(periods) - 1:
            amount = price_cents - billed
        else:
            amount = round(price_cents * weight / total_weight)
        billed += amount
        cut = False
        if cancel is not None:
            if p_start > cancel:
                break
            if p_end > cancel:
                days = p_end - p_start + 1
                amount = round(amount * (cancel - p_start + 1) / days)
                p_end, cut = cancel, True
        out.append(BillingPeriod(_day(p_start), _day(p_end), amount, canceled=cut))
    return out


def period_end(start: dt.date, billing: str, on: dt.date) -> int:
    """The ordinal of the last day of the billing period that holds `on`, the periods cut as
    `schedule` cuts them (uncut by an end or a cancel date); a day before `start` is in the
    first period."""
    months = BILLING_MONTHS[billing]
    on = max(on, start)
    k = ((on.year - start.year) * 12 + on.month - start.month) // months
    day = on.toordinal()
    while _add_months(start, months * (k + 1)) <= day:
        k += 1
    while k > 0 and _add_months(start, months * k) > day:
        k -= 1
    return _add_months(start, months * (k + 1)) - 1


def _add_months(day: dt.date, months: int) -> int:
    """The ordinal of `day` plus `months` (pendulum's rule: the 31st becomes a shorter
    month's last day)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, monthrange(year, month + 1)[1])).toordinal()


def _day(ordinal: int) -> pendulum.Date:
    day = dt.date.fromordinal(ordinal)
    return pendulum.Date(day.year, day.month, day.day)
