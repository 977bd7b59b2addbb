"""`contracts export`: every kind of row, streamed from the database in a stable order and
written as CSV (one file per kind) or one JSON document, in constant memory: rows come from
a cursor as they are read (a server-side cursor on PostgreSQL), never a list of them all."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO, TypeVar

import peewee as pw
import pendulum

from ..amounts import parse_date
from ..by_dates import line_status_on, status_column, status_is
from ..clock import today
from ..db import is_postgres, read_snapshot, reads
from ..errors import InvalidInput
from ..forecast import day_start
from ..lookup import contract_number, line_ref
from ..models import (
    STATUSES,
    Case,
    Contract,
    Customer,
    CustomerEmail,
    CustomerPhone,
    DayOff,
    Line,
    Template,
    UsageEntry,
    database,
)
from .columns import COLUMNS, KINDS, SEPARATOR, amount, moment, money

Q = TypeVar("Q", bound="pw.ModelSelect[Any]")
Row = list[Any]  # one row's values in COLUMNS order; several values in a list
STAMP = Contract.created  # converts a stored moment as either database hands it back
DAY = Contract.start  # the same for a calendar date


class Filters:
    """What `--status` and `--since` keep: contracts in a status today (and their lines,
    cases and ledger), rows made or changed on or after a day."""

    def __init__(self, status: str | None, since: str | pendulum.Date | None) -> None:
        if status and status != "all" and status not in STATUSES:
            raise InvalidInput(f"status '{status}' is not one of {', '.join(STATUSES)}.")
        self.day = today()
        self.status = status if status and status != "all" else None
        self.since = day_start(parse_date(since, "--since")) if since else None

    def contracts(self, query: Q) -> Q:
        if self.status:
            query = query.where(status_is(self.status, self.day))
        return query


def stream(query: pw.BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of `query` as they are read: a named (server-side) cursor on PostgreSQL,
    fetching a few thousand rows at a time; SQLite's cursor steps through the table itself."""
    sql, params = query.sql()
    if is_postgres():
        cursor = database.connection().cursor(name=f"export_{uuid.uuid4().hex}", withhold=True)
        cursor.itersize = 2000
    else:
        cursor = database.cursor()
    try:
        cursor.execute(sql, params)
        yield from cursor
    finally:
        cursor.close()


def _attach(rows: Iterable[tuple], extra: Iterator[tuple]) -> Iterator[tuple]:
    """Each row (its id first) with the list of values `extra` (id, value) holds for it
    added at its end; both ordered by id (a merge of two cursors, not a query per row)."""
    pending = next(extra, None)
    for row in rows:
        values = []
        while pending is not None and pending[0] <= row[0]:
            if pending[0] == row[0]:
                values.append(pending[1])
            pending = next(extra, None)
        yield (*row, values)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _day(value: Any) -> str:
    return "" if value is None else DAY.python_value(value).isoformat()


def _moment(value: Any) -> str:
    return "" if value is None else moment(STAMP.python_value(value))


def customers(f: Filters) -> Iterator[Row]:
    query = Customer.select(Customer.id, Customer.name, Customer.created).order_by(Customer.id)
    if f.since:
        query = query.where(Customer.created >= f.since)
    emails = stream(
        CustomerEmail.select(CustomerEmail.customer, CustomerEmail.address).order_by(
            CustomerEmail.customer, CustomerEmail.id
        )
    )
    phones = stream(
        CustomerPhone.select(CustomerPhone.customer, CustomerPhone.shown).order_by(
            CustomerPhone.customer, CustomerPhone.id
        )
    )
    for _, name, made, mails, numbers in _attach(_attach(stream(query), emails), phones):
        yield [name, mails, numbers, _moment(made)]


def templates(f: Filters) -> Iterator[Row]:
    query = Template.select(
        Template.id,
        Template.name,
        Template.abbr,
        Template.allotment_type,
        Template.billing,
        Template.volume,
        Template.hours,
        Template.increment,
        Template.minimum,
        Template.description,
        Template.created,
        Template.modified,
    ).order_by(Template.id)
    if f.since:
        query = query.where(Template.modified >= f.since)
    days = stream(DayOff.select(DayOff.template, DayOff.day).order_by(DayOff.template, DayOff.day))
    for row in _attach(stream(query), days):
        _, name, abbr, kind, billing, volume, hours, increment, minimum, text, made, changed = row[
            :12
        ]
        off = row[12]
        yield [
            name,
            abbr,
            kind,
            billing,
            amount(kind, volume),
            hours,
            amount("time", increment),
            amount("time", minimum),
            text,
            [_day(d) for d in off],
            _moment(made),
            _moment(changed),
        ]


