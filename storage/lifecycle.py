"""The contract lifecycle of SPEC §3: one table of transitions that every action goes through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import peewee as pw
import pendulum

from . import audit
from .allotments import allotment as allotment_kind
from .amounts import FIRST_DAY, LAST_DAY, parse_date, parse_money
from .by_dates import line_status_on, status_on
from .clock import now_utc, today
from .db import writes
from .errors import Conflict, InvalidInput, Refused
from .lookup import (
    contract_number,
    find_contract,
    find_customer,
    find_line,
    find_template,
    line_ref,
    lock_rows,
)
from .models import Case, Contract, Customer, Line, Template, UsageEntry
from .people import LISTED, extra_role, require
from .renewal import renewal_start, renewal_title
from .statuses import TRANSITIONS, allowed_actions, refusal  # noqa: F401 - re-exported
from .terms import term_end
from .text import one_line


def check_transition(contract: Contract, action: str) -> None:
    """Refuse an action the contract's status does not allow, naming status and alternatives."""
    refused = refusal(contract.status, action, contract.number)
    if refused:
        raise Refused(refused)


def status_by_dates(contract: Contract, day: pendulum.Date) -> str:
    return status_on("active", contract.start, contract.end, day)


def _begin(number: str, action: str) -> tuple[Contract, str]:
    """Permission, then the contract locked (its row, on PostgreSQL; SQLite's writes are
    serialised by BEGIN IMMEDIATE), then the transition check on the status it is in today.

    Every contract action starts here: the read that decides and the write that follows
    are one atomic step, so the loser of a race gets the ordinary refusal."""
    who = require(TRANSITIONS[action].role, TRANSITIONS[action].may)
    contract = find_contract(number, lock=True)
    contract.status = status_on(contract.status, contract.start, contract.end, today())
    check_transition(contract, action)
    return contract, who


def _search_text(number: str, customer_name: str, title: str) -> str:
    return " ".join(f"{number} {customer_name} {title}".split()).casefold()


def _touch(contract: Contract, **fields: Any) -> None:
    """Save fields of a contract, bumping its version and modified time."""
    fields["modified"] = now_utc()
    fields["version"] = Contract.version + 1
    Contract.update(**fields).where(Contract.id == contract.id).execute()


def _check_dates(start: pendulum.Date, end: pendulum.Date, what: str = "the contract") -> None:
    if end < start:
        raise InvalidInput(f"{what} cannot end ({end}) before it starts ({start}).")


@writes
def new_contract(
    customer: str,
    template: str,
    start: str | pendulum.Date,
    end: str | pendulum.Date,
    title: str | None = None,
    bill_to: str | None = None,
) -> str:
    """A new draft from a template; returns its number."""
    who = require(LISTED, "create contracts")
    owner = find_customer(customer)
    payer = find_customer(bill_to) if bill_to else owner
    tmpl = find_template(template)
    start, end = parse_date(start, "start date"), parse_date(end, "end date")
    _check_dates(start, end)
    title = one_line(title or f"{tmpl.name} for {owner.name}", "title")
    number = _insert_draft(title, owner, payer.id, tmpl, start, end, who).number
    audit.record(
        "contract",
        number,
        "create",
        who,
        {"customer": owner.name, "template": tmpl.name, "start": start, "end": end, "title": title},
    )
    return number


@writes
def edit_contract(
    number: str,
    title: str | None = None,
    customer: str | None = None,
    start: str | pendulum.Date | None = None,
    end: str | pendulum.Date | None = None,
    expected_version: int | None = None,
) -> str:
    """Change a draft's title, customer or dates; lines that ran with the contract follow."""
    contract, who = _begin(number, "edit")
    if expected_version is not None and contract.version != expected_version:
        raise Conflict(f"{contract.number} was changed by someone else; reopen it and try again.")
    changes: dict = {}
    before = {
        "title": contract.title,
        "customer": contract.customer.name,
        "start": contract.start,
        "end": contract.end,
    }
    if title is not None:
        changes["title"] = one_line(title, "title")
    owner = contract.customer
    if customer is not None:
        owner = find_customer(customer)
        changes["customer"] = owner.id
        if contract.bill_to_id == contract.customer_id:
            changes["bill_to"] = owner.id
    new_start = parse_date(start, "start date") if start is not None else contract.start
    new_end = parse_date(end, "end date") if end is not None else contract.end
    _check_dates(new_start, new_end)
    if (new_start, new_end) != (contract.start, contract.end):
        for line in contract.lines:
            line_start = new_start if line.start == contract.start else line.start
            line_end = new_end if line.end == contract.end else line.end
            if line_start < new_start or line_end > new_end or line_end < line_start:
                raise Refused(
                    f"line {line_ref(contract.id, line.position)} ({line.start} to {line.end}) "
                    f"would fall outside the new dates {new_start} to {new_end}; edit the line first."
                )
            Line.update(start=line_start, end=line_end).where(Line.id == line.id).execute()
        changes.update(start=new_start, end=new_end)
        if contract.billing_start == contract.start:
            changes["billing_start"] = new_start
        if contract.billing_end == contract.end:
            changes["billing_end"] = new_end
    if not changes:
        raise InvalidInput("nothing to change: give a new title, customer, start or end.")
    changes["search"] = _search_text(
        contract.number, owner.name, changes.get("title", contract.title)
    )
    _touch(contract, **changes)
    after = {
        "title": changes.get("title", contract.title),
        "customer": owner.name,
        "start": new_start,
        "end": new_end,
    }
    audit.record("contract", contract.number, "edit", who, audit.diff(before, after))
    return contract.number


