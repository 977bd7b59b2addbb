"""Cases and the usage ledger (SPEC §4): the atomic decrement (the rule: charge_rule)."""

from __future__ import annotations

from typing import overload

from . import audit, sql
from .allotments import allotment
from .amounts import parse_duration
from .charge_rule import charge_refusal
from .charge_sql import ChargeRow, LoadedContract, LoadedLine, load_line, write_charge
from .clock import now_utc, today
from .db import writes
from .errors import InvalidInput, Refused
from .lookup import case_number, find_case, find_customer, line_ref
from .models import Case, Contract, Customer, Line, UsageEntry
from .people import ADJUST_USE, LISTED, RESOLVE_CASES, SUPERVISOR_ONLY, require
from .text import free_text, one_line


def amount_for(
    contract: Contract | LoadedContract, spent: str | int | None
) -> tuple[int, int | None]:
    """(amount charged, minutes spent) for a resolved case on a line of this contract."""
    minutes = parse_duration(spent, "time spent") if spent not in (None, "") else None
    kind = allotment(contract.allotment_type)
    return kind.charge(minutes, contract.increment, contract.minimum), minutes


def _check_link(customer: Customer, line: LoadedLine) -> None:
    contract = line.contract
    if contract.customer_id != customer.id:
        raise Refused(
            f"line {line_ref(contract.id, line.position)} belongs to {contract.customer.name}'s "
            f"contract; a case of {customer.name} cannot be linked to it."
        )


def _charge(
    line: LoadedLine,
    customer_id: int,
    spent: str | int | None,
    override: bool,
    resolution: str,
    who: str,
    case_id: int | None = None,
    new_case_title: str | None = None,
) -> tuple[str, int]:
    """Resolve a case and charge it to a line, in the caller's transaction: the rule
    (charge_refusal), then one guarded write of the line, the case, the ledger entry and the
    audit events (charge_sql.write_charge). Either `case_id` (an open case) or
    `new_case_title` (a case recorded resolved in one step) is given. Returns (case number,
    amount charged)."""
    contract = line.contract
    amount, minutes = amount_for(contract, spent)
    day = today()
    refusal = charge_refusal(contract, line, customer_id, day, amount, override)
    if refusal:
        raise Refused(refusal)
    ref = line_ref(contract.id, line.position)
    kind = allotment(contract.allotment_type)
    metered = kind.metered
    total = line.total or 0  # none on an unmetered line, which is never over
    over = metered and line.used + amount > total
    if over:
        require(SUPERVISOR_ONLY, "override an exhausted line", line.standing)
    overage = line.used + amount - total if over else 0
    row = ChargeRow(
        line=line,
        ref=ref,
        amount=amount,
        kind="override" if over else "charge",
        note=f"overage {kind.format(overage)}" if over else "",
        who=who,
        stamp=Case.resolved_at.db_value(now_utc()),
        day=Line.start.db_value(day),
        resolution=resolution,
        minutes=minutes,
        guarded=metered and not override,
        customer_id=customer_id,
        case_id=case_id,
        new_title=new_case_title,
    )
    number = write_charge(row)
    if number is None:
        fresh = load_line(line_id=line.id)
        raise Refused(
            charge_refusal(fresh.contract, fresh, customer_id, day, amount)
            or f"allotment exhausted: line {ref} was used up by someone else just now."
        )
    return number, amount


def _insert_case(customer_id: int, title: str, line_id: int | None, who: str) -> tuple[int, str]:
    case_id = sql.insert(
        'INSERT INTO "case" (customer_id, title, line_id, status, opened, opened_by, charged) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (customer_id, title, line_id, "open", Case.opened.db_value(now_utc()), who, 0),
    )
    number = case_number(case_id)
    sql.execute('UPDATE "case" SET number = ? WHERE id = ?', (number, case_id))
    return case_id, number


@writes
def open_case(customer: str, title: str, line: str | None = None) -> str:
    """Open a case for a customer, optionally linked to a line of one of their contracts."""
    who = require(LISTED, "open cases")
    owner = find_customer(customer)
    title = one_line(title, "case title")
    linked = load_line(ref=line, lock=True) if line else None
    if linked is not None:
        _check_link(owner, linked)
    _case_id, number = _insert_case(owner.id, title, linked.id if linked else None, who)
    audit.record(
        "case",
        number,
        "open",
        who,
        {"customer": owner.name, "title": title, "line": linked_ref(linked)},
    )
    return number


@overload
def linked_ref(line: Line | LoadedLine) -> str: ...
@overload
def linked_ref(line: Line | LoadedLine | None) -> str | None: ...
def linked_ref(line: Line | LoadedLine | None) -> str | None:
    return line_ref(line.contract_id, line.position) if line else None


@writes
def resolve_case(
    number: str,
    spent: str | int | None = None,
    resolution: str | None = None,
    override: bool = False,
    line: str | None = None,
) -> int:
    """Resolve an open case; when it has a line, charge it there. Returns the amount charged."""
    who = require(*RESOLVE_CASES)
    if override:
        require(SUPERVISOR_ONLY, "override an exhausted line")
    case = find_case(number, lock=True)
    if case.status != "open":
        raise Refused(f"{case.number} is {case.status}; only an open case can be resolved.")
    resolution = free_text(resolution, "resolution", 4000)
    target = None
    if line is not None:
        target = load_line(ref=line, lock=True)
        _check_link(case.customer, target)
    elif case.line_id is not None:
        target = load_line(line_id=case.line_id, lock=True)
    if target is None:
        minutes = parse_duration(spent, "time spent") if spent not in (None, "") else None
        Case.update(
            status="resolved",
            resolved_at=now_utc(),
            resolved_on=today(),
            resolved_by=who,
            resolution=resolution,
            spent=minutes,
            charged=0,
        ).where(Case.id == case.id).execute()
        audit.record("case", case.number, "resolve", who, {"charged": 0})
        return 0
    _number, amount = _charge(
        target, case.customer_id, spent, override, resolution, who, case_id=case.id
    )
    audit.record(
        "case", case.number, "resolve", who, {"line": linked_ref(target), "charged": amount}
    )
    return amount


