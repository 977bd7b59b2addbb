"""Cases and the usage ledger (SPEC §4): the charging rule and the atomic decrement."""

from __future__ import annotations

import json

import pendulum

from . import audit, sql
from .amounts import charge_for, format_amount, parse_count, parse_duration, use_refusal
from .clock import now_utc, today
from .db import current_write_key, is_postgres, writes
from .errors import InvalidInput, NotFound, Refused
from .lifecycle import DATE_DRIVEN, STATUS_WORDS, line_status_on, status_on
from .lookup import ROW_LOCK, case_number, find_case, find_customer, find_line, line_parts, line_ref
from .models import Case, Contract, Customer, Line, UsageEntry, database
from .people import LISTED, STANDING_COLUMNS, SUPERVISOR_ONLY, current_login, db_role, require
from .text import free_text, one_line

# stored line statuses a charge may go to (when the day lies within the line's dates: an
# "expired" stored line is usable only on a day before its end, i.e. under --today)
USABLE_LINE_STATUSES = ("existing", "renewed", "expired")


def charge_refusal(
    contract: Contract,
    line: Line,
    customer_id: int | None,
    on: pendulum.Date,
    amount: int,
    override: bool = False,
) -> str | None:
    """Why a case of this customer may not be charged `amount` to this line on this day,
    or None when it may. The one charging rule: `check` and every charge ask it."""
    ref = line_ref(contract.id, line.position)
    if customer_id is not None and customer_id != contract.customer_id:
        return f"{contract.number} belongs to {contract.customer.name}, not to the case's customer."
    if contract.status != "active":
        status = contract.status
        if status == "invoiced":
            return f"{contract.number} is invoiced but starts only on {contract.start}."
        if status == "canceled":
            return f"{contract.number} was canceled (service ended {contract.cancel_date})."
        if status == "expired":
            return f"{contract.number} expired on {contract.end}."
        if status == "draft":
            return f"{contract.number} is a draft, not yet invoiced."
        return f"{contract.number} is {STATUS_WORDS[status]}: no case can be charged to it."
    if line.status == "canceled":
        return f"line {ref} is canceled."
    if line.status == "expired":
        return f"line {ref} expired on {line.end}."
    if on < line.start:
        return f"line {ref} starts only on {line.start}."
    if on > line.end:
        return f"line {ref} ended on {line.end}."
    if contract.allotment_type == "coverage" or override:
        return None
    remaining = line.total - line.used
    if amount > remaining:
        kind = contract.allotment_type
        if remaining <= 0:
            unit = "" if kind != "cases" else (" case" if line.total == 1 else " cases")
            return (
                f"allotment exhausted: line {ref} has used all "
                f"{format_amount(line.total, kind)}{unit}."
            )
        return (
            f"allotment exhausted: line {ref} has {format_amount(remaining, kind)} left, "
            f"this case needs {format_amount(amount, kind)}."
        )
    return None


def amount_for(contract: Contract, spent) -> tuple[int, int | None]:
    """(amount charged, minutes spent) for a resolved case on a line of this contract."""
    kind = contract.allotment_type
    minutes = parse_duration(spent, "time spent") if spent not in (None, "") else None
    if kind == "time":
        if minutes is None:
            raise InvalidInput("give the time spent (e.g. 45m, 1h30m, 1.5h) for a time line.")
        return charge_for(minutes, contract.increment, contract.minimum), minutes
    if kind == "cases":
        return 1, minutes
    return 0, minutes


def _check_link(customer: Customer, line: Line) -> None:
    contract = line.contract
    if contract.customer_id != customer.id:
        raise Refused(
            f"line {line_ref(contract.id, line.position)} belongs to {contract.customer.name}'s "
            f"contract; a case of {customer.name} cannot be linked to it."
        )


_LINE_FOR_CHARGE = (
    'SELECT l.id, l.position, l.start, l."end", l.total, l.used, l.status, '
    "c.id, c.number, c.status, c.customer_id, c.allotment_type, c.increment, c.minimum, "
    'c.start, c."end", c.cancel_date, cu.name '
    'FROM "line" l JOIN "contract" c ON l.contract_id = c.id '
    'JOIN "customer" cu ON cu.id = c.customer_id '
)


