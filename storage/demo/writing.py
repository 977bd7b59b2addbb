"""Writing the generated rows fast: multi-row INSERTs on SQLite, COPY on PostgreSQL, inside
one transaction with SQLite's indexes rebuilt at the end; ids come from here, so PostgreSQL's
sequences are moved past them afterwards."""

from __future__ import annotations

import gc
import io
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any

from peewee import OperationalError

from ..db import is_postgres
from ..models import Base, Case, Contract, database
from .rows import COLUMNS

Progress = Callable[[int, int, str], object]  # progress(done, total, what)
CACHE_KIB = 16_384  # SQLite's page cache while filling: what the fill's memory is, mostly


@contextmanager
def bulk_load() -> Iterator[None]:
    """On SQLite, while filling: no fsync per commit, a page cache of a bounded size, foreign
    keys not looked up row by row (the generator's ids are consistent by construction; the
    tests check them with `PRAGMA foreign_key_check`, and PostgreSQL checks every row anyway),
    and a rollback journal instead of the write-ahead log when no other connection has the
    file open: the pages go straight into the file, and the journal keeps only the few pages
    the file held before, where the log would grow to a copy of the whole fill (gigabytes at
    a million contracts) and be copied again at the end; a connection opened meanwhile is
    told the database is busy. One transaction holds the whole fill: a crash leaves the
    journal behind, and the next opening of the file rolls the fill back. Everything is set
    back afterwards."""
    if is_postgres() or database.in_transaction():
        yield
        return
    saved = {
        name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("synchronous", "cache_size", "foreign_keys")
    }
    database.execute_sql("PRAGMA synchronous = NORMAL")
    database.execute_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    database.execute_sql("PRAGMA foreign_keys = OFF")
    journal = _journal_mode("DELETE")
    try:
        yield
    finally:
        for name, value in saved.items():
            database.execute_sql(f"PRAGMA {name} = {int(value)}")
        _journal_mode(journal)


def _journal_mode(mode: str) -> str:
    """Switch SQLite's journal to `mode` if no other connection has the file open, without
    waiting for one (the connections opened later set the log again); the mode before."""
    before = database.execute_sql("PRAGMA journal_mode").fetchone()[0]
    wait = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    database.execute_sql("PRAGMA busy_timeout = 0")
    try:
        database.execute_sql(f"PRAGMA journal_mode = {mode}")
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {int(wait)}")
    return before


@contextmanager
def indexes_rebuilt_after(report: Progress | None = None) -> Iterator[None]:
    """On SQLite, drop the indexes of the tables being filled and build them again at the
    end (a third faster than updating them row by row; the unique ones check the data again).
    Inside the fill's transaction: readers keep seeing the old state, a failure undoes it.
    Not on PostgreSQL: there DROP INDEX would lock readers out of those tables for the whole
    fill, and it gained little (the per-row foreign-key checks cost more than the indexes).
    `report(done, total, what)` is told of each index before it is built, and at the end."""
    if is_postgres():
        yield
        return
    tables = [model._meta.table_name for model in COLUMNS]
    marks = ", ".join("?" * len(tables))
    indexes = database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tables,
    ).fetchall()
    for name, _sql in indexes:
        database.execute_sql(f'DROP INDEX "{name}"')
    yield
    for done, (name, sql) in enumerate(indexes):
        if report is not None:
            report(done, len(indexes), f"indexes (building {name})")
        database.execute_sql(sql)
    if report is not None:
        report(len(indexes), len(indexes), "indexes")


def _columns(model: type[Base], names: tuple[str, ...]) -> list[str]:
    return [model._meta.fields[name].column_name for name in names]


def insert(
    model: type[Base],
    rows: list[tuple[Any, ...]],
    postgres: bool,
    names: tuple[str, ...] | None = None,
) -> None:
    """Write rows (tuples in COLUMNS order, or in the order of the fields `names`): COPY on
    PostgreSQL; on SQLite multi-row INSERTs, as many rows per statement as its limit on bound
    variables allows (at most 500)."""
    table = model._meta.table_name
    names = names or COLUMNS[model]
    columns = ", ".join(f'"{c}"' for c in _columns(model, names))
    cursor = database.cursor()
    if postgres:
        text = io.StringIO("".join(["\t".join(map(_copy_text, row)) + "\n" for row in rows]))
        cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', text)
        return
    width = len(names)
    per_statement = max(1, min(500, _sqlite_variable_limit() // width))
    one = "(" + ", ".join("?" * width) + ")"
    sql = f'INSERT INTO "{table}" ({columns}) VALUES '
    full = sql + ", ".join([one] * per_statement)
    whole = len(rows) - len(rows) % per_statement
    for i in range(0, whole, per_statement):
        cursor.execute(full, list(chain.from_iterable(rows[i : i + per_statement])))
    if whole < len(rows):
        rest = rows[whole:]
        cursor.execute(sql + ", ".join([one] * len(rest)), list(chain.from_iterable(rest)))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def _sqlite_variable_limit() -> int:
    connection = database.connection()
    try:
        return connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # pragma: no cover - Python before 3.11
        return 999


def next_id(model: type[Base]) -> int:
    """The first id free for `model`: past every row and, for the never-reused numbers of
    contracts and cases, past every id the sequence ever handed out."""
    table = model._meta.table_name
    highest = database.execute_sql(f'SELECT MAX("id") FROM "{table}"').fetchone()[0] or 0
    if model in (Contract, Case):
        if is_postgres():
            row = database.execute_sql(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))", (f'"{table}"',)
            ).fetchone()
        else:
            row = database.execute_sql(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
            ).fetchone()
        highest = max(highest, (row[0] or 0) if row else 0)
    return highest + 1


def advance_sequences() -> None:
    """After explicit ids, PostgreSQL's sequences must move past them (SQLite's
    sqlite_sequence follows explicit ids by itself)."""
    if not is_postgres():
        return
    for model in COLUMNS:
        table = model._meta.table_name
        database.execute_sql(
            f'SELECT setval(pg_get_serial_sequence(%s, \'id\'), MAX("id")) FROM "{table}" '
            'HAVING MAX("id") IS NOT NULL',
            (f'"{table}"',),
        )


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while rows are made: the rows (named tuples,
    which the collector keeps tracking, unlike plain tuples of numbers and text) form no
    cycles and are freed by their reference counts, and its passes over each batch of
    hundreds of thousands of rows were a tenth of the fill's time."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
