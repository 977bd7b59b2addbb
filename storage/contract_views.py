"""The views a check and `show` return: a contract with its lines, and the check's answer.

Plain read-only values for the faces, as in views.py (which holds the rest and re-exports
these); apart so that `contracts check` does not build the list views' classes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pendulum

from .allotments import Allotment, allotment
from .amounts import format_money

# How charging.charge_refusal begins the refusal of an exhausted line (a supervisor may
# still charge it, as overage); every other refusal closes the line.
EXHAUSTED = "allotment exhausted"


_AS_IS = frozenset((str, int, float, bool, type(None)))


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # stored timestamps are UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, JsonMixin):  # every view is a dataclass and a JsonMixin
        return value.to_json()
    if isinstance(value, tuple) and hasattr(value, "to_json"):  # a view as a named tuple
        return value.to_json()
    return value


class JsonMixin:
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # every subclass is one

    def to_json(self) -> dict:
        return {name: _plain(getattr(self, name)) for name in _field_names(type(self))}


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(view: type) -> tuple[str, ...]:
    """A view's fields, in order (dataclasses.fields costs microseconds at every call)."""
    names = _FIELDS.get(view)
    if names is None:
        names = _FIELDS[view] = tuple(f.name for f in dataclasses.fields(view))
    return names


@dataclass(frozen=True)
class LineInfo(JsonMixin):
    """A contract line as the faces show it: what is left, and whether it can be charged."""

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
    # metered lines: use per week at the current rate, and the day it is used up (forecast.py)
    burn_per_week: float | None = None
    runs_out_on: pendulum.Date | None = None
    # Set by the check only (None elsewhere): within the contract's service hours at the
    # moment asked, and when service opens next while outside them (in the hours' zone).
    in_hours: bool | None = None
    opens_at: dt.datetime | None = None

    @property
    def kind(self) -> Allotment:
        return allotment(self.allotment_type)

    @property
    def left_text(self) -> str:
        """`10 of 12 cases left`, `0 of 5 cases left (+1 over)`, `no limit`."""
        return self.kind.left(self.remaining, self.total, self.overage)

    @property
    def closed_reason(self) -> str | None:
        """Why nothing can be charged to the line, not even over the allotment by a
        supervisor's override (an exhausted line is not closed)."""
        if self.reason is None or self.reason.startswith(EXHAUSTED):
            return None
        return self.reason

    @property
    def used_text(self) -> str:
        """`2 of 12 used`, `30m of 10h used`; a coverage line: `3 cases`."""
        kind = self.kind
        if not kind.metered:
            return kind.words(self.cases)
        return kind.used_of(self.used, self.total)

    @property
    def left_sentence(self) -> str:
        """What is left on the line, in a sentence: `10 of 12 cases left`, `covered without
        limit (3 cases so far)`."""
        if not self.kind.metered:
            return f"covered without limit ({self.used_text} so far)"
        return self.left_text


@dataclass(frozen=True)
class ContractInfo(JsonMixin):
    """A contract as the faces show it, with its lines (contract_reads.contract_info)."""

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
class CheckResult(JsonMixin):
    """The answer of `check`: is the customer covered, and by which contracts' lines."""

    query: str
    at: pendulum.Date
    entitled: bool
    customer: str | None
    reason: str | None
    contracts: list[ContractInfo]
    # The customers a part of a name matched when it matched several (the console offers
    # them to pick from); not in the JSON of `check`, whose shape is SPEC §6's.
    matches: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = super().to_json()
        del out["matches"]
        return out

    # The moment asked about (None: a whole day, `--today` without `--at`); whether a usable
    # line is within its service hours then, when the first opens next, and in words.
    moment: dt.datetime | None = None
    in_hours: bool | None = None
    opens_at: dt.datetime | None = None
    hours_note: str | None = None

    @property
    def covered_now(self) -> bool:
        """Entitled, and within service hours (or no moment asked)."""
        return self.entitled and self.in_hours is not False

    matched_by: str | None = None  # name, contract, phone or email
    candidates: list[str] = field(default_factory=list)  # customers at an address's domain
