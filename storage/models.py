"""The peewee models of SPEC §2. Rules live in the modules that use them, not here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, overload

import peewee as pw
import pendulum

database = pw.DatabaseProxy()

STATUSES = ("draft", "invoiced", "active", "on_hold", "canceled", "expired")
LINE_STATUSES = ("existing", "renewed", "canceled", "expired")
CASE_STATUSES = ("open", "resolved", "canceled")
BILLING_FREQUENCIES = ("monthly", "bimonthly", "quarterly", "semiannually", "annually")
ROLES = ("supervisor", "rep")


def tuples(query: pw.BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of a query as plain tuples (peewee's `.tuples()`, typed as what it returns:
    its stubs type the rows of `Model.select(...).tuples()` as model instances)."""
    return iter(query.tuples())


class CalendarDateField(pw.DateField):
    """A calendar date, stored as ISO text on SQLite, handed back as a pendulum Date."""

    @overload
    def db_value(self, value: dt.date | str) -> str: ...
    @overload
    def db_value(self, value: None) -> None: ...
    def db_value(self, value: dt.date | str | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.date):
            return dt.date(value.year, value.month, value.day).isoformat()
        return value

    @overload
    def python_value(self, value: dt.date | str) -> pendulum.Date: ...
    @overload
    def python_value(self, value: None) -> None: ...
    def python_value(self, value: dt.date | str | None) -> pendulum.Date | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        return pendulum.Date(value.year, value.month, value.day)


class UTCTimestampField(pw.DateTimeField):
    """A moment, stored as naive UTC (sqlite3 cannot adapt pendulum.DateTime itself)."""

    @overload
    def db_value(self, value: dt.datetime) -> str: ...
    @overload
    def db_value(self, value: None) -> None: ...
    def db_value(self, value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return dt.datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        ).isoformat(sep=" ")

    @overload
    def python_value(self, value: dt.datetime | str) -> dt.datetime: ...
    @overload
    def python_value(self, value: None) -> None: ...
    def python_value(self, value: dt.datetime | str | None) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=None)


class SequenceField(pw.AutoField):
    """A primary key that is never reused, even after the newest row is deleted."""

    def ddl(self, ctx: Any) -> pw.NodeList:
        node = super().ddl(ctx)
        if isinstance(database.obj, pw.SqliteDatabase):
            return pw.NodeList((node, pw.SQL("AUTOINCREMENT")))
        return node


class Base(pw.Model):
    # Every model writes out its `id` (the AutoField peewee would add by itself) and
    # annotates the attributes peewee makes for it: `<foreign key>_id` and each backref; the
    # date, time and self-referencing fields are annotated with the values they hand back.
    # The annotations only tell type checkers and readers what is there; peewee ignores them.

    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(Base):
    id = pw.AutoField()
    version = pw.IntegerField()


class User(Base):
    id = pw.AutoField()
    login = pw.CharField(unique=True)
    role = pw.CharField(choices=[(r, r) for r in ROLES])
    created: pw.DateTimeField[dt.datetime] = UTCTimestampField()


class Customer(Base):
    id = pw.AutoField()
    name = pw.CharField()
    name_key = pw.CharField(unique=True)  # the name folded to lower case
    created: pw.DateTimeField[dt.datetime] = UTCTimestampField()

    contracts: pw.ModelSelect[Contract]
    billed_contracts: pw.ModelSelect[Contract]
    cases: pw.ModelSelect[Case]


class CustomerPhone(Base):
    """One of a customer's phone numbers: a number belongs to one customer only."""

    id = pw.AutoField()
    customer = pw.ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    number = pw.CharField(unique=True)  # E.164, what caller ID looks up: +34911234567
    shown = pw.CharField()  # as people read it: +34 911 23 45 67

    customer_id: int


class CustomerEmail(Base):
    """One of a customer's e-mail addresses: an address belongs to one customer only."""

    id = pw.AutoField()
    customer = pw.ForeignKeyField(Customer, backref="emails", on_delete="CASCADE")
    address = pw.CharField()  # as typed
    address_key = pw.CharField(unique=True)  # in lower case: what a look-up compares
    domain = pw.CharField(index=True)  # in lower case: the candidates at a known domain

    customer_id: int


