"""The contract's billing tab (issue 12): the numbers `contracts billing` gives for each
period, and past periods named by what happened to them."""

from __future__ import annotations

import pendulum

import storage
from tests.helpers import active_contract, make_world
from tests.helpers.console import console, press
from tui.widgets.key_table import KeyTable


async def _tab(url: str, number: str, size=(120, 30)) -> list[list[str]]:
    """The billing tab's rows as shown, after `3`."""
    async with console(url, size, contract=number) as (pilot, _app):
        await press(pilot, "3")
        table = pilot.app.screen.query_one("#billing", KeyTable)
        assert table.display
        return [table.cells(str(p.start)) for p in storage.billing_schedule(number)]


def _report(period) -> tuple[int, int] | None:
    bills = storage.billing_report(period.start, period.end)
    return next(((b.due_cents, b.overage_cents) for b in bills), None)


async def test_a_contract_invoiced_today_shows_its_past_quarter_before_invoicing(db_url):
    """Today is 2026-06-15: the contract began on January 1 and was invoiced today, so its
    first quarter was never billed on its own; it falls due today with the first bill."""
    make_world()
    number = active_contract()  # quarterly, 1200.00, invoiced today
    assert await _tab(db_url, number) == [
        ["2026-01-01", "2026-03-31", "2026-06-15", "300.00", "", "before invoicing"],
        ["2026-04-01", "2026-06-30", "2026-06-30", "300.00", "", "current period"],
        ["2026-07-01", "2026-09-30", "2026-09-30", "300.00", "", ""],
        ["2026-10-01", "2026-12-31", "2026-12-31", "300.00", "", ""],
    ]
    assert _report(storage.billing_schedule(number)[0]) is None  # not due in the quarter
    today = pendulum.Date(2026, 6, 15)
    assert [(b.periods_due, b.due_cents) for b in storage.billing_report(today, today)] == [
        (1, 30000)
    ]


async def test_the_tab_shows_what_the_report_gives_for_each_period(db_url, monkeypatch):
    import time

    make_world()
    storage.clock.freeze(pendulum.Date(2025, 12, 20))
    number = active_contract(template="Dev Hours", allotment="1h")  # monthly, 1200.00
    storage.clock.freeze(pendulum.Date(2026, 6, 15))
    noon = pendulum.datetime(2026, 6, 15, 12).timestamp()  # the ledger's moment too
    monkeypatch.setattr(storage.clock, "_offset_s", noon - time.time())
    storage.resolve(f"{number}/1", "All of it", spent="1h")
    storage.resolve(f"{number}/1", "Past it", spent="30m", override=True)
    storage.cancel(number, "2026-08-10", "moved")
    periods = storage.billing_schedule(number)
    rows = await _tab(db_url, number)
    assert [row[5] for row in rows] == ["billed"] * 5 + ["current period", "", "canceled"]
    for period, row in zip(periods, rows, strict=True):
        due, overage = _report(period) or (0, 0)
        assert row[3] == storage.format_money(due)
        assert row[4] == (storage.format_money(overage) if overage else "")
    assert rows[7][:4] == ["2026-08-01", "2026-08-10", "2026-08-10", "32.26"]


async def test_a_draft_is_not_invoiced(db_url):
    from tests.helpers import contract_in

    make_world()
    rows = await _tab(db_url, contract_in("draft"))
    assert rows and all(row[2] == "" and row[5] == "not invoiced" for row in rows)
