"""The real `contracts` script, started as a person starts it: what it imports and that it
reaches both kinds of database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    code = "import sys; from tui.main import main; sys.argv[0] = 'contracts'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=60,
        check=False,
    )


def _modules_loaded_by(command: list[str], url: str) -> set[str]:
    code = (
        "import sys, atexit\n"
        "atexit.register(lambda: print('MODULES', ' '.join(sorted(m for m, v in sys.modules.items() if v is not None)), file=sys.stderr))\n"
        "from tui.main import main\n"
        f"sys.argv = ['contracts', '--db', {url!r}, *{command!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES"))
    return set(line.split()[1:])


def test_check_on_sqlite_imports_no_console_and_no_postgres_driver(sqlite_url):
    loaded = _modules_loaded_by(["check", "Acme"], sqlite_url)
    assert "peewee" in loaded and "storage.contract_reads" in loaded
    assert "storage.reports" not in loaded and "storage.views" not in loaded  # the lists
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich", "psycopg2")}
    assert "tui.app" not in loaded and "storage.demo" not in loaded


def test_check_on_postgres_imports_psycopg2_without_pythons_ssl():
    """psycopg2 would import `ssl` for OpenSSL set-up that OpenSSL 1.1 and later do not
    need (tui/main.py); `check` answers all the same."""
    from tests.helpers.postgres import _reset_postgres, require_postgres

    db_url = require_postgres()
    _reset_postgres(db_url)
    loaded = _modules_loaded_by(["check", "Acme"], db_url)
    assert "psycopg2" in loaded and "storage.contract_reads" in loaded
    assert "ssl" not in loaded and "_ssl" not in loaded
    done = _script("--db", db_url, "check", "Acme")
    assert "no customer or contract matches 'Acme'" in done.stdout, done.stderr


@pytest.mark.slow
def test_the_script_reaches_postgres_too():
    from tests.helpers.postgres import _reset_postgres, require_postgres

    db_url = require_postgres()
    _reset_postgres(db_url)
    done = _script("--db", db_url, "check", "Acme")
    assert (done.returncode, done.stderr.strip()) == (1, "")
    assert "no customer or contract matches 'Acme'" in done.stdout
    env_done = _script("check", "Acme", env={"CONTRACTS_DB": db_url})
    assert env_done.returncode == 1, env_done.stderr


def test_check_loads_the_phone_rules_only_when_it_needs_them(sqlite_url):
    """phonenumbers is heavy: `check ACME` (or an address) never imports it, nor does a
    known number in the international form phone systems send; other spellings do."""
    import storage

    storage.add_customer("Acme Corp", phone="+34 911 23 45 67")
    for query in ("Acme", "ops@acme.test", "CNR-000001", "+34911234567", "tel:+34 911 23 45 67"):
        assert "phonenumbers" not in _modules_loaded_by(["check", query], sqlite_url), query
    for query in ("+34 912 000 000", "0034 911 234 567"):
        assert "phonenumbers" in _modules_loaded_by(["check", query], sqlite_url), query


def test_check_outside_hours_loads_neither_the_charge_path_nor_date_parsing(sqlite_url):
    """`check` on a contract whose service hours are closed at the asked moment prints
    "opens Mon 08:00 …" without loading the charge's SQL, dateutil's free-form parser or a
    pendulum locale (importlib.resources): each costs milliseconds on every call."""
    from tests.helpers.world import office_hours_contract

    office_hours_contract()
    loaded = _modules_loaded_by(
        ["check", "Acme Corp", "--at", "2026-12-12T22:00+01:00"], sqlite_url
    )
    assert "storage.entitlement" in loaded and "storage.hours" in loaded
    heavy = {
        "storage.charging",
        "storage.charge_sql",
        "dateutil.parser._parser",
        "importlib.resources",
    }
    assert heavy & loaded == set()


def test_check_on_sqlite_leaves_hashlib_socket_and_json_unloaded(sqlite_url):
    """peewee imports hashlib (OpenSSL's libcrypto), socket and json, which `check` never
    uses: they stand in empty until a name is read from them (tui/main.py)."""
    from tests.helpers.world import office_hours_contract

    number = office_hours_contract()
    for query in ("Acme Corp", number):
        loaded = _modules_loaded_by(["check", query], sqlite_url)
        assert "storage.entitlement" in loaded
        assert {"_hashlib", "_socket", "_json", "json.encoder"} & loaded == set(), query


def test_the_modules_standing_in_load_when_used_from_the_real_script(db_url):
    """`check --json` reads json; recording a case on PostgreSQL names its prepared statements
    with hashlib: both work in the real script, whose first read loads the real module."""
    import json

    import storage
    from tests.helpers.world import office_hours_contract

    number = office_hours_contract()
    done = _script("--db", db_url, "check", "Acme Corp", "--json")
    assert done.returncode in (0, 4), done.stderr
    assert json.loads(done.stdout)["customer"] == "Acme Corp"
    done = _script("--db", db_url, "resolve", f"{number}/1", "--title", "Printer jam")
    assert done.returncode == 0, done.stderr
    assert "charged 1 case" in done.stderr
    storage.close_database()
    storage.open_database(db_url)
    assert storage.show(number).lines[0].used == 1
