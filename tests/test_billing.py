"""Issue 12, billing: what is due in a period (the report) and the contract's billing tab
(the schedule), on both databases. Today is 2026-06-15; contracts are invoiced on the day
`on` says, since the invoice day decides when periods ended before it fall due."""

from __future__ import annotations

import time

import pendulum
import pytest

import storage
from storage import clock
from tests.helpers import make_world
from tests.helpers.world import TODAY

EARLY = pendulum.Date(2025, 12, 15)  # before the contracts start
FREQUENCIES = ("monthly", "bimonthly", "quarterly", "semiannually", "annually")


@pytest.fixture
def on(monkeypatch):
    """Move the clock (the business day and the moment stored in the ledger and the audit
    trail) to noon of a day."""

    def move(day: pendulum.Date) -> None:
        clock.freeze(day)
        noon = pendulum.datetime(day.year, day.month, day.day, 12).timestamp()
        monkeypatch.setattr(clock, "_offset_s", noon - time.time())

    return move


def _world(on) -> None:
    make_world()
    on(TODAY)
    storage.add_customer("Initech")
    for freq in FREQUENCIES:
        storage.add_template(freq.title(), abbr=freq[:8].upper(), allotment="cases", billing=freq)


def _contract(template, start="2026-01-01", end="2026-12-31", price="1200", **kw) -> str:
    number = storage.new_contract(kw.pop("customer", "Acme Corp"), template, start, end, **kw)
    storage.add_line(number, "Support", allotment="10", price=price)
    return number


def _invoiced(on, template, day=EARLY, **kw) -> str:
    """A contract invoiced on `day` (before it starts, by default); the clock back to today."""
    on(day)
    number = _contract(template, **kw)
    storage.invoice(number)
    on(TODAY)
    return number


def _report(period=None, start=None, end=None) -> dict[str, tuple]:
    window = storage.billing_window(period, start, end)
    return {
        b.number: (b.periods_due, b.due_cents, b.overage_cents)
        for b in storage.billing_report(*window)
    }


def test_each_frequency_bills_its_periods_that_end_in_the_period(db_url, on):
    _world(on)
    numbers = {freq: _invoiced(on, freq.title()) for freq in FREQUENCIES}
    q2 = _report("2026-Q2")
    assert {freq: q2.get(n) for freq, n in numbers.items()} == {
        "monthly": (3, 30000, 0),  # April, May, June: 100.00 each
        "bimonthly": (2, 40000, 0),  # Mar–Apr and May–Jun
        "quarterly": (1, 30000, 0),  # Apr–Jun
        "semiannually": (1, 60000, 0),  # Jan–Jun
        "annually": None,  # the year ends in December
    }
    assert _report("2026-12")[numbers["annually"]] == (1, 120000, 0)
    assert _report(start="2026-01-01", end="2026-12-31") == {
        n: (count, 120000, 0) for n, count in zip(numbers.values(), (12, 6, 4, 2, 1), strict=True)
    }


def test_a_short_last_period_bills_its_share_of_days(db_url, on):
    _world(on)
    number = _invoiced(on, "Quarterly", end="2026-11-15")  # Oct 1 – Nov 15: half a quarter
    periods = storage.billing_schedule(number)
    assert [(str(p.start), str(p.end), p.amount_cents) for p in periods] == [
        ("2026-01-01", "2026-03-31", 34286),
        ("2026-04-01", "2026-06-30", 34286),
        ("2026-07-01", "2026-09-30", 34286),
        ("2026-10-01", "2026-11-15", 17142),
    ]
    assert _report("2026-11") == {number: (1, 17142, 0)}
    assert _report("2026-10") == {}


def test_a_cancellation_mid_period_bills_to_the_cancel_date(db_url, on):
    _world(on)
    number = _invoiced(on, "Quarterly")
    storage.cancel(number, "2026-05-15", "merger")
    periods = storage.billing_schedule(number)
    assert [(str(p.end), p.amount_cents, p.canceled) for p in periods] == [
        ("2026-03-31", 30000, False),
        ("2026-05-15", 14835, True),  # 45 of the quarter's 91 days
    ]
    assert _report("2026-05") == {number: (1, 14835, 0)}
    assert _report("2026-06") == {}
    assert _report("2026-Q3") == {}


