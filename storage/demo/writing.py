"""Writing the generated rows fast: multi-row INSERTs on SQLite, COPY on PostgreSQL, inside
one transaction with SQLite's indexes rebuilt at the end; ids come from here, so PostgreSQL's
sequences are moved past them afterwards."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from peewee import OperationalError

from .. import search_index
from ..db import is_postgres
from ..models import Base, Case, Contract, database
from .rows import COLUMNS

Progress = Callable[[int, int, str], object]  # progress(done, total, what)
# a statement and what it takes: SQLite's bound values, or the CSV (bytes) a COPY reads
Statement = tuple[str, Any]
CACHE_KIB = 16_384  # SQLite's page cache while filling: what the fill's memory is, mostly
# SQLite's helper threads for the sorts that build the indexes again at the end: at 1,000,000
# contracts the 31 indexes took 40.8 s with two against 51.3 s with none (32 MiB more memory)
SORT_THREADS = min(2, os.cpu_count() or 1)
SORT_MEMORY = "256MB"  # PostgreSQL server's memory for building the indexes and checking keys
# SQLite's indexes the demo keeps in step while filling, not built again at the end: it writes
# their keys (nearly) in order, by id or after a status of a few values, so each row lands
# beside the one before, in pages the cache holds, while building one again is a sort on one
# processor after the contracts are made. 300,000 contracts: 54.3 s against 62.9 s with
# every index built again (2 pairs alternated, ratio 0.78 and 0.97; CPU 0.96). Keeping also
# the indexes on customers (whose keys come in a window of each chunk's customers), on the
# template and on the audit trail was slower: 69.6 s against 56.4 s (ratio 1.24, 2 pairs).
KEPT_IN_STEP = frozenset(
    {
        "case_line_id",
        "case_number",
        "case_status",
        "contract_number",
        "contract_origin_id",
        "contract_status",
        "line_contract_id",
        "line_contract_id_position",
        "line_renewed_from_id",
        "usage_entry_case_id",
        "usage_entry_line_id_at_kind_amount",
    }
)


@contextmanager
def bulk_load() -> Iterator[None]:
    """On SQLite, while filling: no fsync per commit, a page cache of a bounded size, helper
    threads for the sorts that build the indexes (SORT_THREADS), foreign keys not looked up
    row by row (the generator's ids are consistent by construction; the
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
        for name in ("synchronous", "cache_size", "foreign_keys", "threads")
    }
    database.execute_sql("PRAGMA synchronous = NORMAL")
    database.execute_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    database.execute_sql("PRAGMA foreign_keys = OFF")
    database.execute_sql(f"PRAGMA threads = {SORT_THREADS}")
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
def indexes_rebuilt_after(
    report: Progress | None = None, in_step: frozenset[str] = frozenset()
) -> Iterator[None]:
    """Drop the indexes of the tables being filled and build them again at the end: sorting
    each index once is cheaper than keeping it in step row by row (the unique ones check the
    data again as they are built), but for the indexes named `in_step` on SQLite, whose keys
    come in order (the demo's KEPT_IN_STEP): those are kept in step. On PostgreSQL the
    foreign keys of those tables go too (each row written would otherwise look up the rows
    it refers to) and are added again at the end, which checks every row at once; the
    primary keys stay, and so does the filter's substring index, which
    search_index.built_after handles. Inside the fill's transaction: a
    failure undoes it all. Readers keep seeing the old state on SQLite; on PostgreSQL the
    dropped indexes and keys lock them out of those tables until the fill commits (the demo
    fills a database without contracts, so there is little for them to read meanwhile).
    `report(done, total, what)` is told of each index before it is built ("indexes
    (building NAME)"), then of each key before it is checked ("keys (checking NAME)")."""
    tables = [model._meta.table_name for model in COLUMNS]
    if is_postgres():
        # for this transaction only: sorts for the indexes and joins for the keys in memory
        database.execute_sql(f"SET LOCAL maintenance_work_mem = '{SORT_MEMORY}'")
        database.execute_sql(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        indexes, keys = _postgres_indexes(tables), _postgres_keys(tables)
        for table, name, _sql in keys:
            database.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    else:
        indexes = [(name, sql) for name, sql in _sqlite_indexes(tables) if name not in in_step]
        keys = []
    for name, _sql in indexes:
        database.execute_sql(f'DROP INDEX "{name}"')
    yield
    for done, (name, sql) in enumerate(indexes):
        _report(report, done, len(indexes), f"indexes (building {name})")
        database.execute_sql(sql)
    _report(report, len(indexes), len(indexes), "indexes")
    for done, (table, name, sql) in enumerate(keys):
        _report(report, done, len(keys), f"keys (checking {name})")
        database.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {sql}')
    if keys:
        _report(report, len(keys), len(keys), "keys")


@contextmanager
def copied_behind(postgres: bool) -> Iterator[Callable[[Iterable[Statement]], None]]:
    """`write(statements)` (see `prepared`). On PostgreSQL a thread COPYs them on this
    connection, inside its transaction, while the caller makes or receives the next ones: the
    server reads and stores the rows meanwhile (`write` first waits for the statements
    before, so one lot is in flight). On SQLite they are run at once: binding the values is
    Python's work, which a thread would only contend for. A failed COPY is raised by the
    next `write`, or on leaving."""
    if not postgres:
        yield lambda statements: put(statements, False)
        return
    connection = database.connection()
    behind: list[threading.Thread] = []
    failed: list[BaseException] = []

    def copy(statements: Iterable[Statement]) -> None:
        try:
            put(statements, True, connection.cursor())
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            failed.append(exc)

    def wait() -> None:
        while behind:
            behind.pop().join()
        if failed:
            raise failed[0]

    def write(statements: Iterable[Statement]) -> None:
        wait()
        thread = threading.Thread(target=copy, args=(statements,), name="contracts-demo-copy")
        thread.start()
        behind.append(thread)

    try:
        yield write
    except BaseException:
        while behind:  # the connection is the thread's until it is done
            behind.pop().join()
        raise
    wait()


def _report(report: Progress | None, done: int, total: int, what: str) -> None:
    if report is not None:
        report(done, total, what)


def _sqlite_indexes(tables: list[str]) -> list[tuple[str, str]]:
    marks = ", ".join("?" * len(tables))
    return database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tables,
    ).fetchall()


