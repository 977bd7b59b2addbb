"""Opening databases: schema versions, file permissions, unusable databases (SPEC §7)."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

import storage
from storage.models import SchemaVersion
from tests.helpers import active_contract, make_world


def test_new_sqlite_file_and_folder_are_private_to_owner_and_group(tmp_path):
    path = tmp_path / "fresh" / "contracts.db"
    storage.open_database(f"sqlite:///{path}")
    storage.close_database()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o770


def test_a_newer_schema_is_refused(db_url):
    SchemaVersion.update(version=99).execute()
    storage.close_database()
    with pytest.raises(storage.DatabaseUnavailable, match="newer contracts \\(schema 99"):
        storage.open_database(db_url)


def test_an_older_schema_asks_for_init_and_init_upgrades(db_url, monkeypatch):
    from storage import db

    newer = db.SCHEMA_VERSION + 1
    monkeypatch.setattr(db, "SCHEMA_VERSION", newer)
    ran = []
    monkeypatch.setitem(db.MIGRATIONS, newer, lambda: ran.append(newer))
    storage.close_database()
    with pytest.raises(storage.DatabaseUnavailable, match="run `contracts init`"):
        storage.open_database(db_url)
    storage.open_database(db_url, upgrade=True)
    assert ran == [newer]
    assert db.schema_version() == newer


def test_a_file_that_is_not_a_database_gets_one_sentence(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(storage.DatabaseUnavailable) as info:
        storage.open_database(f"sqlite:///{path}")
    assert "not a readable contracts database" in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_url_and_unreachable_server(tmp_path):
    with pytest.raises(storage.DatabaseUnavailable, match="is not a database URL"):
        storage.open_database("mysql://somewhere/db")
    with pytest.raises(storage.DatabaseUnavailable, match="cannot use the database at"):
        storage.open_database("postgresql://nobody@127.0.0.1:1/none")


def test_password_is_never_shown():
    assert storage.describe("postgresql://ann:s3cret@db:5432/x") == "postgresql://ann:***@db:5432/x"


def test_read_only_without_a_url_says_so_once():
    from storage.db import unavailable_message

    error = Exception("attempt to write a readonly database")
    assert unavailable_message(error) == "the database is read-only; nothing was changed."
    assert unavailable_message(error, "sqlite:///x.db") == (
        "the database at sqlite:///x.db is read-only; nothing was changed."
    )
    assert unavailable_message(Exception("file is not a database")) == (
        "the database is not a readable contracts database (file is not a database)."
    )


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:", "sqlite:///:memory:", ":memory:"])
def test_an_in_memory_database_is_refused(url):
    with pytest.raises(storage.InvalidInput, match="names no database file"):
        storage.db.make_database(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/db?connect_timeout=abc",
        "postgresql://u@h:99999/db",
        "postgresql://[::1:5432/db",
        "postgresql://u@h/d%00b",
    ],
)
def test_a_bad_postgres_url_is_bad_input(url):
    with pytest.raises(storage.InvalidInput, match="is not a usable PostgreSQL URL"):
        storage.db.make_database(url)


# -- The console's connections (storage/pool.py): kept between calls, never worse than new.


def in_a_worker(call, *args):
    """`call(*args)` as the console makes it: in a thread of its own, in `storage.session()`."""
    box: dict = {}

    def work():
        try:
            with storage.session():
                box["value"] = call(*args)
        except Exception as exc:  # noqa: BLE001 - raised again in the test's thread
            box["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _cut_every_connection():
    """What a PostgreSQL restart does to the console's connections, idle ones included."""
    from tests.helpers.postgres import cut_connections

    cut_connections()
    time.sleep(0.2)  # the server hangs up as it ends them


