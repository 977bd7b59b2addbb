"""SPEC §3: reads never wait for a writer and never write.

Another process holds the write lock (SQLite: `BEGIN IMMEDIATE` with an uncommitted write;
PostgreSQL: `SELECT … FOR UPDATE` on every contract and line row, uncommitted) while a user
runs `contracts check`, `list` and `show` as real processes. Each answers within 3 seconds
with the statuses the dates give for the real business day, and the database is unchanged.

The contracts are built so that a sweep would have work to do (one starts today but was
invoiced yesterday, one ended yesterday but is stored active): a read that sweeps first
would wait for the lock.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import storage
from storage.clock import real_today
from tests.helpers import contract_between, dump, make_world, tables_changed
from tests.helpers.process import ROOT, contracts, environment

pytestmark = pytest.mark.slow

ANSWER_WITHIN_S = 3


def three_contracts() -> dict[str, str]:
    """{"running", "starts_today", "ended_yesterday"} → number, around the real business day.

    Stored statuses after this: active, invoiced, active. For the real day: active, active,
    expired."""
    make_world()
    storage.clock.freeze(None)  # the real clock again
    day = real_today()
    return {
        "running": contract_between(day.subtract(days=30), day.add(days=300), day),
        "starts_today": contract_between(day, day.add(days=364), day.subtract(days=1)),
        "ended_yesterday": contract_between(
            day.subtract(days=365), day.subtract(days=1), day.subtract(days=365)
        ),
    }


_HOLD_SQLITE = """
import select, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute('UPDATE "contract" SET title = title || ? ', (" (being edited)",))
print("holding", flush=True)
select.select([sys.stdin], [], [], 8)
con.execute("ROLLBACK")
"""

_HOLD_POSTGRES = """
import select, sys
import psycopg2
con = psycopg2.connect(sys.argv[1])
cur = con.cursor()
cur.execute('SELECT id FROM "contract" ORDER BY id FOR UPDATE')
cur.execute('SELECT id FROM "line" ORDER BY id FOR UPDATE')
print("holding", flush=True)
select.select([sys.stdin], [], [], 8)
con.rollback()
"""


class WriterHoldingTheLock:
    """Another process inside an uncommitted write, for up to 8 seconds."""

    def __init__(self, url: str):
        if url.startswith("sqlite:"):
            script, target = _HOLD_SQLITE, url[len("sqlite:///") :]
        else:
            script, target = _HOLD_POSTGRES, url
        self.process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(script), target],
            cwd=ROOT,
            env=environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "holding"

    def assert_holding(self, url: str) -> None:
        """Prove the lock is held: a writer that will not wait is turned away."""
        if url.startswith("sqlite:"):
            con = sqlite3.connect(url[len("sqlite:///") :], timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                con.execute("BEGIN IMMEDIATE")
            con.close()
            return
        import psycopg2

        con = psycopg2.connect(url)
        with pytest.raises(psycopg2.errors.LockNotAvailable), con.cursor() as cur:
            cur.execute('SELECT id FROM "line" FOR UPDATE NOWAIT')
        con.close()

    def release(self) -> None:
        self.process.stdin.close()  # wakes the select: it rolls back and exits
        assert self.process.wait(10) == 0


def answer(url: str, command: str):
    try:
        ran = contracts(url, command, timeout=ANSWER_WITHIN_S)
    except subprocess.TimeoutExpired:
        ran = None
    if ran is None:
        pytest.fail(
            f"`contracts {command}` did not answer within {ANSWER_WITHIN_S} s while another "
            "process held the write lock",
            pytrace=False,
        )
    assert "Traceback" not in ran.stderr, ran.stderr
    return ran


@pytest.fixture
def held(db_url):
    """Three contracts (see three_contracts), a dump of the database, and another process
    holding the write lock; afterwards the lock is released and the dump compared."""
    numbers = three_contracts()
    before = dump()
    writer = WriterHoldingTheLock(db_url)
    try:
        writer.assert_holding(db_url)
        yield db_url, numbers
    finally:
        writer.release()
    assert tables_changed(before) == [], "a read wrote to the database"


def expected_statuses(numbers: dict[str, str]) -> dict[str, str]:
    return {
        numbers["running"]: "active",
        numbers["starts_today"]: "active",
        numbers["ended_yesterday"]: "expired",
    }


def test_check_answers_while_another_process_holds_the_write_lock(held):
    url, numbers = held
    checked = answer(url, "check 'Acme Corp' --json")
    assert checked.code == 0, checked.stderr
    assert checked.stderr == ""  # no "statuses not brought up to date" warning either
    result = json.loads(checked.stdout)
    assert result["entitled"] is True
    assert result["at"] == real_today().isoformat()
    usable = {li["ref"] for c in result["contracts"] for li in c["lines"] if li["usable"]}
    assert usable == {f"{numbers['running']}/1", f"{numbers['starts_today']}/1"}
    expected = expected_statuses(numbers)
    for contract in result["contracts"]:
        assert contract["status"] == expected[contract["number"]]


def test_list_answers_while_another_process_holds_the_write_lock(held):
    url, numbers = held
    listed = answer(url, "list --json")
    assert listed.code == 0, listed.stderr
    statuses = {c["number"]: c["status"] for c in json.loads(listed.stdout)}
    assert statuses == expected_statuses(numbers)


def test_show_answers_while_another_process_holds_the_write_lock(held):
    url, numbers = held
    starting = answer(url, f"show {numbers['starts_today']} --json")
    assert starting.code == 0, starting.stderr
    shown = json.loads(starting.stdout)
    assert (shown["status"], shown["lines"][0]["remaining"]) == ("active", 10)
    ended = answer(url, f"show {numbers['ended_yesterday']} --json")
    assert ended.code == 0, ended.stderr
    assert json.loads(ended.stdout)["status"] == "expired"
