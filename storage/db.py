"""Opening a database from a URL, the schema and its migrations, and safe transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from typing import Any, ParamSpec, TypeVar, overload
from urllib.parse import parse_qs, unquote, urlparse

import peewee as pw

from .errors import DatabaseUnavailable, InvalidInput
from .migrations import MIGRATIONS
from .models import (
    SchemaVersion,
    Setting,
    WriteKey,
    database,
    result_from_stored,
    stored_result,
)

P = ParamSpec("P")
R = TypeVar("R")

SCHEMA_VERSION = 8
# How long a write waits, in total, for another writer to finish before it gives up.
BUSY_TIMEOUT_S = float(os.environ.get("CONTRACTS_BUSY_TIMEOUT", "10"))
# FULL: a charge reported as done survives a power loss. The test suite sets NORMAL (still
# safe against a killed process) to spend less time waiting for the disk.
SQLITE_SYNCHRONOUS = os.environ.get("CONTRACTS_SQLITE_SYNCHRONOUS", "full")


def default_url() -> str:
    """`CONTRACTS_DB`, else an SQLite file in the user's data directory."""
    env = os.environ.get("CONTRACTS_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    return "sqlite:///" + os.path.join(user_data_dir("contracts", appauthor=False), "contracts.db")


def describe(url: str) -> str:
    """The URL without any password, fit to print (also when it cannot be parsed)."""
    try:
        parsed = urlparse(url)
        password = parsed.password
    except ValueError:
        parsed, password = None, None
    if parsed is not None and password:
        netloc = parsed.netloc.replace(":" + password + "@", ":***@")
        url = parsed._replace(netloc=netloc).geturl()
    elif parsed is None:
        url = re.sub(r"(://[^:/@\s]+):[^@\s]*@", r"\1:***@", url)
    return "".join(ch if ch.isprintable() else "?" for ch in url)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: not a drive (C:)


def _sqlite_path(url: str) -> str:
    """The file of an SQLite URL (sqlite:///relative.db, sqlite:////absolute.db) or of a
    plain path (./x.db, /tmp/x.db)."""
    path = url
    for prefix in ("sqlite:///", "sqlite://", "sqlite:"):
        if url.startswith(prefix):
            path = url[len(prefix) :]
            break
    path = unquote(path)
    if not path.strip() or path == ":memory:":
        raise InvalidInput(
            f"'{describe(url)}' names no database file (it would be a throw-away database "
            "in memory); use sqlite:///path.db or a path."
        )
    if "\x00" in path:
        raise InvalidInput(f"'{describe(url)}' contains a NUL character (%00); use a real path.")
    return path


def _postgres_arguments(url: str) -> tuple[str | None, dict]:
    """The database name and connection arguments of a PostgreSQL URL; InvalidInput (one
    sentence) when the URL cannot be read."""

    def bad(reason: str) -> InvalidInput:
        return InvalidInput(f"'{describe(url)}' is not a usable PostgreSQL URL: {reason}.")

    try:
        parsed = urlparse(url)
        hostname = parsed.hostname
    except ValueError:
        raise bad("its host is not understood (an IPv6 address goes in brackets: [::1])") from None
    try:
        port = parsed.port
    except ValueError:
        raise bad("the port must be a number from 1 to 65535") from None
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    timeout = options.pop("connect_timeout", "5")
    if not re.fullmatch(r"\d{1,6}", timeout.strip()):
        raise bad("connect_timeout must be a whole number of seconds")
    kwargs: dict = {"connect_timeout": int(timeout)}
    # A write waits for another's row lock at most the busy time, as on SQLite.
    wait = f"-c lock_timeout={int(BUSY_TIMEOUT_S * 1000)}"
    kwargs["options"] = (options.pop("options", "") + " " + wait).strip()
    if parsed.username:
        kwargs["user"] = unquote(parsed.username)
    if parsed.password:
        kwargs["password"] = unquote(parsed.password)
    if hostname:
        kwargs["host"] = hostname
    if port == 0:
        raise bad("the port must be a number from 1 to 65535")
    if port:
        kwargs["port"] = port
    kwargs.update(options)
    name = unquote(parsed.path.lstrip("/")) or None
    if any("\x00" in str(value) for value in [name, *kwargs.values()]):
        raise bad("it contains a NUL character (%00)")
    return name, kwargs


def make_database(url: str, *, pool: bool = False) -> pw.Database:
    """A peewee database for the URL, not yet connected; with `pool`, one that keeps a
    closed connection for the next (storage/pool.py).

    Bad input (a URL that names no file, or cannot be read) is InvalidInput; a scheme this
    product does not speak is DatabaseUnavailable."""
    sqlite: type[pw.SqliteDatabase] = pw.SqliteDatabase
    postgres: type[pw.PostgresqlDatabase] = pw.PostgresqlDatabase
    if pool:
        from . import pool as pooled

        sqlite, postgres = pooled.PooledSqlite, pooled.PooledPostgres
    if url.startswith("sqlite:") or not _SCHEME.match(url):
        path = _sqlite_path(url)
        _prepare_sqlite_file(path)
        return sqlite(
            path,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "synchronous": SQLITE_SYNCHRONOUS,
                "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
            },
            timeout=BUSY_TIMEOUT_S,
            lock_type="IMMEDIATE",
        )
    if url.startswith(("postgresql:", "postgres:")):
        name, kwargs = _postgres_arguments(url)
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            raise DatabaseUnavailable(
                "PostgreSQL support is not installed; install contracts with the 'postgres' extra."
            ) from None
        return postgres(name, **kwargs)
    raise DatabaseUnavailable(
        f"'{describe(url)}' is not a database URL; use sqlite:///path.db or "
        "postgresql://user@host:port/db."
    )


