"""Service hours and days off (issue 11, item 1): `check` answers "covered *now*", on both
databases. Moments are given with their offset, so each test says exactly which instant it
asks about; 2026-12-07 is a Monday."""

from __future__ import annotations

import pendulum
import pytest

import storage
from tests.helpers.world import dump, make_world, upgraded_from


def contract_with_hours(hours: str, abbr: str = "OFFICE") -> str:
    """Acme Corp's active 2026 contract (one line of 10 cases) on a template with `hours`;
    the business zone is UTC."""
    make_world()
    storage.set_zone("UTC")
    storage.add_template(
        "Office " + abbr, abbr=abbr, allotment="cases", billing="monthly", volume="10", hours=hours
    )
    number = storage.new_contract("Acme Corp", abbr, "2026-01-01", "2026-12-31")
    storage.add_line(number, "Support", price="1200")
    storage.invoice(number)
    return number


def answer(at: str):
    """(in hours, next opening as ISO text or None) of Acme Corp at `at`."""
    result = storage.check("Acme Corp", at=at)
    assert result.entitled, result.reason
    opens = result.opens_at.isoformat() if result.opens_at else None
    line = result.contracts[0].lines[0]
    assert (line.in_hours, line.opens_at) == (result.in_hours, result.opens_at)
    return result.in_hours, opens


def test_one_range_opens_at_its_first_minute_and_closes_at_its_last(db_url):
    contract_with_hours("Mon-Fri 08:00-18:00 Europe/Madrid")
    assert answer("2026-12-07T07:59:59+01:00") == (False, "2026-12-07T08:00:00+01:00")
    assert answer("2026-12-07T08:00:00+01:00") == (True, None)
    assert answer("2026-12-07T17:59:59+01:00") == (True, None)
    assert answer("2026-12-07T18:00:00+01:00") == (False, "2026-12-08T08:00:00+01:00")
    assert answer("2026-12-11T18:00:00+01:00") == (False, "2026-12-14T08:00:00+01:00")
    assert answer("2026-12-12T12:00:00+01:00") == (False, "2026-12-14T08:00:00+01:00")
    result = storage.check("Acme Corp", at="2026-12-07T07:00:00+01:00")
    assert result.hours_note == (
        "outside service hours Mon-Fri 08:00-18:00 Europe/Madrid; "
        "opens Mon 08:00 Europe/Madrid (Mon 07:00 UTC, in 1 h)"
    )


def test_several_ranges(db_url):
    contract_with_hours("Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/Madrid")
    assert answer("2026-12-12T08:59:00+01:00") == (False, "2026-12-12T09:00:00+01:00")
    assert answer("2026-12-12T10:00:00+01:00") == (True, None)
    assert answer("2026-12-12T13:00:00+01:00") == (False, "2026-12-14T08:00:00+01:00")
    assert answer("2026-12-10T12:00:00+01:00") == (True, None)


def test_a_range_past_midnight_and_a_closing_at_24(db_url):
    contract_with_hours("Fri 22:00-06:00, Sat-Sun 10:00-24:00 UTC")
    assert answer("2026-12-11T21:59:00Z") == (False, "2026-12-11T22:00:00+00:00")
    assert answer("2026-12-12T05:59:00Z") == (True, None)  # Saturday morning, Friday's range
    assert answer("2026-12-12T06:00:00Z") == (False, "2026-12-12T10:00:00+00:00")
    assert answer("2026-12-13T23:59:59Z") == (True, None)
    assert answer("2026-12-14T00:00:00Z") == (False, "2026-12-18T22:00:00+00:00")


def test_days_off_close_the_day_and_contracts_follow_their_template(db_url):
    contract_with_hours("Mon-Fri 08:00-18:00 Europe/Madrid")
    assert answer("2026-12-25T10:00:00+01:00") == (True, None)
    days = storage.add_days_off("OFFICE", ["2026-12-25", "2026-12-24"])
    assert days == [pendulum.Date(2026, 12, 24), pendulum.Date(2026, 12, 25)]
    assert answer("2026-12-23T17:59:00+01:00") == (True, None)
    assert answer("2026-12-24T10:00:00+01:00") == (False, "2026-12-28T08:00:00+01:00")
    result = storage.check("Acme Corp", at="2026-12-25T10:00:00+01:00")
    assert "(2026-12-25 is a day off); opens Mon 08:00 Europe/Madrid" in result.hours_note
    assert storage.remove_days_off("OFFICE", "2026-12-24") == [pendulum.Date(2026, 12, 25)]
    assert answer("2026-12-24T10:00:00+01:00") == (True, None)
    assert storage.list_days_off("Office OFFICE") == [pendulum.Date(2026, 12, 25)]


