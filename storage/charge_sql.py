"""The charge path's SQL (SPEC §4): reading a line for a charge and writing the charge.

peewee spends longer building a statement than SQLite spends running it, and the charge is
the one write a busy support team makes all day, so these few statements are written by
hand: measured in one process on SQLite (2026-11-29, a loaded 2-core machine), the guarded
UPDATE of a charge took 0.09–0.14 ms written here against 3.8–4.3 ms built with peewee's
query builder (0.8 ms of it building the query), in the same run; `contracts bench`
compares the whole charge with a hand-written sqlite3 transaction. Everything else in
storage uses peewee. What they read and write travels in small dataclasses:
`LoadedLine` (a line with its contract, read in one statement) and `ChargeRow` (everything
one charge writes). The rule that decides a charge is charging.charge_refusal; the guarded
UPDATE here decides it again inside the database, atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pendulum

from . import audit, sql
from .by_dates import DATE_DRIVEN, line_status_on, status_on
from .clock import today
from .db import current_write_key, is_postgres
from .errors import NotFound
from .lookup import ROW_LOCK, case_number, find_line, line_parts
from .models import Line, database
from .people import STANDING_COLUMNS, current_login, db_role

# stored line statuses a charge may go to (when the day lies within the line's dates: an
# "expired" stored line is usable only on a day before its end, i.e. under --today)
USABLE_LINE_STATUSES = ("existing", "renewed", "expired")


@dataclass(frozen=True)
class LoadedCustomer:
    id: int
    name: str


@dataclass(frozen=True)
class LoadedContract:
    id: int
    number: str
    status: str  # the status it is in today (by_dates.status_on)
    customer: LoadedCustomer
    allotment_type: str
    increment: int | None
    minimum: int | None
    start: pendulum.Date
    end: pendulum.Date
    cancel_date: pendulum.Date | None

    @property
    def customer_id(self) -> int:
        return self.customer.id


@dataclass(frozen=True)
class LoadedLine:
    id: int
    position: int
    start: pendulum.Date
    end: pendulum.Date
    total: int | None
    used: int
    status: str  # the status it is in today (by_dates.line_status_on)
    contract: LoadedContract
    reserved_case_id: int | None = None  # PostgreSQL: the next case id, drawn in the read
    standing: tuple[bool, str | None] | None = None  # people.STANDING_COLUMNS, when read

    @property
    def contract_id(self) -> int:
        return self.contract.id


_SELECT = (
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
) -> LoadedLine:
    """A line with its contract and the contract's customer, read in one statement, with
    the statuses they are in today.

    With `reserve_case` on PostgreSQL, the same statement also draws the next case id from
    the sequence, and with `with_standing` it reads the acting login's permissions, so a
    charge needs no extra round trip. With `lock`, inside a write on PostgreSQL, the line's
    row is locked (lookup.lock_rows)."""
    params: tuple[Any, ...]
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
    select = _SELECT.replace(" FROM ", extra + " FROM ", 1)
    if lock and is_postgres() and database.in_transaction():
        where += f" {ROW_LOCK} OF l"
    row = sql.one(select + where, params, prepare=True)
    if row is None:
        find_line(ref)  # raises NotFound naming what is missing
        raise NotFound(f"there is no line {ref}.")  # pragma: no cover
    return _loaded(row, reserve, with_standing)


def _loaded(row: tuple[Any, ...], reserve: bool, with_standing: bool) -> LoadedLine:
    day = Line.start.python_value
    (lid, position, l_start, l_end, total, used, l_status) = row[:7]
    (cid, number, c_status, customer_id, kind, increment, minimum) = row[7:14]
    (c_start, c_end, cancel_date, customer_name) = row[14:18]
    on = today()
    start, end = day(c_start), day(c_end)
    status = status_on(c_status, start, end, on)
    contract = LoadedContract(
        id=cid,
        number=number,
        status=status,
        customer=LoadedCustomer(customer_id, customer_name),
        allotment_type=kind,
        increment=increment,
        minimum=minimum,
        start=start,
        end=end,
        cancel_date=day(cancel_date),
    )
    line_end = day(l_end)
    return LoadedLine(
        id=lid,
        position=position,
        start=day(l_start),
        end=line_end,
        total=total,
        used=used,
        status=line_status_on(l_status, line_end, status, on),
        contract=contract,
        reserved_case_id=row[18] if reserve else None,
        standing=(bool(row[-2]), row[-1]) if with_standing else None,
    )


@dataclass(frozen=True)
class ChargeRow:
    """Everything one charge writes: the line's use, the case, the ledger entry, the audit."""

    line: LoadedLine
    ref: str  # CNR-…/N
    amount: int
    kind: str  # "charge", or "override" when it goes past the allotment
    note: str  # the ledger note ("overage 2")
    who: str
    stamp: str  # the moment, as stored
    day: str  # the business day, as stored
    resolution: str
    minutes: int | None
    guarded: bool  # the allotment guard `used + amount <= total` (not for coverage, override)
    customer_id: int
    case_id: int | None = None  # an open case being resolved ...
    new_title: str | None = None  # ... or a case recorded resolved in one step

    def guard(self) -> tuple[str, tuple]:
        """The guarded UPDATE: the contract billed and within its dates, the line usable
        within its dates on the charging day, and (unless overridden) the allotment still
        there: what charge_refusal decided, decided again by the database."""
        text = (
            'UPDATE "line" SET used = used + ? WHERE id = ? AND status IN (?, ?, ?) '
            'AND start <= ? AND "end" >= ? '
            'AND EXISTS (SELECT 1 FROM "contract" WHERE id = ? AND status IN (?, ?, ?) '
            'AND start <= ? AND "end" >= ?)'
        )
        params = (
            self.amount,
            self.line.id,
            *USABLE_LINE_STATUSES,
            self.day,
            self.day,
            self.line.contract.id,
            *DATE_DRIVEN,
            self.day,
            self.day,
        )
        if self.guarded:
            return text + " AND used + ? <= total", (*params, self.amount)
        return text, params

    def entry(self) -> tuple:
        return (self.amount, self.kind, self.who, self.stamp, self.note)

    def resolved(self) -> tuple:
        return (
            "resolved",
            self.stamp,
            self.day,
            self.who,
            self.resolution,
            self.minutes,
            self.amount,
        )

    def audits(self, number: str) -> list[tuple]:
        """The audit rows: the line's, and the case's when it is recorded in one step."""
        role = db_role()
        over = self.kind == "override"
        changes = {"case": number, "amount": self.amount, "override": over}
        rows = [("line", self.ref, "charge", self.who, self.stamp, audit.encode(changes), role)]
        if self.new_title is not None:
            case = {
                "customer": self.line.contract.customer.name,
                "title": self.new_title,
                "line": self.ref,
                "charged": self.amount,
            }
            rows.append(("case", number, "resolve", self.who, self.stamp, audit.encode(case), role))
        return rows