def _prepare_sqlite_file(path: str) -> None:
    """Create the file (and its folder) readable and writable by owner and group only."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            os.makedirs(folder, mode=0o770, exist_ok=True)
            os.chmod(folder, 0o770)
        if not os.path.exists(path):
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o660)
            os.close(fd)
            os.chmod(path, 0o660)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"cannot create the database at {path}: {exc.strerror}."
        ) from None


def open_database(
    url: str | None = None, *, create: bool = True, upgrade: bool = False, pool: bool = False
) -> str:
    """Point the models at the database and make sure its schema is usable.

    An empty database gets the schema; an older one must be upgraded with `contracts init`
    (`upgrade=True`); a newer one is refused. Returns the URL that was opened. `pool`: calls
    from other threads reuse connections (the console: storage/pool.py).
    """
    url = url or default_url()
    close_database()
    database.initialize(make_database(url, pool=pool))
    try:
        database.connect(reuse_if_open=True)
        found = _opening_state()
        version = found[0] if found else schema_version()
        if version is None:
            if not create:
                raise DatabaseUnavailable(f"{describe(url)} holds no contracts database.")
            migrate()
        elif version > SCHEMA_VERSION:
            raise DatabaseUnavailable(
                f"the database was written by a newer contracts (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade contracts before using it."
            )
        elif version < SCHEMA_VERSION and upgrade:
            migrate()
        elif version < SCHEMA_VERSION:
            raise DatabaseUnavailable(
                f"the database has an older schema ({version}); run `contracts init` to upgrade it."
            )
        _read_clock_and_role(found if found and version == SCHEMA_VERSION else None)
        if pool:
            database.close()  # into the pool: the console's first call in a thread takes it
    except pw.DatabaseError as exc:
        close_database()
        raise DatabaseUnavailable(unavailable_message(exc, url)) from None
    except DatabaseUnavailable:
        close_database()
        raise
    return url


def close_database() -> None:
    """Close this thread's connection, and the idle ones of a pool."""
    if database.obj is not None and not database.is_closed():
        database.close()
    getattr(database.obj, "close_idle", lambda: None)()


def is_postgres() -> bool:
    return isinstance(database.obj, pw.PostgresqlDatabase)


