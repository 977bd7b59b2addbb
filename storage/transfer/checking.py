"""Checking an import whole before writing anything: every row against every rule, every
problem collected (file, row, column, one sentence), and the rows to write built with their
ids. This module holds the plan and the catalog (customers, templates); contracts and lines
are in check_contracts.py, cases and the ledger in check_use.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from .. import caller_id
from ..allotments import allotment as allotment_kind
from ..allotments import rounded_types
from ..amounts import parse_date, parse_duration
from ..catalog import NAME_LIMIT, check_hours
from ..clock import now_utc
from ..errors import InvalidInput
from ..models import (
    BILLING_FREQUENCIES,
    AuditEvent,
    Base,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Template,
    tuples,
)
from ..text import free_text, one_line, quoted
from .columns import REQUIRED, STORED, read_amount, several, stored_moment
from .reading import Record

T = TypeVar("T")
MAX_PROBLEMS = 1000  # problems kept to report; the rest are only counted
MEMO_SIZE = 100_000  # values read once and remembered (Row.cached)
FAILED = "failed"  # a customer or template whose own row had a problem


class Row:
    """One record being checked: its values read column by column, each problem noted
    against its column; `ok` while none was found."""

    def __init__(self, plan: Plan, record: Record) -> None:
        self.plan, self.record, self.ok = plan, record, True
        self.values = record.values  # stripped text (lists only in columns of several)

    def problem(self, column: str | None, sentence: str) -> None:
        self.ok = False
        self.plan.problem(self.record.place, column, sentence)

    def text(self, column: str) -> str:
        return self.values.get(column) or ""

    def read(self, column: str, parse: Callable[[str], T], default: T | None = None) -> T | None:
        """The column's value through `parse`; `default` when empty (a problem if required)."""
        raw = self.values.get(column)
        if not raw:
            if column in REQUIRED[self.record.kind]:
                self.problem(column, f"the {column.replace('_', ' ')} is empty.")
            return default
        try:
            return parse(raw)
        except InvalidInput as exc:
            self.problem(column, str(exc))
            return None

    def remembered(self, column: str, default: Any, parse: Callable[..., Any], *args: Any) -> Any:
        """As read, with `parse(raw, *args)`; what it gave is remembered for the next row with
        the same value (dates, amounts and names repeat a lot in a large file)."""
        raw = self.values.get(column)
        if not raw:
            return self.read(column, parse, default)
        memo = self.plan.memo
        key = (parse, args, raw)
        found = memo.get(key, memo)
        if found is not memo:
            return found
        try:
            found = parse(raw, *args)
        except InvalidInput as exc:
            self.problem(column, str(exc))
            return None
        if len(memo) < MEMO_SIZE:
            memo[key] = found
        return found

    def name(self, column: str, what: str, limit: int = 200, required: bool = True) -> str:
        return self.remembered(column, "", one_line, what, limit, required) or ""

    def day(self, column: str, default: Any = None) -> Any:
        return self.remembered(column, default, parse_date, f"the {column.replace('_', ' ')}")

    def moment(self, column: str, default: str) -> str:
        """A moment as stored (naive UTC text); `default` (the same) when empty."""
        raw = self.values.get(column)
        if not raw:
            return default
        try:
            return stored_moment(raw, column.replace("_", " "))
        except InvalidInput as exc:
            self.problem(column, str(exc))
            return default

    def amount(
        self, column: str, kind: str, default: int | None = None, signed: bool = False
    ) -> int | None:
        what = column.replace("_", " ")
        return self.remembered(column, default, read_amount, kind, what, signed)

    def free(self, column: str, what: str, limit: int = 2000) -> str:
        return self.read(column, lambda t: free_text(t, what, limit, crlf=True), "") or ""