def _line_terms(
    contract: Contract,
    allotment: str | int | None,
    price: str | int | None,
    discount: str | int | None,
    start: str | pendulum.Date | None,
    end: str | pendulum.Date | None,
    defaults: Line | None = None,
) -> dict[str, Any]:
    """A line's terms as typed (each left out: `defaults`' or the contract's), checked; by
    the Line field they are stored in: total, price, discount, start, end."""
    kind = allotment_kind(contract.allotment_type)
    if allotment is None:
        total = defaults.total if defaults else contract.template.volume
        if total is None and kind.metered:
            raise InvalidInput(
                f"give the line's allotment (e.g. {kind.example}): "
                f"template {contract.template.name} has no default volume."
            )
    else:
        total = kind.parse_total(allotment)
    if not kind.metered:
        total = None
    price_c = (
        parse_money(price, "price") if price is not None else (defaults.price if defaults else 0)
    )
    discount_c = (
        parse_money(discount, "discount")
        if discount is not None
        else (defaults.discount if defaults else 0)
    )
    if discount_c > price_c:
        raise InvalidInput("the discount cannot be larger than the price.")
    line_start = (
        parse_date(start, "line start")
        if start is not None
        else (defaults.start if defaults else contract.start)
    )
    line_end = (
        parse_date(end, "line end")
        if end is not None
        else (defaults.end if defaults else contract.end)
    )
    _check_dates(line_start, line_end, "the line")
    if line_start < contract.start or line_end > contract.end:
        raise InvalidInput(
            f"the line's dates ({line_start} to {line_end}) must lie inside the contract's "
            f"({contract.start} to {contract.end})."
        )
    return {
        "total": total,
        "price": price_c,
        "discount": discount_c,
        "start": line_start,
        "end": line_end,
    }


@writes
def add_line(
    number: str,
    title: str,
    product: str | None = "",
    allotment: str | int | None = None,
    price: str | int | None = None,
    discount: str | int | None = None,
    start: str | pendulum.Date | None = None,
    end: str | pendulum.Date | None = None,
) -> str:
    """Add a line (a fresh allotment); returns its reference CNR-…/N.

    To a draft, any listed user; to a contract already billed (it changes what the customer
    is entitled to), only a supervisor."""
    contract, who = _begin(number, "add_line")
    if extra := extra_role("add_line", contract.status):
        who = require(*extra)
    title = one_line(title, "line title")
    product = one_line(product, "product", required=False)
    terms = _line_terms(contract, allotment, price, discount, start, end)
    position = (
        Line.select(pw.fn.MAX(Line.position)).where(Line.contract == contract.id).scalar() or 0
    ) + 1
    Line.create(
        contract=contract,
        position=position,
        title=title,
        product=product,
        **terms,
        used=0,
        status="existing",
        created=now_utc(),
    )
    _touch(contract)
    ref = line_ref(contract.id, position)
    audit.record("line", ref, "add", who, {"title": title, **terms})
    return ref


@writes
def edit_line(
    ref: str,
    title: str | None = None,
    product: str | None = None,
    allotment: str | int | None = None,
    price: str | int | None = None,
    discount: str | int | None = None,
    start: str | pendulum.Date | None = None,
    end: str | pendulum.Date | None = None,
) -> str:
    """Change a draft's line terms."""
    line = find_line(ref)
    contract, who = _begin(line.contract.number, "edit_line")
    line = find_line(ref, lock=True)
    terms = _line_terms(contract, allotment, price, discount, start, end, defaults=line)
    fields = {
        "title": one_line(title, "line title") if title is not None else line.title,
        "product": one_line(product, "product", required=False)
        if product is not None
        else line.product,
        **terms,
    }
    before = {k: getattr(line, k) for k in fields}
    changed = audit.diff(before, fields)
    if not changed:
        raise InvalidInput("nothing to change on the line.")
    Line.update(**fields).where(Line.id == line.id).execute()
    _touch(contract)
    audit.record("line", line_ref(contract.id, line.position), "edit", who, changed)
    return line_ref(contract.id, line.position)