def schema_version() -> int | None:
    if SchemaVersion._meta.table_name not in database.get_tables():
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


# What opening a database reads, in one statement (one round trip, not four): the schema
# version, the business zone and, on PostgreSQL, the server's clock and the database role.
_OPENING = (
    "SELECT (SELECT max(version) FROM schema_version), "
    "(SELECT value FROM setting WHERE name = 'zone')"
)
_SERVER = "extract(epoch FROM clock_timestamp()), current_user"

Opening = tuple[int, str | None, float, str | None]


def _opening_state(quiet: bool = True) -> Opening | None:
    """(schema version, zone, the server clock's offset in seconds, the role). `quiet`: None
    when the statement cannot run, for a database without the tables (empty, or of an early
    schema), which is then asked one question at a time."""
    sql = f"{_OPENING}, {_SERVER}" if is_postgres() else _OPENING
    before = time.time()
    try:
        row = database.execute_sql(sql).fetchone()
    except pw.DatabaseError:
        if quiet:
            return None
        raise
    if not is_postgres():
        return (row[0] or 0, row[1], 0.0, None)
    offset = float(row[2]) - (before + time.time()) / 2
    return (row[0] or 0, row[1], offset, row[3])


def _read_clock_and_role(found: Opening | None = None) -> None:
    """The business zone (a database setting); on PostgreSQL also the server's clock, read
    once, and the database role, so that "today", every timestamp and the audit trail come
    from the database, never from the caller's environment. `found`: as read on opening."""
    from . import clock, people

    if found is None:  # after a migration, which may have set the zone
        found = _opening_state(quiet=False)
    assert found is not None
    _version, zone, offset, role = found
    clock.configure(zone or "UTC", offset)
    people.set_db_role(role)


@overload
def setting(name: str) -> str | None: ...
@overload
def setting(name: str, default: str) -> str: ...
def setting(name: str, default: str | None = None) -> str | None:
    row = Setting.select(Setting.value).where(Setting.name == name).first()
    return row.value if row else default


initial_zone: str | None = None  # `init --zone`: the business zone a new database starts with
initial_region: str | None = None  # `init --phone-region`: the default phone region


last_migration: tuple[int | None, int] | None = None  # (from, to) of this process's last one


def migrate() -> tuple[int | None, int]:
    """Create or upgrade the schema in place; returns (old version, new version)."""
    global last_migration
    with database.atomic():
        old = schema_version()
        current = old or 0
        for target in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target]()
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=target)
    if old != SCHEMA_VERSION:
        last_migration = (old, SCHEMA_VERSION)
    return old, SCHEMA_VERSION


def unavailable_message(exc: BaseException, url: str | None = None) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:
        return "the database is busy (another process holds it); try again in a moment."
    if "readonly" in lowered or "read-only" in lowered:
        where = f"the database at {describe(url)}" if url else "the database"
        return f"{where} is read-only; nothing was changed."
    if "disk" in lowered and ("full" in lowered or "i/o" in lowered):
        return "the disk holding the database is full or failing; nothing was changed."
    if "not a database" in lowered or "malformed" in lowered:
        where = f"the file at {describe(url)}" if url else "the database"
        return f"{where} is not a readable contracts database ({text})."
    where = describe(url) if url else "the database"
    if url:
        return f"cannot use the database at {where}: {text.rstrip('.')}."
    return f"cannot use the database: {text.rstrip('.')}."


def _retryable(exc: BaseException) -> bool:
    text = str(exc).lower()
    pgcode = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(exc, "pgcode", None)
    return (
        "locked" in text
        or "busy" in text
        or pgcode in ("40001", "40P01", "55P03")
        or ("deadlock" in text or "could not serialize" in text)
    )


def _connection_lost(exc: BaseException) -> bool:
    """Whether a PostgreSQL server went away (restarted, or the connection was cut)."""
    if not is_postgres():
        return False
    conn = database.obj._state.conn
    text = str(exc).lower()
    return (
        conn is None
        or getattr(conn, "closed", 0) != 0
        or "closed the connection" in text
        or "connection already closed" in text
        or "terminating connection" in text
    )


