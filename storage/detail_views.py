"""The values of the detail screens and the attention list (case detail, template detail,
a line's burn rate, what needs attention): kept apart from views.py, so that `check`, which
answers a phone system, does not build classes it never uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import pendulum

from .views import (
    BillingPeriod,
    CaseInfo,
    ContractInfo,
    JsonMixin,
    LedgerEntryInfo,
    TemplateInfo,
)


@dataclass(frozen=True)
class LineBurn(JsonMixin):
    """How fast a metered line is used and when it runs out at that rate (forecast.py)."""

    ref: str
    allotment_type: str
    total: int | None
    used: int
    end: pendulum.Date
    burn_per_week_30: float  # over the last 30 days
    burn_per_week_90: float  # over the last 90 days
    burn_per_week: float  # the rate the projection runs at (forecast.project chose it)
    runs_out_on: pendulum.Date | None  # None: no use to project from
    runs_out_before_end: bool
    per_week: list[int]  # use in each of the last weeks, oldest first; the last ends today


class AttentionEntry(NamedTuple):
    """One thing that needs attention: where, why, and what to do (attention.py).

    A named tuple, not a frozen dataclass like the other views: a large database lists tens
    of thousands of entries, and a frozen dataclass takes five times as long to build."""

    section: str
    contract: str
    customer: str
    line: str | None
    case: str | None
    why: str
    what_to_do: str
    date: pendulum.Date | None  # the day it is about (runs out, ends, started, period end)

    def to_json(self) -> dict:
        date = self.date
        return {**self._asdict(), "date": None if date is None else date.isoformat()}


@dataclass(frozen=True)
class AttentionSection(JsonMixin):
    section: str
    title: str
    entries: list[AttentionEntry]
    more: bool = False  # cut at the limit asked for

    def to_json(self) -> dict:
        return {**super().to_json(), "count": len(self.entries)}


@dataclass(frozen=True)
class Attention(JsonMixin):
    at: pendulum.Date
    within: int
    thresholds: tuple[int, int]
    sections: list[AttentionSection]

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sections)

    def to_json(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "within": self.within,
            "thresholds": list(self.thresholds),
            "count": self.count,
            "sections": [s.to_json() for s in self.sections],
        }


@dataclass(frozen=True)
class CaseDetail(JsonMixin):
    """One case with what the case detail screen shows: where it was charged, by whom, and
    its ledger entries (charges, overrides, reversals), oldest first."""

    case: CaseInfo
    contract: str | None
    contract_title: str | None
    line_title: str | None
    increment: int | None  # the contract's rounding of a time charge (minutes)
    minimum: int | None
    entries: list[LedgerEntryInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ContractDetail(JsonMixin):
    """A contract with everything its screen shows below the lines: the actions the acting
    login may not take now and why, its newest cases, its ledger and its billing periods."""

    info: ContractInfo
    refused: dict[str, str]
    cases: list[CaseInfo]
    ledger: list[LedgerEntryInfo]
    billing: list[BillingPeriod]


@dataclass(frozen=True)
class TemplateUse(JsonMixin):
    """A contract made from a template, as the template screen lists it."""

    number: str
    title: str
    customer: str
    status: str
    start: pendulum.Date
    end: pendulum.Date


@dataclass(frozen=True)
class TemplateDetail(JsonMixin):
    template: TemplateInfo
    contracts: list[TemplateUse]  # the newest first, at most the limit asked
    count: int  # every contract made from it
