"""One contract as the faces show it, with its lines: what `show`, `check` and the contract
screen read (reports.py holds the lists; this stays small for `contracts check`)."""

from __future__ import annotations

import peewee as pw
import pendulum

from .allotments import allotment
from .by_dates import line_status_on, status_on
from .charge_rule import charge_refusal
from .clock import today
from .contract_views import ContractInfo, LineInfo
from .lookup import line_ref
from .models import Case, Contract, Customer, Line, Template, database, tuples


def days_left(status: str, end: pendulum.Date, day: pendulum.Date | None = None) -> int | None:
    if status in ("canceled", "expired"):
        return None
    return max(0, (end - (day or today())).days)


def line_info(
    line: Line, contract: Contract, cases: int = 0, day: pendulum.Date | None = None
) -> LineInfo:
    """`contract.status` is the status the contract is in on `day` (see contract_info)."""
    day = day or today()
    line.status = line_status_on(line.status, line.end, contract.status, day)
    kind = allotment(contract.allotment_type)
    unit = 1 if kind.metered else 0
    refusal = charge_refusal(contract, line, None, day, unit)
    net = line.price - line.discount
    total = line.total if kind.metered else None
    return LineInfo(
        ref=line_ref(contract.id, line.position),
        position=line.position,
        title=line.title,
        product=line.product,
        allotment_type=kind.name,
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


def _case_counts(line_ids: list[int]) -> dict[int, int]:
    if not line_ids:
        return {}
    rows = (
        Case.select(Case.line, pw.fn.COUNT(Case.id).alias("n"))
        .where(Case.line.in_(line_ids) & (Case.status == "resolved"))
        .group_by(Case.line)
    )
    return {line_id: n for line_id, n in tuples(rows)}


def line_today(line: Line) -> tuple[LineInfo, Contract]:
    """One line as `contract_info` shows it today (without the forecast), and its contract
    (its status that of today): for a sentence about one line, without reading the others."""
    day = today()
    contract = line.contract
    contract.status = status_on(contract.status, contract.start, contract.end, day)
    return line_info(line, contract, _case_counts([line.id]).get(line.id, 0), day), contract


def _names(contract: Contract) -> tuple[str, str, str, str | None, str | None]:
    """(customer, bill-to customer, template, the contract it came from, its renewal): one
    statement of scalar subqueries, not five lookups (each a round trip on PostgreSQL)."""

    def name(model: type[Customer | Template], key: int) -> pw.SelectQuery:
        return model.select(model.name).where(model.id == key)

    renewal = (
        Contract.select(Contract.number)
        .where((Contract.origin == contract.id) & (Contract.origin_kind == "renewal"))
        .limit(1)
    )
    origin = Contract.select(Contract.number).where(Contract.id == contract.origin_id)
    columns = [
        name(Customer, contract.customer_id),
        name(Customer, contract.bill_to_id),
        name(Template, contract.template_id),
        origin,
        renewal,
    ]
    return database.execute(pw.Select(columns=columns)).fetchone()


def contract_info(
    contract: Contract,
    with_lines: bool = True,
    day: pendulum.Date | None = None,
    forecast: bool = True,
) -> ContractInfo:
    """The contract as the faces show it; `forecast`: with its lines' burn rates (one more
    query; the check, which answers a phone system, leaves it out)."""
    day = day or today()
    contract.status = status_on(contract.status, contract.start, contract.end, day)
    lines = list(contract.lines.order_by(Line.position)) if with_lines else []
    counts = _case_counts([line.id for line in lines])
    infos = [line_info(line, contract, counts.get(line.id, 0), day) for line in lines]
    if forecast and allotment(contract.allotment_type).metered:
        infos = _with_forecasts(infos, lines, day)
    if with_lines:
        price = sum(line.price - line.discount for line in lines)
    else:
        price = (
            Line.select(pw.fn.COALESCE(pw.fn.SUM(Line.price - Line.discount), 0))
            .where(Line.contract == contract.id)
            .scalar()
        )
    customer, bill_to, template, origin, renewed_by = _names(contract)
    return ContractInfo(
        number=contract.number,
        title=contract.title,
        status=contract.status,
        customer=customer,
        bill_to=bill_to,
        template=template,
        allotment_type=contract.allotment_type,
        billing=contract.billing,
        hours=contract.hours,
        start=contract.start,
        end=contract.end,
        billing_start=contract.billing_start,
        billing_end=contract.billing_end,
        cancel_date=contract.cancel_date,
        cancel_reason=contract.cancel_reason,
        origin=origin,
        origin_kind=contract.origin_kind,
        renewed_by=renewed_by,
        owner=contract.owner,
        created=contract.created,
        modified=contract.modified,
        version=contract.version,
        total_price_cents=int(price or 0),
        days_left=days_left(contract.status, contract.end, day),
        lines=infos,
    )


def _with_forecasts(infos: list[LineInfo], lines: list[Line], day: pendulum.Date) -> list[LineInfo]:
    """The lines' burn per week and run-out day (forecast.py; one query for them all)."""
    from dataclasses import replace

    from .forecast import line_forecasts

    found = line_forecasts(lines, day)
    out = []
    for info, line in zip(infos, lines):
        if info.total is not None:
            burn, runs_out = found.get(line.id, (0.0, None))
            info = replace(info, burn_per_week=burn, runs_out_on=runs_out)
        out.append(info)
    return out