@writes
def invoice(number: str) -> str:
    """Bill a draft: it becomes invoiced, or active at once when it has already started."""
    contract, who = _begin(number, "invoice")
    lines = list(contract.lines)
    if not lines:
        raise Refused(f"cannot invoice {contract.number}: it has no lines; add a line first.")
    day = today()
    if contract.end < day:
        raise Refused(
            f"cannot invoice {contract.number}: it ended on {contract.end}; edit its dates first."
        )
    for line in lines:
        if line.start < contract.start or line.end > contract.end:
            raise Refused(
                f"cannot invoice {contract.number}: line {line.position} lies outside its dates."
            )
    status = status_by_dates(contract, day)
    _touch(contract, status=status)
    audit.record("contract", contract.number, "invoice", who, {"status": ["draft", status]})
    return status


@writes
def hold(number: str) -> str:
    contract, who = _begin(number, "hold")
    held = TRANSITIONS["hold"].to
    assert held is not None  # hold leads to a status of its own
    _touch(contract, status=held)
    audit.record("contract", contract.number, "hold", who, {"status": [contract.status, held]})
    return held


@writes
def release(number: str) -> str:
    """Put a held contract back where its dates say."""
    contract, who = _begin(number, "release")
    status = status_by_dates(contract, today())
    _touch(contract, status=status)
    audit.record("contract", contract.number, "release", who, {"status": ["on_hold", status]})
    return status


@writes
def cancel(number: str, on: str | pendulum.Date | None, reason: str | None) -> str:
    contract, who = _begin(number, "cancel")
    day = parse_date(on, "cancel date")
    if day < contract.start or day > contract.end:
        raise InvalidInput(
            f"the cancel date {day} must lie inside the contract's dates "
            f"({contract.start} to {contract.end})."
        )
    reason = one_line(reason, "cancel reason")
    canceled = TRANSITIONS["cancel"].to
    assert canceled is not None  # cancel leads to a status of its own
    _touch(contract, status=canceled, cancel_date=day, cancel_reason=reason)
    audit.record(
        "contract",
        contract.number,
        "cancel",
        who,
        {
            "status": [contract.status, canceled],
            "cancel_date": day,
            "reason": reason,
        },
    )
    return canceled


@writes
def delete(number: str) -> str:
    """Delete a draft. Cases linked to its lines must all be canceled; they are unlinked."""
    contract, who = _begin(number, "delete")
    # its lines locked first: a case being linked to one of them meanwhile waits, then finds
    # no line (PostgreSQL; SQLite's writes are serialised)
    list(lock_rows(Line.select(Line.id).where(Line.contract == contract.id)))
    linked = list(
        Case.select(Case.id, Case.number, Case.status, Line.position)
        .join(Line)
        .where(Line.contract == contract.id)
        .order_by(Case.id)
    )
    for case in linked:
        if case.status != "canceled":
            raise Refused(
                f"cannot delete {contract.number}: case {case.number} is linked to one of its "
                "lines; cancel the case or link it elsewhere first."
            )
    if UsageEntry.select().join(Line).where(Line.contract == contract.id).exists():
        raise Refused(
            f"cannot delete {contract.number}: its lines have ledger entries, which are kept "
            "for good."
        )
    for case in linked:
        line = case.line
        assert line is not None  # the cases were found through their line
        Case.update(line=None).where(Case.id == case.id).execute()
        audit.record(
            "case",
            case.number,
            "unlink",
            who,
            {
                "line": [line_ref(contract.id, line.position), None],
                "reason": f"{contract.number} was deleted",
            },
        )
    Line.delete().where(Line.contract == contract.id).execute()
    Contract.update(origin=None).where(Contract.origin == contract.id).execute()
    Contract.delete().where(Contract.id == contract.id).execute()
    audit.record("contract", contract.number, "delete", who, {"title": contract.title})
    return contract.number


def _copy_lines(
    old: Contract,
    new: Contract,
    shift_days: int,
    lines: Iterable[Line],
    mark_renewed: bool,
    who: str,
) -> None:
    stamp = now_utc()
    for position, line in enumerate(lines, start=1):
        start = (
            new.start
            if line.start == old.start
            else min(max(line.start.add(days=shift_days), new.start), new.end)
        )
        end = (
            new.end
            if line.end == old.end
            else max(min(line.end.add(days=shift_days), new.end), start)
        )
        Line.create(
            contract=new,
            position=position,
            title=line.title,
            product=line.product,
            start=start,
            end=end,
            total=line.total,
            used=0,
            price=line.price,
            discount=line.discount,
            status="existing",
            renewed_from=line if mark_renewed else None,
            created=stamp,
        )
        if mark_renewed:
            # A canceled line (copied with --include-canceled) stays canceled: renewing
            # never makes an old line chargeable that was not.
            changes: dict[str, Any] = {"renewed_as": line_ref(new.id, position)}
            if line.status != "canceled":
                Line.update(status="renewed").where(Line.id == line.id).execute()
                changes = {"status": [line.status, "renewed"], **changes}
            audit.record("line", line_ref(old.id, line.position), "renew", who, changes)