class Template(Base):
    id = pw.AutoField()
    name = pw.CharField(unique=True)
    abbr = pw.CharField(max_length=8, unique=True)
    allotment_type = pw.CharField()
    billing = pw.CharField()
    volume = pw.IntegerField(null=True)  # default total per line: cases, or minutes
    hours = pw.CharField(default="24x7")
    increment = pw.IntegerField(null=True)  # minutes a time charge is rounded up to
    minimum = pw.IntegerField(null=True)  # minutes charged at least
    description = pw.TextField(default="")
    created: pw.DateTimeField[dt.datetime] = UTCTimestampField()
    modified: pw.DateTimeField[dt.datetime] = UTCTimestampField()

    contracts: pw.ModelSelect[Contract]


class Contract(Base):
    id = SequenceField()
    # NULL only inside the transaction that inserts the row and then numbers it from its id:
    # every row anyone reads has a number, so it is typed as text.
    number: pw.CharField[str] = pw.CharField(unique=True, null=True)  # type: ignore[assignment]
    title = pw.CharField()
    customer = pw.ForeignKeyField(Customer, backref="contracts", on_delete="RESTRICT")
    bill_to = pw.ForeignKeyField(Customer, backref="billed_contracts", on_delete="RESTRICT")
    template = pw.ForeignKeyField(Template, backref="contracts", on_delete="RESTRICT")
    allotment_type = pw.CharField()
    billing = pw.CharField()
    hours = pw.CharField()
    increment = pw.IntegerField(null=True)
    minimum = pw.IntegerField(null=True)
    start: pw.DateField[pendulum.Date] = CalendarDateField()
    end: pw.DateField[pendulum.Date] = CalendarDateField()
    billing_start: pw.DateField[pendulum.Date] = CalendarDateField()
    billing_end: pw.DateField[pendulum.Date] = CalendarDateField()
    status = pw.CharField(default="draft", index=True)  # pages in number order per status
    cancel_date: pw.DateField[pendulum.Date | None] = CalendarDateField(null=True)
    cancel_reason = pw.TextField(null=True)
    origin: pw.ForeignKeyField[Contract | None] = pw.ForeignKeyField(
        "self", null=True, backref="successors", on_delete="SET NULL"
    )
    origin_kind = pw.CharField(null=True)  # "renewal" or "copy"
    search = pw.CharField(default="")  # number, customer and title folded, for the filter
    owner = pw.CharField()
    created: pw.DateTimeField[dt.datetime] = UTCTimestampField()
    modified: pw.DateTimeField[dt.datetime] = UTCTimestampField()
    version = pw.IntegerField(default=1)

    customer_id: int
    bill_to_id: int
    template_id: int
    origin_id: int | None
    lines: pw.ModelSelect[Line]
    successors: pw.ModelSelect[Contract]

    class Meta:
        indexes = (
            (("customer", "status"), False),
            (("status", "end"), False),
            (("status", "start"), False),  # sweep: invoiced contracts whose start has come
            # counts per status and the filter as you type read this index, not the table
            (("status", "search"), False),
        )


class Line(Base):
    id = pw.AutoField()
    contract = pw.ForeignKeyField(Contract, backref="lines", on_delete="CASCADE")
    position = pw.IntegerField()
    title = pw.CharField()
    product = pw.CharField(default="")
    start: pw.DateField[pendulum.Date] = CalendarDateField()
    end: pw.DateField[pendulum.Date] = CalendarDateField()
    total = pw.IntegerField(null=True)  # cases or minutes; none for coverage
    used = pw.IntegerField(default=0)
    price = pw.BigIntegerField(default=0)  # cents
    discount = pw.BigIntegerField(default=0)  # cents
    status = pw.CharField(default="existing")
    renewed_from: pw.ForeignKeyField[Line | None] = pw.ForeignKeyField(
        "self", null=True, backref="renewals", on_delete="SET NULL"
    )
    created: pw.DateTimeField[dt.datetime] = UTCTimestampField()

    contract_id: int
    renewed_from_id: int | None
    renewals: pw.ModelSelect[Line]
    cases: pw.ModelSelect[Case]
    usage: pw.ModelSelect[UsageEntry]

    class Meta:
        indexes = (
            (("contract", "position"), True),
            (("status", "end"), False),
        )


