"""The counts per status that the console's tabs show, on both databases: with no filter
text they are read from a tally kept in step with every change (schema 8), exact on any
day; under a text held by more contracts than the counting limit, each is how many at least,
and the tabs say so (`All 3+`) while the list still shows every contract."""

from __future__ import annotations

import pendulum
import pytest

import storage
from storage import reports, status_tally
from storage.models import STATUSES, database
from tests.helpers import contract_between, contract_in, make_world, upgraded_from
from tests.helpers.console import console, press, settle, write
from tests.helpers.world import TODAY
from tui.widgets.bars import TabBar, TitleBar
from tui.widgets.paged_table import PagedTable

DAYS = (pendulum.Date(2025, 1, 1), TODAY, pendulum.Date(2026, 12, 31), pendulum.Date(2031, 1, 1))


def listed(text: str | None = None) -> dict[str, int]:
    """How many contracts each tab lists (and All), read from the lists themselves."""
    counts = {s: len(storage.list_contracts(s, text, limit=None)) for s in STATUSES}
    return {**counts, "all": len(storage.list_contracts("all", text, limit=None))}


def counts_agree_on_every_day() -> None:
    """The tabs' counts equal the lists' lengths on days before, during and after the
    contracts' terms (statuses follow the dates); today is set back afterwards."""
    try:
        for day in DAYS:
            storage.clock.freeze(day)
            counts = storage.status_counts(None)
            assert dict(counts) == listed(), day
            assert not counts.at_least
    finally:
        storage.clock.freeze(TODAY)


def harbor_contracts(n: int) -> list[str]:
    return [
        storage.new_contract(
            "Acme Corp", "Phone Support", "2026-01-01", "2026-12-31", title=f"Harbor {i}"
        )
        for i in range(n)
    ]


def test_the_counts_stay_exact_through_every_change_of_state_or_dates(db_url):
    make_world()
    made = {status: contract_in(status) for status in STATUSES}
    unswept = contract_between("2026-01-01", "2026-03-31", pendulum.Date(2025, 12, 1))
    counts_agree_on_every_day()
    storage.edit_contract(made["draft"], start="2026-07-01", end="2027-06-30")
    storage.invoice(made["draft"])
    storage.hold(made["active"])
    storage.release(made["on_hold"])
    storage.cancel(made["invoiced"], "2026-09-15", "moved away")
    renewed = storage.renew(made["expired"])
    storage.copy(made["canceled"])
    storage.delete(storage.copy(made["active"]))
    storage.edit_contract(storage.copy(unswept), title="only the title")
    counts_agree_on_every_day()
    storage.invoice(renewed)
    storage.sweep()  # stores the real day's statuses: the counts do not move
    counts_agree_on_every_day()


@pytest.mark.slow
def test_processes_changing_contracts_at_once_keep_the_counts_exact(db_url):
    """Four real processes create, invoice, delete, hold, release and cancel contracts of
    the same dates at once (the same rows of the tally): the counts stay the lists'."""
    from tests import workers
    from tests.test_concurrency import in_processes

    make_world()
    shared = [contract_in("active") for _ in range(4)]
    racers = [(shared, 40, f"rep{i}", i) for i in range(4)]
    results = in_processes(db_url, workers.status_changes, racers)
    assert sum(r["done"] for r in results) > 80
    counts_agree_on_every_day()


def test_a_schema_6_database_gets_its_counts_from_the_contracts_there(db_url):
    make_world()
    for status in STATUSES:
        contract_in(status)
    on = ' ON "contract"' if storage.db.is_postgres() else ""
    for trigger in ("contract_tally_insert", "contract_tally_delete", "contract_tally_update"):
        database.execute_sql(f'DROP TRIGGER IF EXISTS "{trigger}"{on}')
    database.execute_sql('DROP TRIGGER IF EXISTS "contract_tally_insert_delete"' + on)
    database.execute_sql('DROP TABLE "contract_tally"')
    contract_in("active")  # written by schema 6: no tally to keep
    upgraded_from(db_url, 6)
    counts_agree_on_every_day()
    contract_in("on_hold")
    counts_agree_on_every_day()


def test_demo_data_is_counted_and_kept_in_step_afterwards(db_url):
    """The demo counts its contracts once at the end of its bulk load."""
    from storage import demo

    make_world()
    demo.fill(60)
    counts_agree_on_every_day()
    contract_in("canceled")
    counts_agree_on_every_day()


def test_under_a_common_text_each_count_is_how_many_at_least(db_url, monkeypatch):
    make_world()
    harbor = harbor_contracts(5)
    storage.hold(contract_in("active"))
    exact = storage.status_counts("harbor")
    assert (exact["draft"], exact["all"], exact.at_least) == (5, 5, False)
    assert dict(exact) == listed("harbor")
    monkeypatch.setattr(reports, "COUNT_LIMIT", 3)
    capped = storage.status_counts("harbor")
    assert (capped["draft"], capped["all"], capped.at_least) == (3, 3, True)
    assert all(capped[s] <= n for s, n in listed("harbor").items())
    # below the limit the counts are exact
    one = storage.status_counts(harbor[0][-6:])
    assert one == {**dict.fromkeys(STATUSES, 0), "draft": 1, "all": 1} and not one.at_least
    # the counts with no text are the tally's, never capped
    assert storage.status_counts(None)["all"] == 6 and not storage.status_counts(None).at_least


def tab_labels(app) -> str:
    return app.screen.query_one(TabBar).render().plain


@pytest.mark.parametrize("size", [(120, 30)])
async def test_the_tabs_say_at_least_and_the_list_still_shows_every_contract(
    db_url, monkeypatch, size
):
    """Seven contracts hold `harbor`; counting stops at 3 and pages hold 2 rows: the tabs
    read `Draft 3+`, the title `3+ drafts`, and the list pages on to the seventh contract."""
    make_world()
    harbor = harbor_contracts(7)
    monkeypatch.setattr(reports, "COUNT_LIMIT", 3)
    monkeypatch.setattr("tui.screens.contracts.PAGE_SIZE", 2)
    async with console(db_url, size) as (pilot, app):
        await press(pilot, "1", "slash")
        await write(pilot, "harbor")
        await settle(pilot)
        assert "Draft 3+" in tab_labels(app) and "All 3+" in tab_labels(app)
        assert "Contracts · 3+ draft matching 'harbor'" in app.screen.query_one(TitleBar)._title
        table = app.screen.query_one("#contracts", PagedTable)
        assert [row.number for row in table.visible_rows()] == harbor
        assert table.row_count == 7
        await write(pilot, " 6")  # one contract: exact again
        await settle(pilot)
        assert "Draft 1 " in tab_labels(app) and "+" not in tab_labels(app)
        assert [row.number for row in table.visible_rows()] == [harbor[6]]


def test_verify_finds_a_tally_out_of_step_with_the_contracts(db_url):
    """A contract changed behind the triggers' back (dropped by hand) is found by verify."""
    make_world()
    number = contract_in("active")
    assert storage.verify() == []
    on = ' ON "contract"' if storage.db.is_postgres() else ""
    database.execute_sql(f'DROP TRIGGER "contract_tally_update"{on}')
    try:
        database.execute_sql(f"UPDATE contract SET status = 'on_hold' WHERE number = '{number}'")
        tally = (
            "the counts' tally holds {} {} contracts from 2026-01-01 to 2026-12-31, "
            "the contracts {}."
        )
        assert storage.verify() == [tally.format(1, "active", 0), tally.format(0, "on_hold", 1)]
    finally:  # the PostgreSQL test database is shared by the tests after this one
        status_tally.create()