def _original(exc: BaseException) -> BaseException:
    """The failure that started it: SQLite rolls back by itself on some errors (a full disk),
    and peewee's own rollback then fails with "no transaction is active", hiding the cause."""
    while "rollback" in str(exc).lower() and exc.__context__ is not None:
        exc = exc.__context__
    return exc


def _forget_connection() -> None:
    """Drop a dead connection so that the next call opens a new one (never into a pool)."""
    try:
        getattr(database.obj, "manual_close", database.close)()
    except pw.PeeweeException:
        database.obj._state.reset()


_write_key: str | None = None  # the idempotency key of the write running now
_statement_key: str | None = None  # the same, when one statement must store it itself


def current_write_key() -> str | None:
    """The key a single-statement write must store itself (see writes), else None."""
    return _statement_key


def record_write_key(result: object) -> None:
    """Store the running write's key with its result, in the write's own transaction."""
    from . import sql

    if _write_key is None or not is_postgres():
        return  # SQLite commits in this process: its outcome is never unknown
    sql.execute(
        'INSERT INTO "write_key" (key, result, at) VALUES (?, ?, ?)',
        (_write_key, stored_result(result), WriteKey.at.db_value(_now())),
    )


def _now() -> dt.datetime:
    from .clock import now_utc

    return now_utc()


def _done_before(key: str) -> tuple[bool, Any]:
    """(True, result) when a write with this key was committed, else (False, None)."""
    row = WriteKey.select(WriteKey.result).where(WriteKey.key == key).first()
    return (True, result_from_stored(row.result)) if row else (False, None)


UNIQUE_RETRIES = 3  # a write that lost an insert race runs again this many times at most


