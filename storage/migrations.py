"""The schema's migrations: `MIGRATIONS[n]` brings a database from schema n - 1 to n (1 creates
it). `db.migrate` runs them in order, in one transaction, and records the version."""

from __future__ import annotations

from .models import (
    MODELS,
    AuditEvent,
    CustomerEmail,
    CustomerPhone,
    DayOff,
    Setting,
    WriteKey,
    database,
)


def _migration_1() -> None:
    later = (Setting, WriteKey, CustomerPhone, CustomerEmail, DayOff)
    database.create_tables([m for m in MODELS if m not in later])


def _migration_2() -> None:
    """Settings (the business zone), idempotency keys, and the database role in the audit."""
    from . import db
    from .clock import system_zone

    database.create_tables([Setting, WriteKey])
    columns = {c.name for c in database.get_columns(AuditEvent._meta.table_name)}
    if "db_user" not in columns:
        database.execute_sql('ALTER TABLE "audit_event" ADD COLUMN db_user VARCHAR(255)')
    if not Setting.select().where(Setting.name == "zone").exists():
        Setting.create(name="zone", value=db.initial_zone or system_zone())
    db.initial_zone = None  # for this one new database only


def _migration_3() -> None:
    """Caller ID: a customer's phone numbers and e-mail addresses in tables of their own
    (unique, indexed), the default phone region (`init --phone-region`, else the country of
    the business zone), and each customer's single email and phone moved into them."""
    from . import caller_id, db

    database.create_tables([CustomerPhone, CustomerEmail])
    region = db.setting(caller_id.REGION_SETTING)
    if region is None:
        region = db.initial_region or caller_id.region_of_zone(db.setting("zone"))
        if region:
            Setting.create(name=caller_id.REGION_SETTING, value=region)
    db.initial_region = None  # for this one database only
    columns = {c.name for c in database.get_columns("customer")}
    if {"email", "phone"} <= columns:
        rows = database.execute_sql(
            'SELECT id, name, email, phone FROM "customer" '
            "WHERE email IS NOT NULL OR phone IS NOT NULL ORDER BY id"
        ).fetchall()
        for customer_id, name, email, phone in rows:
            caller_id.move_old_contacts(customer_id, name, email, phone, region)
        for column in ("email", "phone"):
            database.execute_sql(f'ALTER TABLE "customer" DROP COLUMN {column}')


def _migration_4() -> None:
    """Days off of templates (service hours)."""
    database.create_tables([DayOff])


# A line's percent used, whole; in 64 bits (PostgreSQL's integer is 32: a use of a billion
# times 100 must not make every update of the line fail).
SHARE_SQL = '((CAST("used" AS BIGINT) * 100) / NULLIF("total", 0))'


def _migration_5() -> None:
    """An index on each line's percent used (`SHARE_SQL`): the lines past a usage threshold,
    the most used first, are read from it instead of sorting every line of every contract."""
    database.execute_sql(f'CREATE INDEX IF NOT EXISTS "line_share" ON "line" ({SHARE_SQL})')


def _migration_6() -> None:
    """The filter's substring index on each contract's search text (search_index.py): FTS5
    with trigrams on SQLite, pg_trgm's GIN on PostgreSQL (left out, and the filter reads as
    before, when the database refuses CREATE EXTENSION); filled from the contracts there."""
    from . import search_index

    search_index.create()


# The lines' index on their percent used carries the columns the attention list reads of
# them (migration 7): the lines past a threshold are read from it without the table.
SHARE_INDEX_SQL = (
    f'CREATE INDEX IF NOT EXISTS "line_share" ON "line" ({SHARE_SQL}, "contract_id", '
    '"position", "total", "used", "status", "start", "end")'
)


def _migration_7() -> None:
    """The ledger indexed by line, moment, kind and amount: a line's use over the last 30 and
    90 days (forecast.window_sums) is read from the index alone, without the rows; it
    replaces the index on the line alone, which it begins with. The lines' index on their
    percent used gains the columns the attention list reads (SHARE_INDEX_SQL)."""
    database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "usage_entry_line_id_at_kind_amount" '
        'ON "usage_entry" ("line_id", "at", "kind", "amount")'
    )
    database.execute_sql('DROP INDEX IF EXISTS "usage_entry_line_id"')
    database.execute_sql('DROP INDEX IF EXISTS "line_share"')
    database.execute_sql(SHARE_INDEX_SQL)


def _migration_8() -> None:
    """The counts' tally (status_tally.py): how many contracts have each stored state and
    dates, kept in step by triggers, so the counts per status read no contract."""
    from . import status_tally

    status_tally.create()


MIGRATIONS = {
    1: _migration_1,
    2: _migration_2,
    3: _migration_3,
    4: _migration_4,
    5: _migration_5,
    6: _migration_6,
    7: _migration_7,
    8: _migration_8,
}
