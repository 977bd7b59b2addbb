"""The billing schedule: a contract's periods by its billing frequency, the price spread over
them, and the overage (use beyond a line's total) billed in the period it occurred."""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

import peewee as pw
import pendulum

from .allotments import allotment
from .db import reads
from .lookup import find_contract
from .models import Contract, Line, UsageEntry, tuples
from .views import BillingPeriod

BILLING_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannually": 6, "annually": 12}


@reads
def billing_schedule(number: str) -> list[BillingPeriod]:
    """The contract's billing periods by its frequency; the total price spread by days, and
    the overage (use beyond a line's total) billed in the period it occurred.

    A canceled contract is billed up to its cancel date."""
    contract = find_contract(number)
    price = (
        Line.select(pw.fn.COALESCE(pw.fn.SUM(Line.price - Line.discount), 0))
        .where(Line.contract == contract.id)
        .scalar()
    ) or 0
    return schedule(
        contract.billing_start,
        contract.billing_end,
        contract.billing,
        int(price),
        contract.cancel_date if contract.status == "canceled" else None,
        overage(contract),
    )


def overage(contract: Contract) -> list[tuple[pendulum.Date, Fraction]]:
    """(business day, exact amount in cents) of every change of a line's overage, in ledger
    order: overage is the use beyond the line's total, billed at the line's rate (net price /
    total), not rounded here. A reversal or a lowering adjustment gives back what it undoes."""
    from .forecast import stored_day

    lines = {
        line.id: line
        for line in Line.select(Line.id, Line.total, Line.price, Line.discount).where(
            (Line.contract == contract.id) & Line.total.is_null(False) & (Line.total > 0)
        )
    }
    if not allotment(contract.allotment_type).metered or not lines:
        return []
    used = dict.fromkeys(lines, 0)
    out = []
    for line_id, amount, at in tuples(
        UsageEntry.select(UsageEntry.line, UsageEntry.amount, UsageEntry.at)
        .where(UsageEntry.line.in_(list(lines)))
        .order_by(UsageEntry.id)
    ):
        line = lines[line_id]
        assert line.total is not None  # only lines with a total were selected
        before, used[line_id] = used[line_id], used[line_id] + amount
        change = max(0, used[line_id] - line.total) - max(0, before - line.total)
        if change:
            out.append(
                (stored_day(at), Fraction(change * (line.price - line.discount), line.total))
            )
    return out


def _cents(amount: Fraction) -> int:
    """Exact cents rounded once, half away from zero."""
    whole = math.floor(abs(amount) + Fraction(1, 2))
    return whole if amount >= 0 else -whole


def schedule(
    start: pendulum.Date,
    end: pendulum.Date,
    billing: str,
    price_cents: int,
    cancel_date: pendulum.Date | None = None,
    overage: Iterable[tuple[pendulum.Date, Fraction]] = (),
) -> list[BillingPeriod]:
    """Periods of `billing` months from start to end. Whole periods bill equal shares of the
    price; a short last period (or the one a cancel date cuts) bills its share of days.
    `overage` ((day, exact cents), …) is billed in the period of its day (the first or last
    period when the day lies outside them), rounded to cents once per period."""
    months = BILLING_MONTHS[billing]
    periods = []  # (start, end, weight)
    k = 0
    while start.add(months=months * k) <= end:
        p_start = start.add(months=months * k)
        natural_end = start.add(months=months * (k + 1)).subtract(days=1)
        p_end = min(natural_end, end)
        full_days = (natural_end - p_start).days + 1
        periods.append((p_start, p_end, ((p_end - p_start).days + 1) / full_days))
        k += 1
    total_weight = sum(w for _s, _e, w in periods)
    out = []
    billed = 0
    for i, (p_start, p_end, weight) in enumerate(periods):
        if i == len(periods) - 1:
            amount = price_cents - billed
        else:
            amount = round(price_cents * weight / total_weight)
        billed += amount
        if cancel_date is not None:
            if p_start > cancel_date:
                break
            if p_end > cancel_date:
                days = (p_end - p_start).days + 1
                amount = round(amount * ((cancel_date - p_start).days + 1) / days)
                p_end = cancel_date
        out.append(BillingPeriod(p_start, p_end, amount))
    if not out or not overage:
        return out
    extra = [Fraction(0)] * len(out)
    for day, cents in overage:
        index = next((i for i, p in enumerate(out) if day <= p.end), len(out) - 1)
        extra[index] += cents
    return [
        BillingPeriod(p.start, p.end, p.amount_cents, _cents(over)) for p, over in zip(out, extra)
    ]
