"""How many contracts each status holds, with no filter text, read without a scan (schema 8).

`contract_tally` holds, for each (stored state, start, end) that contracts have, how many
contracts have it. A contract's status on a day is a function of exactly these three
(by_dates.status_when), so the counts per status on any day (the real one or `--today`)
are a sum over the tally's rows: a few thousand rows, never the million contracts.

Triggers on the contract table keep it in step inside the transaction that inserts,
deletes or changes a contract (its state or dates; any other change leaves the tally
alone). On PostgreSQL two writers that change contracts of the same state and dates wait
for each other's commit on the tally's row; a deadlock between them is retried by
`writes` like any other. Rows that fall to 0 stay: they cost nothing to sum.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw
import pendulum

from .db import is_postgres
from .models import Contract, database

TABLE = "contract_tally"
_TALLY = pw.Table(TABLE)
_STATUS, _START, _END, _N = (pw.Column(_TALLY, name) for name in ("status", "start", "end", "n"))

_COLUMNS = '"status" VARCHAR(255) NOT NULL, "start" {date} NOT NULL, "end" {date} NOT NULL'
_TABLE_SQL = (
    f'CREATE TABLE IF NOT EXISTS "{TABLE}" ({_COLUMNS}, "n" INTEGER NOT NULL, '
    'PRIMARY KEY ("status", "start", "end"))'
)
# The contracts counted per stored state and dates: what the tally holds when in step.
_COUNTED = (
    'SELECT "status", "start", "end", COUNT(*) FROM "contract" GROUP BY "status", "start", "end"'
)


def _add(row: str, delta: str) -> str:
    return (
        f'INSERT INTO "{TABLE}" ("status", "start", "end", "n") '
        f'VALUES ({row}.status, {row}.start, {row}."end", {delta}) '
        f'ON CONFLICT ("status", "start", "end") DO UPDATE SET "n" = "{TABLE}"."n" + {delta};'
    )


_CHANGED = (
    'old.status IS NOT new.status OR old.start IS NOT new.start OR old."end" IS NOT new."end"'
)
_SQLITE_TRIGGERS = {
    "contract_tally_insert": f"AFTER INSERT ON contract BEGIN {_add('new', '1')} END",
    "contract_tally_delete": f"AFTER DELETE ON contract BEGIN {_add('old', '-1')} END",
    "contract_tally_update": (
        f'AFTER UPDATE OF status, start, "end" ON contract WHEN {_CHANGED} '
        f"BEGIN {_add('old', '-1')} {_add('new', '1')} END"
    ),
}
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION contract_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {_add("OLD", "-1")} END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN {_add("NEW", "1")} END IF;
    RETURN NULL;
END $$
"""
_PG_TRIGGERS = {
    "contract_tally_insert_delete": "AFTER INSERT OR DELETE ON contract FOR EACH ROW",
    "contract_tally_update": (
        'AFTER UPDATE OF status, start, "end" ON contract FOR EACH ROW WHEN '
        "(OLD.status IS DISTINCT FROM NEW.status OR OLD.start IS DISTINCT FROM NEW.start "
        'OR OLD."end" IS DISTINCT FROM NEW."end")'
    ),
}


def create() -> None:
    """Add the tally to the schema, filled from the contracts there (migration 8)."""
    date = "DATE" if is_postgres() else "TEXT"
    database.execute_sql(_TABLE_SQL.format(date=date))
    _count_all()
    if is_postgres():
        database.execute_sql(_PG_FUNCTION)
    _create_triggers()


def _count_all() -> None:
    """The tally made again from the contracts there, in one grouped pass."""
    database.execute_sql(f'DELETE FROM "{TABLE}"')
    database.execute_sql(f'INSERT INTO "{TABLE}" ("status", "start", "end", "n") {_COUNTED}')


def _create_triggers() -> None:
    if is_postgres():
        for name, when in _PG_TRIGGERS.items():
            database.execute_sql(f'DROP TRIGGER IF EXISTS "{name}" ON "contract"')
            database.execute_sql(
                f'CREATE TRIGGER "{name}" {when} EXECUTE FUNCTION contract_tally_change()'
            )
        return
    for name, body in _SQLITE_TRIGGERS.items():
        database.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')


def _drop_triggers() -> None:
    names = _PG_TRIGGERS if is_postgres() else _SQLITE_TRIGGERS
    on = ' ON "contract"' if is_postgres() else ""
    for name in names:
        database.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"{on}')


def built_after(fill: Callable[[], object]) -> None:
    """Run `fill` (a bulk load into the contract table) without keeping the tally in step
    row by row, then count what is there at once (one grouped pass)."""
    _drop_triggers()
    fill()
    _count_all()
    _create_triggers()


def by_state(day: pendulum.Date) -> list[tuple[str, bool, bool, int]]:
    """(stored state, whether the start is to come, whether the end is past, how many) of
    the contracts on `day`: what by_dates.status_when needs, summed over the tally. Summed
    per state in the tally's own order (a start to come and an end past exclude each other:
    a contract's start is never after its end), so no sort of its rows."""
    value = Contract.start.db_value(day)

    def where(condition: pw.ColumnBase) -> pw.ColumnBase:
        return pw.fn.SUM(pw.Case(None, [(condition, _N)], 0))

    query = _TALLY.select(
        _STATUS, where(_START > value), where((_END < value) & (_START <= value)), pw.fn.SUM(_N)
    ).group_by(_STATUS)
    rows = []
    for state, not_started, ended, n in database.execute(query):
        rows += [(state, True, False, int(not_started)), (state, False, True, int(ended))]
        rows.append((state, False, False, int(n) - int(not_started) - int(ended)))
    return rows


def differences() -> list[str]:
    """Where the tally disagrees with the contracts (verify): none, unless the contract
    table was changed with its triggers dropped."""
    counted = {
        (status, str(start), str(end)): n
        for status, start, end, n in database.execute_sql(_COUNTED)
    }
    tallied = {
        (status, str(start), str(end)): n
        for status, start, end, n in database.execute(_TALLY.select(_STATUS, _START, _END, _N))
        if n
    }
    return [
        f"the counts' tally holds {tallied.get(key, 0)} {key[0]} contracts from {key[1]} to "
        f"{key[2]}, the contracts {counted.get(key, 0)}."
        for key in sorted(counted.keys() | tallied.keys())
        if counted.get(key, 0) != tallied.get(key, 0)
    ]
