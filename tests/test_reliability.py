"""Busy and broken databases (issue: crashes and hostile input): each gets one sentence,
exit 3 through the command line, and nothing half-written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time

import psycopg2
import pytest

import storage
from storage import db
from tests.helpers import TODAY, active_contract, dump, make_world
from tests.helpers.cli import Contracts


def _sqlite_path(url: str) -> str:
    return url[len("sqlite:///") :]


def _hold_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's writer, holding the write lock for a while."""
    ready = threading.Event()

    def hold():
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        con.execute("ROLLBACK")
        con.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


def test_a_briefly_locked_database_waits_and_the_charge_goes_through(sqlite_url):
    make_world()
    number = active_contract()
    holder = _hold_lock(_sqlite_path(sqlite_url), 0.8)
    started = time.monotonic()
    storage.resolve(f"{number}/1", "Waited for the lock")
    assert time.monotonic() - started >= 0.5
    holder.join()
    assert storage.show(number).lines[0].used == 1


@pytest.mark.slow
def test_a_database_locked_too_long_gives_one_sentence_and_exit_3(sqlite_url, monkeypatch):
    make_world()
    number = active_contract()
    before = dump()
    storage.close_database()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.5)
    holder = _hold_lock(_sqlite_path(sqlite_url), 4)
    run = Contracts(sqlite_url)
    started = time.monotonic()
    result = run(f"resolve {number}/1 --title Blocked", today=str(TODAY), code=3)
    waited = time.monotonic() - started
    holder.join()
    # the busy time is the whole wait, not a wait per retry (5 retries would be 2.5 s)
    assert 0.4 <= waited < 2.0
    assert result.stderr.strip() == (
        "contracts: the database is busy (another process holds it); try again in a moment."
    )
    storage.open_database(sqlite_url)
    assert dump() == before


def test_a_read_only_database_refuses_writes_in_one_sentence(sqlite_url):
    if shutil.which("chattr") is None or os.geteuid() != 0:
        pytest.skip("needs chattr and root to make a file immutable")
    make_world()
    number = active_contract()
    before = dump()
    storage.close_database()
    path = _sqlite_path(sqlite_url)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    if subprocess.run(["chattr", "+i", path], check=False, capture_output=True).returncode != 0:
        pytest.skip("this file system cannot make a file immutable")
    try:
        run = Contracts(sqlite_url)
        result = run(f"resolve {number}/1 --title Nope", today=str(TODAY), code=3)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "read-only" in result.stderr or "cannot" in result.stderr
        assert run.json(f"show {number}", today=str(TODAY))["lines"][0]["used"] == 0
    finally:
        subprocess.run(["chattr", "-i", path], check=True)
    storage.open_database(sqlite_url)
    assert dump() == before


def test_a_full_disk_changes_nothing(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
            check=False,
            capture_output=True,
        ).returncode
        != 0
    ):
        pytest.skip("needs root to mount a small file system")
    try:
        url = f"sqlite:///{mount / 'contracts.db'}"
        storage.open_database(url)
        make_world()
        number = active_contract(allotment="100000")
        before = dump()
        filler = mount / "filler"
        fd = os.open(filler, os.O_CREAT | os.O_WRONLY)  # take every free byte
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        with pytest.raises(storage.DatabaseUnavailable) as info:
            for i in range(200):  # the WAL grows until a page cannot be written
                storage.resolve(f"{number}/1", f"call {i}" + "x" * 150)
                before = dump()
        assert "full" in str(info.value)
        filler.unlink()
        assert dump() == before
        assert storage.verify() == []
    finally:
        storage.close_database()
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_corrupt_database_gets_one_sentence(sqlite_url):
    make_world()
    for _ in range(30):
        active_contract()
    storage.close_database()
    path = _sqlite_path(sqlite_url)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    with open(path, "r+b") as f:
        f.seek(4096 * 3)
        f.write(os.urandom(4096 * 4))
    run = Contracts(sqlite_url)
    result = run("verify", code=3)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a readable contracts database" in result.stderr


def test_a_postgres_connection_cut_mid_session_reconnects():
    from tests.helpers.postgres import _reset_postgres, require_postgres

    _reset_postgres(require_postgres())
    make_world()
    number = active_contract()
    from tests.helpers.postgres import cut_connections as cut

    cut()
    assert storage.show(number).lines[0].used == 0  # the read reconnects
    cut()
    storage.resolve(f"{number}/1", "After the cut")  # so does a write that had not begun
    assert storage.show(number).lines[0].used == 1
    assert storage.verify() == []
    storage.close_database()


def test_an_unreachable_postgres_is_exit_3(tmp_path):
    run = Contracts("postgresql://nobody@127.0.0.1:1/none")
    result = run("check Acme", code=3)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot use the database at postgresql://nobody@127.0.0.1:1/none" in result.stderr


_ = psycopg2
