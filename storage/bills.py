"""What is due in a period (issue 12): for every contract, the price of its billing periods
that fall due in the period plus the overage booked in it, with totals per customer and per
bill-to customer.

The report reads the contracts in pages (PAGE at a time, in number order), four grouped
queries a page, and yields one row per contract with something due: memory stays constant
however many contracts there are. The rules are billing.py's (`schedule`, `due_on`,
`overage_between`), the ones the contract's billing tab shows."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import peewee as pw
import pendulum

from .amounts import parse_date
from .billing import (
    cents,
    contract_prices,
    due_on,
    invoice_days,
    overage_between,
    schedule,
)
from .by_dates import status_on
from .clock import today
from .db import reads
from .errors import InvalidInput
from .forecast import day_start
from .models import Contract, Customer, Line, UsageEntry, tuples
from .text import quoted
from .views import BillingTotal, ContractBill

PAGE = 500
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")


def billing_window(
    period: str | None = None, start: str | None = None, end: str | None = None
) -> tuple[pendulum.Date, pendulum.Date]:
    """The first and last day of `period` (a month `2026-11`, a quarter `2026-Q4`), or of
    `start`..`end` (dates); anything else is refused with one sentence."""
    if period is not None and (start is not None or end is not None):
        raise InvalidInput("give either a period or --from and --to, not both.")
    if period is None:
        if start is None or end is None:
            raise InvalidInput("give a period (2026-11 or 2026-Q4), or both --from and --to.")
        first, last = parse_date(start, "--from"), parse_date(end, "--to")
        if first > last:
            raise InvalidInput(f"--from {first} comes after --to {last}.")
        return first, last
    text = period.strip()
    month, quarter = _MONTH.fullmatch(text), _QUARTER.fullmatch(text)
    if month and 1 <= int(month[2]) <= 12:
        first = parse_date(f"{month[1]}-{int(month[2]):02d}-01", "period")
        return first, first.end_of("month")
    if quarter:
        first = parse_date(f"{quarter[1]}-{3 * int(quarter[2]) - 2:02d}-01", "period")
        return first, first.add(months=2).end_of("month")
    raise InvalidInput(
        f"period '{quoted(text)}' is not a month (2026-11) or a quarter (2026-Q4); "
        "use --from and --to for other spans."
    )


def billing_report(first: pendulum.Date, last: pendulum.Date) -> Iterator[ContractBill]:
    """Every invoiced (not draft) contract with something due from `first` to `last`: the
    price of its periods that fall due then, and the overage booked then; in number order."""
    late = _booked_outside(first, last)
    after: int | None = 0
    while after is not None:
        nearest = bisect_right(late, after)
        rows, after = _page(first, last, after, late[nearest : nearest + PAGE])
        yield from rows


def _overlaps(first: pendulum.Date, last: pendulum.Date) -> pw.ColumnBase:
    """The contract's billing dates meet the period (a period of it may fall due then)."""
    return (Contract.billing_start <= last) & (Contract.billing_end >= first)


@reads
def _booked_outside(first: pendulum.Date, last: pendulum.Date) -> list[int]:
    """The invoiced contracts with use booked in the period outside their billing dates (a
    late adjustment: overage to bill, nothing else), in id order; read once, not per page."""
    since, until = day_start(first), day_start(last.add(days=1))
    query = (
        Line.select(Line.contract)
        .distinct()
        .join(UsageEntry, on=UsageEntry.line == Line.id)
        .switch(Line)
        .join(Contract)
        .where(
            (UsageEntry.at >= since)
            & (UsageEntry.at < until)
            & (Contract.status != "draft")
            & ~_overlaps(first, last)
        )
        .order_by(Line.contract)
    )
    return [contract for (contract,) in tuples(query)]


@reads
def _page(
    first: pendulum.Date, last: pendulum.Date, after: int, late: list[int]
) -> tuple[list[ContractBill], int | None]:
    """The bills of the next PAGE contracts after id `after` (with billing dates in the
    period, or among `late`), and the last id read (None at the end)."""
    since, until = day_start(first), day_start(last.add(days=1))
    # rows with the columns' names as attributes: c.number, c.customer, c.payer, …
    contracts: list[Any] = list(_contracts(first, last, after, late).namedtuples())
    if not contracts:
        return [], None
    ids = [c.id for c in contracts]
    prices = contract_prices(ids)
    invoiced = invoice_days([c.number for c in contracts])
    over = overage_between(ids, [since, until])
    on = today()
    bills = []
    for c in contracts:
        status = status_on(c.status, c.start, c.end, on)
        periods = schedule(
            c.billing_start,
            c.billing_end,
            c.billing,
            prices.get(c.id, 0),
            c.cancel_date if status == "canceled" else None,
        )
        due = [p for p in periods if first <= due_on(p.end, invoiced.get(c.number)) <= last]
        overage = cents(over[c.id][0]) if c.id in over else 0
        if due or overage:
            amount = sum(p.amount_cents for p in due)
            bills.append(
                ContractBill(
                    c.number, c.customer, c.payer, c.billing, status, len(due), amount, overage
                )
            )
    return bills, (ids[-1] if len(contracts) == PAGE else None)


def _contracts(
    first: pendulum.Date, last: pendulum.Date, after: int, late: list[int]
) -> pw.ModelSelect[Contract]:
    """The next PAGE invoiced contracts after id `after` with billing dates in the period, or
    in `late`: (id, number, customer, bill-to, billing, status, dates, billing dates, cancel
    date). (`late` holds the first PAGE of them after `after`: no later one can be in the
    page.)"""
    bill_to = Customer.alias("bill_to")
    meets = _overlaps(first, last) | Contract.id.in_(late) if late else _overlaps(first, last)
    return (
        Contract.select(
            Contract.id,
            Contract.number,
            Customer.name.alias("customer"),
            bill_to.name.alias("payer"),
            Contract.billing,
            Contract.status,
            Contract.start,
            Contract.end,
            Contract.billing_start,
            Contract.billing_end,
            Contract.cancel_date,
        )
        .join(Customer, on=Contract.customer == Customer.id)
        .switch(Contract)
        .join(bill_to, on=Contract.bill_to == bill_to.id)
        .where((Contract.id > after) & (Contract.status != "draft") & meets)
        .order_by(Contract.id)
        .limit(PAGE)
    )


@dataclass
class BillingTotals:
    """The report's totals as its rows go by: per customer, per bill-to customer, overall."""

    customers: dict[str, BillingTotal] = field(default_factory=dict)
    bill_to: dict[str, BillingTotal] = field(default_factory=dict)
    total: BillingTotal = field(default_factory=lambda: BillingTotal(""))

    def add(self, bill: ContractBill) -> None:
        for totals, name in ((self.customers, bill.customer), (self.bill_to, bill.bill_to)):
            totals.setdefault(name, BillingTotal(name)).add(bill)
        self.total.add(bill)

    def by_customer(self) -> list[BillingTotal]:
        return [self.customers[name] for name in sorted(self.customers, key=str.casefold)]

    def by_bill_to(self) -> list[BillingTotal]:
        return [self.bill_to[name] for name in sorted(self.bill_to, key=str.casefold)]
