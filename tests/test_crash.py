"""Writers killed with SIGKILL at random moments, many times: the database stays whole, the
ledger stays true, and every charge reported as done is there."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import storage
from tests.helpers import TODAY, active_contract, make_world

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("CONTRACTS_CRASH_ROUNDS", "10"))
WRITERS = 2


def _start(url: str, refs: list[str]) -> subprocess.Popen:
    code = (
        "import sys; from tests.workers import charge_and_report; "
        f"charge_and_report({url!r}, {refs!r}, {str(TODAY)!r})"
    )
    env = dict(os.environ, CONTRACTS_SQLITE_SYNCHRONOUS="full")
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )


def _first_report(proc: subprocess.Popen, timeout: float = 60.0) -> list[str]:
    """The writer's first reported charge, once it has made one (or nothing after
    `timeout`: the assertions below then say the writers charged too little)."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().split() if ready else []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_killed_writers_lose_nothing_that_was_reported(tmp_path, backend):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'crash.db'}"
        storage.open_database(url)
    else:
        from tests.helpers.postgres import _reset_postgres, require_postgres

        url = require_postgres()
        _reset_postgres(url)
    make_world()
    refs = [f"{active_contract(allotment='100000')}/1" for _ in range(3)]
    storage.close_database()
    rng = random.Random(7)
    reported: list[str] = []
    kills = 0
    for _ in range(ROUNDS):
        writers = [_start(url, refs) for _ in range(WRITERS)]
        for proc in writers:  # each has started and charged once (start-up varies with load)
            reported += _first_report(proc)
        time.sleep(rng.uniform(0.0, 0.5))  # then a random moment of writing
        for proc in writers:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        for proc in writers:
            out, _ = proc.communicate()
            reported += out.split()
    assert kills == ROUNDS * WRITERS
    assert len(reported) > ROUNDS, "the writers should have charged something before dying"

    if backend == "sqlite":
        path = url[len("sqlite:///") :]
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    storage.open_database(url)
    try:
        assert storage.verify() == []
        resolved = {c.number for c in storage.list_cases(status="resolved", limit=None)}
        missing = [n for n in reported if n not in resolved]
        assert missing == []
        charged = {
            e.case for number in {r.split("/")[0] for r in refs} for e in storage.ledger(number)
        }
        assert set(reported) <= charged
    finally:
        storage.close_database()
