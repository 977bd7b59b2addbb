"""One thing in full, for the faces' detail views: a contract with its cases, ledger and
billing, a case with its ledger entries, a template with the contracts made from it, and
whether the acting login may manage users."""

from __future__ import annotations

import peewee as pw

from .billing import billing_schedule
from .by_dates import status_on
from .catalog import template_info
from .clock import today
from .contract_views import ContractInfo
from .db import reads
from .detail_views import CaseDetail, ContractDetail, TemplateDetail, TemplateUse
from .lookup import find_case, find_template, remembering_contracts
from .models import Contract, Customer, Line, UsageEntry, tuples
from .people import MANAGE_USERS, refusals, role_refusal
from .reports import case_info, ledger, ledger_entry, list_cases, show


@reads
def contract_detail(
    number: str, cases: int = 500, info: ContractInfo | None = None
) -> ContractDetail:
    """The contract (`info`, when the caller read it already) with its newest `cases` cases,
    its ledger, its billing periods and what the acting login may not do to it. The
    contract is read once for all of them."""
    with remembering_contracts():
        info = info or show(number)
        return ContractDetail(
            info=info,
            refused=refusals(info.status, number),
            cases=list_cases(contract=number, limit=cases),
            ledger=ledger(number),
            billing=billing_schedule(number, info.total_price_cents),
        )


@reads
def case_detail(number: str) -> CaseDetail:
    """A case with its contract line, the contract's rounding of time and its ledger."""
    case = find_case(number)
    info = case_info(case)  # reads the case's line and contract, which stay cached on it
    line = case.line if case.line_id else None
    contract = line.contract if line is not None else None
    entries = []
    if line is not None and contract is not None:
        rows = (
            UsageEntry.select(UsageEntry, Line.position, Line.contract)
            .join(Line)
            .where(UsageEntry.case == case.id)
            .order_by(UsageEntry.id)
        )
        entries = [
            ledger_entry(e, e.line.contract_id, info.number, contract.allotment_type) for e in rows
        ]
    return CaseDetail(
        case=info,
        contract=contract.number if contract else None,
        contract_title=contract.title if contract else None,
        line_title=line.title if line else None,
        increment=contract.increment if contract else None,
        minimum=contract.minimum if contract else None,
        entries=entries,
    )


@reads
def template_detail(name: str, limit: int = 200) -> TemplateDetail:
    """A template's terms and the contracts made from it, the newest first."""
    template = find_template(name)
    query = (
        Contract.select(
            Contract.number,
            Contract.title,
            Contract.status,
            Contract.start,
            Contract.end,
            Customer.name,
        )
        .join(Customer, on=(Contract.customer == Customer.id))
        .where(Contract.template == template.id)
    )
    day = today()
    uses = [
        TemplateUse(
            number=number,
            title=title,
            customer=customer,
            status=status_on(stored, start, end, day),
            start=start,
            end=end,
        )
        for number, title, stored, start, end, customer in (
            tuples(query.order_by(Contract.id.desc()).limit(limit))
        )
    ]
    count = (
        Contract.select(pw.fn.COUNT(Contract.id)).where(Contract.template == template.id).scalar()
    )
    return TemplateDetail(template=template_info(template), contracts=uses, count=count or 0)


@reads
def user_admin_refusal() -> str | None:
    """Why the acting login may not manage users (the sentence), or None when it may."""
    return role_refusal(*MANAGE_USERS)