class Plan:
    """What an import will write: rows per model, ids assigned, and the problems found."""

    def __init__(self, who: str, source: str) -> None:
        from ..demo.writing import next_id

        self.who, self.source = who, source
        self.now = now_utc()
        self.stamp = STORED.db_value(self.now)
        self.problems: list[str] = []
        self.memo: dict[tuple, Any] = {}
        self.db_customers: set[int] = set()
        self.audit_texts: dict[tuple, str] = {}
        self.more_problems = 0
        self.rows: dict[type[Base], list[tuple]] = {}
        self.next_id: Callable[[type[Base]], int] = next_id
        self.ids: dict[type[Base], int] = {}
        # name key -> (id, name, "db" or "file"): the database's and the file's
        self.customers: dict[str, tuple[int, str, str]] = {}
        self.templates: dict[str, tuple] = {}  # name -> (id, name, kind, billing, ...)
        self.abbr_names: dict[str, str] = {}  # abbreviation -> template name
        self.days_off: list[tuple[int, str]] = []
        self.counts: dict[str, int] = {}
        self._db_loaded = False

    # bookkeeping

    def problem(self, place: str, column: str | None, sentence: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more_problems += 1
            return
        where = f"{place}, column {column}" if column else place
        self.problems.append(f"{where}: {sentence}")

    def new_id(self, model: type[Base]) -> int:
        if model not in self.ids:
            self.ids[model] = self.next_id(model)
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def add(self, model: type[Base], row: tuple) -> None:
        self.rows.setdefault(model, []).append(row)

    def audit(self, entity: str, ref: str, changes: dict[str, Any]) -> None:
        try:  # the same few changes again and again: each written out once
            key = tuple(changes.items())
            text = self.audit_texts.get(key)
        except TypeError:  # a list among the values
            key, text = None, None
        if text is None:
            text = json.dumps({"from": self.source, **changes}, sort_keys=True, default=str)
            if key is not None and len(self.audit_texts) < MEMO_SIZE:
                self.audit_texts[key] = text
        self.add(
            AuditEvent, (self.new_id(AuditEvent), entity, ref, "import", self.who, self.stamp, text)
        )

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def load_catalog(self) -> None:
        """The customers, templates and contact details the database holds already."""
        for cid, name, key in tuples(
            Customer.select(Customer.id, Customer.name, Customer.name_key)
        ):
            self.customers[key] = (cid, name, "db")
            self.db_customers.add(cid)
        for row in tuples(
            Template.select(
                Template.id,
                Template.name,
                Template.allotment_type,
                Template.billing,
                Template.hours,
                Template.increment,
                Template.minimum,
                Template.volume,
                Template.abbr,
            )
        ):
            self.templates[row[1]] = (*row[:8], "db")
            self.abbr_names[row[8]] = row[1]
        self.abbrs = set(self.abbr_names)
        self.emails = {k for (k,) in tuples(CustomerEmail.select(CustomerEmail.address_key))}
        self.phones = {n for (n,) in tuples(CustomerPhone.select(CustomerPhone.number))}
        self.region = caller_id.phone_region()

    # customers

    def customer(self, record: Record) -> None:
        row = Row(self, record)
        name = row.name("name", "customer name", NAME_LIMIT)
        key = name.casefold()
        if name and key in self.customers:
            where = "in the database" if self.customers[key][-1] == "db" else "earlier in the file"
            row.problem("name", f"a customer named '{quoted(name)}' is already {where}.")
        emails = [self._email(row, text) for text in several(record.values.get("emails"))]
        phones = [self._phone(row, text) for text in several(record.values.get("phones"))]
        created = row.moment("created", self.stamp)
        if not row.ok:
            if name and key not in self.customers:  # its contracts are not reported again
                self.customers[key] = (0, name, FAILED)
            return
        cid = self.new_id(Customer)
        self.customers[key] = (cid, name, "file")
        self.add(Customer, (cid, name, key, created))
        for address, address_key, domain in filter(None, emails):
            self.add(CustomerEmail, (self.new_id(CustomerEmail), cid, address, address_key, domain))
        for number, shown in filter(None, phones):
            self.add(CustomerPhone, (self.new_id(CustomerPhone), cid, number, shown))
        said = {"emails": [e[0] for e in emails if e], "phones": [p[1] for p in phones if p]}
        self.audit("customer", name, said)
        self.count("customers")

    def _email(self, row: Row, text: str) -> tuple[str, str, str] | None:
        found = self._contact(row, "emails", lambda: caller_id.email_address(text), self.emails)
        return found if found is None else (found[0], found[1], found[2])

    def _phone(self, row: Row, text: str) -> tuple[str, str] | None:
        read = lambda: caller_id.phone_number(text, self.region)
        found = self._contact(row, "phones", read, self.phones)
        return found if found is None else (found[0], found[1])

    def _contact(
        self, row: Row, column: str, read: Callable[[], tuple[str, ...]], taken: set[str]
    ) -> tuple[str, ...] | None:
        """An address or a number (its key second or first), refused when it is not one or
        belongs to a customer already (in the database or earlier in the file)."""
        try:
            found = read()
        except InvalidInput as exc:
            row.problem(column, str(exc))
            return None
        key = found[1] if column == "emails" else found[0]
        if key in taken:
            shown = found[0] if column == "emails" else found[1]
            row.problem(column, f"{shown} already belongs to a customer.")
            return None
        taken.add(key)
        return found

    # templates

    def template(self, record: Record) -> None:
        row = Row(self, record)
        name = row.name("name", "template name", NAME_LIMIT)
        if name in self.templates:
            where = "in the database" if self.templates[name][-1] == "db" else "earlier in the file"
            row.problem("name", f"a template named '{quoted(name)}' is already {where}.")
        abbr = row.name("abbr", "abbreviation", NAME_LIMIT).upper()
        if abbr and (len(abbr) > 8 or " " in abbr):
            row.problem(
                "abbr",
                f"the abbreviation '{quoted(abbr)}' must be one word of at most 8 characters.",
            )
        elif abbr in self.abbrs:
            row.problem("abbr", f"the abbreviation '{abbr}' is already used by another template.")
        kind = row.read("allotment_type", lambda t: allotment_kind(t).name)
        billing = row.read("billing", _billing)
        volume = row.amount("volume", kind) if kind and allotment_kind(kind).metered else None
        if kind and not allotment_kind(kind).metered and row.text("volume"):
            row.problem("volume", f"a {kind} template has no volume: it covers unlimited cases.")
        hours = row.read("hours", check_hours, "24x7")
        steps = [row.read(c, _duration(c)) for c in ("increment", "minimum")]
        if kind and any(steps) and not allotment_kind(kind).rounded:
            row.problem(
                "increment",
                f"billing increment and minimum apply only to {rounded_types()} templates.",
            )
        days = []
        for text in several(record.values.get("days_off")):
            try:
                days.append(parse_date(text, "day off"))
            except InvalidInput as exc:
                row.problem("days_off", str(exc))
        text = row.free("description", "description")
        created = row.moment("created", self.stamp)
        modified = row.moment("modified", created)
        if not row.ok:
            if name and name not in self.templates:  # its contracts are not reported again
                self.templates[name] = (0, name, None, None, None, None, None, None, FAILED)
            return
        tid = self.new_id(Template)
        self.abbrs.add(abbr)
        self.abbr_names[abbr] = name
        increment, minimum = steps
        self.templates[name] = (tid, name, kind, billing, hours, increment, minimum, volume, "file")
        stored = (created, modified)
        self.add(
            Template,
            (tid, name, abbr, kind, billing, volume, hours, increment, minimum, text, *stored),
        )
        self.days_off.extend((tid, day.isoformat()) for day in sorted(set(days)))
        fields = {
            "abbr": abbr,
            "allotment_type": kind,
            "billing": billing,
            "volume": volume,
            "hours": hours,
        }
        self.audit("template", name, fields)
        self.count("templates")


def _duration(column: str) -> Callable[[str], int]:
    """The reader of a duration column (a template's or a contract's increment or minimum)."""
    return lambda text: parse_duration(text, f"the {column}")


def one_of(what: str, choices: tuple[str, ...]) -> Callable[[str], str]:
    """The reader of a column that holds one of `choices`."""

    def read(text: str) -> str:
        if text not in choices:
            raise InvalidInput(f"{what} '{quoted(text)}' is not one of {', '.join(choices)}.")
        return text

    return read


_billing = one_of("billing", BILLING_FREQUENCIES)
