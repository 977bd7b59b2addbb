"""The rows the generator writes, one named record per table. Their fields are the models'
field names in the order written (rows are tuples, so the bulk writers take them as they are)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..models import (
    AuditEvent,
    Base,
    Case,
    Contract,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Line,
    Template,
    UsageEntry,
)

if TYPE_CHECKING:
    from .dice import Dice

R = TypeVar("R", bound=tuple)


class CustomerRow(NamedTuple):
    id: int
    name: str
    name_key: str
    created: str


class PhoneRow(NamedTuple):
    id: int
    customer: int
    number: str  # E.164
    shown: str


class EmailRow(NamedTuple):
    id: int
    customer: int
    address: str
    address_key: str
    domain: str


class TemplateRow(NamedTuple):
    id: int
    name: str
    abbr: str
    allotment_type: str
    billing: str
    volume: int | None
    hours: str
    increment: int | None
    minimum: int | None
    description: str
    created: str
    modified: str


class ContractRow(NamedTuple):
    id: int
    number: str
    title: str
    customer: int
    bill_to: int
    template: int
    allotment_type: str
    billing: str
    hours: str
    increment: int | None
    minimum: int | None
    start: str
    end: str
    billing_start: str
    billing_end: str
    status: str
    cancel_date: str | None
    cancel_reason: str | None
    origin: int | None
    origin_kind: str | None
    search: str
    owner: str
    created: str
    modified: str
    version: int


class LineRow(NamedTuple):
    id: int
    contract: int
    position: int
    title: str
    product: str
    start: str
    end: str
    total: int | None
    used: int
    price: int
    discount: int
    status: str
    renewed_from: int | None
    created: str


class CaseRow(NamedTuple):
    id: int
    number: str
    customer: int
    title: str
    line: int | None
    status: str
    opened: str
    opened_by: str
    resolved_at: str | None
    resolved_on: str | None
    resolved_by: str | None
    resolution: str | None
    spent: int | None
    charged: int


class LedgerRow(NamedTuple):
    id: int
    line: int
    case: int
    amount: int
    kind: str
    who: str
    at: str
    note: str


class AuditRow(NamedTuple):
    id: int
    entity: str
    ref: str
    action: str
    who: str
    at: str
    changes: str


def maker(record: type[R]) -> Callable[[tuple[Any, ...]], R]:
    """`record` built from one tuple of its fields, at C speed: a NamedTuple's own __new__
    is a Python function, and the hundreds of thousands of rows of a large fill made it
    the generator's largest single cost."""
    return partial(tuple.__new__, record)


ROWS: dict[type[Base], Any] = {  # each a NamedTuple class
    Customer: CustomerRow,
    CustomerPhone: PhoneRow,
    CustomerEmail: EmailRow,
    Template: TemplateRow,
    Contract: ContractRow,
    Line: LineRow,
    Case: CaseRow,
    UsageEntry: LedgerRow,
    AuditEvent: AuditRow,
}
COLUMNS = {model: row._fields for model, row in ROWS.items()}  # the fields written, in order
COUNT_NAMES = {
    Customer: "customers",
    CustomerPhone: "phones",
    CustomerEmail: "emails",
    Template: "templates",
    Contract: "contracts",
    Line: "lines",
    Case: "cases",
    UsageEntry: "ledger",
    AuditEvent: "audit",
}


class Making:
    """What every part of the generator (generator.Filler and the parts it is made of) relies
    on: its dice, today (an ordinal), the rows of the batch being made, the next id of each
    table and `_id(model)`, which hands one out."""

    rng: Dice
    today: int
    rows: dict[type[Base], list[Any]]
    next_id: dict[type[Base], int]
    _id: Callable[[type[Base]], int]