def _contract_query(f: Filters) -> pw.ModelSelect[Contract]:
    payer, tmpl = Customer.alias(), Template.alias()
    query = (
        Contract.select(
            Contract.id,
            Contract.title,
            Customer.name,
            payer.name,
            tmpl.name,
            status_column(f.day),
            Contract.start,
            Contract.end,
            Contract.billing_start,
            Contract.billing_end,
            Contract.cancel_date,
            Contract.cancel_reason,
            Contract.origin,
            Contract.origin_kind,
            Contract.allotment_type,
            Contract.billing,
            Contract.hours,
            Contract.increment,
            Contract.minimum,
            Contract.owner,
            Contract.created,
            Contract.modified,
            Contract.version,
        )
        .join(Customer, on=Contract.customer == Customer.id)
        .switch(Contract)
        .join(payer, on=Contract.bill_to == payer.id)
        .switch(Contract)
        .join(tmpl, on=Contract.template == tmpl.id)
        .order_by(Contract.id)
    )
    query = f.contracts(query)
    if f.since:
        query = query.where(Contract.modified >= f.since)
    return query


def contracts(f: Filters) -> Iterator[Row]:
    query = _contract_query(f)
    for row in stream(query):
        (cid, title, customer, bill_to, template, status, start, end, b_start, b_end) = row[:10]
        (cancel, reason, origin, origin_kind, kind, billing, hours, inc, mini) = row[10:19]
        owner, made, changed, version = row[19:]
        yield [
            contract_number(cid),
            title,
            customer,
            bill_to,
            template,
            status,
            _day(start),
            _day(end),
            _day(b_start),
            _day(b_end),
            _day(cancel),
            _text(reason),
            contract_number(origin) if origin else "",
            _text(origin_kind),
            kind,
            billing,
            hours,
            amount("time", inc),
            amount("time", mini),
            owner,
            _moment(made),
            _moment(changed),
            version,
        ]


def lines(f: Filters) -> Iterator[Row]:
    earlier = Line.alias()
    query = (
        Line.select(
            Line.contract,
            Line.position,
            Line.title,
            Line.product,
            Line.start,
            Line.end,
            Line.total,
            Line.used,
            Line.price,
            Line.discount,
            Line.status,
            earlier.contract,
            earlier.position,
            Line.created,
            Contract.allotment_type,
            status_column(f.day),
        )
        .join(Contract, on=Line.contract == Contract.id)
        .switch(Line)
        .join(earlier, pw.JOIN.LEFT_OUTER, on=Line.renewed_from == earlier.id)
        .order_by(Line.contract, Line.position)
    )
    query = f.contracts(query)
    if f.since:
        query = query.where((Contract.modified >= f.since) | (Line.created >= f.since))
    for row in stream(query):
        cid, position, title, product, start, end, total, used, price, discount = row[:10]
        stored, renews_contract, renews_position, made, kind, contract_status = row[10:]
        yield [
            contract_number(cid),
            position,
            title,
            product,
            _day(start),
            _day(end),
            amount(kind, total) if kind != "coverage" else "",
            amount(kind, used),
            money(price),
            money(discount),
            line_status_on(stored, DAY.python_value(end), contract_status, f.day),
            line_ref(renews_contract, renews_position) if renews_contract else "",
            _moment(made),
        ]


