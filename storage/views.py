"""Plain read-only values handed to the faces (console, command line): no model, no query.

A contract with its lines and the check's answer are in contract_views.py (re-exported here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pendulum

from .allotments import Allotment, allotment
from .contract_views import (
    EXHAUSTED,
    CheckResult,
    ContractInfo,
    JsonMixin,
    LineInfo,
)

__all__ = [
    "EXHAUSTED",
    "CheckResult",
    "ContractInfo",
    "JsonMixin",
    "LineInfo",
]


@dataclass(frozen=True)
class ContractRow(JsonMixin):
    """One row of the contract list: what a rep scans for."""

    number: str
    title: str
    customer: str
    status: str
    allotment_type: str
    start: pendulum.Date
    end: pendulum.Date
    total: int | None
    used: int
    days_left: int | None
    # what is left of the lines' totals (a line used beyond its total counts as 0 left, never
    # less) and the use beyond them
    remaining: int | None = None
    overage: int = 0

    @property
    def kind(self) -> Allotment:
        return allotment(self.allotment_type)

    @property
    def remaining_text(self) -> str:
        """`12 of 25 cases left (+1 over)`, `no lines`, `no limit`."""
        return self.remaining_words(word=True)

    def remaining_words(self, word: bool = True) -> str:
        """As `remaining_text`; without `word`, for a column headed Remaining: `12 of 25
        cases (+1 over)`."""
        if self.kind.metered and self.total is None:
            return "no lines"
        return self.kind.left(self.remaining, self.total, self.overage, word=word)


class StatusCounts(dict[str, int]):
    """How many contracts each status holds (and "all"). With `at_least`, more contracts
    hold the filter text than were counted (status_counts stops counting at COUNT_LIMIT):
    each count is then how many at least."""

    at_least: bool = False


@dataclass(frozen=True)
class CaseInfo(JsonMixin):
    number: str
    customer: str
    title: str
    line: str | None
    status: str
    opened: dt.datetime
    opened_by: str
    resolved_at: dt.datetime | None
    resolved_on: pendulum.Date | None
    resolved_by: str | None
    resolution: str | None
    spent: int | None
    charged: int
    allotment_type: str | None


@dataclass(frozen=True)
class LedgerEntryInfo(JsonMixin):
    line: str
    case: str | None
    amount: int
    kind: str
    who: str
    at: dt.datetime
    note: str
    allotment_type: str


@dataclass(frozen=True)
class CustomerInfo(JsonMixin):
    name: str
    email: str | None  # the first of `emails` (kept for scripts written before several)
    phone: str | None  # the first of `phones`
    contracts: int = 0
    phones: list[str] = field(default_factory=list)  # as people read them: +34 911 23 45 67
    emails: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateInfo(JsonMixin):
    name: str
    abbr: str
    allotment_type: str
    billing: str
    volume: int | None
    hours: str
    increment: int | None
    minimum: int | None
    description: str


@dataclass(frozen=True)
class BillingPeriod(JsonMixin):
    start: pendulum.Date
    end: pendulum.Date
    amount_cents: int  # the period's share of the contract's price
    overage_cents: int = 0  # use beyond the lines' totals in the period, at each line's rate
    due_on: pendulum.Date | None = None  # the day it falls due (None: a draft's)
    # what happened to it: not invoiced, before invoicing, billed, current, upcoming
    state: str = ""
    canceled: bool = False  # the cancel date cut it short


@dataclass(frozen=True)
class UserInfo(JsonMixin):
    login: str
    role: str


@dataclass(frozen=True)
class AuditInfo(JsonMixin):
    entity: str
    ref: str
    action: str
    who: str
    at: dt.datetime
    changes: str  # JSON text, as stored: {field: [old, new]} or what the action recorded
    db_user: str | None = None  # the database role, when it differs from the login

    def to_json(self) -> dict:
        import json

        return {**super().to_json(), "changes": json.loads(self.changes)}


@dataclass(frozen=True)
class ContractBill(JsonMixin):
    """What one contract owes for a period of the billing report."""

    number: str
    customer: str
    bill_to: str
    billing: str
    status: str
    periods_due: int  # its billing periods that fall due in the report's period
    due_cents: int  # their price
    overage_cents: int  # overage booked in the report's period, at each line's rate

    @property
    def total_cents(self) -> int:
        return self.due_cents + self.overage_cents

    def to_json(self) -> dict:
        return {**super().to_json(), "total_cents": self.total_cents}


@dataclass
class BillingTotal(JsonMixin):
    """The billing report's sum over a customer's (or a bill-to customer's) contracts."""

    name: str
    contracts: int = 0
    due_cents: int = 0
    overage_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.due_cents + self.overage_cents

    def add(self, bill: ContractBill) -> None:
        self.contracts += 1
        self.due_cents += bill.due_cents
        self.overage_cents += bill.overage_cents

    def to_json(self) -> dict:
        return {**super().to_json(), "total_cents": self.total_cents}
