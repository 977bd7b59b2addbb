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


_NAMES_AT_ONCE = 50  # contracts whose names one statement reads (five columns each)


def _names(contracts: list[Contract]) -> list[tuple[str, str, str, str | None, str | None]]:
    """Each contract's (customer, bill-to customer, template, the contract it came from, its
    renewal): one statement of scalar subqueries for up to 50 contracts, not five lookups
    each (every lookup a round trip on PostgreSQL)."""

    def name(model: type[Customer | Template], key: int) -> pw.SelectQuery:
        return model.select(model.name).where(model.id == key)

    def columns(contract: Contract) -> list[pw.SelectQuery]:
        renewal = (
            Contract.select(Contract.number)
            .where((Contract.origin == contract.id) & (Contract.origin_kind == "renewal"))
            .limit(1)
        )
        origin = Contract.select(Contract.number).where(Contract.id == contract.origin_id)
        return [
            name(Customer, contract.customer_id),
            name(Customer, contract.bill_to_id),
            name(Template, contract.template_id),
            origin,
            renewal,
        ]

    out = []
    for at in range(0, len(contracts), _NAMES_AT_ONCE):
        chunk = contracts[at : at + _NAMES_AT_ONCE]
        row = database.execute(pw.Select(columns=[q for c in chunk for q in columns(c)])).fetchone()
        out += [tuple(row[i : i + 5]) for i in range(0, len(row), 5)]
    return out


def contract_info(
    contract: Contract,
    with_lines: bool = True,
    day: pendulum.Date | None = None,
    forecast: bool = True,
) -> ContractInfo:
    """The contract as the faces show it; `forecast`: with its lines' burn rates (one more
    query; the check, which answers a phone system, leaves it out)."""
    if with_lines:
        return contract_infos([contract], day, forecast)[0]
    day = day or today()
    contract.status = status_on(contract.status, contract.start, contract.end, day)
    price = (
        Line.select(pw.fn.COALESCE(pw.fn.SUM(Line.price - Line.discount), 0))
        .where(Line.contract == contract.id)
        .scalar()
    )
    return _contract_view(contract, [], int(price or 0), _names([contract])[0], day)


def contract_infos(
    contracts: list[Contract], day: pendulum.Date | None = None, forecast: bool = True
) -> list[ContractInfo]:
    """`contract_info` of several contracts, with their lines, in as many statements as for
    one (their lines, the lines' resolved cases, their names; the forecast one more): a
    customer's contracts, for `check`."""
    day = day or today()
    lines_of: dict[int, list[Line]] = {contract.id: [] for contract in contracts}
    if lines_of:
        ordered = Line.select().where(Line.contract.in_(list(lines_of)))
        for line in ordered.order_by(Line.contract, Line.position):
            lines_of[line.contract_id].append(line)
    counts = _case_counts([line.id for lines in lines_of.values() for line in lines])
    names = _names(contracts)
    metered = [
        line
        for contract in contracts
        if forecast and allotment(contract.allotment_type).metered
        for line in lines_of[contract.id]
    ]
    found = _forecasts(metered, day) if metered else {}  # one query for every line
    out = []
    for contract, named in zip(contracts, names, strict=True):
        contract.status = status_on(contract.status, contract.start, contract.end, day)
        lines = lines_of[contract.id]
        infos = [line_info(line, contract, counts.get(line.id, 0), day) for line in lines]
        if forecast and allotment(contract.allotment_type).metered:
            infos = _with_forecasts(infos, lines, found)
        price = sum(line.price - line.discount for line in lines)
        out.append(_contract_view(contract, infos, price, named, day))
    return out


def _contract_view(
    contract: Contract,
    infos: list[LineInfo],
    price: int,
    names: tuple[str, str, str, str | None, str | None],
    day: pendulum.Date,
) -> ContractInfo:
    customer, bill_to, template, origin, renewed_by = names
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
        total_price_cents=price,
        days_left=days_left(contract.status, contract.end, day),
        lines=infos,
    )


def _forecasts(
    lines: list[Line], day: pendulum.Date
) -> dict[int, tuple[float, pendulum.Date | None]]:
    from .forecast import line_forecasts

    return line_forecasts(lines, day)


def _with_forecasts(
    infos: list[LineInfo], lines: list[Line], found: dict[int, tuple[float, pendulum.Date | None]]
) -> list[LineInfo]:
    """The lines' burn per week and run-out day, from `found` (forecast.line_forecasts)."""
    from dataclasses import replace

    out = []
    for info, line in zip(infos, lines):
        if info.total is not None:
            burn, runs_out = found.get(line.id, (0.0, None))
            info = replace(info, burn_per_week=burn, runs_out_on=runs_out)
        out.append(info)
    return out
