"""Plain read-only values handed to the faces (console, command line): no model, no query."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import pendulum

from .amounts import format_amount, format_money, format_remaining


def _plain(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # stored timestamps are UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return value.to_json()
    return value


class JsonMixin:
    def to_json(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class LineInfo(JsonMixin):
    ref: str
    position: int
    title: str
    product: str
    allotment_type: str
    start: pendulum.Date
    end: pendulum.Date
    total: int | None
    used: int
    remaining: int | None
    overage: int
    cases: int  # resolved cases charged to the line (coverage lines count use this way)
    price_cents: int
    discount_cents: int
    net_price_cents: int
    rate_cents: int | None  # net price per case or per minute
    status: str
    usable: bool
    reason: str | None

    @property
    def remaining_text(self) -> str:
        return format_remaining(self.used, self.total, self.allotment_type)

    @property
    def used_text(self) -> str:
        if self.allotment_type == "coverage":
            return f"{self.cases} case{'s' if self.cases != 1 else ''}"
        return f"{format_amount(self.used, self.allotment_type)}/{format_amount(self.total, self.allotment_type)}"


@dataclass(frozen=True)
class ContractInfo(JsonMixin):
    number: str
    title: str
    status: str
    customer: str
    bill_to: str
    template: str
    allotment_type: str
    billing: str
    hours: str
    start: pendulum.Date
    end: pendulum.Date
    billing_start: pendulum.Date
    billing_end: pendulum.Date
    cancel_date: pendulum.Date | None
    cancel_reason: str | None
    origin: str | None
    origin_kind: str | None
    renewed_by: str | None
    owner: str
    created: dt.datetime
    modified: dt.datetime
    version: int
    total_price_cents: int
    days_left: int | None
    lines: list[LineInfo] = field(default_factory=list)

    @property
    def total_price_text(self) -> str:
        return format_money(self.total_price_cents)


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

    @property
    def remaining_text(self) -> str:
        if self.allotment_type != "coverage" and self.total is None:
            return "no lines"
        return format_remaining(self.used, self.total, self.allotment_type)


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


@dataclass(frozen=True)
class CheckResult(JsonMixin):
    query: str
    at: pendulum.Date
    entitled: bool
    customer: str | None
    reason: str | None
    contracts: list[ContractInfo]
    matched_by: str | None = None  # name, contract, phone or email
    candidates: list[str] = field(default_factory=list)  # customers at an address's domain


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
