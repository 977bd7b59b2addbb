"""The rows the generator writes, one named record per table. Their fields are the models'
field names in the order written (rows are tuples, so the bulk writers take them as they are)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple, TypeVar

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