def resolve(
    line: str,
    title: str,
    spent: str | int | None = None,
    resolution: str | None = None,
    override: bool = False,
) -> str:
    """Record a resolved case on a line in one step; returns the case number.

    A plain charge is one guarded statement (on PostgreSQL without BEGIN/COMMIT); an
    override decides how much is overage, so it reads the line locked first."""
    if override:
        return _resolve_locked(line, title, spent, resolution)
    return _resolve_guarded(line, title, spent, resolution)


@writes(one_statement_on_postgres=True)  # the charge is one statement there: see _charge
def _resolve_guarded(line: str, title: str, spent: str | int | None, resolution: str | None) -> str:
    title = one_line(title, "case title")
    resolution = free_text(resolution, "resolution", 4000)
    target = load_line(ref=line, reserve_case=True, with_standing=True)
    who = require(*RESOLVE_CASES, target.standing)
    number, _amount = _charge(
        target, target.contract.customer_id, spent, False, resolution, who, new_case_title=title
    )
    return number


@writes
def _resolve_locked(line: str, title: str, spent: str | int | None, resolution: str | None) -> str:
    title = one_line(title, "case title")
    resolution = free_text(resolution, "resolution", 4000)
    target = load_line(ref=line, reserve_case=True, with_standing=True, lock=True)
    who = require(*RESOLVE_CASES, target.standing)
    require(SUPERVISOR_ONLY, "override an exhausted line", target.standing)
    number, _amount = _charge(
        target, target.contract.customer_id, spent, True, resolution, who, new_case_title=title
    )
    return number


@writes
def reopen_case(number: str) -> int:
    """Reopen a resolved case; a reversing entry gives its charge back to the line."""
    who = require(LISTED, "reopen cases")
    case = find_case(number, lock=True)
    if case.status != "resolved":
        raise Refused(f"{case.number} is {case.status}; only a resolved case can be reopened.")
    returned = case.charged
    if case.line_id is not None and UsageEntry.select().where(UsageEntry.case == case.id).exists():
        Line.update(used=Line.used - returned).where(Line.id == case.line_id).execute()
        UsageEntry.create(
            line=case.line_id,
            case=case.id,
            amount=-returned,
            kind="reversal",
            who=who,
            at=now_utc(),
            note=f"{case.number} reopened",
        )
        line = Line.get_by_id(case.line_id)
        audit.record(
            "line", linked_ref(line), "reverse", who, {"case": case.number, "amount": -returned}
        )
    Case.update(
        status="open", resolved_at=None, resolved_on=None, resolved_by=None, charged=0
    ).where(Case.id == case.id).execute()
    audit.record("case", case.number, "reopen", who, {"returned": returned})
    return returned


@writes
def cancel_case(number: str) -> None:
    """Cancel an open case: nothing is charged."""
    who = require(LISTED, "cancel cases")
    case = find_case(number, lock=True)
    if case.status != "open":
        hint = " reopen it first." if case.status == "resolved" else ""
        raise Refused(f"{case.number} is {case.status}; only an open case can be canceled.{hint}")
    Case.update(status="canceled").where(Case.id == case.id).execute()
    audit.record("case", case.number, "cancel", who, {"status": ["open", "canceled"]})


@writes
def adjust(line: str, amount: str | int | None, note: str) -> int:
    """A supervisor's correction of a line's use: a new ledger entry, never an edit.

    `amount` is signed: `+2` or `-1` (cases), `-30m` or `+1h` (time). Returns the new use."""
    who = require(*ADJUST_USE)
    target = load_line(ref=line, lock=True)
    contract = target.contract
    kind = allotment(contract.allotment_type)
    if not kind.metered:
        raise Refused(
            f"line {linked_ref(target)} covers unlimited cases: there is no use to adjust."
        )
    note = one_line(note, "note")
    raw = str(amount or "").strip()
    sign = -1 if raw.startswith("-") else 1
    size = raw.lstrip("+-").strip()
    magnitude = kind.parse(size, "adjustment")
    delta = sign * magnitude
    too_large = kind.use_refusal(linked_ref(target), target.used + delta)
    if too_large:
        raise InvalidInput(too_large)
    if target.used + delta < 0:
        raise Refused(
            f"line {linked_ref(target)} has used {kind.format(target.used)}; "
            f"it cannot be lowered by {kind.format(magnitude)}."
        )
    changed = (
        Line.update(used=Line.used + delta)
        .where((Line.id == target.id) & (Line.used + delta >= 0))
        .execute()
    )
    if changed != 1:  # the lock makes this impossible; the guard makes it certain
        raise Refused(f"line {linked_ref(target)} changed meanwhile; nothing was adjusted.")
    UsageEntry.create(
        line=target.id, amount=delta, kind="adjustment", who=who, at=now_utc(), note=note
    )
    audit.record(
        "line",
        linked_ref(target),
        "adjust",
        who,
        {"amount": delta, "note": note, "contract": contract.number},
    )
    return target.used + delta
