"""What needs attention and when a line runs out (issue 11, items 3 and 4), on SQLite and
PostgreSQL: the settings, the forecast, every section of the list, and `contracts attention`.

Today is 2026-06-15 (frozen); use in the past is made by real charges whose ledger moments
are then set to the days they stand for (`charged_on`)."""

from __future__ import annotations

import peewee as pw
import pendulum
import pytest

import storage
from tests.helpers import (
    TODAY,
    active_contract,
    ago,
    charged_on,
    contract_between,
    make_world,
    refused,
)
from tests.helpers.cli import Contracts


def section(result, key: str) -> list:
    return next(s for s in result.sections if s.section == key).entries


def line_of(number: str, position: int = 1):
    return storage.show(number).lines[position - 1]


@pytest.fixture
def world(db_url):
    make_world()
    return db_url


# ---------------------------------------------------------------------------- settings


def test_attention_settings_default_and_change(world):
    assert storage.attention_settings() == storage.settings.AttentionSettings(75, 90, 30)
    changed = storage.set_attention(thresholds="80, 95%", within="14")
    assert (changed.warn, changed.alert, changed.within) == (80, 95, 14)
    shown = storage.current_settings()
    assert shown["threshold_warn"] == "80" and shown["ending_within"] == "14"


@pytest.mark.parametrize(
    "thresholds, within, match",
    [
        ("75", None, "not two thresholds"),
        ("0,90", None, "not two thresholds"),
        ("75,101", None, "not two thresholds"),
        ("a,b", None, "not two thresholds"),
        (None, "-3", "not a number of days"),
        (None, "forever", "not a number of days"),
    ],
)
def test_bad_attention_settings_are_refused(world, thresholds, within, match):
    refused(storage.set_attention, thresholds=thresholds, within=within, match=match)
    assert storage.attention_settings().warn == 75


def test_only_a_supervisor_changes_the_thresholds(world):
    storage.add_user(storage.current_login(), "supervisor")
    storage.add_user("rita", "rep")
    with storage.acting_as("rita"):
        refused(storage.set_attention, thresholds="50,60", match="supervisor")


# ---------------------------------------------------------------------------- forecast


def test_a_line_with_no_use_has_no_run_out_day(world):
    number = active_contract()
    line = line_of(number)
    assert (line.burn_per_week, line.runs_out_on) == (0.0, None)
    burn = storage.line_burn(f"{number}/1")
    assert burn.runs_out_on is None and not burn.runs_out_before_end
    assert burn.per_week == [0] * 12


def test_steady_use_projects_the_day_it_runs_out(world):
    number = active_contract()  # 10 cases, 2026-01-01 to 2026-12-31
    charged_on(f"{number}/1", ago(27), ago(20), ago(13), ago(6))  # one a week
    line = line_of(number)
    assert line.burn_per_week == pytest.approx(0.93, abs=0.01)  # 4 cases in 30 days
    # 6 cases left at 4 per 30 days: 45 days
    assert line.runs_out_on == TODAY.add(days=45)
    burn = storage.line_burn(f"{number}/1")
    assert burn.per_week[-4:] == [1, 1, 1, 1] and sum(burn.per_week) == 4
    assert burn.runs_out_before_end
    data = Contracts(world).json(f"show {number}")
    assert data["lines"][0]["burn_per_week"] == pytest.approx(0.93, abs=0.01)
    assert data["lines"][0]["runs_out_on"] == str(TODAY.add(days=45))


def test_a_burst_counts_at_the_last_30_days_rate(world):
    number = active_contract()
    charged_on(f"{number}/1", *[ago(1)] * 3)
    burn = storage.line_burn(f"{number}/1")
    assert burn.burn_per_week_30 == pytest.approx(0.7)  # 3 cases in 30 days
    assert burn.burn_per_week_90 == pytest.approx(3 * 7 / 90, abs=0.01)
    assert burn.runs_out_on == TODAY.add(days=70)  # 7 left at 0.7 a week
    assert burn.per_week[-1] == 3


def test_an_old_burst_runs_at_the_90_days_rate(world):
    number = active_contract()
    charged_on(f"{number}/1", *[ago(60)] * 9)
    line = line_of(number)
    assert line.burn_per_week == pytest.approx(0.7)  # 9 cases in 90 days
    assert line.runs_out_on == TODAY.add(days=10)


def test_use_after_the_day_asked_is_not_counted(world):
    number = active_contract()
    charged_on(f"{number}/1", ago(2))
    storage.set_today(ago(5))
    assert line_of(number).runs_out_on is None