@overload
def writes(fn: Callable[P, R], *, one_statement_on_postgres: bool = False) -> Callable[P, R]: ...
@overload
def writes(
    fn: None = None, *, one_statement_on_postgres: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def writes(fn: Callable[..., Any] | None = None, *, one_statement_on_postgres: bool = False) -> Any:
    """Run `fn` as one transaction (BEGIN IMMEDIATE on SQLite), retried while the database
    is busy for at most BUSY_TIMEOUT_S in all; database failures become DatabaseUnavailable,
    refusals pass through unchanged.

    Every write carries an idempotency key, stored with its result in the same transaction
    (`write_key`, a unique column) on PostgreSQL, where a reply can be lost on the network
    (SQLite commits inside this process: the outcome of its commit is always known). When
    the connection is lost and the outcome of the commit is unknown, the key is looked up on
    a new connection: found, the first result is returned; not found, nothing was written
    and the write runs again. A write is never applied twice.

    `one_statement_on_postgres`: on PostgreSQL, `fn` reads and then changes data with a
    single statement (which stores the key too, see record_write_key), a transaction of its
    own; the BEGIN and COMMIT round trips are left out.

    Longer than 60 lines on purpose: the retry loop, the deadline and the lost-reply
    recovery are one state machine, and read best in one place."""

    if fn is None:
        return functools.partial(writes, one_statement_on_postgres=one_statement_on_postgres)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _write_key, _statement_key
        if database.in_transaction():
            return fn(*args, **kwargs)
        import uuid

        key = uuid.uuid4().hex
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        reconnects = 0
        attempt = 0
        while True:
            attempt += 1
            try:
                _write_key = key
                alone = one_statement_on_postgres and is_postgres()
                if alone:
                    _statement_key = key
                    return fn(*args, **kwargs)  # the statement records the key itself
                with database.atomic():
                    result = fn(*args, **kwargs)
                    record_write_key(result)
                return result
            except pw.IntegrityError as failure:
                # On PostgreSQL two writers can both find a number, an address or a setting
                # free and both insert it: the second's unique violation is a race lost, not
                # a bug; run again, it now reads the winner's row (refused, or updated).
                code = getattr(getattr(failure, "orig", None), "pgcode", None)
                if code == "23505" and attempt <= UNIQUE_RETRIES:
                    continue
                raise
            except pw.PeeweeException as failure:
                exc = _original(failure)
                if _connection_lost(exc):
                    _forget_connection()
                    _write_key = None
                    reconnects += 1
                    if reconnects > 2:
                        raise DatabaseUnavailable(unavailable_message(exc)) from None
                    try:
                        done, first = _done_before(key)
                    except pw.PeeweeException as again:
                        _forget_connection()
                        raise DatabaseUnavailable(unavailable_message(_original(again))) from None
                    if done:
                        return first
                    continue
                if _retryable(exc) and time.monotonic() < deadline:
                    import random  # here: `check` seldom waits, and starts sooner without it

                    time.sleep(min(0.05 * attempt, 0.5) + random.random() * 0.05)
                    continue
                raise DatabaseUnavailable(unavailable_message(exc)) from None
            finally:
                _write_key = _statement_key = None

    return wrapper


def reads(fn: Callable[P, R]) -> Callable[P, R]:
    """Database failures of a read become DatabaseUnavailable; a lost PostgreSQL connection
    is reopened and the read tried once more."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if database.in_transaction():
            return fn(*args, **kwargs)
        for attempt in range(2):
            try:
                return fn(*args, **kwargs)
            except pw.PeeweeException as exc:
                if _connection_lost(exc):
                    _forget_connection()
                    if attempt == 0:
                        continue
                raise DatabaseUnavailable(unavailable_message(exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


@contextlib.contextmanager
def read_snapshot() -> Iterator[None]:
    """A read-only transaction: every query inside sees the same committed state."""
    if is_postgres():
        with database.atomic(isolation_level="REPEATABLE READ"):
            database.execute_sql("SET TRANSACTION READ ONLY")
            yield
    else:
        with database.atomic(lock_type="DEFERRED"):
            yield


APART_BATCH = 5000  # rows fetched at a time by `read_apart` on PostgreSQL


def read_apart(
    *queries: pw.Select, streamed: bool = False
) -> list[Callable[[], Iterator[Sequence]]]:
    """Start reading the rows of `queries`, one after the other, on a connection of their
    own, in a thread; returns for each query the function that gives its rows (each a
    sequence of its values) as they come, and raises what its read raised. For long reads
    while the caller works on others: SQLite and PostgreSQL work on them outside Python's
    lock, so with two cores both go on at once.

    `streamed`: on PostgreSQL the rows are fetched through a cursor, planned to give its
    first rows soon (a plan that hashes nothing, where there is one), APART_BATCH at a
    time, the thread fetching ahead while the caller works through those before; else all
    at once. On SQLite the database packs all the rows into one JSON array: fetched row by
    row, each row would wait for Python's lock, which the caller holds while it works.

    Only outside a transaction (the other connection would not see what this one has not
    committed): inside one, the rows are read here and now."""
    if database.in_transaction():
        here = [database.execute(query).fetchall() for query in queries]
        return [functools.partial(iter, rows) for rows in here]
    import queue  # here: `check` never reads apart, and starts sooner without it

    channels: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in queries]
    alone = getattr(_plans, "alone", False)

    def read() -> None:
        done = 0
        try:
            with session(), mapped(), without_parallel_workers() if alone else nullcontext():
                for query, channel in zip(queries, channels, strict=True):
                    for batch in _batches(query, streamed):
                        channel.put(batch)
                    channel.put(None)  # the last of its rows
                    done += 1
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            for channel in channels[done:]:
                channel.put(exc)

    threading.Thread(target=read, name="contracts-read-apart", daemon=True).start()

    def rows(channel: queue.SimpleQueue) -> Iterator[Sequence]:
        while (batch := channel.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            yield from batch

    return [functools.partial(rows, channel) for channel in channels]


def _batches(query: pw.Select, streamed: bool) -> Iterator[list[Sequence]]:
    """The rows of `query` in batches, read apart (`read_apart`)."""
    if not is_postgres():
        yield _packed(query)
        return
    sql, params = database.get_sql_context().sql(query).query()
    if not streamed:  # the driver takes the whole result in one call
        yield database.execute_sql(sql, params).fetchall()
    else:  # through a cursor, which lives in a transaction
        with database.atomic():
            database.execute_sql(f"DECLARE apart NO SCROLL CURSOR FOR {sql}", params)
            while batch := database.execute_sql(f"FETCH {APART_BATCH} FROM apart").fetchall():
                yield batch
            database.execute_sql("CLOSE apart")


def _packed(query: pw.Select) -> list[Sequence]:
    """The rows of `query` from SQLite, packed into one value by the database."""
    # the columns named by their place (c0, c1, …): expressions need no names of their own
    columns = query.selected_columns
    named = query.columns(*(column.alias(f"c{i}") for i, column in enumerate(columns)))
    sql, params = database.get_sql_context().sql(named).query()
    names = ", ".join(f"r.c{i}" for i in range(len(columns)))
    packed = f"SELECT json_group_array(json_array({names})) FROM ({sql}) AS r"
    (found,) = database.execute_sql(packed, params).fetchone()
    return json.loads(found)


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while many rows or entries are made (a demo
    fill, an import, the attention list): they form no cycles and are freed by their
    reference counts, and its passes over hundreds of thousands of them were a tenth of a
    fill's time. It resumes afterwards, if it ran before."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


MAPPED_BYTES = 1 << 32  # at most this much of a SQLite file is mapped by `mapped`


_plans = threading.local()  # whether this thread's queries are planned without workers


@contextlib.contextmanager
def without_parallel_workers() -> Iterator[None]:
    """On PostgreSQL, the queries inside (on this thread's connection, and those it reads
    apart) planned without parallel workers: for a read that already runs its queries side
    by side, where each query's workers would only be more processes on the same cores,
    each building its own copy of the joins' hash tables. Inside a transaction, until it
    ends (a setting put back by hand could not be in a transaction that failed). SQLite:
    nothing to do."""
    if not is_postgres() or getattr(_plans, "alone", False):
        yield
        return
    within = database.in_transaction()
    database.execute_sql(f"SET {'LOCAL ' if within else ''}max_parallel_workers_per_gather = 0")
    _plans.alone = True
    try:
        yield
    finally:
        _plans.alone = False
        if not within and not database.is_closed():
            database.execute_sql("RESET max_parallel_workers_per_gather")


@contextlib.contextmanager
def mapped() -> Iterator[None]:
    """On SQLite, the file read through a memory map while inside: reads that visit much of
    a large database (the attention list) then take its pages from the operating system's
    cache without a system call and a copy for each. PostgreSQL: nothing to do."""
    if is_postgres():
        yield
        return
    database.execute_sql(f"PRAGMA mmap_size={MAPPED_BYTES}")
    try:
        yield
    finally:
        database.execute_sql("PRAGMA mmap_size=0")


def domain_error(exc: BaseException) -> Exception | None:
    """A database exception that escaped a storage call, as the faces should report it."""
    from .errors import Refused

    if isinstance(exc, pw.IntegrityError):
        return Refused(
            "the database refused the change (someone else may have made the same change "
            "just now); nothing was changed."
        )
    if isinstance(exc, pw.PeeweeException):
        return DatabaseUnavailable(unavailable_message(_original(exc)))
    return None


_sessions = threading.local()  # how deep in sessions each thread is


@contextlib.contextmanager
def session() -> Iterator[None]:
    """A connection scope for a worker thread: `with storage.session(): ...`; the outermost
    closes the thread's connection (a pool takes it back), also one opened again after a
    lost connection inside it (peewee's connection_context then fails on leaving)."""
    depth = getattr(_sessions, "depth", 0)
    _sessions.depth = depth + 1
    try:
        database.connect(reuse_if_open=True)
        yield
    finally:
        _sessions.depth = depth
        if depth == 0 and not database.is_closed():
            database.close()