def test_a_day_off_closes_24x7_for_the_whole_day_in_its_zone(db_url):
    contract_with_hours("24x7 Asia/Tokyo")
    storage.add_days_off("OFFICE", ["2026-12-25"])
    assert answer("2026-12-24T14:59:59Z") == (True, None)  # 23:59:59 in Tokyo
    assert answer("2026-12-24T15:00:00Z") == (False, "2026-12-26T00:00:00+09:00")
    assert answer("2026-12-25T15:00:00Z") == (True, None)


def test_days_off_refused_say_why_and_change_nothing(db_url):
    contract_with_hours("Mon-Fri 08:00-18:00 Europe/Madrid")
    storage.add_days_off("OFFICE", ["2026-12-25"])
    before = dump()
    with pytest.raises(storage.Refused, match="2026-12-25 is already days off of Office"):
        storage.add_days_off("OFFICE", ["2026-12-25"])
    with pytest.raises(storage.Refused, match="2026-12-31 is not a day off of Office OFFICE"):
        storage.remove_days_off("OFFICE", ["2026-12-25", "2026-12-31"])
    with pytest.raises(storage.InvalidInput, match="day off"):
        storage.add_days_off("OFFICE", ["Christmas"])
    assert dump() == before


def test_zones_east_and_west_of_utc(db_url):
    contract_with_hours("Mon-Fri 09:00-17:00 Asia/Tokyo", abbr="TOKYO")
    assert answer("2026-12-06T23:59:00Z") == (False, "2026-12-07T09:00:00+09:00")
    assert answer("2026-12-07T00:00:00Z") == (True, None)  # Monday 09:00 in Tokyo
    assert answer("2026-12-07T07:59:00Z") == (True, None)
    assert answer("2026-12-07T08:00:00Z") == (False, "2026-12-08T09:00:00+09:00")
    storage.edit_template("TOKYO", hours="Mon-Fri 09:00-17:00 America/Los_Angeles")
    assert answer("2026-12-07T00:00:00Z") == (True, None)  # Acme keeps the hours it had
    storage.add_customer("West Coast")
    number = storage.new_contract("West Coast", "TOKYO", "2026-01-01", "2026-12-31")
    storage.add_line(number, "Support", price="1200")
    storage.invoice(number)
    west = storage.check("West Coast", at="2026-12-08T00:59:00Z")  # Monday 16:59 PST
    assert (west.in_hours, west.opens_at) == (True, None)
    west = storage.check("West Coast", at="2026-12-08T01:00:00Z")
    assert west.opens_at.isoformat() == "2026-12-08T09:00:00-08:00"
    assert west.hours_note.endswith("opens Tue 09:00 America/Los_Angeles (Tue 17:00 UTC, in 16 h)")


def test_madrid_summer_time_begins_on_2026_03_29(db_url):
    contract_with_hours("Mon-Fri 08:00-18:00, Sun 01:00-04:00 Europe/Madrid")
    # Sunday 01:00 CET to 04:00 CEST is two hours: 00:00 to 02:00 UTC.
    assert answer("2026-03-28T23:59:00Z") == (False, "2026-03-29T01:00:00+01:00")
    assert answer("2026-03-29T01:59:59Z") == (True, None)
    assert answer("2026-03-29T02:00:00Z") == (False, "2026-03-30T08:00:00+02:00")
    assert answer("2026-03-30T05:59:00Z") == (False, "2026-03-30T08:00:00+02:00")
    assert answer("2026-03-30T06:00:00Z") == (True, None)  # 08:00 summer time


def test_a_time_the_clocks_skip_opens_at_the_same_distance_after_midnight(db_url):
    contract_with_hours("Sun 02:30-05:00 Europe/Madrid")
    assert answer("2026-03-29T00:00:00Z") == (False, "2026-03-29T03:30:00+02:00")
    assert answer("2026-03-29T01:30:00Z") == (True, None)


def test_madrid_summer_time_ends_on_2026_10_25(db_url):
    contract_with_hours("Sun 00:00-24:00, Mon-Fri 08:00-18:00 Europe/Madrid")
    # Sunday has 25 hours: 22:00 UTC on Saturday to 23:00 UTC on Sunday.
    assert answer("2026-10-24T21:59:00Z") == (False, "2026-10-25T00:00:00+02:00")
    assert answer("2026-10-25T22:59:59Z") == (True, None)
    assert answer("2026-10-25T23:00:00Z") == (False, "2026-10-26T08:00:00+01:00")
    assert answer("2026-10-26T07:00:00Z") == (True, None)  # 08:00 winter time