def test_coverage_lines_have_no_forecast(world):
    number = active_contract("Premium Cover", customer="Globex")
    storage.resolve(f"{number}/1", "Outage")
    line = line_of(number)
    assert (line.burn_per_week, line.runs_out_on) == (None, None)


# ---------------------------------------------------------------------------- attention


def test_nothing_needs_attention_on_a_quiet_desk(world):
    active_contract()
    result = storage.needs_attention()
    assert result.count == 0
    assert [s.section for s in result.sections] == list(storage.attention.SECTIONS)


def test_lines_at_or_past_a_threshold(world):
    number = active_contract(lines=4)
    for position, n in ((1, 7), (2, 8), (3, 9), (4, 10)):
        for i in range(n):
            storage.resolve(f"{number}/{position}", f"Case {i}")
    found = section(storage.needs_attention(), "threshold")
    assert [e.line for e in found] == [f"{number}/4", f"{number}/3", f"{number}/2"]
    assert "used up" in found[0].why and "override" in found[0].what_to_do
    assert "90 % used" in found[1].why and "past the 90 % threshold" in found[1].why
    assert "80 % used" in found[2].why and "past the 75 % threshold" in found[2].why
    storage.set_attention(thresholds="70,95")
    assert len(section(storage.needs_attention(), "threshold")) == 4


def test_a_line_of_a_billion_cases_is_listed_not_a_database_error(world):
    """Percentages are worked out in 64 bits: `used * 100` of a billion does not fit
    PostgreSQL's integer (the index on it, and the query, once failed every such update)."""
    big = active_contract(allotment="1000000000")
    storage.adjust(f"{big}/1", 1_000_000_000, note="big")  # used up: 100 %
    half = active_contract(customer="Globex", allotment="1000000000")
    storage.adjust(f"{half}/1", 300_000_000, note="a third")  # below the thresholds
    charged_on(f"{half}/1", ago(3))
    result = storage.needs_attention()
    assert [e.line for e in section(result, "threshold")] == [f"{big}/1"]
    assert line_of(big).used == 1_000_000_000


def test_lines_that_will_run_out_before_their_end(world):
    fast = active_contract()
    slow = active_contract(customer="Globex")
    charged_on(f"{fast}/1", *[ago(d) for d in (25, 20, 15, 10, 5)])  # 5 in 30 days
    charged_on(f"{slow}/1", ago(80))
    found = section(storage.needs_attention(), "runs_out")
    assert [e.line for e in found] == [f"{fast}/1"]
    assert found[0].date == TODAY.add(days=30)
    assert "1.2 cases/week" in found[0].why and "before its end on 2026-12-31" in found[0].why
    assert "add a line" in found[0].what_to_do


def test_the_lines_running_out_are_the_same_read_apart_alone_or_in_a_transaction(world):
    """With the other sections, the lines running out are read on a connection of their own
    while this one reads the rest (db.read_apart); alone, or inside a transaction (where
    another connection would not see what is not committed), they are read here."""
    fast = active_contract()
    faster = active_contract(customer="Globex")
    charged_on(f"{fast}/1", *[ago(d) for d in (25, 20, 15, 10, 5)])
    charged_on(f"{faster}/1", *[ago(d) for d in (6, 5, 4, 3, 2, 1)])
    together = section(storage.needs_attention(), "runs_out")
    alone = section(storage.needs_attention(sections=["runs_out"]), "runs_out")
    assert [e.line for e in together] == [f"{faster}/1", f"{fast}/1"]
    assert together == alone
    with storage.models.database.atomic():
        charged_on(f"{fast}/1", ago(1))  # not committed: only this connection sees it
        inside = section(storage.needs_attention(), "runs_out")
        sooner = {e.line: e.date for e in inside}[f"{fast}/1"]
    assert sooner < {e.line: e.date for e in together}[f"{fast}/1"]


def test_a_read_apart_that_fails_raises_where_its_rows_are_awaited(world):
    """Queries read apart one after the other: the rows of those before a failure come, the
    failure is raised where the failed query's rows and those after it are awaited."""
    from storage.db import read_apart
    from storage.models import Customer, UsageEntry

    names = Customer.select(Customer.name).order_by(Customer.name)
    broken = UsageEntry.select(UsageEntry.id).where(pw.SQL("no_such_column = 1"))
    first, failed, after = read_apart(names, broken, names)
    assert [name for (name,) in first()] == sorted(c.name for c in Customer.select())
    for rows in (failed, after):
        with pytest.raises(pw.DatabaseError, match="no_such_column"):
            list(rows())
    assert storage.needs_attention().count == 0  # this connection is unharmed


