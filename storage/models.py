"""The peewee models of SPEC §2. Rules live in the modules that use them, not here."""

from __future__ import annotations

import datetime as dt

import peewee as pw
import pendulum

database = pw.DatabaseProxy()

STATUSES = ("draft", "invoiced", "active", "on_hold", "canceled", "expired")
LINE_STATUSES = ("existing", "renewed", "canceled", "expired")
CASE_STATUSES = ("open", "resolved", "canceled")
ALLOTMENT_TYPES = ("cases", "time", "coverage")
BILLING_FREQUENCIES = ("monthly", "bimonthly", "quarterly", "semiannually", "annually")
ROLES = ("supervisor", "rep")


class CalendarDateField(pw.DateField):
    """A calendar date, stored as ISO text on SQLite, handed back as a pendulum Date."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, dt.date):
            return dt.date(value.year, value.month, value.day).isoformat()
        return value

    def python_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        return pendulum.Date(value.year, value.month, value.day)


class UTCTimestampField(pw.DateTimeField):
    """A moment, stored as naive UTC (sqlite3 cannot adapt pendulum.DateTime itself)."""

    def db_value(self, value):
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

    def python_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=None)


class SequenceField(pw.AutoField):
    """A primary key that is never reused, even after the newest row is deleted."""

    def ddl(self, ctx):
        node = super().ddl(ctx)
        if isinstance(database.obj, pw.SqliteDatabase):
            return pw.NodeList((node, pw.SQL("AUTOINCREMENT")))
        return node


class Base(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(Base):
    version = pw.IntegerField()


class User(Base):
    login = pw.CharField(unique=True)
    role = pw.CharField(choices=[(r, r) for r in ROLES])
    created = UTCTimestampField()


class Customer(Base):
    name = pw.CharField()
    name_key = pw.CharField(unique=True)  # the name folded to lower case
    created = UTCTimestampField()


class CustomerPhone(Base):
    """One of a customer's phone numbers: a number belongs to one customer only."""

    customer = pw.ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    number = pw.CharField(unique=True)  # E.164, what caller ID looks up: +34911234567
    shown = pw.CharField()  # as people read it: +34 911 23 45 67


class CustomerEmail(Base):
    """One of a customer's e-mail addresses: an address belongs to one customer only."""

    customer = pw.ForeignKeyField(Customer, backref="emails", on_delete="CASCADE")
    address = pw.CharField()  # as typed
    address_key = pw.CharField(unique=True)  # in lower case: what a look-up compares
    domain = pw.CharField(index=True)  # in lower case: the candidates at a known domain


class Template(Base):
    name = pw.CharField(unique=True)
    abbr = pw.CharField(max_length=8, unique=True)
    allotment_type = pw.CharField()
    billing = pw.CharField()
    volume = pw.IntegerField(null=True)  # default total per line: cases, or minutes
    hours = pw.CharField(default="24x7")
    increment = pw.IntegerField(null=True)  # minutes a time charge is rounded up to
    minimum = pw.IntegerField(null=True)  # minutes charged at least
    description = pw.TextField(default="")
    created = UTCTimestampField()
    modified = UTCTimestampField()


class Contract(Base):
    id = SequenceField()
    number = pw.CharField(unique=True, null=True)
    title = pw.CharField()
    customer = pw.ForeignKeyField(Customer, backref="contracts", on_delete="RESTRICT")
    bill_to = pw.ForeignKeyField(Customer, backref="billed_contracts", on_delete="RESTRICT")
    template = pw.ForeignKeyField(Template, backref="contracts", on_delete="RESTRICT")
    allotment_type = pw.CharField()
    billing = pw.CharField()
    hours = pw.CharField()
    increment = pw.IntegerField(null=True)
    minimum = pw.IntegerField(null=True)
    start = CalendarDateField()
    end = CalendarDateField()
    billing_start = CalendarDateField()
    billing_end = CalendarDateField()
    status = pw.CharField(default="draft", index=True)  # pages in number order per status
    cancel_date = CalendarDateField(null=True)
    cancel_reason = pw.TextField(null=True)
    origin = pw.ForeignKeyField("self", null=True, backref="successors", on_delete="SET NULL")
    origin_kind = pw.CharField(null=True)  # "renewal" or "copy"
    search = pw.CharField(default="")  # number, customer and title folded, for the filter
    owner = pw.CharField()
    created = UTCTimestampField()
    modified = UTCTimestampField()
    version = pw.IntegerField(default=1)

    class Meta:
        indexes = (
            (("customer", "status"), False),
            (("status", "end"), False),
            (("status", "start"), False),  # sweep: invoiced contracts whose start has come
            # counts per status and the filter as you type read this index, not the table
            (("status", "search"), False),
        )


