"""Hostile input for every command: empty, huge, negative, non-numeric, control characters,
impossible dates, SQL-looking text and unknown references. Each is refused with one
sentence on stderr (exit 2) and the database is byte-for-byte what it was; on both databases.
Valid but unusual input (Unicode names, SQL-looking names) is stored literally."""

from __future__ import annotations

import pytest

from tests.helpers.cli import Contracts, active_contract, make_world

HUGE = "x" * 5000
SQL = "'; DROP TABLE contract; --"
C1, C2, CASE = "CNR-000001", "CNR-000002", "CAS-000001"  # a cases line, a time line, a case
NEW = "new --customer 'Acme Corp' --template PHONE"

HOSTILE = [
    # customers
    ("customer add ''", "the customer name is empty"),
    ("customer add '   '", "the customer name is empty"),
    (f"customer add {HUGE}", "longer than 120 characters"),
    ("customer add 'bell\x07'", "control characters"),
    ("customer add 'esc\x1b[31mred'", "control characters"),
    ("customer add Someone --email not-an-email", "not a valid email address"),
    ("customer add Someone --phone 'call me maybe'", "not a valid phone number"),
    ("customer edit 'Nobody Ltd' --email a@b.c", "there is no customer named 'Nobody Ltd'"),
    (f'customer edit "{SQL}" --email a@b.c', "there is no customer named"),
    # templates
    ("template add T --abbr TOOLONGABBR --allotment cases --billing monthly", "at most 8"),
    ("template add T --abbr T --allotment cases --billing monthly --volume -5", "not a whole"),
    ("template add T --abbr T --allotment cases --billing monthly --volume 1e9", "not a whole"),
    (
        "template add T --abbr T --allotment cases --billing monthly --volume 99999999999",
        "too large",
    ),
    ("template add T --abbr T --allotment time --billing monthly --volume NaN", "not a duration"),
    ("template add T --abbr T --allotment time --billing monthly --minimum 0", "more than zero"),
    (
        "template add T --abbr T --allotment coverage --billing monthly --volume 10",
        "coverage template has no volume",
    ),
    (
        "template add T --abbr T --allotment cases --billing monthly --increment 15m",
        "only to time templates",
    ),
    (
        "template add T --abbr T --allotment cases --billing monthly --hours always",
        "service hours 'always' are not understood",
    ),
    (
        (
            "template add T --abbr T --allotment cases --billing monthly "
            "--hours 'Mon-Fri 08:00-18:00 Mars/Olympus'"
        ),
        "'Mars/Olympus' is not a time zone",
    ),
    ("template add T --abbr T --allotment cases --billing weekly", "Invalid value for '--billing'"),
    (
        "template add 'Phone Support' --abbr PS2 --allotment cases --billing monthly",
        "already exists",
    ),
    # contracts
    (f"{NEW} --start 2026-02-29 --end 2026-12-31", "does not exist in the calendar"),
    (f"{NEW} --start 2026-13-01 --end 2026-12-31", "does not exist in the calendar"),
    (f"{NEW} --start '' --end 2026-12-31", "is not a date"),
    (f'{NEW} --start "{SQL}" --end 2026-12-31', "is not a date"),
    (f"{NEW} --start 2026-01-01 --end 2026-12-31 --title ' \x07 '", "control characters"),
    (f"{NEW} --start 2026-01-01 --end 2026-12-31 --title {HUGE}", "longer than 200"),
    (f"{NEW} --start 2026-01-01 --end 2026-12-31 --title 'esc\x1bx'", "control characters"),
    (f"edit {C1} --title Renamed", "cannot edit CNR-000001: it is active"),
    (f'edit "{SQL}" --title x', "is not a contract number"),
    ("invoice CNR-1234567890123", "is not a contract number"),
    ("hold CNR--1", "is not a contract number"),
    (f"cancel {C1} --on 2026-06-31 --reason moved", "does not exist in the calendar"),
    (f"cancel {C1} --on 2030-01-01 --reason moved", "must lie inside"),
    (f"cancel {C1} --on 2026-06-30 --reason ''", "cancel reason is empty"),
    (f"renew {C1} --start 2027-02-29", "does not exist in the calendar"),
    # lines
    (f"line add {C1} --title x --allotment 0", "more than zero"),
    (f"line add {C1} --title x --allotment 1.5", "not a whole number"),
    (f"line add {C1} --title x --allotment 99999999999999", "too large"),
    (f"line add {C2} --title x --allotment 1h3x", "not a duration"),
    (f"line add {C2} --title x --allotment 1.01h", "not a whole number of minutes"),
    (f"line add {C1} --title x --price -10", "is not an amount"),
    (f"line add {C1} --title x --price 12.345", "is not an amount"),
    (f"line add {C1} --title x --price NaN", "is not an amount"),
    (f"line add {C1} --title x --price 1e5", "is not an amount"),
    (f"line add {C1} --title x --price 99999999999999999", "too large"),
    (f"line add {C1} --title x --start 2025-12-31", "must lie inside"),
    (f"line add {C1} --title ''", "line title is empty"),
    (f"line cancel {C1}/0", "has no line 0"),
    (f"line cancel '{C1}/1; DROP TABLE line'", "is not a contract line"),
    # charging
    (f"resolve {C2}/1 --title x --spent -5", "is not a duration"),
    (f"resolve {C2}/1 --title x --spent inf", "is not a duration"),
    (f"resolve {C2}/1 --title x --spent 9999999h", "too large"),
    (f"resolve {C2}/1 --title x --spent ''", "give the time spent"),
    (f"resolve {C1}/1 --title ''", "case title is empty"),
    (f"resolve {C1}/1 --title {HUGE}", "longer than 200"),
    (f"resolve {C1}/1 --title ok --resolution 'soh\x01'", "control characters"),
    (f"resolve {C1}/7 --title x", "has no line 7"),
    (f'resolve "{SQL}" --title x', "is not a contract line"),
    (f"case resolve {CASE}", "only an open case can be resolved"),
    ("case resolve CAS-0", "there is no case CAS-000000"),
    (f"case cancel {CASE}", "reopen it first"),
    ("case reopen 'CAS-1 OR 1=1'", "is not a case number"),
    (f"case open --customer 'Acme Corp' --title x --line {C1}/1/2", "is not a contract line"),
    ("case list --status lost", "Invalid value for '--status'"),
    # reads and others
    ("check ''", "give a customer name, a contract number, a phone number"),
    ("list --filter x --limit -1", "Invalid value for '--limit'"),
    ("user add someone --role god", "Invalid value for '--role'"),
    ("user add '' --role rep", "the login is empty"),
    ("user remove nobody", "there is no user nobody"),
]


@pytest.mark.parametrize("command,match", HOSTILE, ids=[c[:60] for c, _ in HOSTILE])
def test_hostile_input_is_refused_in_one_sentence(db_url, command, match):
    run = Contracts(db_url)
    make_world(run)
    active_contract(run)
    active_contract(run, template="Dev Hours", allotment="40h")
    run(f"resolve {C1}/1 --title First", today="2026-06-15")
    run.refused(command, match=match, today="2026-06-15")


@pytest.mark.parametrize(
    "name",
    [
        "Müller & Söhne GmbH",
        "株式会社テスト",
        "O'Brien Ltd",
        SQL,
        "Robert'); DROP TABLE customer;--",
        "50% off_deals",
    ],
)
def test_unusual_but_valid_names_are_stored_literally(sqlite_url, name):
    run = Contracts(sqlite_url)
    make_world(run)
    run(f'customer add "{name}"')
    names = [c["name"] for c in run.json("customer list")]
    assert name in names and "Acme Corp" in names
    number = run.out(
        f'new --customer "{name}" --template PHONE --start 2026-01-01 --end 2026-12-31'
    )
    assert run.json(f"show {number}")["customer"] == name
    assert run.json("check Globex", code=1)["entitled"] is False  # tables intact