def load_line(
    *,
    line_id: int | None = None,
    ref: str | None = None,
    reserve_case: bool = False,
    with_standing: bool = False,
    lock: bool = False,
) -> Line:
    """A line with its contract and the contract's customer, read in one statement, with
    the statuses they are in today (lifecycle.status_on).

    With `reserve_case` on PostgreSQL, the same statement also draws the next case id from
    the sequence (as `line.reserved_case_id`), and with `with_standing` it reads the acting
    login's permissions (as `line.standing`), so a charge needs no extra round trip.
    With `lock`, inside a write on PostgreSQL, the line's row is locked (lookup.lock_rows)."""
    if line_id is not None:
        where, params = "WHERE l.id = ?", (line_id,)
    else:
        where, params = "WHERE c.id = ? AND l.position = ?", line_parts(ref)
    reserve = reserve_case and is_postgres()
    extra = ""
    if reserve:
        extra += ", nextval(pg_get_serial_sequence('\"case\"', 'id'))"
    if with_standing:
        extra += ", " + STANDING_COLUMNS
        params = (current_login(), *params)
    select = _LINE_FOR_CHARGE.replace(" FROM ", extra + " FROM ", 1)
    if lock and is_postgres() and database.in_transaction():
        where += f" {ROW_LOCK} OF l"
    row = sql.one(select + where, params, prepare=True)
    if row is None:
        find_line(ref)  # raises NotFound naming what is missing
        raise NotFound(f"there is no line {ref}.")  # pragma: no cover
    day = Line.start.python_value
    (
        lid,
        position,
        l_start,
        l_end,
        total,
        used,
        l_status,
        cid,
        number,
        c_status,
        customer_id,
        kind,
        increment,
        minimum,
        c_start,
        c_end,
        cancel_date,
        customer_name,
    ) = row[:18]
    contract = Contract(
        id=cid,
        number=number,
        status=c_status,
        customer=Customer(id=customer_id, name=customer_name),
        allotment_type=kind,
        increment=increment,
        minimum=minimum,
        start=day(c_start),
        end=day(c_end),
        cancel_date=day(cancel_date),
    )
    line = Line(
        id=lid,
        position=position,
        contract=contract,
        start=day(l_start),
        end=day(l_end),
        total=total,
        used=used,
        status=l_status,
    )
    today_ = today()
    contract.stored_status = c_status
    contract.status = status_on(c_status, contract.start, contract.end, today_)
    line.stored_status = l_status
    line.status = line_status_on(l_status, line.end, contract.status, today_)
    line.reserved_case_id = row[18] if reserve else None
    line.standing = (bool(row[-2]), row[-1]) if with_standing else None
    return line


def _charge(
    line: Line,
    customer_id: int,
    spent,
    override: bool,
    resolution: str,
    who: str,
    case_id: int | None = None,
    new_case_title: str | None = None,
) -> tuple[str, int]:
    """Resolve a case and charge it to a line, in the caller's transaction: the rule
    (charge_refusal), then one guarded write of the line, the case, the ledger entry and the
    audit events. Either `case_id` (an open case) or `new_case_title` (a case recorded
    resolved in one step) is given. Returns (case number, amount charged)."""
    contract = line.contract
    amount, minutes = amount_for(contract, spent)
    day = today()
    refusal = charge_refusal(contract, line, customer_id, day, amount, override)
    if refusal:
        raise Refused(refusal)
    ref = line_ref(contract.id, line.position)
    metered = contract.allotment_type != "coverage"
    over = metered and line.used + amount > line.total
    if over:
        require(SUPERVISOR_ONLY, "override an exhausted line", line.standing)
    # The guard: the line still usable and (unless overridden) the allotment still there,
    # the contract still active. Checked by the database in the same statement that charges.
    # The contract billed and within its dates, and the line usable within its dates, on
    # the charging day: what charge_refusal decided, decided again by the database.
    guard = (
        'UPDATE "line" SET used = used + ? WHERE id = ? AND status IN (?, ?, ?) '
        'AND start <= ? AND "end" >= ? '
        'AND EXISTS (SELECT 1 FROM "contract" WHERE id = ? AND status IN (?, ?, ?) '
        'AND start <= ? AND "end" >= ?)'
    )
    iso = Line.start.db_value(day)
    guard_params = (
        amount,
        line.id,
        *USABLE_LINE_STATUSES,
        iso,
        iso,
        contract.id,
        *DATE_DRIVEN,
        iso,
        iso,
    )
    if metered and not override:
        guard += " AND used + ? <= total"
        guard_params += (amount,)
    stamp = Case.resolved_at.db_value(now_utc())
    overage = line.used + amount - line.total if over else 0
    entry = (
        amount,
        "override" if over else "charge",
        who,
        stamp,
        f"overage {format_amount(overage, contract.allotment_type)}" if over else "",
    )
    resolved = ("resolved", stamp, Case.resolved_on.db_value(day), who, resolution, minutes, amount)
    writer = _write_charge_postgres if is_postgres() else _write_charge_sqlite
    number = writer(
        line,
        guard,
        guard_params,
        entry,
        resolved,
        case_id,
        new_case_title,
        customer_id,
        who,
        ref,
        over,
    )
    if number is None:
        fresh = load_line(line_id=line.id)
        raise Refused(
            charge_refusal(fresh.contract, fresh, customer_id, day, amount)
            or f"allotment exhausted: line {ref} was used up by someone else just now."
        )
    return number, amount


