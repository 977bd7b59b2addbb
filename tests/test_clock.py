"""SPEC §3: "today" is the business day in the database's zone, `--today` leaves no trace,
and a line is chargeable on its first day whether or not anything swept.

Dates are built around the real business day (storage.clock.real_today()); the command
line runs as real processes, with the caller's TZ where that is the point.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import storage
from storage.clock import real_today
from tests.helpers import contract_between, dump, make_world, tables_changed
from tests.helpers.process import contracts

FAR_EAST = {"TZ": "Pacific/Kiritimati"}  # UTC+14
FAR_WEST = {"TZ": "Etc/GMT+12"}  # UTC-12: always another date than Kiritimati


def _statuses(url: str, **kwargs) -> dict[str, str]:
    ran = contracts(url, "list --json", **kwargs)
    assert ran.code == 0, ran.stderr
    return {c["number"]: c["status"] for c in json.loads(ran.stdout)}


def _three_contracts_swept() -> tuple[dict[str, str], dict[str, str]]:
    """Running, coming and ended contracts of Acme, swept at the real day: (names → numbers,
    numbers → the status their dates give for the real day)."""
    make_world()
    storage.clock.freeze(None)  # the real clock again
    day = real_today()
    numbers = {
        "running": contract_between(day.subtract(days=30), day.add(days=300), day),
        "coming": contract_between(day.add(days=10), day.add(days=375), day),
        "ended": contract_between(
            day.subtract(days=400), day.subtract(days=1), day.subtract(days=400)
        ),
    }
    storage.sweep()  # the stored statuses are right for the real day before we start
    real = {
        numbers["running"]: "active",
        numbers["coming"]: "invoiced",
        numbers["ended"]: "expired",
    }
    return numbers, real


def test_commands_as_of_another_day_write_nothing(db_url):
    _three_contracts_swept()
    before = dump()
    ran = contracts(db_url, "--today 2099-01-01 check 'Acme Corp'")
    assert ran.code == 1, ran.stderr  # nothing covers Acme in 2099
    assert "NOT covered" in ran.stdout
    assert tables_changed(before) == [], "`--today 2099-01-01 check` wrote to the database"
    in_2099 = contracts(db_url, "--today 2099-01-01 list --json")
    assert in_2099.code == 0, in_2099.stderr
    assert {c["status"] for c in json.loads(in_2099.stdout)} == {"expired"}
    assert tables_changed(before) == [], "`--today 2099-01-01 list` wrote to the database"


def test_the_real_day_after_acting_as_another_day_shows_the_real_days_statuses(db_url):
    numbers, real = _three_contracts_swept()
    assert _statuses(db_url) == real
    assert contracts(db_url, "--today 2099-01-01 check 'Acme Corp'").code == 1
    assert contracts(db_url, "--today 2099-01-01 list").code == 0

    ran = contracts(db_url, "check 'Acme Corp'")
    assert ran.code == 0, ran.stdout + ran.stderr
    assert ran.stdout.startswith("Acme Corp is covered")
    assert f"{numbers['running']}/1" in ran.stdout
    assert _statuses(db_url) == real


def _business_day(zone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(zone)).date()


def test_init_zone_sets_the_business_zone_and_today(tmp_path):
    url = f"sqlite:///{tmp_path / 'madrid.db'}"
    ran = contracts(url, "init --zone Europe/Madrid")
    assert ran.code == 0, ran.stderr
    info = json.loads(contracts(url, "info --json", env=FAR_EAST).stdout)
    assert info["zone"] == "Europe/Madrid"
    assert info["today"] == _business_day("Europe/Madrid").isoformat()


def test_the_callers_tz_does_not_change_today(db_url):
    ran = contracts(db_url, "settings --zone Europe/Madrid")
    assert ran.code == 0, ran.stderr
    storage.open_database(db_url)  # reads the zone again
    storage.set_today(None)
    day = real_today()
    assert day == _business_day("Europe/Madrid")
    make_world()
    storage.clock.freeze(None)  # the real clock again
    ends_today = contract_between(day.subtract(days=30), day, day)
    assert storage.show(ends_today).status == "active"

    for tz in (FAR_EAST, FAR_WEST):
        info = contracts(db_url, "info --json", env=tz)
        assert info.code == 0, info.stderr
        shown = json.loads(info.stdout)
        assert (shown["zone"], shown["today"]) == ("Europe/Madrid", day.isoformat()), tz
        checked = contracts(db_url, "check 'Acme Corp' --json", env=tz)
        assert checked.code == 0, (tz, checked.stdout, checked.stderr)
        result = json.loads(checked.stdout)
        assert result["entitled"] is True, tz
        assert result["at"] == day.isoformat(), tz
        assert [c["number"] for c in result["contracts"]] == [ends_today], tz


def test_a_line_is_chargeable_on_its_first_day_without_a_sweep(db_url):
    make_world()
    storage.clock.freeze(None)  # the real clock again
    day = real_today()
    # Invoiced yesterday, starting today; nothing has swept since.
    number = contract_between(day, day.add(days=364), day.subtract(days=1))
    ran = contracts(db_url, f"resolve {number}/1 --title 'First day call'")
    assert ran.code == 0, ran.stderr
    assert ran.stdout.strip().startswith("CAS-")
    line = storage.show(number).lines[0]
    assert (line.used, line.remaining) == (1, 9)
    assert storage.verify() == []