@pytest.mark.parametrize("seen", ["seen at check-out", "cut after the check"])
def test_pooled_connections_the_server_closed_never_fail_a_call(seen, monkeypatch):
    from storage import pool
    from tests.helpers.postgres import _reset_postgres, require_postgres

    url = require_postgres()
    _reset_postgres(url)
    make_world()
    number = active_contract()
    storage.open_database(url, pool=True)
    assert in_a_worker(storage.show, number).lines[0].used == 0
    if seen == "cut after the check":  # a cut the check cannot see: reads and writes retry
        monkeypatch.setattr(pool.PooledPostgres, "_dead", lambda self, conn: False)
    _cut_every_connection()
    assert in_a_worker(storage.show, number).lines[0].used == 0
    _cut_every_connection()
    in_a_worker(storage.resolve, f"{number}/1", "After the cut")
    _cut_every_connection()
    assert in_a_worker(storage.show, number).lines[0].used == 1  # charged once
    assert in_a_worker(storage.verify) == []
    storage.close_database()


def test_a_connection_handed_back_inside_a_transaction_keeps_nothing_of_it(db_url):
    from storage.models import Setting, database

    storage.open_database(db_url, pool=True)

    def left_open():
        database.execute_sql("BEGIN")
        Setting.create(name="half-done", value="x")

    in_a_worker(left_open)
    assert in_a_worker(storage.db.setting, "half-done") is None  # on the same connection
    assert storage.db.setting("half-done") is None  # and on another
    Setting.create(name="after", value="y")  # no lock was left behind either
    assert in_a_worker(storage.db.setting, "after") == "y"


def test_a_read_only_snapshot_leaves_the_next_call_free_to_write(db_url):
    make_world()
    number = active_contract()
    storage.open_database(db_url, pool=True)
    assert in_a_worker(storage.verify) == []  # a read-only transaction
    in_a_worker(storage.resolve, f"{number}/1", "On the same connection")
    assert in_a_worker(storage.show, number).lines[0].used == 1


def test_migration_7_covers_the_ledger_and_the_lines_read_by_the_attention_list(db_url):
    """`init` upgrades a schema-6 database: the ledger's index by line alone becomes one by
    line, moment, kind and amount, the lines' index on their percent used gains the columns
    the attention list reads, and the list says what it said before."""
    from storage.migrations import SHARE_SQL
    from storage.models import database
    from tests.helpers import active_contract, ago, charged_on, make_world, upgraded_from

    make_world()
    used = active_contract(lines=2)
    for i in range(8):
        storage.resolve(f"{used}/1", f"Case {i}")
    charged_on(f"{used}/2", *[ago(d) for d in (25, 20, 15, 10, 5)])
    before = storage.needs_attention()
    assert [s.section for s in before.sections if s.entries] == ["threshold", "runs_out"]
    database.execute_sql('DROP INDEX "usage_entry_line_id_at_kind_amount"')
    database.execute_sql('DROP INDEX "line_share"')
    database.execute_sql('CREATE INDEX "usage_entry_line_id" ON "usage_entry" ("line_id")')
    database.execute_sql(f'CREATE INDEX "line_share" ON "line" ({SHARE_SQL})')
    upgraded_from(db_url, 6)
    ledger = {index.name: index.columns for index in database.get_indexes("usage_entry")}
    assert ledger.get("usage_entry_line_id_at_kind_amount") == ["line_id", "at", "kind", "amount"]
    assert "usage_entry_line_id" not in ledger
    share = next(i for i in database.get_indexes("line") if i.name == "line_share")
    assert "contract_id" in share.sql and '"end"' in share.sql
    assert storage.needs_attention() == before


def test_migration_5_indexes_the_lines_percent_used_on_a_schema_4_database(db_url):
    """`init` upgrades a schema-4 database: the index the threshold section reads from is
    added, and the section lists what it listed before."""
    from storage.models import database
    from tests.helpers import active_contract, make_world, upgraded_from

    make_world()
    number = active_contract(lines=2)
    for i in range(8):
        storage.resolve(f"{number}/1", f"Case {i}")
    before = storage.needs_attention(sections=["threshold"])
    database.execute_sql('DROP INDEX "line_share"')
    upgraded_from(db_url, 4)
    assert "line_share" in {index.name for index in database.get_indexes("line")}
    after = storage.needs_attention(sections=["threshold"])
    assert [e.why for e in after.sections[0].entries] == [
        "80 % used (8 of 10 cases), past the 75 % threshold"
    ]
    assert after.sections == before.sections