def test_new_york_changes_of_summer_time(db_url):
    contract_with_hours("Mon-Fri 09:00-17:00 America/New_York")
    # Summer time begins on Sunday 2026-03-08: Friday 17:00 EST to Monday 09:00 EDT.
    assert answer("2026-03-06T22:00:00Z") == (False, "2026-03-09T09:00:00-04:00")
    assert answer("2026-03-09T12:59:00Z") == (False, "2026-03-09T09:00:00-04:00")
    assert answer("2026-03-09T13:00:00Z") == (True, None)
    # It ends on Sunday 2026-11-01: Monday 09:00 EST is 14:00 UTC.
    assert answer("2026-11-02T13:59:00Z") == (False, "2026-11-02T09:00:00-05:00")
    assert answer("2026-11-02T14:00:00Z") == (True, None)


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def madrid(run):
    """Acme Corp with an active 2026 contract on office hours; the business zone is Madrid."""
    from tests.helpers.cli import active_contract
    from tests.helpers.cli import make_world as cli_world

    cli_world(run)
    run("settings --zone Europe/Madrid")
    run(
        "template add Office --abbr OFFICE --allotment cases --billing monthly --volume 10 "
        "--hours 'mon-fri 08:00-18:00, sat 09:00-13:00 Europe/Madrid'"
    )
    active_contract(run, template="OFFICE")
    return run


def test_at_reads_iso_8601_with_or_without_an_offset(madrid):
    run = madrid
    assert run("check acme --at 2026-12-07T08:00", code=0).stdout.startswith("Acme Corp is covered")
    run("check acme --at '2026-12-07 08:00'", code=0)  # the business zone: Madrid
    run("check acme --at 2026-12-07T07:00Z", code=0)
    run("check acme --at 2026-12-07T08:00:00+00:00", code=0)  # 09:00 in Madrid
    run("check acme --at 2026-12-07T08:00+02:00", code=4)  # 07:00 in Madrid
    run("check acme --at 2026-12-07T07:59:59", code=4)
    for bad in ("tomorrow", "2026-13-01T10:00", "2026-12-07T25:00", "10:00", "''"):
        run.refused(f"check acme --at {bad}", match="is not a moment; write it like")


def test_exit_4_says_when_service_opens_in_both_zones(madrid):
    out = madrid("check acme --at 2026-12-05T22:00", code=4).stdout.splitlines()
    assert out[0] == (
        "Acme Corp is entitled but outside service hours Mon-Fri 08:00-18:00, "
        "Sat 09:00-13:00 Europe/Madrid; opens Mon 08:00 (in 34 h)"
    )
    assert out[1].split() == [
        "CNR-000001/1",
        "Support",
        "10",
        "of",
        "10",
        "cases",
        "left",
        "26",
        "days",
        "left",
        "opens",
        "Mon",
        "08:00",
    ]
    madrid("settings --zone America/New_York")
    out = madrid("check acme --at 2026-12-05T16:00", code=4).stdout.splitlines()
    assert out[0].endswith("opens Mon 08:00 Europe/Madrid (Mon 02:00 America/New_York, in 34 h)")


def test_check_json_has_in_hours_and_opens_at_per_line_and_overall(madrid):
    closed = madrid.json("check acme --at 2026-12-05T22:00", code=4)
    assert (closed["entitled"], closed["in_hours"]) == (True, False)
    assert closed["at"] == "2026-12-05"
    assert closed["moment"] == "2026-12-05T22:00:00+01:00"
    assert closed["opens_at"] == "2026-12-07T08:00:00+01:00"
    assert closed["hours_note"].startswith("outside service hours Mon-Fri 08:00-18:00")
    line = closed["contracts"][0]["lines"][0]
    assert (line["usable"], line["in_hours"], line["opens_at"]) == (
        True,
        False,
        "2026-12-07T08:00:00+01:00",
    )
    open_ = madrid.json("check acme --at 2026-12-05T10:00", code=0)
    assert (open_["in_hours"], open_["opens_at"], open_["hours_note"]) == (True, None, None)
    assert open_["contracts"][0]["lines"][0]["in_hours"] is True
    madrid("hold CNR-000001")
    held = madrid.json("check acme --at 2026-12-05T22:00", code=1)
    assert (held["entitled"], held["in_hours"], held["opens_at"]) == (False, None, None)


def test_today_alone_asks_about_a_whole_day(madrid):
    result = madrid.json("check acme", today="2026-12-05", code=0)
    assert (result["moment"], result["in_hours"]) == (None, None)


