"""What the faces read: contracts with their lines, the lists (contracts, cases, the ledger,
the audit trail) and the counts. The entitlement check is in entitlement.py, the billing
schedule in billing.py, verify in verify.py."""

from __future__ import annotations

import peewee as pw
import pendulum

from . import search_index, status_tally
from .by_dates import status_is, status_on, status_when
from .clock import today
from .contract_reads import contract_info, days_left
from .db import reads
from .errors import InvalidInput
from .lookup import (
    case_number,
    find_case,
    find_contract,
    find_customer,
    line_ref,
)
from .models import (
    STATUSES,
    AuditEvent,
    Case,
    Contract,
    Customer,
    Line,
    Template,
    UsageEntry,
    database,
    tuples,
)
from .views import (
    AuditInfo,
    CaseInfo,
    ContractInfo,
    ContractRow,
    LedgerEntryInfo,
    StatusCounts,
)

OPEN_STATUSES = ("draft", "invoiced", "active", "on_hold")
SORTABLE = {
    "number": Contract.id,
    "title": Contract.title,
    "customer": Customer.name_key,
    "start": Contract.start,
    "end": Contract.end,
    "days_left": Contract.end,
    "type": Contract.allotment_type,
    "status": Contract.status,
}


@reads
def show(number: str) -> ContractInfo:
    return contract_info(find_contract(number))


def _filtered(
    status: str | None, text: str | None, customer: str | None, day: pendulum.Date | None = None
) -> tuple[pw.ModelSelect[Contract], pw.ColumnBase]:
    """The contracts in the tab, of the customer, holding the text; and the column that pages
    them in number order (the substring index's own, when the text is read from it)."""
    query = Contract.select()
    number: pw.ColumnBase = Contract.id
    if status and status != "all":
        if status not in STATUSES:
            raise InvalidInput(f"status '{status}' is not one of {', '.join(STATUSES)}.")
        query = query.where(status_is(status, day or today()))
    if customer:
        query = query.where(Contract.customer == find_customer(customer).id)
    if text:
        needle = " ".join(text.split()).casefold()
        if needle:
            query, number = search_index.narrow(query, needle)
    return query, number


@reads
def count_contracts(
    status: str | None = None, text: str | None = None, customer: str | None = None
) -> int:
    return _filtered(status, text, customer)[0].count()


# A filter text held by more contracts than this is counted no further: its counts per
# status are how many at least (StatusCounts.at_least), read in a bounded time.
COUNT_LIMIT = 1_000


@reads
def status_counts(text: str | None = None) -> StatusCounts:
    """How many contracts each status holds (and 'all'), under the filter text. With no
    text, summed from the tally (status_tally.py); with one, counted among at most
    COUNT_LIMIT contracts that hold it (then `at_least`: see StatusCounts)."""
    day = today()
    needle = " ".join((text or "").split())
    if not needle:
        return _counted(status_tally.by_state(day), at_least=False)
    held = _filtered(None, needle, None)[0].select(Contract.status, Contract.start, Contract.end)
    found = held.limit(COUNT_LIMIT).alias("held")
    value = Contract.start.db_value(day)
    groups = (found.c.status, found.c.start > value, found.c.end < value)
    counted = pw.Select([found], [*groups, pw.fn.COUNT(pw.SQL("*"))]).group_by(*groups)
    rows = [(state, bool(a), bool(b), n) for state, a, b, n in database.execute(counted)]
    return _counted(rows, at_least=sum(n for *_, n in rows) >= COUNT_LIMIT)


def _counted(rows: list[tuple[str, bool, bool, int]], at_least: bool) -> StatusCounts:
    """The counts per status (and 'all') from (stored state, whether the start is to come,
    whether the end is past, how many) rows."""
    counts = StatusCounts({status: 0 for status in STATUSES})
    counts.at_least = at_least
    for state, not_started, ended, n in rows:
        counts[status_when(state, not_started, ended)] += n
    counts["all"] = sum(counts.values())
    return counts


def _allotments(ids: list[int]) -> dict[int, tuple]:
    """(total, used, used within the totals) of the lines not canceled, by contract id: a
    line used beyond its total counts its total, so its overage eats no other line's
    remainder."""
    if not ids:
        return {}
    within = pw.Case(None, [(Line.used > Line.total, Line.total)], Line.used)
    return {
        cid: (total, used, capped)
        for cid, total, used, capped in tuples(
            Line.select(
                Line.contract, pw.fn.SUM(Line.total), pw.fn.SUM(Line.used), pw.fn.SUM(within)
            )
            .where(Line.contract.in_(ids) & (Line.status != "canceled"))
            .group_by(Line.contract)
        )
    }