_CASE_RESOLVED = (
    "status = ?, resolved_at = ?, resolved_on = ?, resolved_by = ?, resolution = ?, spent = ?, "
    "charged = ?"
)
_CASE_COLUMNS = (
    "customer_id, title, line_id, opened, opened_by, status, resolved_at, resolved_on, "
    "resolved_by, resolution, spent, charged"
)
_LEDGER = 'INSERT INTO "usage_entry" (line_id, case_id, amount, kind, who, at, note) '
_AUDIT = audit.INSERT


def _charge_audits(ref, number, amount, over, who, stamp, new_title, customer_name):
    """The audit rows of a charge: the line's, and the case's when it is recorded in one step."""
    role = db_role()
    rows = [
        (
            "line",
            ref,
            "charge",
            who,
            stamp,
            audit.encode({"case": number, "amount": amount, "override": over}),
            role,
        )
    ]
    if new_title is not None:
        rows.append(
            (
                "case",
                number,
                "resolve",
                who,
                stamp,
                audit.encode(
                    {"customer": customer_name, "title": new_title, "line": ref, "charged": amount}
                ),
                role,
            )
        )
    return rows


def _write_charge_sqlite(
    line, guard, guard_params, entry, resolved, case_id, new_title, customer_id, who, ref, over
) -> str | None:
    """SQLite: statement by statement (in-process, under BEGIN IMMEDIATE's write lock)."""
    if sql.rowcount(guard, guard_params) != 1:
        return None
    if case_id is None:
        case_id = sql.insert(
            f'INSERT INTO "case" ({_CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (customer_id, new_title, line.id, resolved[1], who, *resolved),
        )
        number = case_number(case_id)
        sql.execute('UPDATE "case" SET number = ? WHERE id = ?', (number, case_id))
    else:
        number = case_number(case_id)
        sql.execute(
            f'UPDATE "case" SET line_id = ?, {_CASE_RESOLVED} WHERE id = ?',
            (line.id, *resolved, case_id),
        )
    sql.execute(_LEDGER + "VALUES (?, ?, ?, ?, ?, ?, ?)", (line.id, case_id, *entry))
    for row in _charge_audits(
        ref, number, entry[0], over, who, entry[3], new_title, line.contract.customer.name
    ):
        sql.execute(_AUDIT + "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
    return number


def _write_charge_postgres(
    line, guard, guard_params, entry, resolved, case_id, new_title, customer_id, who, ref, over
) -> str | None:
    """PostgreSQL: the same writes as one statement (data-modifying CTEs), so a charge costs
    one round trip; every part reads from the guarded update and does nothing if it did."""
    new = case_id is None
    if new:
        case_id = line.reserved_case_id
    number = case_number(case_id)
    if new:
        case_part = (
            f'c AS (INSERT INTO "case" (id, number, {_CASE_COLUMNS}) '
            "SELECT ?::integer, ?::text, ?::integer, ?::text, ?::integer, ?::timestamp, ?::text, "
            "?::text, ?::timestamp, ?::date, ?::text, ?::text, ?::integer, ?::integer FROM g)"
        )
        case_params = (
            case_id,
            number,
            customer_id,
            new_title,
            line.id,
            resolved[1],
            who,
            *resolved,
        )
    else:
        case_part = (
            f'c AS (UPDATE "case" SET line_id = ?, {_CASE_RESOLVED} '
            "WHERE id = ? AND EXISTS (SELECT 1 FROM g))"
        )
        case_params = (line.id, *resolved, case_id)
    audits = _charge_audits(
        ref, number, entry[0], over, who, entry[3], new_title, line.contract.customer.name
    )
    audit_selects = " UNION ALL ".join(
        ["SELECT ?::text, ?::text, ?::text, ?::text, ?::timestamp, ?::text, ?::text FROM g"]
        * len(audits)
    )
    key = current_write_key()  # stored by the same statement: a retry finds it (db.writes)
    key_part = (
        ', k AS (INSERT INTO "write_key" (key, result, at) SELECT ?::text, ?::text, '
        "?::timestamp FROM g)"
        if key
        else ""
    )
    key_params = (key, json.dumps(number), entry[3]) if key else ()
    statement = (
        f"WITH g AS ({guard} RETURNING id), {case_part}, "
        f"e AS ({_LEDGER}SELECT ?::integer, ?::integer, ?::integer, ?::text, ?::text, "
        "?::timestamp, ?::text FROM g), "
        f"a AS ({_AUDIT}{audit_selects}){key_part} "
        "SELECT count(*) FROM g"
    )
    params = (
        *guard_params,
        *case_params,
        line.id,
        case_id,
        *entry,
        *(value for row in audits for value in row),
        *key_params,
    )
    (charged,) = sql.one(statement, params, prepare=True)
    return number if charged == 1 else None


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
def open_case(customer, title, line=None) -> str:
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


def linked_ref(line: Line | None) -> str | None:
    return line_ref(line.contract_id, line.position) if line else None


@writes
def resolve_case(number, spent=None, resolution=None, override=False, line=None) -> int:
    """Resolve an open case; when it has a line, charge it there. Returns the amount charged."""
    who = require(LISTED, "resolve cases")
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


def resolve(line, title, spent=None, resolution=None, override=False) -> str:
    """Record a resolved case on a line in one step; returns the case number.

    A plain charge is one guarded statement (on PostgreSQL without BEGIN/COMMIT); an
    override decides how much is overage, so it reads the line locked first."""
    if override:
        return _resolve_locked(line, title, spent, resolution)
    return _resolve_guarded(line, title, spent, resolution)


@writes(one_statement_on_postgres=True)  # the charge is one statement there: see _charge
def _resolve_guarded(line, title, spent, resolution) -> str:
    title = one_line(title, "case title")
    resolution = free_text(resolution, "resolution", 4000)
    target = load_line(ref=line, reserve_case=True, with_standing=True)
    who = require(LISTED, "resolve cases", target.standing)
    number, _amount = _charge(
        target, target.contract.customer_id, spent, False, resolution, who, new_case_title=title
    )
    return number


@writes
def _resolve_locked(line, title, spent, resolution) -> str:
    title = one_line(title, "case title")
    resolution = free_text(resolution, "resolution", 4000)
    target = load_line(ref=line, reserve_case=True, with_standing=True, lock=True)
    who = require(LISTED, "resolve cases", target.standing)
    require(SUPERVISOR_ONLY, "override an exhausted line", target.standing)
    number, _amount = _charge(
        target, target.contract.customer_id, spent, True, resolution, who, new_case_title=title
    )
    return number


@writes
def reopen_case(number) -> int:
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
def cancel_case(number) -> None:
    """Cancel an open case: nothing is charged."""
    who = require(LISTED, "cancel cases")
    case = find_case(number, lock=True)
    if case.status != "open":
        hint = " reopen it first." if case.status == "resolved" else ""
        raise Refused(f"{case.number} is {case.status}; only an open case can be canceled.{hint}")
    Case.update(status="canceled").where(Case.id == case.id).execute()
    audit.record("case", case.number, "cancel", who, {"status": ["open", "canceled"]})


@writes
def adjust(line, amount, note) -> int:
    """A supervisor's correction of a line's use: a new ledger entry, never an edit.

    `amount` is signed: `+2` or `-1` (cases), `-30m` or `+1h` (time). Returns the new use."""
    who = require(SUPERVISOR_ONLY, "adjust a line's use")
    target = load_line(ref=line, lock=True)
    contract = target.contract
    kind = contract.allotment_type
    if kind == "coverage":
        raise Refused(
            f"line {linked_ref(target)} covers unlimited cases: there is no use to adjust."
        )
    note = one_line(note, "note")
    raw = str(amount or "").strip()
    sign = -1 if raw.startswith("-") else 1
    size = raw.lstrip("+-").strip()
    magnitude = (
        parse_duration(size, "adjustment") if kind == "time" else parse_count(size, "adjustment")
    )
    delta = sign * magnitude
    too_large = use_refusal(linked_ref(target), target.used + delta, kind)
    if too_large:
        raise InvalidInput(too_large)
    if target.used + delta < 0:
        raise Refused(
            f"line {linked_ref(target)} has used {format_amount(target.used, kind)}; "
            f"it cannot be lowered by {format_amount(magnitude, kind)}."
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