def _line(on, template: str, end: str, allotment: str) -> tuple[str, str]:
    """(contract, line): 100.00 for `allotment` from 2026-04-01 (May 1 for monthly Dev
    Hours) to `end`, invoiced on 2026-05-20."""
    make_world()
    on(pendulum.Date(2026, 5, 20))
    start = "2026-05-01" if template == "Dev Hours" else "2026-04-01"
    number = storage.new_contract("Acme Corp", template, start, end)
    line = storage.add_line(number, "Use", allotment=allotment, price="100")
    storage.invoice(number)
    return number, line


def test_overage_booked_in_the_period_is_billed_at_the_line_rate(db_url, on):
    """100.00 for 40h: two overrides of 45m in June bill 90 minutes, 3.75 rounded once."""
    number, line = _line(on, "Dev Hours", "2026-08-31", "40h")
    storage.resolve(line, "All of it", spent="40h")
    on(TODAY)
    storage.resolve(line, "Past it", spent="45m", override=True)
    storage.resolve(line, "Further", spent="45m", override=True)
    assert _report("2026-06") == {number: (1, 2500, 375)}  # June's quarter of 100.00
    assert _report("2026-05") == {number: (1, 2500, 0)}
    june = next(p for p in storage.billing_schedule(number) if p.start.month == 6)
    assert (june.amount_cents, june.overage_cents) == (2500, 375)


def test_overage_booked_after_the_last_period_is_billed_when_booked(db_url, on):
    number, line = _line(on, "Phone Support", "2026-06-30", "2")
    storage.resolve(line, "One", override=True)
    storage.resolve(line, "Two", override=True)
    on(pendulum.Date(2026, 7, 10))
    storage.adjust(line, "+1", note="a call found late")
    assert _report("2026-07") == {number: (0, 0, 5000)}
    assert _report("2026-06") == {number: (1, 10000, 0)}
    assert storage.billing_schedule(number)[-1].overage_cents == 5000


def test_totals_per_customer_and_per_bill_to(db_url, on):
    _world(on)
    a1 = _invoiced(on, "Monthly")
    _invoiced(on, "Quarterly", price="600")
    _invoiced(on, "Monthly", customer="Globex", bill_to="Acme Corp", price="2400")
    _invoiced(on, "Monthly", customer="Initech")
    on(EARLY)
    _contract("Monthly", customer="Initech")  # a draft owes nothing
    on(TODAY)
    totals = storage.BillingTotals()
    for bill in storage.billing_report(*storage.billing_window("2026-06")):
        totals.add(bill)
    assert [(t.name, t.contracts, t.total_cents) for t in totals.by_customer()] == [
        ("Acme Corp", 2, 10000 + 15000),
        ("Globex", 1, 20000),
        ("Initech", 1, 10000),
    ]
    assert [(t.name, t.contracts, t.total_cents) for t in totals.by_bill_to()] == [
        ("Acme Corp", 3, 45000),
        ("Initech", 1, 10000),
    ]
    assert (totals.total.contracts, totals.total.total_cents) == (4, 55000)
    assert a1 in _report("2026-06")


def test_periods_before_the_invoice_day_fall_due_on_it(db_url, on):
    """Invoiced today, a contract that started in January owes January to May now, and its
    past periods are not called billed."""
    _world(on)
    number = _contract("Monthly")
    assert {p.state for p in storage.billing_schedule(number)} == {"not invoiced"}
    assert all(p.due_on is None for p in storage.billing_schedule(number))
    storage.invoice(number)
    periods = storage.billing_schedule(number)
    assert [(p.start.month, p.state, str(p.due_on)) for p in periods[:7]] == [
        *[(m, "before invoicing", "2026-06-15") for m in range(1, 6)],
        (6, "current", "2026-06-30"),
        (7, "upcoming", "2026-07-31"),
    ]
    assert _report("2026-03") == {}
    assert _report("2026-06") == {number: (6, 60000, 0)}
    on(pendulum.Date(2026, 8, 2))
    assert [p.state for p in storage.billing_schedule(number)][4:8] == [
        "before invoicing",
        "billed",
        "billed",
        "current",
    ]