@reads
def list_contracts(
    status: str | None = None,
    text: str | None = None,
    customer: str | None = None,
    order: str = "number",
    descending: bool = False,
    offset: int = 0,
    limit: int | None = 100,
) -> list[ContractRow]:
    """A page of the contract list, with each contract's remaining allotment."""
    if order not in SORTABLE:
        raise InvalidInput(f"cannot sort by '{order}'; use one of {', '.join(SORTABLE)}.")
    filtered, number = _filtered(status, text, customer)
    key = number if order == "number" else SORTABLE[order]
    keys = [key] if key is number else [key, number]
    query = (
        filtered.select(
            Contract.id,
            Contract.number,
            Contract.title,
            Contract.status,
            Contract.allotment_type,
            Contract.start,
            Contract.end,
            Customer.name,
        )
        .join(Customer, on=(Contract.customer == Customer.id))
        .order_by(*(k.desc() if descending else k for k in keys))
        .offset(max(0, offset))
    )
    if limit is not None:
        query = query.limit(limit)
    rows = list(tuples(query))
    sums = _allotments([row[0] for row in rows])
    day = today()
    result = []
    for cid, number, title, stored, kind, raw_start, raw_end, customer_name in rows:
        start = Contract.start.python_value(raw_start)
        end = Contract.end.python_value(raw_end)
        row_status = status_on(stored, start, end, day)
        total, used, capped = sums.get(cid, (None, 0, 0))
        result.append(
            ContractRow(
                number=number,
                title=title,
                customer=customer_name,
                status=row_status,
                allotment_type=kind,
                start=start,
                end=end,
                total=None if total is None else int(total),
                used=int(used or 0),
                days_left=days_left(row_status, end, day),
                remaining=None if total is None else int(total) - int(capped or 0),
                overage=int(used or 0) - int(capped or 0) if total is not None else 0,
            )
        )
    return result


def case_info(case: Case) -> CaseInfo:
    """A case as lists show it; its allotment type is its line's contract's (None off a line)."""
    line = case.line if case.line_id else None
    return CaseInfo(
        number=case.number or case_number(case.id),
        customer=case.customer.name,
        title=case.title,
        line=line_ref(line.contract_id, line.position) if line is not None else None,
        status=case.status,
        opened=case.opened,
        opened_by=case.opened_by,
        resolved_at=case.resolved_at,
        resolved_on=case.resolved_on,
        resolved_by=case.resolved_by,
        resolution=case.resolution,
        spent=case.spent,
        charged=case.charged,
        allotment_type=line.contract.allotment_type if line is not None else None,
    )


def _cases(
    status: str | None, contract: str | None, customer: str | None, text: str | None
) -> pw.ModelSelect[Case]:
    """The cases a list shows (every filter of `list_cases`), newest first."""
    query = (
        Case.select(Case, Customer, Line, Contract)
        .join(Customer, on=(Case.customer == Customer.id))
        .switch(Case)
        .join(Line, pw.JOIN.LEFT_OUTER, on=(Case.line == Line.id))
        .join(Contract, pw.JOIN.LEFT_OUTER, on=(Line.contract == Contract.id))
        .order_by(Case.id.desc())
    )
    if status and status != "all":
        if status not in ("open", "resolved", "canceled"):
            raise InvalidInput(f"case status '{status}' is not one of open, resolved, canceled.")
        query = query.where(Case.status == status)
    if contract:
        query = query.where(Line.contract == find_contract(contract).id)
    if customer:
        query = query.where(Case.customer == find_customer(customer).id)
    if text:
        needle = " ".join(text.split()).casefold()
        query = query.where(
            Case.title.contains(needle)
            | Customer.name_key.contains(needle)
            | Case.number.contains(needle.upper())
        )
    return query


@reads
def list_cases(
    status: str | None = None,
    contract: str | None = None,
    customer: str | None = None,
    text: str | None = None,
    limit: int | None = 500,
) -> list[CaseInfo]:
    query = _cases(status, contract, customer, text)
    if limit:
        query = query.limit(limit)
    return [case_info(case) for case in query]


@reads
def count_cases(
    status: str | None = None,
    contract: str | None = None,
    customer: str | None = None,
    text: str | None = None,
) -> int:
    """How many cases `list_cases` would list with no limit."""
    return _cases(status, contract, customer, text).order_by().count()


@reads
def show_case(number: str) -> CaseInfo:
    return case_info(find_case(number))


@reads
def ledger(number: str) -> list[LedgerEntryInfo]:
    """Every usage entry of a contract's lines, oldest first."""
    contract = find_contract(number)
    rows = (
        UsageEntry.select(UsageEntry, Line.position, Case.number)
        .join(Line)
        .switch(UsageEntry)
        .join(Case, pw.JOIN.LEFT_OUTER)
        .where(Line.contract == contract.id)
        .order_by(UsageEntry.id)
    )
    return [
        ledger_entry(
            e, contract.id, e.case.number if e.case is not None else None, contract.allotment_type
        )
        for e in rows
    ]


def ledger_entry(
    e: UsageEntry, contract_id: int, case: str | None, allotment_type: str
) -> LedgerEntryInfo:
    """One usage entry as the ledger shows it; its line is named by `contract_id`."""
    return LedgerEntryInfo(
        line=line_ref(contract_id, e.line.position),
        case=case,
        amount=e.amount,
        kind=e.kind,
        who=e.who,
        at=e.at,
        note=e.note,
        allotment_type=allotment_type,
    )


@reads
def audit_trail(ref: str | None = None, limit: int = 200) -> list[AuditInfo]:
    query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
    if ref:
        key = ref.strip().upper()
        query = query.where(
            (AuditEvent.ref == key)
            | AuditEvent.ref.startswith(key + "/")
            | (AuditEvent.ref == ref.strip())
        )
    return [AuditInfo(e.entity, e.ref, e.action, e.who, e.at, e.changes, e.db_user) for e in query]


@reads
def change_marker() -> int:
    """A number that changes whenever anything is written (every change is audited)."""
    return AuditEvent.select(pw.fn.MAX(AuditEvent.id)).scalar() or 0


@reads
def database_summary() -> dict[str, int]:
    return {
        "customers": Customer.select().count(),
        "templates": Template.select().count(),
        "contracts": Contract.select().count(),
        "lines": Line.select().count(),
        "cases": Case.select().count(),
        "ledger": UsageEntry.select().count(),
    }