def cases(f: Filters) -> Iterator[Row]:
    query = (
        Case.select(
            Case.number,
            Customer.name,
            Case.title,
            Line.contract,
            Line.position,
            Case.status,
            Case.opened,
            Case.opened_by,
            Case.resolved_at,
            Case.resolved_on,
            Case.resolved_by,
            Case.resolution,
            Case.spent,
            Case.charged,
            Contract.allotment_type,
        )
        .join(Customer, on=Case.customer == Customer.id)
        .switch(Case)
        .join(Line, pw.JOIN.LEFT_OUTER, on=Case.line == Line.id)
        .join(Contract, pw.JOIN.LEFT_OUTER, on=Line.contract == Contract.id)
        .order_by(Case.id)
    )
    if f.status:
        query = query.where(status_is(f.status, f.day))
    if f.since:
        query = query.where((Case.opened >= f.since) | (Case.resolved_at >= f.since))
    for row in stream(query):
        number, customer, title, cid, position, status, opened, opened_by = row[:8]
        resolved_at, resolved_on, resolved_by, resolution, spent, charged, kind = row[8:]
        yield [
            number,
            customer,
            title,
            line_ref(cid, position) if cid else "",
            status,
            _moment(opened),
            opened_by,
            _moment(resolved_at),
            _day(resolved_on),
            _text(resolved_by),
            _text(resolution),
            amount("time", spent),
            amount(kind, charged) if kind else "",
        ]


def ledger(f: Filters) -> Iterator[Row]:
    where = (Line.contract, Line.position, Case.number)
    entry = (UsageEntry.amount, UsageEntry.kind, UsageEntry.who, UsageEntry.at, UsageEntry.note)
    query = (
        UsageEntry.select(*where, *entry, Contract.allotment_type)
        .join(Line, on=UsageEntry.line == Line.id)
        .join(Contract, on=Line.contract == Contract.id)
        .switch(UsageEntry)
        .join(Case, pw.JOIN.LEFT_OUTER, on=UsageEntry.case == Case.id)
        .order_by(UsageEntry.id)
    )
    query = f.contracts(query)
    if f.since:
        query = query.where(UsageEntry.at >= f.since)
    for cid, position, case, value, kind, who, at, note, allotment_type in stream(query):
        yield [
            line_ref(cid, position),
            _text(case),
            amount(allotment_type, value),
            kind,
            who,
            _moment(at),
            note,
        ]


ROWS: dict[str, Callable[[Filters], Iterator[Row]]] = {
    "customers": customers,
    "templates": templates,
    "contracts": contracts,
    "lines": lines,
    "cases": cases,
    "ledger": ledger,
}


def export_kinds(what: str | None) -> tuple[str, ...]:
    """The kinds `--what` names: one of KINDS, or all of them."""
    if not what or what == "all":
        return KINDS
    if what not in KINDS:
        raise InvalidInput(f"--what '{what}' is not one of {', '.join(KINDS)} or all.")
    return (what,)


def _csv_cell(value: Any) -> Any:
    return SEPARATOR.join(value) if isinstance(value, list) else value


@reads
def export_csv(
    streams: dict[str, TextIO], status: str | None = None, since: str | None = None
) -> dict[str, int]:
    """Write each kind in `streams` as CSV (a header row, then one row per record) to its
    stream, all from one snapshot of the database; returns the rows written per kind."""
    f = Filters(status, since)
    counts = {}
    with read_snapshot():
        for kind in KINDS:
            if kind not in streams:
                continue
            writer = csv.writer(streams[kind], lineterminator="\n")
            writer.writerow(COLUMNS[kind])
            n = 0
            for row in ROWS[kind](f):
                writer.writerow([_csv_cell(v) for v in row])
                n += 1
            counts[kind] = n
    return counts


def _json_value(value: Any) -> Any:
    return None if value == "" else value


@reads
def export_json(
    out: TextIO, kinds: Iterable[str] = KINDS, status: str | None = None, since: str | None = None
) -> dict[str, int]:
    """Write one JSON document, `{"customers": [...], "templates": [...], ...}`, one record
    per line, from one snapshot; returns the records written per kind."""
    f = Filters(status, since)
    wanted = [kind for kind in KINDS if kind in set(kinds)]
    counts = {}
    with read_snapshot():
        out.write("{")
        for i, kind in enumerate(wanted):
            out.write(("," if i else "") + f"\n{json.dumps(kind)}: [")
            n = 0
            names = COLUMNS[kind]
            for row in ROWS[kind](f):
                record = {k: _json_value(v) for k, v in zip(names, row)}
                out.write(("," if n else "") + "\n  " + json.dumps(record, ensure_ascii=False))
                n += 1
            out.write("\n]" if n else "]")
            counts[kind] = n
        out.write("\n}\n")
    return counts
