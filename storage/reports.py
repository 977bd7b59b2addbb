"""What the faces read: contracts with their lines, lists, entitlement checks, schedules, verify."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import peewee as pw
import pendulum

from .charging import charge_refusal
from .clock import today
from .db import read_snapshot, reads
from .errors import InvalidInput
from .lifecycle import line_status_on, status_column, status_is, status_on
from .lookup import (
    case_number,
    contract_id,
    find_case,
    find_contract,
    find_customer,
    line_ref,
    looks_like_contract,
)
from .models import STATUSES, AuditEvent, Case, Contract, Customer, Line, Template, UsageEntry
from .views import (
    AuditInfo,
    BillingPeriod,
    CaseInfo,
    CheckResult,
    ContractInfo,
    ContractRow,
    LedgerEntryInfo,
    LineInfo,
)

OPEN_STATUSES = ("draft", "invoiced", "active", "on_hold")
BILLING_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannually": 6, "annually": 12}
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


def days_left(status: str, end: pendulum.Date, day: pendulum.Date | None = None) -> int | None:
    if status in ("canceled", "expired"):
        return None
    return max(0, (end - (day or today())).days)


def line_info(line: Line, contract: Contract, cases: int = 0, day=None) -> LineInfo:
    """`contract.status` is the status the contract is in on `day` (see contract_info)."""
    day = day or today()
    line.status = line_status_on(line.status, line.end, contract.status, day)
    kind = contract.allotment_type
    unit = 0 if kind == "coverage" else 1
    refusal = charge_refusal(contract, line, None, day, unit)
    net = line.price - line.discount
    total = line.total if kind != "coverage" else None
    return LineInfo(
        ref=line_ref(contract.id, line.position),
        position=line.position,
        title=line.title,
        product=line.product,
        allotment_type=kind,
        start=line.start,
        end=line.end,
        total=total,
        used=line.used,
        remaining=None if total is None else max(0, total - line.used),
        overage=0 if total is None else max(0, line.used - total),
        cases=cases,
        price_cents=line.price,
        discount_cents=line.discount,
        net_price_cents=net,
        rate_cents=(net // total) if total else None,
        status=line.status,
        usable=refusal is None,
        reason=refusal,
    )


def _case_counts(line_ids) -> dict[int, int]:
    if not line_ids:
        return {}
    rows = (
        Case.select(Case.line, pw.fn.COUNT(Case.id).alias("n"))
        .where(Case.line.in_(line_ids) & (Case.status == "resolved"))
        .group_by(Case.line)
    )
    return {row.line_id: row.n for row in rows}


def contract_info(contract: Contract, with_lines: bool = True, day=None) -> ContractInfo:
    day = day or today()
    contract.status = status_on(contract.status, contract.start, contract.end, day)
    lines = list(contract.lines.order_by(Line.position)) if with_lines else []
    counts = _case_counts([line.id for line in lines])
    infos = [line_info(line, contract, counts.get(line.id, 0), day) for line in lines]
    if with_lines:
        price = sum(line.price - line.discount for line in lines)
    else:
        price = (
            Line.select(pw.fn.COALESCE(pw.fn.SUM(Line.price - Line.discount), 0))
            .where(Line.contract == contract.id)
            .scalar()
        )
    successor = (
        Contract.select(Contract.number)
        .where((Contract.origin == contract.id) & (Contract.origin_kind == "renewal"))
        .first()
    )
    origin = (
        Contract.select(Contract.number).where(Contract.id == contract.origin_id).first()
        if contract.origin_id
        else None
    )
    return ContractInfo(
        number=contract.number,
        title=contract.title,
        status=contract.status,
        customer=contract.customer.name,
        bill_to=contract.bill_to.name,
        template=contract.template.name,
        allotment_type=contract.allotment_type,
        billing=contract.billing,
        hours=contract.hours,
        start=contract.start,
        end=contract.end,
        billing_start=contract.billing_start,
        billing_end=contract.billing_end,
        cancel_date=contract.cancel_date,
        cancel_reason=contract.cancel_reason,
        origin=origin.number if origin else None,
        origin_kind=contract.origin_kind,
        renewed_by=successor.number if successor else None,
        owner=contract.owner,
        created=contract.created,
        modified=contract.modified,
        version=contract.version,
        total_price_cents=int(price or 0),
        days_left=days_left(contract.status, contract.end, day),
        lines=infos,
    )


@reads
def show(number) -> ContractInfo:
    return contract_info(find_contract(number))


def _filtered(status: str | None, text: str | None, customer: str | None, day=None):
    query = Contract.select()
    if status and status != "all":
        if status not in STATUSES:
            raise InvalidInput(f"status '{status}' is not one of {', '.join(STATUSES)}.")
        query = query.where(status_is(status, day or today()))
    if customer:
        query = query.where(Contract.customer == find_customer(customer).id)
    if text:
        needle = " ".join(text.split()).casefold()
        if needle:
            query = query.where(Contract.search.contains(needle))
    return query


@reads
def count_contracts(
    status: str | None = None, text: str | None = None, customer: str | None = None
) -> int:
    return _filtered(status, text, customer).count()


@reads
def status_counts(text: str | None = None) -> dict[str, int]:
    """How many contracts each status holds (and 'all'), under the filter text."""
    query = _filtered(None, text, None)
    status = status_column(today())
    rows = query.select(status, pw.fn.COUNT(Contract.id).alias("n")).group_by(status).tuples()
    counts = {status: 0 for status in STATUSES}
    for status, n in rows:
        counts[status] = n
    counts["all"] = sum(counts.values())
    return counts


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
    key = SORTABLE[order]
    query = (
        _filtered(status, text, customer)
        .select(
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
        .order_by(
            key.desc() if descending else key, Contract.id.desc() if descending else Contract.id
        )
        .offset(max(0, offset))
    )
    if limit is not None:
        query = query.limit(limit)
    rows = list(query.tuples())
    ids = [row[0] for row in rows]
    sums = {}
    if ids:
        for cid, total, used in (
            Line.select(Line.contract, pw.fn.SUM(Line.total), pw.fn.SUM(Line.used))
            .where(Line.contract.in_(ids) & (Line.status != "canceled"))
            .group_by(Line.contract)
            .tuples()
        ):
            sums[cid] = (total, used)
    day = today()
    result = []
    for cid, number, title, stored, kind, raw_start, raw_end, customer_name in rows:
        start = Contract.start.python_value(raw_start)
        end = Contract.end.python_value(raw_end)
        row_status = status_on(stored, start, end, day)
        total, used = sums.get(cid, (None, 0))
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
            )
        )
    return result


def _resolve_customer(query: str):
    """The customer a check query names: exact name, else the only one that contains it."""
    key = " ".join(query.split()).casefold()
    customer = Customer.get_or_none(Customer.name_key == key)
    if customer is not None:
        return customer, None
    matches = list(
        Customer.select()
        .where(Customer.name_key.contains(key))
        .order_by(Customer.name_key)
        .limit(6)
    )
    if len(matches) == 1:
        return matches[0], None
    if not matches:
        return None, f"no customer or contract matches '{query}'."
    names = ", ".join(m.name for m in matches[:5])
    return None, f"'{query}' matches several customers ({names}); be more specific."


@reads
def check(query: str) -> CheckResult:
    """Is this customer (or contract) covered right now, by which lines, how much is left?"""
    raw = " ".join(str(query or "").split())
    if not raw:
        raise InvalidInput("give a customer name or a contract number to check.")
    day = today()
    if looks_like_contract(raw):
        contract = Contract.get_or_none(Contract.id == contract_id(raw))
        if contract is None:
            return CheckResult(raw, day, False, None, f"there is no contract {raw.upper()}.", [])
        contracts = [contract]
        customer_name = contract.customer.name
    else:
        customer, reason = _resolve_customer(raw)
        if customer is None:
            return CheckResult(raw, day, False, None, reason, [])
        customer_name = customer.name
        current = list(
            Contract.select()
            .where(
                (Contract.customer == customer.id)
                & (
                    status_is("invoiced", day)
                    | status_is("active", day)
                    | status_is("on_hold", day)
                )
            )
            .order_by(Contract.end.desc())
        )
        past = list(
            Contract.select()
            .where(
                (Contract.customer == customer.id)
                & (status_is("expired", day) | status_is("canceled", day))
            )
            .order_by(Contract.end.desc())
            .limit(3)
        )
        contracts = current + past
    infos = [contract_info(c, day=day) for c in contracts]
    rank = {"active": 0, "on_hold": 1, "invoiced": 2, "expired": 3, "canceled": 4, "draft": 5}
    infos.sort(key=lambda i: (not any(li.usable for li in i.lines), rank[i.status]))
    entitled = any(li.usable for info in infos for li in info.lines)
    reason = None
    if not entitled:
        if not infos:
            reason = f"{customer_name} has no contract."
        else:
            reasons = [li.reason for info in infos for li in info.lines if li.reason]
            reason = reasons[0] if reasons else f"{infos[0].number} has no lines."
    return CheckResult(raw, day, entitled, customer_name, reason, infos)


def _case_info(case: Case, kind: str | None = None) -> CaseInfo:
    return CaseInfo(
        number=case.number or case_number(case.id),
        customer=case.customer.name,
        title=case.title,
        line=line_ref(case.line.contract_id, case.line.position) if case.line_id else None,
        status=case.status,
        opened=case.opened,
        opened_by=case.opened_by,
        resolved_at=case.resolved_at,
        resolved_on=case.resolved_on,
        resolved_by=case.resolved_by,
        resolution=case.resolution,
        spent=case.spent,
        charged=case.charged,
        allotment_type=kind,
    )


@reads
def list_cases(
    status: str | None = None,
    contract: str | None = None,
    customer: str | None = None,
    text: str | None = None,
    limit: int | None = 500,
) -> list[CaseInfo]:
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
    if limit:
        query = query.limit(limit)
    out = []
    for case in query:
        kind = case.line.contract.allotment_type if case.line_id else None
        out.append(_case_info(case, kind))
    return out


@reads
def show_case(number) -> CaseInfo:
    case = find_case(number)
    kind = case.line.contract.allotment_type if case.line_id else None
    return _case_info(case, kind)


@reads
def ledger(number) -> list[LedgerEntryInfo]:
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
        LedgerEntryInfo(
            line=line_ref(contract.id, e.line.position),
            case=e.case.number if e.case is not None else None,
            amount=e.amount,
            kind=e.kind,
            who=e.who,
            at=e.at,
            note=e.note,
            allotment_type=contract.allotment_type,
        )
        for e in rows
    ]


@reads
def billing_schedule(number) -> list[BillingPeriod]:
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
    from .clock import business_zone

    lines = {
        line.id: line
        for line in Line.select(Line.id, Line.total, Line.price, Line.discount).where(
            (Line.contract == contract.id) & Line.total.is_null(False) & (Line.total > 0)
        )
    }
    if contract.allotment_type == "coverage" or not lines:
        return []
    used = dict.fromkeys(lines, 0)
    zone = business_zone()
    out = []
    for line_id, amount, at in (
        UsageEntry.select(UsageEntry.line, UsageEntry.amount, UsageEntry.at)
        .where(UsageEntry.line.in_(list(lines)))
        .order_by(UsageEntry.id)
        .tuples()
    ):
        line = lines[line_id]
        before, used[line_id] = used[line_id], used[line_id] + amount
        change = max(0, used[line_id] - line.total) - max(0, before - line.total)
        if change:
            stamp = UsageEntry.at.python_value(at)
            day = pendulum.instance(stamp.replace(tzinfo=dt.UTC)).in_timezone(zone).date()
            out.append((day, Fraction(change * (line.price - line.discount), line.total)))
    return out


def _cents(amount: Fraction) -> int:
    """Exact cents rounded once, half away from zero."""
    whole = math.floor(abs(amount) + Fraction(1, 2))
    return whole if amount >= 0 else -whole


def schedule(
    start, end, billing: str, price_cents: int, cancel_date=None, overage=()
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
def verify() -> list[str]:
    """Every invariant of the ledger and the contracts; returns the violations found.

    All its queries read one snapshot (one read transaction; REPEATABLE READ on PostgreSQL,
    a deferred transaction on SQLite's WAL), so charges committed while it runs can never
    look like a violation, and it never blocks a writer."""
    with read_snapshot():
        return _violations()


def _violations() -> list[str]:
    problems: list[str] = []
    sums = {
        line_id: total
        for line_id, total in UsageEntry.select(UsageEntry.line, pw.fn.SUM(UsageEntry.amount))
        .group_by(UsageEntry.line)
        .tuples()
    }
    supervised = {
        line_id
        for (line_id,) in UsageEntry.select(UsageEntry.line)
        .where(UsageEntry.kind.in_(("override", "adjustment")))
        .distinct()
        .tuples()
    }
    lines = (
        Line.select(
            Line.id,
            Line.position,
            Line.used,
            Line.total,
            Line.start,
            Line.end,
            Contract.id,
            Contract.start,
            Contract.end,
            Contract.allotment_type,
        )
        .join(Contract)
        .tuples()
    )
    for lid, pos, used, total, l_start, l_end, cid, c_start, c_end, kind in lines:
        ref = line_ref(cid, pos)
        ledger_sum = int(sums.get(lid, 0) or 0)
        if used != ledger_sum:
            problems.append(f"{ref}: used is {used} but its ledger sums to {ledger_sum}.")
        if used < 0:
            problems.append(f"{ref}: used is negative ({used}).")
        if kind != "coverage" and total is not None and used > total and lid not in supervised:
            problems.append(f"{ref}: used {used} exceeds the total {total} without an override.")
        if l_start < c_start or l_end > c_end:
            problems.append(f"{ref}: its dates {l_start}..{l_end} lie outside the contract's.")
    per_case = {
        case_id: (total, n)
        for case_id, total, n in UsageEntry.select(
            UsageEntry.case, pw.fn.SUM(UsageEntry.amount), pw.fn.COUNT(UsageEntry.id)
        )
        .where(UsageEntry.case.is_null(False))
        .group_by(UsageEntry.case)
        .tuples()
    }
    charges = {
        case_id: n
        for case_id, n in UsageEntry.select(UsageEntry.case, pw.fn.COUNT(UsageEntry.id))
        .where(UsageEntry.case.is_null(False) & UsageEntry.kind.in_(("charge", "override")))
        .group_by(UsageEntry.case)
        .tuples()
    }
    reversals = {
        case_id: n
        for case_id, n in UsageEntry.select(UsageEntry.case, pw.fn.COUNT(UsageEntry.id))
        .where(UsageEntry.case.is_null(False) & (UsageEntry.kind == "reversal"))
        .group_by(UsageEntry.case)
        .tuples()
    }
    for cid, number, status, charged in Case.select(
        Case.id, Case.number, Case.status, Case.charged
    ).tuples():
        total = int((per_case.get(cid) or (0, 0))[0] or 0)
        outstanding = charges.get(cid, 0) - reversals.get(cid, 0)
        if outstanding not in (0, 1):
            problems.append(f"{number}: {outstanding} outstanding charges (at most one allowed).")
        if status == "resolved":
            if total != charged:
                problems.append(f"{number}: charged {charged} but its ledger sums to {total}.")
        else:
            if total != 0 or charged != 0 or outstanding != 0:
                problems.append(f"{number} is {status} but still has a charge of {total}.")
    for number, start, end in (
        Contract.select(Contract.number, Contract.start, Contract.end)
        .where(Contract.end < Contract.start)
        .tuples()
    ):
        problems.append(f"{number}: ends before it starts.")
    return problems


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
