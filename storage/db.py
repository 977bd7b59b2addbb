"""Opening a database from a URL, the schema and its migrations, and safe transactions."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import time
from urllib.parse import parse_qs, unquote, urlparse

import peewee as pw

from .errors import DatabaseUnavailable
from .models import MODELS, SchemaVersion, database

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = float(os.environ.get("CONTRACTS_BUSY_TIMEOUT", "10"))
# FULL: a charge reported as done survives a power loss. The test suite sets NORMAL (still
# safe against a killed process) to spend less time waiting for the disk.
SQLITE_SYNCHRONOUS = os.environ.get("CONTRACTS_SQLITE_SYNCHRONOUS", "full")
WRITE_ATTEMPTS = 5


def default_url() -> str:
    """`CONTRACTS_DB`, else an SQLite file in the user's data directory."""
    env = os.environ.get("CONTRACTS_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    return "sqlite:///" + os.path.join(user_data_dir("contracts", appauthor=False), "contracts.db")


def describe(url: str) -> str:
    """The URL without any password, fit to print."""
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(":" + parsed.password + "@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


def _sqlite_path(url: str) -> str:
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else url[len("sqlite://") :]
    return unquote(path) or ":memory:"


def make_database(url: str) -> pw.Database:
    """A peewee database for the URL, not yet connected."""
    if url.startswith("sqlite:"):
        path = _sqlite_path(url)
        if path != ":memory:":
            _prepare_sqlite_file(path)
        return pw.SqliteDatabase(
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
        parsed = urlparse(url)
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        kwargs = {"connect_timeout": int(options.pop("connect_timeout", 5))}
        if parsed.username:
            kwargs["user"] = unquote(parsed.username)
        if parsed.password:
            kwargs["password"] = unquote(parsed.password)
        if parsed.hostname:
            kwargs["host"] = parsed.hostname
        if parsed.port:
            kwargs["port"] = parsed.port
        kwargs.update(options)
        name = unquote(parsed.path.lstrip("/")) or None
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            raise DatabaseUnavailable(
                "PostgreSQL support is not installed; install contracts with the 'postgres' extra."
            ) from None
        return pw.PostgresqlDatabase(name, **kwargs)
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


def open_database(url: str | None = None, *, create: bool = True, upgrade: bool = False) -> str:
    """Point the models at the database and make sure its schema is usable.

    An empty database gets the schema; an older one must be upgraded with `contracts init`
    (`upgrade=True`); a newer one is refused. Returns the URL that was opened.
    """
    url = url or default_url()
    close_database()
    database.initialize(make_database(url))
    try:
        database.connect(reuse_if_open=True)
        version = schema_version()
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
    except pw.DatabaseError as exc:
        close_database()
        raise DatabaseUnavailable(unavailable_message(exc, url)) from None
    except DatabaseUnavailable:
        close_database()
        raise
    return url


def close_database() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def is_postgres() -> bool:
    return isinstance(database.obj, pw.PostgresqlDatabase)


def schema_version() -> int | None:
    if SchemaVersion._meta.table_name not in database.get_tables():
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def _migration_1() -> None:
    database.create_tables(MODELS)


MIGRATIONS = {1: _migration_1}


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


def unavailable_message(exc: Exception, url: str | None = None) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    where = describe(url) if url else "the database"
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return "the database is busy (another process holds it); try again in a moment."
    if "readonly" in lowered or "read-only" in lowered:
        return f"the database at {where} is read-only; nothing was changed."
    if "disk" in lowered and ("full" in lowered or "i/o" in lowered):
        return "the disk holding the database is full or failing; nothing was changed."
    if "not a database" in lowered or "malformed" in lowered:
        return f"the file at {where} is not a readable contracts database ({text})."
    if url:
        return f"cannot use the database at {where}: {text.rstrip('.')}."
    return f"cannot use the database: {text.rstrip('.')}."


def _retryable(exc: Exception) -> bool:
    text = str(exc).lower()
    pgcode = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(exc, "pgcode", None)
    return (
        "locked" in text
        or "busy" in text
        or pgcode in ("40001", "40P01")
        or ("deadlock" in text or "could not serialize" in text)
    )


def _connection_lost(exc: Exception) -> bool:
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
    """Drop a dead connection so that the next call opens a new one."""
    try:
        database.close()
    except pw.PeeweeException:
        database.obj._state.reset()


def writes(fn=None, *, one_statement_on_postgres: bool = False):
    """Run `fn` as one transaction (BEGIN IMMEDIATE on SQLite), retried while the database
    is busy; database failures become DatabaseUnavailable, refusals pass through unchanged.

    `one_statement_on_postgres`: on PostgreSQL, `fn` reads and then changes data with a
    single statement, which is a transaction of its own; the BEGIN and COMMIT round trips
    are left out.

    A lost PostgreSQL connection is reopened and the transaction tried once more when the
    loss came before the commit (so nothing was written); a loss during the commit is
    reported as such, since only the server knows whether the commit happened."""

    if fn is None:
        return functools.partial(writes, one_statement_on_postgres=one_statement_on_postgres)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if database.in_transaction():
            return fn(*args, **kwargs)
        reconnected = False
        for attempt in range(WRITE_ATTEMPTS):
            body_done = False
            try:
                alone = one_statement_on_postgres and is_postgres()
                with contextlib.nullcontext() if alone else database.atomic():
                    result = fn(*args, **kwargs)
                    body_done = True
                return result
            except pw.IntegrityError:
                raise
            except pw.PeeweeException as failure:
                exc = _original(failure)
                if _connection_lost(exc):
                    _forget_connection()
                    if body_done:
                        raise DatabaseUnavailable(
                            "lost the connection to the database while saving; check whether "
                            "the change was made before repeating it."
                        ) from None
                    if not reconnected:
                        reconnected = True
                        continue
                    raise DatabaseUnavailable(unavailable_message(exc)) from None
                if _retryable(exc) and attempt < WRITE_ATTEMPTS - 1:
                    time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
                    continue
                raise DatabaseUnavailable(unavailable_message(exc)) from None
        raise DatabaseUnavailable("the database stayed busy; nothing was changed.")

    return wrapper


def reads(fn):
    """Database failures of a read become DatabaseUnavailable; a lost PostgreSQL connection
    is reopened and the read tried once more."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
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


def session():
    """A connection scope for a worker thread: `with storage.session(): ...`."""
    return database.connection_context()
