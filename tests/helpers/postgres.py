"""The test run's own PostgreSQL database: created on first use at CONTRACTS_TEST_PG (default
postgresql://postgres@127.0.0.1:5432/test), emptied between tests, dropped at the end of the
run (conftest). When CI is set and PostgreSQL does not answer, a test fails instead of
skipping."""

from __future__ import annotations

import os
import uuid

import pytest

import storage
from storage.clock import system_zone
from storage.models import MODELS, SchemaVersion, Setting, database

PG_ADMIN_URL = os.environ.get("CONTRACTS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict = {}


def _pg_connect(dbname: str | None = None):
    from urllib.parse import urlparse

    import psycopg2

    parsed = urlparse(PG_ADMIN_URL)
    return psycopg2.connect(
        dbname=dbname or parsed.path.lstrip("/") or "postgres",
        user=parsed.username or "postgres",
        password=parsed.password,
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        connect_timeout=5,
    )


def cut_connections() -> None:
    """End every other connection to the test database, as a server restart would."""
    con = _pg_connect()
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (_pg_state["name"],),
        )
    con.close()


def create_database(name: str) -> None:
    """A new PostgreSQL database for tests (dropped by whoever made it)."""
    conn = _pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
        # Durability across power loss is not what these tests look at; speed is.
        cur.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    conn.close()


def postgres_url() -> str | None:
    """The URL of this test run's own PostgreSQL database, created on first use."""
    if "url" in _pg_state:
        return _pg_state["url"]
    name = f"contracts_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        create_database(name)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _pg_state["url"] = None
        _pg_state["error"] = str(exc).strip()
        return None
    from urllib.parse import urlparse

    parsed = urlparse(PG_ADMIN_URL)
    _pg_state["name"] = name
    _pg_state["url"] = parsed._replace(path="/" + name).geturl()
    return _pg_state["url"]


def require_postgres() -> str:
    url = postgres_url()
    if url is None:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {_pg_state.get('error')}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    return url


def _reset_postgres(url: str) -> None:
    """Empty every table (and reset the schema version) of the shared test database."""
    from storage import db

    storage.close_database()
    database.initialize(db.make_database(url))
    if db.schema_version() is None:
        db.migrate()
    # DELETE and sequence restarts: many times faster than TRUNCATE on tables this small.
    statements = [f'DELETE FROM "{m._meta.table_name}"' for m in reversed(MODELS)]
    statements += [f'ALTER SEQUENCE "{m._meta.table_name}_id_seq" RESTART WITH 1' for m in MODELS]
    database.execute_sql("; ".join(statements))
    SchemaVersion.create(version=db.SCHEMA_VERSION)
    Setting.create(name="zone", value=system_zone())  # as a new database starts
    storage.open_database(url)