def test_rows_read_apart_streamed_are_those_read_at_once(world, monkeypatch):
    """Streamed, PostgreSQL's rows come through a cursor a batch at a time (here 2): the
    same rows, in the query's order, as read at once; a query that fails raises where its
    rows are awaited, and those after it too."""
    from storage import db
    from storage.models import Customer, UsageEntry

    monkeypatch.setattr(db, "APART_BATCH", 1)
    names = Customer.select(Customer.id, Customer.name).order_by(Customer.name.desc())
    expected = [(c.id, c.name) for c in names]
    assert len(expected) > 1
    broken = UsageEntry.select(UsageEntry.id).where(pw.SQL("no_such_column = 1"))
    first, second, failed, after = db.read_apart(names, names, broken, names, streamed=True)
    assert [tuple(row) for row in second()] == expected  # in any order of waiting
    assert [tuple(row) for row in first()] == expected
    for rows in (failed, after):
        with pytest.raises(pw.DatabaseError, match="no_such_column"):
            list(rows())
    assert storage.needs_attention().count == 0  # this connection is unharmed


def test_the_attention_list_is_read_without_parallel_workers_and_they_come_back(world):
    """On PostgreSQL the list's queries, here and read apart, are planned without parallel
    workers (they already run side by side on the cores there are); the setting is put back
    afterwards, also on the connections read apart, or at the end of the transaction it was
    made in. SQLite has no such workers."""
    from storage.db import database, is_postgres, read_apart, without_parallel_workers
    from storage.models import Setting

    if not is_postgres():
        with without_parallel_workers():
            assert storage.needs_attention().count == 0
        return
    setting = Setting.select(pw.SQL("current_setting('max_parallel_workers_per_gather')"))
    before = database.execute(setting).fetchone()
    with without_parallel_workers():
        (apart,) = read_apart(setting.limit(1))
        assert database.execute(setting).fetchone() == ("0",)
        assert list(apart()) == [("0",)]
    assert database.execute(setting).fetchone() == before != ("0",)
    (apart,) = read_apart(setting.limit(1))
    assert list(apart()) == [before]
    with database.atomic():  # inside a transaction: until it ends
        with without_parallel_workers():
            assert database.execute(setting).fetchone() == ("0",)
        assert database.execute(setting).fetchone() == ("0",)
    assert database.execute(setting).fetchone() == before


@pytest.mark.parametrize(
    ("start", "allotment", "charges", "runs_out"),
    [
        # the last 30 days' rate: 5 left at 5 in 30 days
        ("2026-01-01", None, [ago(d) for d in (25, 20, 15, 10, 5)], "2026-07-15"),
        # the last 90 days' rate (none in 30): 11 left at 9 in 90 days
        ("2026-01-01", "20", [ago(60)] * 9, "2026-10-03"),
        # a line 3 days old is measured over a week: 7 left at 3 in 7 days
        ("2026-06-13", None, [ago(1)] * 3, "2026-07-02"),
        # a line 20 days old, over its 20 days: 6 left at 4 in 20 days
        ("2026-05-27", None, [ago(3)] * 4, "2026-07-15"),
    ],
)
def test_a_line_running_out_the_day_before_its_end_is_listed_on_its_end_day_not(
    world, start, allotment, charges, runs_out
):
    """The edge of "before its end", at each window a rate is measured over: the database
    leaves out the lines that cannot run out before their end (forecast.may_run_out), and
    never one that does."""
    day = pendulum.parse(runs_out).date()
    on_end = active_contract(start=start, end=str(day), allotment=allotment)
    day_after = active_contract(
        customer="Globex", start=start, end=str(day.add(days=1)), allotment=allotment
    )
    for number in (on_end, day_after):
        charged_on(f"{number}/1", *charges)
        assert line_of(number).runs_out_on == day
    found = section(storage.needs_attention(), "runs_out")
    assert [(e.line, e.date) for e in found] == [(f"{day_after}/1", day)]
    assert f"before its end on {day.add(days=1)}" in found[0].why


def test_contracts_ending_soon_without_a_renewal(world):
    soon = active_contract(start="2026-01-01", end="2026-07-01")
    renewed = active_contract(start="2026-01-01", end="2026-07-10")
    storage.renew(renewed)
    active_contract(start="2026-01-01", end="2026-08-30")  # 76 days away
    found = section(storage.needs_attention(), "ending")
    assert [e.contract for e in found] == [soon]
    assert "ends on 2026-07-01 (in 16 days)" in found[0].why and "renew" in found[0].what_to_do
    assert len(section(storage.needs_attention(within=90), "ending")) == 2


