"""The entitlement check: is this customer (or contract) covered right now, by which lines,
and how much is left? What `contracts check` and the console's check screen ask."""

from __future__ import annotations

from . import caller_id
from .by_dates import status_is
from .clock import today
from .db import reads
from .errors import InvalidInput
from .lookup import contract_id, looks_like_contract
from .models import Contract, Customer
from .reports import contract_info
from .views import CheckResult


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


def _candidates_sentence(domain: str, names: list[str]) -> str:
    if len(names) == 1:
        return f"the domain {domain} belongs to {names[0]}"
    return f"the domain {domain} is used by {', '.join(names[:-1])} and {names[-1]}"


def _find_caller(raw: str):
    """(customer, reason when there is none, what matched: name, phone or email, candidates)
    for a query that is not a contract number."""
    if caller_id.looks_like_phone(raw):
        customer, number = caller_id.customer_by_phone(raw)
        return customer, f"no customer has the phone number {number}.", "phone", []
    if caller_id.looks_like_email(raw):
        customer, address, names = caller_id.customer_by_email(raw)
        reason = f"no customer has the address {address}"
        if names:
            reason += "; " + _candidates_sentence(caller_id.domain_of(address), names)
        return customer, reason + ".", "email", names
    customer, reason = _resolve_customer(raw)
    return customer, reason, "name", []


def _contracts_of(customer, day) -> list:
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


@reads
def check(query: str) -> CheckResult:
    """Is this customer (or contract) covered right now, by which lines, how much is left?"""
    raw = " ".join(str(query or "").split())
    if not raw:
        raise InvalidInput(
            "give a customer name, a contract number, a phone number or an e-mail address to check."
        )
    day = today()
    if looks_like_contract(raw):
        matched_by = "contract"
        contract = Contract.get_or_none(Contract.id == contract_id(raw))
        if contract is None:
            return CheckResult(
                raw, day, False, None, f"there is no contract {raw.upper()}.", [], matched_by
            )
        contracts = [contract]
        customer_name = contract.customer.name
    else:
        customer, reason, matched_by, candidates = _find_caller(raw)
        if customer is None:
            return CheckResult(raw, day, False, None, reason, [], matched_by, candidates)
        customer_name = customer.name
        contracts = _contracts_of(customer, day)
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
    return CheckResult(raw, day, entitled, customer_name, reason, infos, matched_by)