class Case(Base):
    id = SequenceField()
    # NULL only inside the transaction that inserts the row and then numbers it from its id:
    # every row anyone reads has a number, so it is typed as text.
    number: pw.CharField[str] = pw.CharField(unique=True, null=True)  # type: ignore[assignment]
    customer = pw.ForeignKeyField(Customer, backref="cases", on_delete="RESTRICT")
    title = pw.CharField()
    line = pw.ForeignKeyField(Line, null=True, backref="cases", on_delete="RESTRICT")
    status = pw.CharField(default="open", index=True)
    opened: pw.DateTimeField[dt.datetime] = UTCTimestampField()
    opened_by = pw.CharField()
    resolved_at: pw.DateTimeField[dt.datetime | None] = UTCTimestampField(null=True)
    resolved_on: pw.DateField[pendulum.Date | None] = CalendarDateField(
        null=True
    )  # the business day it was resolved
    resolved_by = pw.CharField(null=True)
    resolution = pw.TextField(null=True)
    spent = pw.IntegerField(null=True)  # minutes entered by the rep
    charged = pw.IntegerField(default=0)  # outstanding charge against the line

    customer_id: int
    line_id: int | None
    usage: pw.ModelSelect[UsageEntry]

    class Meta:
        indexes = ((("customer", "status"), False),)


class UsageEntry(Base):
    """The ledger: append-only. `used` of a line is the sum of its entries."""

    id = pw.AutoField()
    # Indexed with the columns a line's use over a window reads (see Meta), not alone.
    line = pw.ForeignKeyField(Line, backref="usage", on_delete="RESTRICT", index=False)
    case = pw.ForeignKeyField(Case, null=True, backref="usage", on_delete="RESTRICT")
    amount = pw.IntegerField()
    kind = pw.CharField()  # charge, override, reversal, adjustment
    who = pw.CharField()
    at: pw.DateTimeField[dt.datetime] = UTCTimestampField()
    note = pw.TextField(default="")

    line_id: int
    case_id: int | None

    class Meta:
        # A line's ledger in time order, with what its use over a window sums (forecast.py):
        # read from the index alone, for every line of the attention list (migration 7).
        indexes = ((("line", "at", "kind", "amount"), False),)


class AuditEvent(Base):
    id = pw.AutoField()
    entity = pw.CharField()  # contract, line, template, case, customer, user
    ref = pw.CharField()  # CNR-000001, CNR-000001/2, CAS-000001, a name
    action = pw.CharField()
    who = pw.CharField()  # the operating-system login of the process
    db_user = pw.CharField(null=True)  # the database role (PostgreSQL), when it says more
    at: pw.DateTimeField[dt.datetime] = UTCTimestampField()
    changes = pw.TextField(default="{}")  # JSON

    class Meta:
        indexes = ((("entity", "ref"), False),)


class Setting(Base):
    """The database's own settings (business time zone, ...): one row per name."""

    id = pw.AutoField()
    name = pw.CharField(unique=True)
    value = pw.TextField()


class WriteKey(Base):
    """Idempotency keys: each write stores its key (and its result) in its own transaction,
    so a write retried after a lost reply returns the first result instead of running again."""

    id = pw.AutoField()
    key = pw.CharField(unique=True)
    result = pw.TextField(default="null")  # JSON
    at: pw.DateTimeField[dt.datetime] = UTCTimestampField()


def stored_result(result: object) -> str:
    """A write's result as `WriteKey.result` holds it: JSON; a view as its class's name and
    its fields."""
    import dataclasses
    import json

    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        kind = type(result)
        return json.dumps(
            {"__view__": kind.__name__, "fields": dataclasses.asdict(result)}, default=str
        )
    try:
        return json.dumps(result)
    except (TypeError, ValueError):
        return "null"


def result_from_stored(text: str) -> Any:
    """The result `stored_result` stored, a view again when it was one."""
    import json

    value = json.loads(text)
    if isinstance(value, dict) and "__view__" in value:
        from . import views

        kind = getattr(views, value["__view__"], None)
        if kind is not None:
            return kind(**value["fields"])
    return value


class DayOff(Base):
    """A date on which a template's contracts give no service (SPEC §2: days off)."""

    id = pw.AutoField()
    template = pw.ForeignKeyField(Template, backref="days_off", on_delete="CASCADE")
    day = CalendarDateField()

    template_id: int

    class Meta:
        indexes = ((("template", "day"), True),)


MODELS = [
    SchemaVersion,
    User,
    Customer,
    CustomerPhone,
    CustomerEmail,
    Template,
    Contract,
    Line,
    Case,
    UsageEntry,
    AuditEvent,
    Setting,
    WriteKey,
    DayOff,
]