def _postgres_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes no constraint stands on (not the primary keys), but
    the filter's substring index."""
    return database.execute_sql(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
        "AND i.relname <> %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        (tables, search_index.TRIGRAM_INDEX),
    ).fetchall()


def _postgres_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys of `tables`."""
    return database.execute_sql(
        "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype = 'f' "
        "AND t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
        "ORDER BY k.conname",
        (tables,),
    ).fetchall()


def _columns(model: type[Base], names: tuple[str, ...]) -> list[str]:
    return [model._meta.fields[name].column_name for name in names]


def insert(
    model: type[Base],
    rows: list[tuple[Any, ...]],
    postgres: bool,
    names: tuple[str, ...] | None = None,
    cursor: Any = None,
) -> None:
    """Write rows (tuples in COLUMNS order, or in the order of the fields `names`): COPY on
    PostgreSQL; on SQLite multi-row INSERTs, as many rows per statement as its limit on bound
    variables allows (at most 500). `cursor`: one of this thread's connection by default."""
    put(prepared(model, rows, postgres, names), postgres, cursor)


def prepared(
    model: type[Base],
    rows: list[tuple[Any, ...]],
    postgres: bool,
    names: tuple[str, ...] | None = None,
    variables: int | None = None,
) -> list[Statement]:
    """The statements that write `rows` (as `insert` says), made without the database: on
    SQLite each multi-row INSERT with its values in one flat list, on PostgreSQL the COPY
    with its CSV, as bytes. Plain lists, text and bytes only, so that a process making rows
    hands them over cheaply (marshal). `variables`: SQLite's limit on bound variables, read
    from this thread's connection by default."""
    if not rows:
        return []
    names = names or COLUMNS[model]
    table = model._meta.table_name
    columns = ", ".join(f'"{c}"' for c in _columns(model, names))
    if postgres:
        return [_copy(model, names, rows, columns)]
    width = len(names)
    limit = variables if variables is not None else sqlite_variable_limit()
    per_statement = max(1, min(500, limit // width))
    one = "(" + ", ".join("?" * width) + ")"
    sql = f'INSERT INTO "{table}" ({columns}) VALUES '
    full = sql + ", ".join([one] * per_statement)
    whole = len(rows) - len(rows) % per_statement
    statements: list[Statement] = [
        (full, list(chain.from_iterable(rows[i : i + per_statement])))
        for i in range(0, whole, per_statement)
    ]
    # the rest by powers of two: a few statements, the same ones every time (each one
    # compiled is kept in the connection's cache of statements: its memory)
    while whole < len(rows):
        size = 1 << (len(rows) - whole).bit_length() - 1
        part = rows[whole : whole + size]
        statements.append((sql + ", ".join([one] * size), list(chain.from_iterable(part))))
        whole += size
    return statements


def put(statements: Iterable[Statement], postgres: bool, cursor: Any = None) -> None:
    """Run statements made by `prepared`. `cursor`: one of this thread's connection by
    default."""
    cursor = cursor or database.cursor()
    for sql, data in statements:
        if postgres:
            # read at once: in 8 KB pieces, each piece would wait for Python's lock
            # (copied_behind)
            cursor.copy_expert(sql, io.BytesIO(data), size=max(len(data), 8192))
        else:
            cursor.execute(sql, data)


def _copy(
    model: type[Base],
    names: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    columns: str,
) -> Statement:
    """COPY in CSV, which the csv module writes at C speed (the text format took a Python
    call per value: most of the fill's time on PostgreSQL). CSV reads an empty value as NULL,
    so the columns that cannot be NULL are told to read it as empty text; rows with empty
    text in a column that can be NULL (the demo makes none) go in the text format instead."""
    fields = [model._meta.fields[name] for name in names]
    table = model._meta.table_name
    if _empty_text_in(rows, [i for i, field in enumerate(fields) if field.null]):
        text = "".join(["\t".join(map(_copy_text, row)) + "\n" for row in rows])
        return f'COPY "{table}" ({columns}) FROM STDIN', text.encode()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    required = ", ".join(f'"{field.column_name}"' for field in fields if not field.null)
    force = f", FORCE_NOT_NULL ({required})" if required else ""
    copy = f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv{force})'
    return copy, buffer.getvalue().encode()


def _empty_text_in(rows: list[tuple[Any, ...]], places: list[int]) -> bool:
    """Whether any row holds "" at one of `places` (looked for at C speed)."""
    if not places:
        return False
    if len(places) == 1:
        return "" in map(itemgetter(places[0]), rows)
    return "" in chain.from_iterable(map(itemgetter(*places), rows))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def sqlite_variable_limit() -> int:
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
