"""The entitlement check: is this customer (or contract) covered right now, by which lines,
and how much is left? What `contracts check` and the console's check screen ask.

"Right now" has two parts: entitled today (the contract's and line's status and allotment)
and within the contract's service hours at this moment (hours.py, with the template's days
off). `--today` asks about a whole day and leaves the hours out; `at` asks about a moment."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pendulum

from . import caller_id
from .by_dates import status_is
from .clock import acting_as_of_another_day, business_zone_name, now, today
from .contract_reads import contract_infos
from .contract_views import CheckResult, ContractInfo
from .days_off import days_off_of
from .db import reads
from .errors import InvalidInput
from .hours import closed_sentence, in_hours, next_opening, parse_moment
from .lookup import contract_id, find_contract, looks_like_contract
from .models import Contract, Customer

CHECK_MATCHES = 50  # the most customers a check offers to pick from


def _resolve_customer(query: str) -> tuple[Customer | None, str | None, list[str]]:
    """The customer a check query names: exact name, else the only one that contains it.
    Returns (customer, reason it names none, the names it matched when several)."""
    key = " ".join(query.split()).casefold()
    customer = Customer.get_or_none(Customer.name_key == key)
    if customer is not None:
        return customer, None, []
    matches = list(
        Customer.select()
        .where(Customer.name_key.contains(key))
        .order_by(Customer.name_key)
        .limit(CHECK_MATCHES)
    )
    if len(matches) == 1:
        return matches[0], None, []
    if not matches:
        return None, f"no customer or contract matches '{query}'.", []
    names = ", ".join(m.name for m in matches[:5])
    reason = f"'{query}' matches several customers ({names}); be more specific."
    return None, reason, [m.name for m in matches]


def _moment(at: object) -> tuple[pendulum.DateTime | None, pendulum.Date]:
    """The moment asked about and its business day; no moment for `--today` alone."""
    if at is not None:
        moment = parse_moment(at, business_zone_name())
        return moment, moment.in_timezone(business_zone_name()).date()
    if acting_as_of_another_day():
        return None, today()
    return now(), today()


def _with_hours(
    pairs: list[tuple[Contract, ContractInfo]], moment: dt.datetime
) -> tuple[list[ContractInfo], dict[str, str]]:
    """Each ContractInfo with its lines' in_hours and opens_at at `moment`; the closed
    sentence of each contract outside its hours, by number."""
    off = days_off_of([contract.template_id for contract, _info in pairs], moment.date())
    infos: list[ContractInfo] = []
    notes: dict[str, str] = {}
    for contract, info in pairs:
        days = off[contract.template_id]
        inside = in_hours(info.hours, days, moment)
        opening = None if inside else next_opening(info.hours, days, moment)
        if not inside:
            zone = business_zone_name()
            notes[info.number] = closed_sentence(info.hours, days, moment, zone, opening)
        lines = [dataclasses.replace(li, in_hours=inside, opens_at=opening) for li in info.lines]
        infos.append(dataclasses.replace(info, lines=lines))
    return infos, notes


def _hours_verdict(
    infos: list[ContractInfo], notes: dict[str, str]
) -> tuple[bool, dt.datetime | None, str | None]:
    """Overall: a usable line within its hours; else the first opening and its sentence."""
    usable = [(info, li) for info in infos for li in info.lines if li.usable]
    if any(li.in_hours for _info, li in usable):
        return True, None, None
    waiting = [(li.opens_at, info.number) for info, li in usable if li.opens_at is not None]
    if not waiting:
        return False, None, notes.get(usable[0][0].number)
    opening, number = min(waiting)
    return False, opening, notes.get(number)


RANK = {"active": 0, "on_hold": 1, "invoiced": 2, "expired": 3, "canceled": 4, "draft": 5}


def _rank(info: ContractInfo) -> tuple[bool, bool, int]:
    """Contracts with a usable line first, those within their hours before those outside."""
    return (
        not any(li.usable for li in info.lines),
        not any(li.usable and li.in_hours is not False for li in info.lines),
        RANK[info.status],
    )


def _why_not(infos: list[ContractInfo], customer_name: str) -> str:
    if not infos:
        return f"{customer_name} has no contract."
    reasons = [li.reason for info in infos for li in info.lines if li.reason]
    return reasons[0] if reasons else f"{infos[0].number} has no lines."


def _candidates_sentence(domain: str, names: list[str]) -> str:
    if len(names) == 1:
        return f"the domain {domain} belongs to {names[0]}"
    return f"the domain {domain} is used by {', '.join(names[:-1])} and {names[-1]}"


def _find_caller(raw: str) -> tuple[Customer | None, str | None, str, list[str], list[str]]:
    """For a query that is not a contract number: (customer, reason when there is none, what
    matched: name, phone or email, the customers at an address's domain, the names a part of
    a name matched when it matched several)."""
    if caller_id.looks_like_phone(raw):
        customer, number = caller_id.customer_by_phone(raw)
        return customer, f"no customer has the phone number {number}.", "phone", [], []
    if caller_id.looks_like_email(raw):
        customer, address, names = caller_id.customer_by_email(raw)
        reason = f"no customer has the address {address}"
        if names:
            reason += "; " + _candidates_sentence(caller_id.domain_of(address), names)
        return customer, reason + ".", "email", names, []
    customer, why, matches = _resolve_customer(raw)
    return customer, why, "name", [], matches


def _contracts_of(customer: Customer, day: pendulum.Date) -> list[Contract]:
    """The customer's current contracts, then their three most recent past ones."""
    current = list(
        Contract.select()
        .where(
            (Contract.customer == customer.id)
            & (status_is("invoiced", day) | status_is("active", day) | status_is("on_hold", day))
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
    return current + past


def _not_found(raw: str, day: pendulum.Date, reason: str | None, **more: Any) -> CheckResult:
    """The answer to a query that names no customer and no contract."""
    return CheckResult(raw, day, False, None, reason, [], **more)


@reads
def check(query: str, at: object = None) -> CheckResult:
    """Is this customer (or contract) covered right now, by which lines, how much is left?
    `at`: another moment (ISO 8601 text or an aware datetime; without an offset, in the
    business zone)."""
    raw = " ".join(str(query or "").split())
    if not raw:
        raise InvalidInput(
            "give a customer name, a contract number, a phone number or an e-mail address to check."
        )
    moment, day = _moment(at)
    if looks_like_contract(raw):
        matched_by = "contract"
        contract = Contract.get_or_none(Contract.id == contract_id(raw))
        if contract is None:
            why = f"there is no contract {raw.upper()}."
            return _not_found(raw, day, why, moment=moment, matched_by=matched_by)
        contracts = [contract]
        customer_name = None  # read with the contract's other names below
    else:
        customer, reason, matched_by, candidates, matches = _find_caller(raw)
        if customer is None:
            return _not_found(
                raw,
                day,
                reason,
                matches=matches,
                moment=moment,
                matched_by=matched_by,
                candidates=candidates,
            )
        customer_name = customer.name
        contracts = _contracts_of(customer, day)
    infos = contract_infos(contracts, day=day, forecast=False)
    customer_name = customer_name or infos[0].customer
    notes: dict[str, str] = {}
    if moment is not None:
        infos, notes = _with_hours(list(zip(contracts, infos, strict=True)), moment)
    infos.sort(key=_rank)
    entitled = any(li.usable for info in infos for li in info.lines)
    hours: tuple[bool | None, dt.datetime | None, str | None] = (None, None, None)
    if moment is not None and entitled:
        hours = _hours_verdict(infos, notes)
    reason = None if entitled else _why_not(infos, customer_name)
    in_hours, opens_at, hours_note = hours
    return CheckResult(
        raw,
        day,
        entitled,
        customer_name,
        reason,
        infos,
        moment=moment,
        in_hours=in_hours,
        opens_at=opens_at,
        hours_note=hours_note,
        matched_by=matched_by,
    )


@reads
def outside_hours_notice(line_ref: str) -> str | None:
    """After a case is recorded on a line: a sentence when this moment is outside the
    contract's service hours (recording is allowed: work happens late), else None."""
    return outside_hours_of(find_contract(str(line_ref or "").split("/")[0]))


def outside_hours_of(contract: Contract) -> str | None:
    """`outside_hours_notice` for a contract the caller has already read."""
    if acting_as_of_another_day():
        return None
    moment = now()
    days = days_off_of([contract.template_id], moment.date())[contract.template_id]
    if in_hours(contract.hours, days, moment):
        return None
    opening = next_opening(contract.hours, days, moment)
    return (
        f"Recorded {closed_sentence(contract.hours, days, moment, business_zone_name(), opening)}."
    )