def write_charge(row: ChargeRow) -> str | None:
    """Write one charge; returns the case number, or None when the guard refused it."""
    return _write_postgres(row) if is_postgres() else _write_sqlite(row)


_CASE_RESOLVED = (
    "status = ?, resolved_at = ?, resolved_on = ?, resolved_by = ?, resolution = ?, spent = ?, "
    "charged = ?"
)
_CASE_COLUMNS = (
    "customer_id, title, line_id, opened, opened_by, status, resolved_at, resolved_on, "
    "resolved_by, resolution, spent, charged"
)
_LEDGER = 'INSERT INTO "usage_entry" (line_id, case_id, amount, kind, who, at, note) '


def _write_sqlite(row: ChargeRow) -> str | None:
    """SQLite: statement by statement (in-process, under BEGIN IMMEDIATE's write lock)."""
    guard, params = row.guard()
    if sql.rowcount(guard, params) != 1:
        return None
    line_id, case_id = row.line.id, row.case_id
    if case_id is None:
        case_id = sql.insert(
            f'INSERT INTO "case" ({_CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (row.customer_id, row.new_title, line_id, row.stamp, row.who, *row.resolved()),
        )
        number = case_number(case_id)
        sql.execute('UPDATE "case" SET number = ? WHERE id = ?', (number, case_id))
    else:
        number = case_number(case_id)
        sql.execute(
            f'UPDATE "case" SET line_id = ?, {_CASE_RESOLVED} WHERE id = ?',
            (line_id, *row.resolved(), case_id),
        )
    sql.execute(_LEDGER + "VALUES (?, ?, ?, ?, ?, ?, ?)", (line_id, case_id, *row.entry()))
    for event in row.audits(number):
        sql.execute(audit.INSERT + "VALUES (?, ?, ?, ?, ?, ?, ?)", event)
    return number


def _case_id(row: ChargeRow) -> int:
    """The case's id: the open case's, or the one load_line drew for a new case."""
    case_id = row.line.reserved_case_id if row.case_id is None else row.case_id
    assert case_id is not None  # load_line(reserve_case=True) drew it on PostgreSQL
    return case_id


def _write_postgres(row: ChargeRow) -> str | None:
    """PostgreSQL: the same writes as one statement (data-modifying CTEs), so a charge costs
    one round trip; every part reads from the guarded update and does nothing if it did."""
    new = row.case_id is None
    case_id = _case_id(row)
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
            row.customer_id,
            row.new_title,
            row.line.id,
            row.stamp,
            row.who,
            *row.resolved(),
        )
    else:
        case_part = (
            f'c AS (UPDATE "case" SET line_id = ?, {_CASE_RESOLVED} '
            "WHERE id = ? AND EXISTS (SELECT 1 FROM g))"
        )
        case_params = (row.line.id, *row.resolved(), case_id)
    audits = row.audits(number)
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
    key_params = (key, json.dumps(number), row.stamp) if key else ()
    guard, guard_params = row.guard()
    statement = (
        f"WITH g AS ({guard} RETURNING id), {case_part}, "
        f"e AS ({_LEDGER}SELECT ?::integer, ?::integer, ?::integer, ?::text, ?::text, "
        "?::timestamp, ?::text FROM g), "
        f"a AS ({audit.INSERT}{audit_selects}){key_part} "
        "SELECT count(*) FROM g"
    )
    params = (
        *guard_params,
        *case_params,
        row.line.id,
        case_id,
        *row.entry(),
        *(value for event in audits for value in event),
        *key_params,
    )
    (charged,) = sql.one(statement, params, prepare=True)
    return number if charged == 1 else None