def test_invoiced_contracts_whose_start_has_come(world):
    number = contract_between("2026-06-01", "2026-12-31", pendulum.Date(2026, 5, 1))
    found = section(storage.needs_attention(), "not_started")
    assert [e.contract for e in found] == [number]
    assert "sweep" in found[0].what_to_do
    storage.clock.freeze(None)
    storage.set_today(None)


def test_open_cases_on_exhausted_held_and_canceled_lines(world):
    used_up = active_contract()
    for i in range(10):
        storage.resolve(f"{used_up}/1", f"Case {i}")
    held = active_contract(customer="Globex")
    gone = active_contract(lines=2)
    fine = active_contract()
    cases = {}
    for name, ref in (
        ("used_up", f"{used_up}/1"),
        ("held", f"{held}/1"),
        ("gone", f"{gone}/2"),
        ("fine", f"{fine}/1"),
    ):
        customer = "Globex" if name == "held" else "Acme Corp"
        cases[name] = storage.open_case(customer, f"Open {name}", line=ref)
    storage.hold(held)
    storage.cancel_line(f"{gone}/2")
    found = section(storage.needs_attention(), "open_cases")
    assert [e.case for e in found] == [cases["used_up"], cases["held"], cases["gone"]]
    assert "used up" in found[0].why and "override" in found[0].what_to_do
    assert "on hold" in found[1].why and "release" in found[1].what_to_do
    assert "canceled" in found[2].why


def test_overage_not_yet_billed(world):
    number = active_contract()  # billed quarterly from 2026-01-01
    charged_on(f"{number}/1", *[ago(100)] * 10)
    charged_on(f"{number}/1", ago(100), override=True)  # overage in Q1: billed
    billed = section(storage.needs_attention(), "overage")
    assert billed == []
    charged_on(f"{number}/1", ago(5), override=True)  # overage in Q2, which ends 2026-06-30
    found = section(storage.needs_attention(), "overage")
    assert [e.line for e in found] == [f"{number}/1"]
    assert "2 cases over its 10 cases (about 240.00)" in found[0].why
    assert found[0].date == pendulum.Date(2026, 6, 30)


def test_a_limit_cuts_each_section_and_says_so(world):
    number = active_contract(lines=3)
    for position in (1, 2, 3):
        for i in range(9):
            storage.resolve(f"{number}/{position}", f"Case {i}")
    result = storage.needs_attention(sections=["threshold"], limit=2)
    (only,) = result.sections
    assert len(only.entries) == 2 and only.more


# ---------------------------------------------------------------------------- the command


def test_attention_command_exit_codes_and_json(world):
    run = Contracts(world)
    quiet = run("attention", today=str(TODAY))
    assert quiet.stdout.strip() == "Nothing needs attention on 2026-06-15."
    number = active_contract(start="2026-01-01", end="2026-06-20")
    out = run("attention", today=str(TODAY), code=1).stdout
    assert "Contracts ending soon with no renewal (1)" in out
    assert f"{number}  Acme Corp  ends on 2026-06-20 (in 5 days)" in out
    data = run.json("attention", today=str(TODAY), code=1)
    assert data["count"] == 1 and data["within"] == 30 and data["thresholds"] == [75, 90]
    ending = next(s for s in data["sections"] if s["section"] == "ending")
    assert ending["entries"] == [
        {
            "section": "ending",
            "contract": number,
            "customer": "Acme Corp",
            "line": None,
            "case": None,
            "why": "ends on 2026-06-20 (in 5 days) and has no renewal yet",
            "what_to_do": "renew it (or let it end)",
            "date": "2026-06-20",
        }
    ]
    assert run.json("attention --within 3", today=str(TODAY))["count"] == 0
    run.refused("attention --within soon", "not a number of days")


def test_settings_command_shows_and_changes_the_thresholds(world):
    run = Contracts(world)
    shown = run.out("settings")
    assert "threshold_warn: 75" in shown and "ending_within: 30" in shown
    said = run.out("settings --thresholds 60,80 --within 45")
    assert said == "Attention: lines at 60 % and 80 % used; contracts ending within 45 days."
    assert run.json("info")["attention"] == {"thresholds": [60, 80], "within": 45}
    run.refused("settings --thresholds 60", "not two thresholds")