def test_the_billing_tab_and_the_report_agree_period_by_period(db_url, on):
    _world(on)
    on(pendulum.Date(2026, 2, 10))
    number = storage.new_contract("Acme Corp", "Dev Hours", "2026-01-15", "2026-06-20")
    line = storage.add_line(number, "Hours", allotment="1h", price="300")
    storage.invoice(number)
    for day in (2, 3, 4):
        on(pendulum.Date(2026, day, 20))
        storage.resolve(line, "Work", spent="45m", override=True)
    on(TODAY)
    storage.cancel(number, "2026-05-01", "moved")
    periods = storage.billing_schedule(number)
    assert len(periods) == 4 and periods[-1].canceled  # the last from Apr 15 to May 1
    assert storage.contract_detail(number).billing == periods  # the tab: price read with it
    for p in periods:
        bill = _report(start=str(p.start), end=str(p.end)).get(number, (0, 0, 0))
        assert bill == (1, p.amount_cents, p.overage_cents), p


def test_the_report_reads_contracts_a_page_at_a_time(db_url, on, monkeypatch):
    from storage import bills

    _world(on)
    numbers, late = [], []
    for i in range(7):  # every third one ended in April: only a late adjustment in June
        if i % 3 == 1:
            number = _invoiced(on, "Monthly", end="2026-04-30")
            storage.adjust(f"{number}/1", "+11", note="found late")
            late.append(number)
        else:
            number = _invoiced(on, "Monthly")
        numbers.append(number)
    monkeypatch.setattr(bills, "PAGE", 2)
    found = _report("2026-06")
    assert list(found) == numbers
    assert [found[n] for n in late] == [(0, 0, 12000)] * 2  # 1 case over at 120.00 a case


@pytest.mark.parametrize(
    "args,message",
    [
        (("2026-13",), "period '2026-13' is not a month (2026-11) or a quarter (2026-Q4)"),
        (("2026-Q5",), "period '2026-Q5' is not a month"),
        (("November",), "period 'November' is not a month"),
        (("2026-1\x1b[31m",), "period '2026-1?[31m' is not a month"),
        ((None, "2026-12-01", "2026-11-30"), "--from 2026-12-01 comes after --to 2026-11-30."),
        (("2026-11", "2026-11-01", None), "give either a period or --from and --to, not both."),
        ((None, "2026-11-01", None), "give a period (2026-11 or 2026-Q4), or both --from"),
        ((None, "2026-11-31", "2026-12-31"), "--from"),
    ],
)
def test_a_bad_period_is_refused_in_one_sentence(args, message):
    with pytest.raises(storage.InvalidInput) as info:
        storage.billing_window(*args)
    assert message in str(info.value)


def test_periods_are_read_as_their_first_and_last_days():
    window = storage.billing_window
    assert [str(d) for d in window("2026-11")] == ["2026-11-01", "2026-11-30"]
    assert [str(d) for d in window("2026-q4")] == ["2026-10-01", "2026-12-31"]
    assert [str(d) for d in window("2028-02")] == ["2028-02-01", "2028-02-29"]
    assert [str(d) for d in window(None, "2026-11-03", "2026-11-03")] == ["2026-11-03"] * 2


def test_a_contract_of_thousands_of_periods_shows_its_overage(db_url, on):
    """2,400 monthly periods: the use at each period's start is read in several queries."""
    make_world()
    on(TODAY)
    number = storage.new_contract("Acme Corp", "Dev Hours", "2000-01-01", "2199-12-31")
    line = storage.add_line(number, "Hours", allotment="1h", price="60")
    storage.invoice(number)
    storage.resolve(line, "All and more", spent="1h30m", override=True)
    periods = storage.billing_schedule(number)
    assert len(periods) == 2400
    assert [(str(p.start), p.overage_cents) for p in periods if p.overage_cents] == [
        ("2026-06-01", 3000)
    ]