class Line(Base):
    contract = pw.ForeignKeyField(Contract, backref="lines", on_delete="CASCADE")
    position = pw.IntegerField()
    title = pw.CharField()
    product = pw.CharField(default="")
    start = CalendarDateField()
    end = CalendarDateField()
    total = pw.IntegerField(null=True)  # cases or minutes; none for coverage
    used = pw.IntegerField(default=0)
    price = pw.BigIntegerField(default=0)  # cents
    discount = pw.BigIntegerField(default=0)  # cents
    status = pw.CharField(default="existing")
    renewed_from = pw.ForeignKeyField("self", null=True, backref="renewals", on_delete="SET NULL")
    created = UTCTimestampField()

    class Meta:
        indexes = (
            (("contract", "position"), True),
            (("status", "end"), False),
        )


class Case(Base):
    id = SequenceField()
    number = pw.CharField(unique=True, null=True)
    customer = pw.ForeignKeyField(Customer, backref="cases", on_delete="RESTRICT")
    title = pw.CharField()
    line = pw.ForeignKeyField(Line, null=True, backref="cases", on_delete="RESTRICT")
    status = pw.CharField(default="open", index=True)
    opened = UTCTimestampField()
    opened_by = pw.CharField()
    resolved_at = UTCTimestampField(null=True)
    resolved_on = CalendarDateField(null=True)  # the business day it was resolved
    resolved_by = pw.CharField(null=True)
    resolution = pw.TextField(null=True)
    spent = pw.IntegerField(null=True)  # minutes entered by the rep
    charged = pw.IntegerField(default=0)  # outstanding charge against the line

    class Meta:
        indexes = ((("customer", "status"), False),)


class UsageEntry(Base):
    """The ledger: append-only. `used` of a line is the sum of its entries."""

    line = pw.ForeignKeyField(Line, backref="usage", on_delete="RESTRICT")
    case = pw.ForeignKeyField(Case, null=True, backref="usage", on_delete="RESTRICT")
    amount = pw.IntegerField()
    kind = pw.CharField()  # charge, override, reversal, adjustment
    who = pw.CharField()
    at = UTCTimestampField()
    note = pw.TextField(default="")


class AuditEvent(Base):
    entity = pw.CharField()  # contract, line, template, case, customer, user
    ref = pw.CharField()  # CNR-000001, CNR-000001/2, CAS-000001, a name
    action = pw.CharField()
    who = pw.CharField()  # the operating-system login of the process
    db_user = pw.CharField(null=True)  # the database role (PostgreSQL), when it says more
    at = UTCTimestampField()
    changes = pw.TextField(default="{}")  # JSON

    class Meta:
        indexes = ((("entity", "ref"), False),)


class Setting(Base):
    """The database's own settings (business time zone, ...): one row per name."""

    name = pw.CharField(unique=True)
    value = pw.TextField()


class WriteKey(Base):
    """Idempotency keys: each write stores its key (and its result) in its own transaction,
    so a write retried after a lost reply returns the first result instead of running again."""

    key = pw.CharField(unique=True)
    result = pw.TextField(default="null")  # JSON
    at = UTCTimestampField()


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
]
