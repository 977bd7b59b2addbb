"""SPEC §3 renew and copy: dates, fresh allotments, canceled lines only on request."""

from __future__ import annotations

import pendulum
import pytest

import storage
from tests.helpers import active_contract, dump, make_world


def _setup():
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    storage.add_line(number, "Phone", allotment="10", price="1200", discount="200")
    storage.add_line(number, "Spring on-site", allotment="4", start="2026-03-01", end="2026-05-31")
    storage.add_line(number, "Dropped", allotment="2")
    storage.invoice(number)
    storage.resolve(f"{number}/1", "Call")
    storage.cancel_line(f"{number}/3")
    return number


def test_renew_starts_the_day_after_and_runs_the_same_term(db_url):
    number = _setup()
    new = storage.renew(number)
    info = storage.show(new)
    assert (info.status, str(info.start), str(info.end)) == ("draft", "2027-01-01", "2027-12-31")
    assert info.origin == number and info.origin_kind == "renewal"
    assert [(x.title, x.total, x.used, x.status) for x in info.lines] == [
        ("Phone", 10, 0, "existing"),
        ("Spring on-site", 4, 0, "existing"),
    ]
    assert [(str(x.start), str(x.end)) for x in info.lines] == [
        ("2027-01-01", "2027-12-31"),
        ("2027-03-01", "2027-05-31"),
    ]
    assert info.lines[0].net_price_cents == 100000
    old = storage.show(number)
    assert [x.status for x in old.lines] == ["renewed", "renewed", "canceled"]
    assert old.renewed_by == new
    # the old contract's lines stay chargeable until its end
    storage.resolve(f"{number}/1", "Still covered")
    assert storage.verify() == []


def test_renew_includes_canceled_lines_only_on_request(db_url):
    number = _setup()
    new = storage.renew(number, start="2027-02-01", include_canceled=True)
    info = storage.show(new)
    assert (str(info.start), str(info.end)) == ("2027-02-01", "2028-01-31")
    assert [x.title for x in info.lines] == ["Phone", "Spring on-site", "Dropped"]
    assert all(x.used == 0 and x.status == "existing" for x in info.lines)


def test_renew_a_term_of_days_keeps_its_length(db_url):
    make_world()
    number = active_contract(start="2026-06-01", end="2026-06-20")
    info = storage.show(storage.renew(number))
    assert (str(info.start), str(info.end)) == ("2026-06-21", "2026-07-10")


def test_renew_twice_and_renew_a_draft_are_refused(db_url):
    number = _setup()
    new = storage.renew(number)
    before = dump()
    with pytest.raises(storage.Refused, match=f"already renewed as {new}"):
        storage.renew(number)
    with pytest.raises(storage.Refused, match="it is a draft"):
        storage.renew(new)
    assert dump() == before


def test_copy_keeps_dates_with_fresh_allotments(db_url):
    number = _setup()
    new = storage.copy(number)
    info = storage.show(new)
    assert (info.status, str(info.start), str(info.end)) == ("draft", "2026-01-01", "2026-12-31")
    assert info.origin_kind == "copy"
    assert [(x.title, x.used, x.total) for x in info.lines] == [
        ("Phone", 0, 10),
        ("Spring on-site", 0, 4),
    ]
    assert [x.status for x in storage.show(number).lines] == [
        "existing",
        "expired",
        "canceled",
    ]  # Spring ended 05-31
    # a copy of a copy is fine, and copying does not block a renewal
    storage.copy(new)
    storage.renew(number)


def test_billing_schedule_follows_the_frequency_and_cancel_date(db_url):
    number = _setup()  # quarterly, 1000 + 0 + 0 net
    periods = storage.billing_schedule(number)
    assert [(str(p.start), str(p.end), p.amount_cents) for p in periods] == [
        ("2026-01-01", "2026-03-31", 25000),
        ("2026-04-01", "2026-06-30", 25000),
        ("2026-07-01", "2026-09-30", 25000),
        ("2026-10-01", "2026-12-31", 25000),
    ]
    storage.cancel(number, "2026-05-15", "merger")
    periods = storage.billing_schedule(number)
    assert [str(p.end) for p in periods] == ["2026-03-31", "2026-05-15"]
    assert periods[-1].amount_cents < 25000


@pytest.mark.parametrize(
    "start,end,renewed",
    [
        # whole months from any day of the month stay whole months
        ("2026-03-15", "2027-03-14", ("2027-03-15", "2028-03-14")),
        ("2026-06-15", "2026-07-14", ("2026-07-15", "2026-08-14")),
        ("2026-01-01", "2026-03-31", ("2026-04-01", "2026-06-30")),
        ("2026-02-01", "2026-02-28", ("2026-03-01", "2026-03-31")),
        # a month from the 31st: to the day before pendulum's month later (Feb 28), or to
        # the end of the shorter month
        ("2026-01-31", "2026-02-27", ("2026-02-28", "2026-03-27")),
        ("2026-01-31", "2026-02-28", ("2026-03-01", "2026-03-31")),
        # Feb 29: a year from it, and a year ending on it
        ("2028-02-29", "2029-02-28", ("2029-03-01", "2030-02-28")),
        ("2027-03-01", "2028-02-29", ("2028-03-01", "2029-02-28")),
        # not whole months: the same number of days
        ("2026-06-10", "2026-07-20", ("2026-07-21", "2026-08-30")),
    ],
)
def test_renew_keeps_the_term_to_the_day(db_url, start, end, renewed):
    make_world()
    storage.set_today(storage.parse_date(start))
    number = active_contract(start=start, end=end)
    info = storage.show(storage.renew(number))
    assert (str(info.start), str(info.end)) == renewed
    assert (str(info.lines[0].start), str(info.lines[0].end)) == renewed