def test_now_comes_from_the_clock_not_the_callers_zone(madrid):
    storage.clock.freeze_moment(pendulum.datetime(2026, 12, 5, 21, tz="UTC"))  # Sat 22:00
    try:
        madrid("check acme", code=4)
        madrid.runner.env["TZ"] = "Pacific/Kiritimati"
        madrid("check acme", code=4)
        storage.clock.freeze_moment(pendulum.datetime(2026, 12, 7, 7, tz="UTC"))
        madrid("check acme", code=0)
    finally:
        storage.clock.freeze_moment(None)


def test_recording_outside_hours_is_allowed_and_said(madrid):
    storage.clock.freeze_moment(pendulum.datetime(2026, 12, 5, 21, tz="UTC"))  # Sat 22:00
    try:
        result = madrid("resolve CNR-000001/1 --title 'Late call'")
        assert result.stdout.strip() == "CAS-000001"
        assert result.stderr.strip() == (
            "CAS-000001 resolved: charged 1 case to CNR-000001/1; 9 of 10 cases left. "
            "Recorded outside service hours Mon-Fri 08:00-18:00, Sat 09:00-13:00 "
            "Europe/Madrid; opens Mon 08:00 (in 34 h)."
        )
        storage.clock.freeze_moment(pendulum.datetime(2026, 12, 7, 9, tz="UTC"))
        result = madrid("resolve CNR-000001/1 --title 'Day call'")
        assert "outside" not in result.stderr
        assert storage.outside_hours_notice("CNR-000001/1") is None
    finally:
        storage.clock.freeze_moment(None)


def test_template_holidays_commands(madrid):
    run = madrid
    assert run.out("template holidays add OFFICE 2026-12-25 2026-12-08") == (
        "Days off of Office: 2026-12-08, 2026-12-25."
    )
    assert run.out("template show OFFICE").splitlines()[1] == "Days off: 2026-12-08, 2026-12-25."
    assert "(2026-12-08 is a day off)" in run.out("check acme --at 2026-12-08T10:00", code=4)
    assert run.json("template holidays list Office") == ["2026-12-08", "2026-12-25"]
    run.refused("template holidays add OFFICE 2026-12-25", match="already days off of Office")
    run.refused("template holidays remove OFFICE 2026-12-09", match="2026-12-09 is not a day off")
    run.refused("template holidays add OFFICE 25/12/2026", match="day off")
    assert (
        run.out("template holidays remove OFFICE 2026-12-08") == "Days off of Office: 2026-12-25."
    )
    run("check acme --at 2026-12-08T10:00", code=0)


def test_template_hours_are_read_by_the_same_rules(madrid):
    run = madrid
    info = run.json("template show OFFICE")
    assert info["hours"] == "Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/Madrid"
    run.refused(
        "template add X --abbr X --allotment cases --billing monthly --hours 'Mon 18:00-18:00'",
        match="opens and closes at the same time",
    )
    run.refused(
        "template add X --abbr X --allotment cases --billing monthly --hours 'Mon-Fry 08:00-18:00'",
        match="'Fry' is not a day",
    )


def test_a_database_of_schema_2_gets_days_off_on_upgrade(sqlite_url):
    from storage.models import database

    contract_with_hours("Mon-Fri 08:00-18:00 Europe/Madrid")
    database.execute_sql('DROP TABLE "day_off"')
    upgraded_from(sqlite_url, 2)
    storage.add_days_off("OFFICE", ["2026-12-07"])
    assert answer("2026-12-07T10:00:00+01:00") == (False, "2026-12-08T08:00:00+01:00")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("Mon-Fri", "not understood"),
        ("Mon 8:00-18:00", "'8:00' is not a time"),
        ("Mon 08:00-24:30", "'24:30' is not a time"),
        ("Mon 24:00-06:00", "'24:00' is not a time"),
        ("Mon 08:00-18:00,", "not understood"),
        ("Mon 08:00-18:00 Mars/Olympus", "'Mars/Olympus' is not a time zone"),
        ("Mon 08:00-09:00, " * 20 + "Tue 08:00-09:00", "at most 200 characters"),
    ],
)
def test_hours_that_cannot_be_read_are_one_sentence(typed, problem):
    with pytest.raises(storage.InvalidInput, match=problem) as info:
        storage.check_hours(typed)
    assert "\n" not in str(info.value)


def test_hours_are_written_back_in_one_spelling():
    assert storage.check_hours("  mon-FRI 08:00-18:00 ,sat 09:00-13:00  Europe/Madrid") == (
        "Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/Madrid"
    )
    assert storage.check_hours("") == "24x7"
    assert storage.check_hours("24X7 Asia/Tokyo") == "24x7 Asia/Tokyo"
