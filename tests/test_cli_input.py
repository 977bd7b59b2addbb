"""Bad input on the command line: one sentence on stderr, exit 2, nothing changed.

Dates, amounts, numbers and database URLs the product cannot use, and arguments that are
not valid UTF-8; on SQLite and PostgreSQL where the database could answer differently.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import dump
from tests.helpers.cli import ROOT, Contracts, active_contract, make_world, new_command
from tui.cli import cli

# --- money: a comma only between thousands -------------------------------------------------


@pytest.mark.parametrize(
    "price,cents",
    [("1200", 120000), ("1,200.50", 120050), ("12,345,678", 1234567800), ("0.5", 50)],
)
def test_a_price_with_thousands_separators(lite, price, cents):
    make_world(lite)
    number = active_contract(lite)
    ref = lite.out(f"line add {number} --title Extra --price {price}", today="2026-06-15")
    assert lite.json(f"show {number}")["lines"][1]["price_cents"] == cents, ref


@pytest.mark.parametrize("price", ["1200,50", "1,2000", ",1200", "1200,", "12,34,567", "1,,200"])
def test_a_comma_anywhere_else_is_refused(lite, price):
    make_world(lite)
    number = active_contract(lite)
    lite.refused(
        f"line add {number} --title Extra --price {price}",
        match=f"price '{price}' is not an amount",
        today="2026-06-15",
    )


# --- dates: only those the product can compute with -----------------------------------------

FAR_DATES = [
    (new_command("2026-01-01", "9999-12-31"), "end date 9999-12-31"),
    (new_command("1899-12-31", "2026-12-31"), "start date 1899-12-31"),
    (new_command("0001-01-01", "2026-12-31"), "start date 0001-01-01"),
    ("edit CNR-000002 --end 9001-01-01", "end date 9001-01-01"),
    ("line add CNR-000002 --title x --end 9999-12-31", "line end 9999-12-31"),
    ("cancel CNR-000001 --on 9999-12-31 --reason x", "cancel date 9999-12-31"),
    ("renew CNR-000001 --start 9999-01-01", "renewal start 9999-01-01"),
    ("--today 9999-12-31 list", "--today 9999-12-31"),
]


@pytest.mark.parametrize("command,match", FAR_DATES, ids=[c for c, _ in FAR_DATES])
def test_dates_beyond_the_calendar_are_refused(lite, command, match):
    make_world(lite)
    active_contract(lite)
    lite.out(new_command("2026-01-01", "2026-12-31"), today="2026-06-15")  # a draft
    message = lite.refused(command, match=match, today="2026-06-15")
    assert "between 1900-01-01 and 9000-12-31" in message


def test_a_contract_at_the_end_of_the_range(run):
    make_world(run)
    number = run.out(new_command("8999-01-01", "9000-12-31"), today="2026-06-15")
    run(f"line add {number} --title Support --price 1200", today="2026-06-15")
    run(f"invoice {number}", today="2026-06-15")
    assert run.json(f"schedule {number}")[-1]["end"] == "9000-12-31"
    assert run.json(f"show {number}")["end"] == "9000-12-31"
    message = run.refused(f"renew {number}", match="the renewal would run from 9001-01-01")
    assert "between 1900-01-01 and 9000-12-31" in message


# --- database URLs --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:", "sqlite:///", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(url):
    result = Contracts(url)("customer add Acme", code=2)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "names no database file" in result.stderr


def test_a_plain_path_is_an_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url, path in [("./here.db", tmp_path / "here.db"), (str(tmp_path / "abs.db"), None)]:
        run = Contracts(url)
        assert run.out("customer add Acme") == "Added customer Acme."
        assert run.json("customer list")[0]["name"] == "Acme"
        assert (path or tmp_path / "abs.db").exists()


def test_sqlite_urls_take_a_relative_path_after_three_slashes_and_absolute_after_four(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert Contracts("sqlite:///relative.db").out("customer add Acme") == "Added customer Acme."
    assert (tmp_path / "relative.db").exists()
    elsewhere = tmp_path / "elsewhere" / "absolute.db"
    url = f"sqlite:///{elsewhere}"
    assert url.startswith("sqlite:////")
    assert Contracts(url).out("customer add Acme") == "Added customer Acme."
    assert elsewhere.exists()


BAD_POSTGRES_URLS = [
    ("postgresql://u@h/db?connect_timeout=abc", "connect_timeout"),
    ("postgresql://u@127.0.0.1:99999/db", "port"),
    ("postgresql://u@127.0.0.1:abc/db", "port"),
    ("postgresql://[::1:5432/db", "host"),
    ("postgresql://u@127.0.0.1/d%00b", "NUL"),
    ("postgresql://u:pw%00x@127.0.0.1/db", "NUL"),
    ("sqlite:///tmp/x%00.db", "NUL"),
]


@pytest.mark.parametrize("url,match", BAD_POSTGRES_URLS, ids=[u for u, _ in BAD_POSTGRES_URLS])
def test_a_bad_database_url_is_one_sentence(url, match):
    result = Contracts(url)("init", code=2)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("contracts: "), result.stderr
    assert match in lines[0] and "unexpected" not in lines[0]
    assert "pw%00x" not in lines[0]


# --- numbers beyond what the database holds -------------------------------------------------

BEYOND = [
    ("resolve CNR-9999999999/1 --title x", "there is no contract CNR-9999999999."),
    ("show CNR-9999999999", "there is no contract CNR-9999999999."),
    ("line cancel CNR-9999999999/1", "there is no contract CNR-9999999999."),
    ("case resolve CAS-9999999999", "there is no case CAS-9999999999."),
    (
        "case open --customer 'Acme Corp' --title x --line CNR-9999999999/1",
        "there is no contract CNR-9999999999.",
    ),
    ("list --limit 99999999999999999999", "Invalid value for '--limit'"),
    ("case list --limit 99999999999999999999", "Invalid value for '--limit'"),
    ("audit --limit 99999999999999999999", "Invalid value for '--limit'"),
]


@pytest.mark.parametrize("command,match", BEYOND, ids=[c for c, _ in BEYOND])
def test_numbers_beyond_the_database_are_the_same_answer_on_both(run, command, match):
    make_world(run)
    active_contract(run)
    run.refused(command, match=match, today="2026-06-15")


def test_a_use_too_large_to_store_is_refused(run):
    make_world(run)
    number = active_contract(run, allotment="1000000000")
    run(f"line adjust {number}/1 +1000000000 --note big", today="2026-06-15")
    run(f"line adjust {number}/1 +1000000000 --note bigger", today="2026-06-15")
    message = run.refused(
        f"line adjust {number}/1 +1000000000 --note 'too big'",
        match="too large",
        today="2026-06-15",
    )
    assert "CNR-000001/1" in message


# --- arguments that are not valid UTF-8 ---------------------------------------------------

BAD = os.fsdecode(b"x\xffy")  # what Python makes of the bytes a shell passes: a surrogate
NOT_UTF8 = [
    ["check", BAD],
    ["list", "--filter", BAD],
    ["audit", BAD],
    ["line", "add", "CNR-000001", "--title", "x", "--product", BAD],
    [
        "template",
        "add",
        "T",
        "--abbr",
        "T",
        "--allotment",
        "cases",
        "--billing",
        "monthly",
        "--description",
        BAD,
    ],
]


@pytest.mark.parametrize("argv", NOT_UTF8, ids=[a[0] + " " + a[1] for a in NOT_UTF8])
def test_an_argument_that_is_not_utf8_is_refused(lite, argv):
    make_world(lite)
    active_contract(lite)
    before = dump()
    result = lite.runner.invoke(cli, ["--db", lite.url, *argv], catch_exceptions=False)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == "contracts: an argument is not valid UTF-8 text; nothing was done.\n"
    assert dump() == before


def test_not_utf8_from_a_real_shell(sqlite_url):
    done = subprocess.run(
        [sys.executable, "-m", "tui.main", "--db", sqlite_url, "check", b"x\xffy"],
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == b""
    assert done.stderr == b"contracts: an argument is not valid UTF-8 text; nothing was done.\n"