def _insert_draft(
    title: str,
    customer: Customer,
    bill_to_id: int,
    terms: Template | Contract,
    start: pendulum.Date,
    end: pendulum.Date,
    who: str,
    origin: int | None = None,
    kind: str | None = None,
) -> Contract:
    """A new draft row, numbered from its id; `terms` (a template, or the contract it is
    renewed or copied from) gives the allotment type, billing and hours it keeps a copy of."""
    stamp = now_utc()
    contract = Contract.create(
        title=title,
        customer=customer.id,
        bill_to=bill_to_id,
        template=terms.template_id if isinstance(terms, Contract) else terms.id,
        allotment_type=terms.allotment_type,
        billing=terms.billing,
        hours=terms.hours,
        increment=terms.increment,
        minimum=terms.minimum,
        start=start,
        end=end,
        billing_start=start,
        billing_end=end,
        status="draft",
        origin=origin,
        origin_kind=kind,
        owner=who,
        created=stamp,
        modified=stamp,
    )
    contract.number = contract_number(contract.id)
    Contract.update(
        number=contract.number, search=_search_text(contract.number, customer.name, title)
    ).where(Contract.id == contract.id).execute()
    return contract


def _new_from(
    old: Contract,
    start: pendulum.Date,
    end: pendulum.Date,
    kind: str,
    who: str,
    title: str | None = None,
) -> Contract:
    return _insert_draft(
        title or old.title, old.customer, old.bill_to_id, old, start, end, who, old.id, kind
    )


@writes
def renew(
    number: str, start: str | pendulum.Date | None = None, include_canceled: bool = False
) -> str:
    """A new draft for the next term, with fresh allotments; the old lines become renewed."""
    old, who = _begin(number, "renew")
    successor = (
        Contract.select(Contract.number)
        .where((Contract.origin == old.id) & (Contract.origin_kind == "renewal"))
        .first()
    )
    if successor is not None:
        raise Refused(f"{old.number} was already renewed as {successor.number}.")
    new_start = parse_date(start, "renewal start") if start is not None else renewal_start(old.end)
    try:
        new_end = term_end(old.start, old.end, new_start)
    except (ValueError, OverflowError):  # past the year 9999
        new_end = None
    if new_end is None or new_end > LAST_DAY:
        raise Refused(
            f"cannot renew {old.number}: the renewal would run from {new_start} to "
            f"{new_end or 'after the year 9999'}; contract dates must lie between {FIRST_DAY} "
            f"and {LAST_DAY}."
        )
    title = renewal_title(old.title, old.start, old.end, new_start)
    new = _new_from(old, new_start, new_end, "renewal", who, title)
    lines = [
        line
        for line in old.lines.order_by(Line.position)
        if include_canceled or line.status != "canceled"
    ]
    _copy_lines(old, new, (new_start - old.start).days, lines, True, who)
    _touch(old)
    audit.record(
        "contract",
        new.number,
        "renew",
        who,
        {"from": old.number, "start": new_start, "end": new_end, "lines": len(lines)},
    )
    return new.number


@writes
def copy(number: str) -> str:
    """A new draft with the same dates and (not canceled) lines, fresh allotments."""
    old, who = _begin(number, "copy")
    new = _new_from(old, old.start, old.end, "copy", who)
    lines = [line for line in old.lines.order_by(Line.position) if line.status != "canceled"]
    _copy_lines(old, new, 0, lines, False, who)
    audit.record("contract", new.number, "copy", who, {"from": old.number, "lines": len(lines)})
    return new.number


@writes
def cancel_line(ref: str) -> str:
    """Stop all further charges to one line."""
    line = find_line(ref)
    contract, who = _begin(line.contract.number, "cancel_line")
    line = find_line(ref, lock=True)  # the contract's lock, then the line's: always that order
    status = line_status_on(line.status, line.end, contract.status, today())
    if status in ("canceled", "expired"):
        raise Refused(f"line {line_ref(contract.id, line.position)} is already {status}.")
    Line.update(status="canceled").where(Line.id == line.id).execute()
    _touch(contract)
    audit.record(
        "line",
        line_ref(contract.id, line.position),
        "cancel",
        who,
        {"status": [status, "canceled"]},
    )
    return "canceled"
