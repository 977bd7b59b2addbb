"""Fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is reached at CONTRACTS_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test);
the tests create their own database there and drop it at the end. When CI is set and
PostgreSQL does not answer, the run fails instead of skipping.
"""

from __future__ import annotations

import os

import pytest

# Before storage is imported: see storage.db.SQLITE_SYNCHRONOUS.
os.environ.setdefault("CONTRACTS_SQLITE_SYNCHRONOUS", "normal")

import storage
from tests.helpers.postgres import _pg_connect, _pg_state, _reset_postgres, require_postgres


def pytest_sessionfinish(session, exitstatus):
    name = _pg_state.get("name")
    if not name:
        return
    storage.close_database()
    try:
        conn = _pg_connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
    except Exception as exc:  # noqa: BLE001 - leave the run's result alone
        print(f"could not drop the test database {name}: {exc}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """An empty, opened contracts database on each backend; yields its URL."""
    if request.param == "sqlite":
        url = _open_sqlite(tmp_path)
    else:
        url = require_postgres()
        _reset_postgres(url)
    yield from _with_real_clock(url)


@pytest.fixture
def sqlite_url(tmp_path):
    yield from _with_real_clock(_open_sqlite(tmp_path))


def _open_sqlite(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'contracts.db'}"
    storage.open_database(url)
    return url


def _with_real_clock(url: str):
    """Yield the opened database's URL with the clock running and no fixed today, both
    undone again afterwards, and the database closed."""
    storage.clock.freeze(None)
    storage.set_today(None)
    yield url
    storage.clock.freeze(None)
    storage.set_today(None)
    storage.close_database()


@pytest.fixture
def run(db_url):
    """The command line against the database of `db_url` (both backends)."""
    from tests.helpers.cli import Contracts

    return Contracts(db_url)


@pytest.fixture
def lite(sqlite_url):
    """The command line against an SQLite database."""
    from tests.helpers.cli import Contracts

    return Contracts(sqlite_url)
