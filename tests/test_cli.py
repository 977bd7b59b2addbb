"""SPEC §6: the `contracts` command line, driven through its real commands.

Each call goes through click as a shell would (CliRunner, stdout and stderr apart) against
the database given with --db; refusals are checked for their one line on stderr, their
exit code, and for leaving the database exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pendulum
import pytest
from click.testing import CliRunner

import storage
from tests.helpers import dump
from tests.helpers.cli import (
    ROOT,
    Contracts,
    active_contract,
    assert_one_line,
    make_world,
    new_command,
)
from tests.helpers.process import python
from tui.cli import cli

# --- the main flow, on SQLite and PostgreSQL ---------------------------------------------

# A line's fields in SPEC §6's answer to check (and in show --json).
LINE_FIELDS = ("ref", "title", "allotment_type", "total", "used", "remaining", "usable", "reason")


def test_a_contract_from_start_to_check(run):
    make_world(run)
    number = run.out(
        "new --customer 'acme corp' --template PHONE --start 2026-01-01 "
        "--end 2026-12-31 --title 'Hotline 2026'"
    )
    assert number == "CNR-000001"
    assert (
        run.out(f"line add {number} --title 'Phone support' --price 1,200.50 --discount 200.50")
        == "CNR-000001/1"
    )
    assert run.out(f"invoice {number}", today="2026-06-15") == (
        "CNR-000001 is invoiced and active."
    )
    case = run("resolve CNR-000001/1 --title 'Printer jam'", today="2026-06-15")
    assert case.stdout == "CAS-000001\n"
    assert (
        case.stderr == "CAS-000001 resolved: charged 1 case to CNR-000001/1; 9 of 10 cases left.\n"
    )

    assert run.out("check Acme", today="2026-06-15").splitlines() == [
        "Acme Corp is covered (as of 2026-06-15)",
        "  CNR-000001/1  Phone support  9 of 10 cases left  199 days left",
    ]

    shown = run.json("show cnr-1", today="2026-06-15")
    assert {
        k: shown[k]
        for k in ("number", "status", "customer", "title", "start", "end", "total_price_cents")
    } == {
        "number": "CNR-000001",
        "status": "active",
        "customer": "Acme Corp",
        "title": "Hotline 2026",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "total_price_cents": 100000,
    }
    [line] = shown["lines"]
    assert {k: line[k] for k in (*LINE_FIELDS, "net_price_cents")} == {
        "ref": "CNR-000001/1",
        "title": "Phone support",
        "allotment_type": "cases",
        "total": 10,
        "used": 1,
        "remaining": 9,
        "usable": True,
        "reason": None,
        "net_price_cents": 100000,
    }

    listed = run.json("list")
    assert [
        (c["number"], c["status"], c["customer"], c["used"], c["total"], c["remaining"])
        for c in listed
    ] == [("CNR-000001", "active", "Acme Corp", 1, 10, 9)]

    [entry] = run.json(f"ledger {number}")
    assert (entry["line"], entry["case"], entry["amount"], entry["kind"]) == (
        "CNR-000001/1",
        "CAS-000001",
        1,
        "charge",
    )
    [case] = run.json("case list")
    assert (case["number"], case["status"], case["charged"], case["line"]) == (
        "CAS-000001",
        "resolved",
        1,
        "CNR-000001/1",
    )
    periods = run.json(f"schedule {number}")
    assert len(periods) == 4 and sum(p["amount_cents"] for p in periods) == 100000
    assert any(e["action"] == "invoice" for e in run.json(f"audit {number}"))
    assert run.out("verify") == "All invariants hold: 1 contract, 1 line, 1 case, 1 ledger entry."


def test_check_json_has_the_shape_of_the_spec(run):
    make_world(run)
    number = active_contract(run, template="Dev Hours", allotment="40h")
    run(f"resolve {number}/1 --title Upgrade --spent 1h20m", today="2026-06-15")
    answer = run.json("check 'Acme Corp'", today="2026-06-15")
    assert (answer["query"], answer["at"], answer["entitled"]) == (
        "Acme Corp",
        "2026-06-15",
        True,
    )
    [contract] = answer["contracts"]
    assert {k: contract[k] for k in ("number", "status", "customer", "start", "end")} == {
        "number": number,
        "status": "active",
        "customer": "Acme Corp",
        "start": "2026-01-01",
        "end": "2026-12-31",
    }
    [line] = contract["lines"]
    # 1h20m rounds up to the template's 15-minute increment: 90 minutes, as an integer.
    assert {k: line[k] for k in LINE_FIELDS} == {
        "ref": f"{number}/1",
        "title": "Support",
        "allotment_type": "time",
        "total": 2400,
        "used": 90,
        "remaining": 2310,
        "usable": True,
        "reason": None,
    }


def test_not_covered_exits_1_with_the_reason(run):
    make_world(run)
    number = active_contract(run)
    run(f"hold {number}")
    assert run.out("check acme", today="2026-06-15", code=1) == (
        "Acme Corp is NOT covered (as of 2026-06-15): "
        "CNR-000001 is on hold: no case can be charged to it."
    )
    answer = run.json("check acme", today="2026-06-15", code=1)
    assert answer["entitled"] is False
    assert answer["contracts"][0]["lines"][0]["usable"] is False
    assert "on hold" in answer["contracts"][0]["lines"][0]["reason"]


@pytest.mark.parametrize("query", ["'Nobody Ltd'", "CNR-999999"])
def test_an_unknown_customer_or_contract_is_not_covered(run, query):
    make_world(run)
    assert run.out(f"check {query}", code=1).startswith("NOT covered: ")
    answer = run.json(f"check {query}", code=1)
    assert (answer["entitled"], answer["contracts"]) == (False, [])
    assert answer["reason"]


def test_statuses_follow_the_day_asked_and_today_leaves_no_trace(run):
    storage.clock.freeze(pendulum.Date(2026, 11, 1))  # the real business day of this test
    make_world(run)
    number = run.out(
        "new --customer 'Acme Corp' --template PHONE --start 2026-07-01 --end 2027-06-30"
    )
    run(f"line add {number} --title Support")
    assert "becomes active on 2026-07-01" in run.out(f"invoice {number}", today="2026-06-15")
    assert run.json(f"show {number}", today="2026-06-15")["status"] == "invoiced"
    assert run.json(f"show {number}", today="2026-07-01")["status"] == "active"
    before = dump()
    far = run("check Acme", today="2099-01-01", code=1)
    assert f"{number} expired on 2027-06-30" in far.stdout
    assert run.json("list", today="2099-01-01")[0]["status"] == "expired"
    assert dump() == before  # a read, even as of another day, writes nothing
    # the real day: every contract in the status its dates give, with no sweep in between
    assert run.json(f"show {number}")["status"] == "active"
    assert run("check Acme").stdout.startswith("Acme Corp is covered")
    run.refused("sweep", match="run it without --today", today="2099-01-01")


def test_a_refused_command_changes_nothing(run):
    make_world(run)
    number = active_contract(run)
    assert "it is active" in run.refused(f"release {number}", match="cannot release CNR-000001")
    run.refused(f"delete {number}", match="cannot delete")
    run.refused("customer add 'ACME CORP'", match="already exists")


# --- exit code 2: one line on stderr, nothing changed ------------------------------------

BAD_INPUT = [
    (new_command("2026-02-30", "2026-12-31"), "'2026-02-30' does not exist in the calendar"),
    (new_command("1/1/2026", "2026-12-31"), "write it as YYYY-MM-DD"),
    (new_command("2026-12-31", "2026-01-01"), "cannot end (2026-01-01) before it starts"),
    ("--today 2026-02-30 list", "--today '2026-02-30' does not exist"),
    ("resolve CNR-000002/1 --title x --spent 1h3x", "'1h3x' is not a duration"),
    ("resolve CNR-000002/1 --title x --spent -5", "'-5' is not a duration"),
    ("resolve CNR-000002/1 --title x --spent 0", "more than zero"),
    ("resolve CNR-000002/1 --title x", "give the time spent"),
    (
        "template add T --abbr T --allotment time --billing monthly --increment quarter",
        "'quarter' is not a duration",
    ),
    ("line add CNR-000001 --title x --allotment ten", "'ten' is not a whole number"),
    ("line add CNR-000001 --title x --allotment -5", "'-5' is not a whole number"),
    ("line add CNR-000001 --title x --price 12abc", "'12abc' is not an amount"),
    ("line add CNR-000001 --title x --price 10 --discount 20", "discount cannot be larger"),
    ("show CNR-999999", "there is no contract CNR-999999"),
    ("ledger CNR-999999", "there is no contract CNR-999999"),
    ("invoice CNR-999999", "there is no contract CNR-999999"),
    ("show ACME", "'ACME' is not a contract number"),
    ("case resolve CAS-999999", "there is no case CAS-999999"),
    ("case reopen CAS-999999", "there is no case CAS-999999"),
    ("line cancel CNR-000001/9", "contract CNR-000001 has no line 9"),
    ("resolve CNR-999999/1 --title x", "there is no contract CNR-999999"),
    (
        new_command("2026-01-01", "2026-12-31", customer="Nobody Ltd"),
        "there is no customer named 'Nobody Ltd'",
    ),
    ("case open --customer Nobody --title x", "there is no customer named 'Nobody'"),
    ("list --customer Nobody", "there is no customer named 'Nobody'"),
    (new_command("2026-01-01", "2026-12-31", template="Gold"), "there is no template named 'Gold'"),
    ("case open --customer Globex --title x --line CNR-000001/1", "cannot be linked"),
    ("check ' '", "give a customer name, a contract number, a phone number"),
    ("list --limit many", "Invalid value for '--limit'"),
    ("list --status paid", "Invalid value for '--status'"),
    (
        "template add X --abbr X --allotment hours --billing monthly",
        "Invalid value for '--allotment'",
    ),
    ("line add CNR-000001", "Missing option '--title'"),
    ("frobnicate", "No such command 'frobnicate'"),
]


@pytest.mark.parametrize("command,match", BAD_INPUT, ids=[c[:50] for c, _ in BAD_INPUT])
def test_bad_input_is_one_line_and_changes_nothing(lite, command, match):
    make_world(lite)
    active_contract(lite)
    active_contract(lite, template="Dev Hours", allotment="40h")
    lite.refused(command, match=match, today="2026-06-15")


def test_an_exhausted_line_refuses_the_charge(lite):
    make_world(lite)
    number = active_contract(lite, allotment="1")
    lite(f"resolve {number}/1 --title first", today="2026-06-15")
    assert lite.refused(
        f"resolve {number}/1 --title second", today="2026-06-15", match="allotment exhausted"
    ) == ("contracts: allotment exhausted: line CNR-000001/1 has used all 1 case.")
    assert lite.json(f"show {number}")["lines"][0]["used"] == 1


def test_permissions_come_from_storage(lite):
    make_world(lite)
    number = active_contract(lite)
    me = storage.current_login()
    lite.refused(
        "user add somebody-else --role supervisor",
        match=f"somebody-else would be the first supervisor: permissions then apply and you "
        f"({me}) will be only able to read; confirm (--yes)",
    )
    assert lite.out("user add somebody-else --role supervisor --yes") == (
        "somebody-else is a supervisor."
    )
    message = lite.refused(f"hold {number}", match="only a supervisor may hold contracts")
    assert f"{storage.current_login()} is not a listed user" in message
    lite.refused(f"resolve {number}/1 --title x", match="only listed users")
    lite("check 'Acme Corp'", today="2026-06-15")  # reading needs no role
    assert [u["login"] for u in lite.json("user list")] == ["somebody-else"]


# --- exit code 3: the database cannot be used --------------------------------------------


def test_database_unavailable_exits_3(tmp_path):
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("these are not the contracts you are looking for\n" * 100)
    for url, match in [
        (f"sqlite:///{tmp_path}", "cannot use the database"),
        (f"sqlite:///{not_a_db}", "not a readable contracts database"),
        ("postgresql://nobody@127.0.0.1:1/x", "cannot use the database"),
        ("mysql://localhost/x", "is not a database URL"),
    ]:
        result = Contracts(url)("check Acme", code=3)
        assert_one_line(result.stderr, match)
        assert result.stdout == ""


def test_a_password_is_never_printed():
    result = Contracts("postgresql://nobody:s3cret@127.0.0.1:1/x")("init", code=3)
    assert "s3cret" not in result.stdout + result.stderr
    assert "nobody:***@" in result.stderr


# --- the other commands ------------------------------------------------------------------


def test_init_says_where_the_database_is(tmp_path):
    path = tmp_path / "team" / "contracts.db"
    lines = Contracts(f"sqlite:///{path}").out("init --zone Pacific/Auckland").splitlines()
    assert lines[:2] == [
        f"Database ready: sqlite:///{path}",
        f"Schema version {storage.db.SCHEMA_VERSION}; 0 customers, 0 templates, 0 contracts.",
    ]
    assert lines[2].startswith("Business time zone: Pacific/Auckland (today is 20")
    assert path.stat().st_mode & 0o777 == 0o660


def test_the_database_comes_from_the_environment(tmp_path):
    path = tmp_path / "env.db"
    runner = CliRunner(env={"CONTRACTS_DB": f"sqlite:///{path}"})
    result = runner.invoke(cli, ["customer", "add", "Initech"])
    assert result.exit_code == 0, result.stderr
    assert path.exists()
    assert "Initech" in runner.invoke(cli, ["customer", "list"]).stdout


def test_human_output_fits_80_columns(lite):
    make_world(lite)
    company = "The Extraordinarily Long-Named International Holding Company"
    lite(f"customer add '{company}'")
    for i in range(3):
        lite(
            f"new --customer '{company}' --template DEV --start 2026-01-01 --end 2026-12-31 "
            f"--title 'A very long contract title that goes on and on, number {i}'"
        )
    number = active_contract(lite, template="DEV", allotment="40h")
    lite(f"resolve {number}/1 --title Upgrade --spent 9h30m", today="2026-06-15")
    for command in (
        "list",
        "customer list",
        "template list",
        f"show {number}",
        "case list",
        f"ledger {number}",
        "audit",
        f"schedule {number}",
        "check Acme",
    ):
        out = lite.out(command, today="2026-06-15")
        assert max(len(line) for line in out.splitlines()) <= 80, (command, out)
    listing = lite.out("list", today="2026-06-15")
    assert "30h 30m of 40h left" in listing
    assert "The Extr…" in listing
    shown = lite.out(f"show {number}", today="2026-06-15")
    assert "9h 30m of 40h used" in shown and "30h 30m of 40h left" in shown


def test_list_filters_and_limits(lite):
    make_world(lite)
    first = active_contract(lite)
    second = active_contract(lite, customer="Globex")
    lite(f"hold {second}")
    assert [c["number"] for c in lite.json("list --status on_hold")] == [second]
    assert [c["number"] for c in lite.json("list --customer 'acme corp'")] == [first]
    assert [c["number"] for c in lite.json("list --filter glob")] == [second]
    assert [c["number"] for c in lite.json("list --limit 1")] == [first]
    assert "showing 1 of 2 contracts" in lite.out("list --limit 1")


def test_cases_on_the_command_line(lite):
    make_world(lite)
    number = active_contract(lite)
    case = lite.out(f"case open --customer 'Acme Corp' --title 'VPN down' --line {number}/1")
    assert case == "CAS-000001"
    assert lite.out(f"case resolve {case} --resolution restarted", today="2026-06-15") == (
        "CAS-000001 resolved: charged 1 case to CNR-000001/1; 9 of 10 cases left."
    )
    assert lite.out(f"case reopen {case}", today="2026-06-15") == (
        "CAS-000001 reopened; 1 case returned to CNR-000001/1 (10 of 10 cases left)."
    )
    assert lite.out(f"case cancel {case}") == "CAS-000001 canceled; nothing was charged."
    lite.refused(f"case reopen {case}", match="only a resolved case can be reopened")
    shown = lite.json(f"case show {case}")
    assert (shown["status"], shown["charged"]) == ("canceled", 0)
    assert lite.json("case list --status open") == []
    assert "VPN down" in lite.out(f"case show {case}")


def test_copy_edit_and_delete(lite):
    make_world(lite)
    number = active_contract(lite)
    copied = lite.out(f"copy {number}")
    assert copied == "CNR-000002"
    assert lite.out(f"edit {copied} --title 'Copy of the hotline'") == "Updated CNR-000002."
    assert lite.out(f"line edit {copied}/1 --allotment 12") == "Updated line CNR-000002/1."
    draft = lite.json(f"show {copied}")
    assert (draft["status"], draft["title"], draft["lines"][0]["total"]) == (
        "draft",
        "Copy of the hotline",
        12,
    )
    lite.refused(f"line edit {number}/1 --allotment 12", match="cannot edit a line")
    assert lite.out(f"delete {copied}") == "Deleted CNR-000002."
    lite.refused(f"show {copied}", match="there is no contract CNR-000002")
    assert lite.out(f"line cancel {number}/1") == (
        "Canceled line CNR-000001/1: it takes no more charges."
    )


def test_customers_and_templates(lite):
    make_world(lite)
    assert lite.out("customer edit globex --phone '+34 600 000 000'") == (
        "Updated customer Globex."
    )
    assert [(c["name"], c["phone"]) for c in lite.json("customer list")] == [
        ("Acme Corp", None),
        ("Globex", "+34 600 00 00 00"),
    ]
    templates = {t["abbr"]: t for t in lite.json("template list")}
    assert (templates["DEV"]["volume"], templates["DEV"]["increment"]) == (2400, 15)
    assert lite.out("template edit 'Dev Hours' --volume 20h").startswith(
        "Updated template Dev Hours (DEV): time, billed monthly, 20h per line"
    )
    assert lite.json("template show DEV")["volume"] == 1200


def test_sweep_and_verify(lite):
    make_world(lite)
    number = active_contract(lite)
    storage.clock.freeze(pendulum.Date(2027, 1, 1))  # the real day has come past the end
    assert lite.out("sweep") == ("Swept as of 2027-01-01: 0 activated, 1 expired, 1 line expired.")
    assert lite.json(f"show {number}")["status"] == "expired"
    assert lite.json("sweep") == {
        "at": "2027-01-01",
        "activated": 0,
        "expired": 0,
        "lines_expired": 0,
    }
    assert lite.json("verify") == {"ok": True, "problems": []}


def test_verify_exits_2_on_a_violation(lite):
    make_world(lite)
    number = active_contract(lite)
    from storage.models import Line

    Line.update(used=3).execute()  # a use that no ledger entry explains
    result = lite("verify", code=2)
    assert result.stdout == f"{number}/1: used is 3 but its ledger sums to 0.\n"
    assert_one_line(result.stderr, "1 invariant violation found")


def test_demo_fills_an_empty_database_only(lite, monkeypatch):
    calls = []

    def fill(contracts, seed, progress=None):
        calls.append((contracts, seed))
        for done in range(contracts + 1):
            progress(done, contracts, "contracts")
        progress(0, 1, "search index")  # the phases after the rows: each says so
        progress(0, 2, "indexes (building line_share)")
        progress(2, 2, "indexes")
        return {"customers": 2, "contracts": contracts, "rows": 99, "seconds": 1.5}

    monkeypatch.setitem(sys.modules, "storage.demo", types.SimpleNamespace(fill=fill))
    result = lite("demo --contracts 20 --seed 7")
    assert calls == [(20, 7)]
    assert result.stdout == "Demo data added in 1.5s: 2 customers, 20 contracts.\n"
    assert "20/20 contracts" in result.stderr
    for phase in ("0/1 search index", "0/2 indexes (building line_share)", "2/2 indexes"):
        assert phase in result.stderr  # the last phases, not silent
    make_world(lite)
    number = active_contract(lite)
    monkeypatch.undo()  # the real fill: it refuses a database that holds contracts
    lite.refused("demo", match="already holds 1 contract;")
    assert [row.number for row in storage.list_contracts(limit=None)] == [number]


# --- failures that are nobody's input ----------------------------------------------------


def test_an_unexpected_error_is_one_sentence_and_a_log(lite, monkeypatch, tmp_path):
    def broken():
        raise ZeroDivisionError("the templates are cursed")

    monkeypatch.setattr(storage, "list_templates", broken)
    state = tmp_path / "state"
    result = Contracts(lite.url, env={"XDG_STATE_HOME": str(state)})("template list", code=2)
    assert_one_line(result.stderr, "unexpected error (ZeroDivisionError); details in ")
    log = state / "contracts" / "log" / "errors.log"
    assert str(log) in result.stderr
    assert "Traceback" in log.read_text() and "the templates are cursed" in log.read_text()


def test_an_interrupt_exits_130_quietly(lite, monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(storage, "list_templates", interrupted)
    assert lite("template list", code=130).stderr.strip() == ""


def test_no_command_runs_the_console(lite, monkeypatch):
    seen = []
    console = types.SimpleNamespace(run=lambda url: seen.append((url, storage.today())))
    monkeypatch.setitem(sys.modules, "tui.app", console)
    lite(today="2026-07-02")
    assert seen == [(lite.url, pendulum.Date(2026, 7, 2))]


def test_no_command_without_a_console_prints_the_help(lite, monkeypatch):
    monkeypatch.setitem(sys.modules, "tui.app", None)  # as if tui/app.py did not exist
    result = lite(code=2)
    assert_one_line(result.stderr, "the console is not available yet")
    assert "Usage: contracts" in result.stdout and "check" in result.stdout


def test_version(lite):
    assert lite.out("--version").startswith("contracts ")


def test_check_does_not_import_the_console(sqlite_url):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from tui.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['--db', {sqlite_url!r}, 'check', 'Acme'])\n"
        "print(result.exit_code, sorted(m for m in sys.modules if m == 'tui.app' or "
        "m.split('.')[0] in ('textual', 'rich')))\n"
    )
    assert python(code, timeout=60).strip() == "1 []"


def test_line_adjust_on_the_command_line(lite):
    make_world(lite)
    number = active_contract(lite, allotment="5")
    lite(f"resolve {number}/1 --title One", today="2026-06-15")
    assert lite.out(
        f"line adjust {number}/1 -1 --note 'charged by mistake'", today="2026-06-15"
    ) == (f"Adjusted {number}/1 by -1: 5 of 5 cases left.")
    lite.refused(
        f"line adjust {number}/1 -1 --note again",
        match="cannot be lowered by 1",
        today="2026-06-15",
    )
    lite.refused(
        f"line adjust {number}/1 two --note x",
        match="'two' is not a whole number",
        today="2026-06-15",
    )


def test_schedule_shows_overage(run):
    make_world(run)
    number = active_contract(run, template="DEV", allotment="2h")  # 1200.00 for 120 minutes
    run(f"resolve {number}/1 --title All --spent 2h", today="2026-06-15")
    before = run.json(f"schedule {number}")
    run(f"resolve {number}/1 --title More --spent 45m --override", today="2026-06-15")
    periods = run.json(f"schedule {number}")
    assert [p["amount_cents"] for p in periods] == [p["amount_cents"] for p in before]
    assert sum(p["overage_cents"] for p in periods) == 45000  # 45 minutes at 10.00
    table = run.out(f"schedule {number}")
    assert table.splitlines()[0].split() == ["From", "To", "Amount", "Overage"]
    assert table.splitlines()[-1].split() == ["total", "1,200.00", "450.00"]


def test_audit_json_gives_the_changes_as_an_object(lite):
    make_world(lite)
    number = active_contract(lite)
    lite(f"hold {number}")
    newest = lite.json(f"audit {number}")[0]
    assert (newest["action"], newest["changes"]) == ("hold", {"status": ["active", "on_hold"]})
    assert "on_hold" in lite.out(f"audit {number}")  # the table still shows them as text


LONG_TITLE = "A very long contract title that goes on and on and on past eighty columns"


def _long_contract(run) -> str:
    make_world(run)
    return run.out(
        "new --customer 'Acme Corp' --template DEV --start 2026-01-01 --end 2026-12-31 "
        f"--title '{LONG_TITLE}'"
    )


def test_plain_output_to_a_pipe_is_not_cut(lite):
    number = _long_contract(lite)
    runner = CliRunner(env={"COLUMNS": None})  # stdout is not a terminal, no width asked
    for command in (["list"], ["show", number]):
        result = runner.invoke(cli, ["--db", lite.url, *command], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert LONG_TITLE in result.stdout and "…" not in result.stdout, result.stdout
    assert "…" in lite.out("list")  # COLUMNS=80 asks for 80 columns: cut to fit


def test_plain_output_redirected_to_a_file_is_not_cut(lite, tmp_path):
    _long_contract(lite)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    target = tmp_path / "list.txt"
    with target.open("w") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "tui.main", "--db", lite.url, "list"],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    written = target.read_text()
    assert LONG_TITLE in written and "…" not in written, written