def test_renew_with_a_start_keeps_whole_months(db_url):
    make_world()
    number = active_contract(start="2026-03-15", end="2027-03-14")
    info = storage.show(storage.renew(number, start="2027-05-10"))
    assert (str(info.start), str(info.end)) == ("2027-05-10", "2028-05-09")
    storage.set_today(storage.parse_date("2026-01-31"))
    number = active_contract(start="2026-01-31", end="2026-02-28")
    info = storage.show(storage.renew(number, start="2026-03-31"))
    assert (str(info.start), str(info.end)) == ("2026-03-31", "2026-04-30")


def test_renew_never_makes_a_canceled_line_chargeable(db_url):
    number = _setup()
    new = storage.renew(number, include_canceled=True)
    old = storage.show(number)
    assert [x.status for x in old.lines] == ["renewed", "renewed", "canceled"]
    assert old.lines[2].usable is False
    before = dump()
    with pytest.raises(storage.Refused, match=f"line {number}/3 is canceled"):
        storage.resolve(f"{number}/3", "Sneaky")
    assert dump() == before
    # the new contract's copy is a fresh line
    assert [x.status for x in storage.show(new).lines] == ["existing"] * 3


def test_a_renewal_past_the_calendar_is_refused(db_url):
    make_world()
    storage.set_today(storage.parse_date("1900-01-01"))
    number = active_contract(start="1900-01-01", end="9000-12-31")
    before = dump()
    with pytest.raises(storage.Refused, match="contract dates must lie between 1900-01-01"):
        storage.renew(number, start="9000-12-31")
    assert dump() == before


def test_overage_is_billed_at_the_line_rate_in_its_period(db_url, monkeypatch):
    """100.00 for 40h: 4.1666… cents a minute. Two overrides of 45m in June bill 90 minutes,
    375.00 cents rounded once (not 2 × 187.5 rounded, not 4 cents × 90)."""
    import time

    from storage import clock

    make_world()
    number = active_contract(template="Dev Hours", allotment="40h")  # 1200, no discount
    line = storage.add_line(number, "Hours", allotment="40h", price="100")
    june = pendulum.datetime(2026, 6, 15, 12).timestamp()
    monkeypatch.setattr(clock, "_offset_s", june - time.time())
    storage.resolve(line, "All of it", spent="40h")
    before = [p.amount_cents for p in storage.billing_schedule(number)]
    storage.resolve(line, "Past it", spent="45m", override=True)
    storage.resolve(line, "Further", spent="45m", override=True)
    periods = storage.billing_schedule(number)
    assert [p.amount_cents for p in periods] == before
    assert [(str(p.start), p.overage_cents) for p in periods if p.overage_cents] == [
        ("2026-06-01", 375)
    ]
    assert sum(p.overage_cents for p in periods) == 375


def _expired_hotline(title="Hotline 2025") -> str:
    """A contract of 2025 (expired on 2026-06-15, today) titled with its year."""
    make_world()
    storage.clock.freeze(pendulum.Date(2025, 1, 1))
    number = storage.new_contract("Acme Corp", "Phone Support", "2025-01-01", "2025-12-31")
    storage.edit_contract(number, title=title)
    storage.add_line(number, "Phone", allotment="10")
    storage.invoice(number)
    storage.clock.freeze(pendulum.Date(2026, 6, 15))
    return number


def test_a_renewal_moves_the_year_in_its_title_with_the_term(db_url):
    number = _expired_hotline()
    assert storage.show(number).status == "expired"
    info = storage.show(storage.renew(number))
    # the spec's default start (the day after the old end), even when it is past
    assert (info.title, str(info.start), str(info.end)) == (
        "Hotline 2026",
        "2026-01-01",
        "2026-12-31",
    )
    assert storage.renewal_start(storage.show(number).end) == pendulum.Date(2026, 1, 1)
    # a year the term does not cover stays as it is; a term moved by two years moves it twice
    day = pendulum.Date
    assert (
        storage.renewal_title(
            "Since 1999: Hotline 2025", day(2025, 1, 1), day(2025, 12, 31), day(2026, 1, 1)
        )
        == "Since 1999: Hotline 2026"
    )
    assert (
        storage.renewal_title(
            "Hotline 2025/2026", day(2025, 7, 1), day(2026, 6, 30), day(2027, 7, 1)
        )
        == "Hotline 2027/2028"
    )
    assert (
        storage.renewal_title("Hotline", day(2025, 1, 1), day(2025, 12, 31), day(2026, 1, 1))
        == "Hotline"
    )
    assert (
        storage.renewal_title("Hotline 2025", day(2025, 1, 1), day(2025, 1, 31), day(2025, 2, 1))
        == "Hotline 2025"
    )


def test_an_expired_contract_renewed_from_today(db_url):
    number = _expired_hotline()
    info = storage.show(storage.renew(number, start="today"))
    assert (info.title, str(info.start), str(info.end)) == (
        "Hotline 2026",
        "2026-06-15",
        "2027-06-14",
    )


def test_the_command_line_renews_with_the_title_moved_and_says_when_the_start_is_past(db_url, run):
    number = _expired_hotline()
    result = run(f"renew {number}", today="2026-06-15")
    new = result.stdout.strip()
    assert "starts on 2026-01-01, in the past" in result.stderr and "--start today" in result.stderr
    shown = run.json(f"show {new}", today="2026-06-15")
    assert (shown["title"], shown["start"]) == ("Hotline 2026", "2026-01-01")
