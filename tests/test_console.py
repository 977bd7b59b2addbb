"""The console driven by keys, as a rep uses it (Textual's Pilot, headless, on SQLite).

Each test builds a small world with the storage functions, opens `ContractsApp` on it and
presses keys. What a rep would notice is asserted: rows shown, numbers on a line, the
sentence of a refusal, and (through storage) what was written or not.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pendulum
import pytest

import storage
from tests.helpers import (
    TODAY,
    active_contract,
    contract_in,
    draft_invoiced_held_canceled,
    dump,
    make_world,
    office_hours_contract,
)
from tests.helpers.console import Seeded, console, fill, open_contract, press, settle, show, write
from tui.first_load import FirstLoad
from tui.screens.cases import CasesScreen
from tui.screens.catalog import CustomersScreen, TemplatesScreen
from tui.screens.check import CheckScreen
from tui.screens.contract import ContractScreen
from tui.screens.contracts import ContractsScreen
from tui.screens.forms import FormModal
from tui.screens.keys import KeysScreen
from tui.widgets.bars import FilterInput, KeyFooter, TabBar, TitleBar
from tui.widgets.key_table import KeyTable
from tui.widgets.paged_table import PagedTable

ROOT = Path(__file__).resolve().parent.parent


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause(0.25)  # the cases and customers filters wait for typing to pause
    await settle(pilot)


def shown_numbers(app) -> list[str]:
    table = app.screen.query_one("#contracts", PagedTable)
    return [row.number for row in table.visible_rows()]


def line_cells(app, ref: str) -> list[str]:
    return app.screen.query_one("#lines", KeyTable).cells(ref)


@pytest.fixture
def world(sqlite_url):
    """Contracts in every status; today is 2026-06-15.

    expired  CNR-000001 (Acme)        active  CNR-000002 Acme, 10 cases
    active   CNR-000003 Acme, time 40h        active CNR-000004 Acme, 1 case, used up
    draft    CNR-000005 (Acme)        invoiced CNR-000006 (Acme)
    on_hold  CNR-000007 (Globex)      canceled CNR-000008 (Acme)
    """
    make_world()
    numbers = {"expired": contract_in("expired")}
    numbers["cases"] = active_contract()
    numbers["time"] = active_contract("Dev Hours", allotment="40h")
    numbers["used_up"] = active_contract(allotment="1")
    storage.resolve(numbers["used_up"] + "/1", "The only case")
    numbers.update(draft_invoiced_held_canceled())
    return Seeded(sqlite_url, numbers)


# ------------------------------------------------------------------ contracts screen


async def test_opens_on_active_and_tabs_show_their_contracts(world):
    async with console(world.url) as (pilot, app):
        bar = app.screen.query_one(TabBar)
        assert bar.active == "active"
        assert shown_numbers(app) == [world["cases"], world["time"], world["used_up"]]
        assert bar.counts == {
            "draft": 1,
            "invoiced": 1,
            "active": 3,
            "on_hold": 1,
            "canceled": 1,
            "expired": 1,
            "all": 8,
        }
        await press(pilot, "1")
        assert bar.active == "draft" and shown_numbers(app) == [world["draft"]]
        await press(pilot, "4")
        assert shown_numbers(app) == [world["on_hold"]]
        await press(pilot, "6")
        assert shown_numbers(app) == [world["expired"]]
        await press(pilot, "7")
        assert len(shown_numbers(app)) == 8
        # the All tab shows each contract's status
        table = app.screen.query_one(PagedTable)
        assert "status" in [c.key for c in table.shown_columns]


async def test_filter_as_you_type_then_enter_moves_to_the_table(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "7", "slash")
        assert isinstance(app.focused, FilterInput)
        await type_text(pilot, "globex")
        assert shown_numbers(app) == [world["on_hold"]]
        assert app.screen.query_one(TabBar).counts["all"] == 1
        await press(pilot, "enter")
        assert isinstance(app.focused, PagedTable)
        # a contract number works too; escape clears the filter
        await press(pilot, "slash")
        await pilot.press(*["backspace"] * 6)
        await write(pilot, world["time"])
        await pilot.pause(0.25)
        await settle(pilot)
        assert shown_numbers(app) == [world["time"]]
        await press(pilot, "escape")  # clears the filter at once
        assert len(shown_numbers(app)) == 8


async def test_sort_by_column_and_reverse(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "O")  # number, descending
        assert shown_numbers(app) == [world["used_up"], world["time"], world["cases"]]
        assert app.screen.order == "number" and app.screen.descending


async def test_enter_opens_the_contract_with_the_first_line_selected(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "enter")
        assert isinstance(app.screen, ContractScreen)
        assert app.screen.number == world["cases"]
        lines = app.screen.query_one("#lines", KeyTable)
        assert app.focused is lines and lines.cursor_row == 0
        assert lines.selected_key == world["cases"] + "/1"
        assert line_cells(app, world["cases"] + "/1")[2].endswith("0 of 10 used")
        assert app.screen.info.customer == "Acme Corp"
        await press(pilot, "escape")
        assert isinstance(app.screen, ContractsScreen)


async def test_q_types_in_the_filter_and_quits_elsewhere(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "slash", "q")
        assert app.screen.query_one(FilterInput).value == "q" and app.is_running
        await press(pilot, "escape")  # clears the filter at once
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_the_footer_shows_the_keys_of_the_screen_and_a_click_runs_one(world):
    def footer_line(app) -> str:
        return "".join(segment.text for segment in app.screen.query_one(KeyFooter).render_line(0))

    async with console(world.url) as (pilot, app):
        assert footer_line(app).startswith(" ⏎ Open  / Filter  1234567 Tab  o Sort  n New ")
        await pilot.hover(KeyFooter, offset=(20, 0))  # on "2"
        assert app.screen.query_one(KeyFooter).tooltip == "Show invoiced contracts"
        await pilot.click(KeyFooter, offset=(9, 0))  # on "/ Filter"
        await settle(pilot)
        assert isinstance(app.focused, FilterInput)
        await open_contract(pilot, world["cases"])
        assert footer_line(app).startswith(" r Record case  h Hold ")


# ------------------------------------------------------------------ record a case


async def test_record_a_case_updates_the_line_at_once(world):
    ref = world["cases"] + "/1"

    async with console(world.url, contract=world["cases"]) as (pilot, app):
        await press(pilot, "r")
        form = app.screen
        assert isinstance(form, FormModal) and app.focused.id == "field-title"
        await fill(pilot, "Printer jam", "new toner")
        await press(pilot, "enter")  # enter in the last field submits
        assert isinstance(app.screen, ContractScreen)
        assert line_cells(app, ref)[2].endswith("1 of 10 used")
        assert line_cells(app, ref)[3] == "9 left"
        assert app.said("charged 1 case to " + ref + "; 9 of 10 cases left")
    line = storage.show(world["cases"]).lines[0]
    assert line.used == 1
    assert storage.list_cases(contract=world["cases"])[0].title == "Printer jam"


async def test_record_on_a_time_line_validates_the_time_spent(world):
    ref = world["time"] + "/1"

    async with console(world.url, contract=world["time"]) as (pilot, app):
        await press(pilot, "r")
        await write(pilot, "Upgrade")
        await pilot.press("tab", "1", "x")
        await press(pilot, "ctrl+s")
        form = app.screen
        assert isinstance(form, FormModal)
        note = form.query_one("#note-spent").render()
        assert "not a duration" in str(note)
        assert app.focused.id == "field-spent"
        await pilot.press("backspace", "backspace", *"1h20m")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        # Dev Hours rounds up to 15 minutes: 1h20m is charged as 1h30m
        assert line_cells(app, ref)[2].endswith("1h 30m of 40h used")
        assert app.said("38h 30m of 40h left")


async def test_a_refused_charge_shows_the_reason_and_changes_nothing(world):
    before = dump()

    async with console(world.url, contract=world["used_up"]) as (pilot, app):
        await press(pilot, "r")
        await write(pilot, "Another one")
        await press(pilot, "ctrl+s")
        form = app.screen
        assert isinstance(form, FormModal), "the refusal keeps the form open"
        assert form.error_message.startswith("allotment exhausted: line " + world["used_up"] + "/1")
        assert not form._field("override").hidden  # the supervisor override is offered
        await press(pilot, "escape")
        assert line_cells(app, world["used_up"] + "/1")[2].endswith("1 of 1 used")
    assert dump() == before


async def test_record_key_on_a_held_contract_says_why(world):
    before = dump()

    async with console(world.url, contract=world["on_hold"]) as (pilot, app):
        await press(pilot, "r")
        assert isinstance(app.screen, ContractScreen)
        assert app.said("is on hold: no case can be charged to it", "error")
    assert dump() == before


# ------------------------------------------------------------------ lifecycle keys


async def test_invoice_a_draft(world):
    async with console(world.url, contract=world["draft"]) as (pilot, app):
        await press(pilot, "i")
        assert isinstance(app.screen, FormModal)
        await press(pilot, "enter")
        assert app.screen.info.status == "active"
        assert app.said(f"{world['draft']} invoiced and active at once.")
    assert storage.show(world["draft"]).status == "active"


async def test_hold_release_and_keys_the_status_does_not_allow(world):
    async with console(world.url, contract=world["cases"]) as (pilot, app):
        before = dump()
        await press(pilot, "i", "e", "d")
        assert isinstance(app.screen, ContractScreen)
        assert app.said(
            f"cannot invoice {world['cases']}: it is active; from active you can", "error"
        )
        assert app.said("cannot edit", "error") and app.said("cannot delete", "error")
        assert dump() == before
        await press(pilot, "h")
        assert app.screen.info.status == "on_hold"
        await press(pilot, "h")
        assert app.screen.info.status == "active"
    assert storage.show(world["cases"]).status == "active"


async def test_cancel_asks_date_and_reason(world):
    async with console(world.url, contract=world["cases"]) as (pilot, app):
        await press(pilot, "x")
        form = app.screen
        assert form.widget("on").value == str(TODAY)
        await press(pilot, "ctrl+s")  # no reason yet
        assert isinstance(app.screen, FormModal) and app.focused.id == "field-reason"
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k")
        await fill(pilot, "2027-03-01", "Customer left")
        await press(pilot, "ctrl+s")
        assert "must lie inside the contract's dates" in form.error_message
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k")
        await write(pilot, "2026-06-30")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        assert app.screen.info.status == "canceled"
    info = storage.show(world["cases"])
    assert (info.status, str(info.cancel_date), info.cancel_reason) == (
        "canceled",
        "2026-06-30",
        "Customer left",
    )


async def test_renew_opens_the_new_draft(world):
    async with console(world.url, contract=world["cases"]) as (pilot, app):
        await press(pilot, "w")
        assert app.screen.widget("start").value == "2027-01-01"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen) and app.screen.number != world["cases"]
        assert app.screen.info.status == "draft"
        assert app.screen.info.origin == world["cases"]
        await press(pilot, "escape")
        assert app.screen.number == world["cases"]
        assert app.screen.info.renewed_by is not None


async def test_copy_opens_the_new_draft(world):
    async with console(world.url, contract=world["expired"]) as (pilot, app):
        await press(pilot, "y")
        await press(pilot, "y")
        assert app.screen.number != world["expired"] and app.screen.info.origin_kind == "copy"


async def test_edit_add_line_and_delete_a_draft(world):
    async with console(world.url, contract=world["draft"]) as (pilot, app):
        await press(pilot, "e")
        assert app.focused.id == "field-title"
        await pilot.press("ctrl+a", "ctrl+k")
        await write(pilot, "Support 2026")
        await press(pilot, "ctrl+s")
        assert app.screen.info.title == "Support 2026"
        await press(pilot, "a")
        await write(pilot, "Second line")
        await pilot.press("tab", "tab", "5", "tab")
        await write(pilot, "300")
        await press(pilot, "ctrl+s")
        assert [line.total for line in app.screen.info.lines] == [10, 5]
        assert app.screen.query_one("#lines", KeyTable).selected_key == world["draft"] + "/2"
        await press(pilot, "d")
        await press(pilot, "y")
        assert isinstance(app.screen, ContractsScreen)
        assert app.said(f"{world['draft']} deleted")
    with pytest.raises(storage.NotFound):
        storage.show(world["draft"])


async def test_edit_a_draft_line_and_refuse_it_on_an_active_contract(world):
    ref = world["draft"] + "/1"

    async with console(world.url, contract=world["draft"]) as (pilot, app):
        await press(pilot, "m")
        form = app.screen
        assert isinstance(form, FormModal)
        assert form.widget("allotment").value == "10"  # the line's terms, filled in
        assert form.widget("price").value == "1200.00"
        form.widget("allotment").value = "7"
        form.widget("discount").value = "200"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        assert app.said(f"Line {ref} saved.")
        line = app.screen.info.lines[0]
        assert (line.total, line.net_price_cents) == (7, 100000)
        await open_contract(pilot, world["cases"])
        before = dump()
        await press(pilot, "m")
        assert isinstance(app.screen, ContractScreen)
        assert app.said(f"cannot edit a line {world['cases']}: it is active", "error")
        assert dump() == before
    assert storage.show(world["draft"]).lines[0].total == 7


async def test_a_supervisor_adjusts_a_lines_use(world):
    ref = world["cases"] + "/1"
    storage.resolve(ref, "One")
    storage.resolve(ref, "Two")

    async with console(world.url, contract=world["cases"]) as (pilot, app):
        await press(pilot, "A")
        form = app.screen
        assert isinstance(form, FormModal)
        form.widget("amount").value = "-3"
        form.widget("note").value = "charged twice by mistake"
        await press(pilot, "ctrl+s")
        assert form.error_message.startswith(f"line {ref} has used 2")  # refused in the form
        form.widget("amount").value = "-1"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        assert line_cells(app, ref)[2].endswith("1 of 10 used")
    assert [e.kind for e in storage.ledger(world["cases"])] == ["charge", "charge", "adjustment"]
    assert storage.verify() == []


# ------------------------------------------------------------------ check, cases


async def test_the_cases_and_customers_filters(world):
    printer = storage.resolve(world["cases"] + "/1", "Printer jam")

    async with console(world.url) as (pilot, app):
        await show(pilot, CasesScreen())
        await press(pilot, "4")  # all cases
        assert len(app.screen.query_one("#cases", KeyTable).row_keys) == 2
        await press(pilot, "slash")
        await write(pilot, "printer")
        await pilot.pause(0.25)
        await settle(pilot)
        assert app.screen.query_one("#cases", KeyTable).row_keys == [printer]
        await press(pilot, "enter")
        assert app.focused.id == "cases"
        await show(pilot, CustomersScreen())
        await press(pilot, "slash")
        await write(pilot, "glob")
        await press(pilot, "enter")  # applies at once, focus to the list
        assert app.screen.query_one("#customers", KeyTable).row_keys == ["Globex"]
        assert app.focused.id == "customers"


async def test_check_a_covered_and_an_uncovered_customer(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "c")
        assert isinstance(app.screen, CheckScreen) and app.focused.id == "query"
        await write(pilot, "Acme Corp")
        await press(pilot, "enter")
        result = app.screen.result
        assert result.entitled
        table = app.screen.query_one("#lines", KeyTable)
        assert world["cases"] + "/1" in table.row_keys
        assert table.cells(world["cases"] + "/1")[2] == "10 of 10 cases"
        assert table.cells(world["used_up"] + "/1")[5].startswith("✘ allotment exhausted")
        verdict = str(app.screen.query_one("#verdict").render())
        assert "COVERED" in verdict and "NOT" not in verdict
        await press(pilot, "slash")
        await pilot.press("ctrl+a", "ctrl+k")
        await write(pilot, "Globex")
        await press(pilot, "enter")
        assert not app.screen.result.entitled
        verdict = str(app.screen.query_one("#verdict").render())
        assert "NOT COVERED" in verdict and "is on hold" in verdict


async def test_check_by_phone_number_and_by_address(world):
    """Caller ID in the console: the number in any spelling, an address in any case; an
    unknown address at a customer's domain names the customer but is not covered."""
    storage.set_phone_region("ES")
    storage.edit_customer("Acme Corp", add_phones=["+34 911 23 45 67"])

    async with console(world.url) as (pilot, app):
        await press(pilot, "c")
        await write(pilot, "911 234 567")
        await press(pilot, "enter")
        assert (app.screen.result.customer, app.screen.result.entitled) == ("Acme Corp", True)
        verdict = str(app.screen.query_one("#verdict").render())
        assert "COVERED" in verdict and "Acme Corp" in verdict and "NOT" not in verdict
        assert world["cases"] + "/1" in app.screen.query_one("#lines", KeyTable).row_keys
        for query, said in [
            ("OPS@ACME.TEST", "COVERED  Acme Corp"),
            ("bob@acme.test", "the domain acme.test belongs to Acme Corp"),
            ("12345", "'12345' is not a valid phone number"),
        ]:
            await press(pilot, "slash")
            await pilot.press("ctrl+a", "ctrl+k")
            await write(pilot, query)
            await press(pilot, "enter")
            assert said in str(app.screen.query_one("#verdict").render()), query


async def test_record_from_the_check_screen(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "c")
        await write(pilot, world["cases"])
        await press(pilot, "enter")
        await press(pilot, "r")
        await write(pilot, "Password reset")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, CheckScreen)
        assert app.said("9 of 10 cases left")
        assert (
            app.screen.query_one("#lines", KeyTable).cells(world["cases"] + "/1")[2]
            == "9 of 10 cases"
        )


async def test_reopen_resolve_and_cancel_cases(world):
    ref = world["cases"] + "/1"
    case = storage.resolve(ref, "Cannot print")
    other = storage.open_case("Acme Corp", "Slow laptop", line=ref)

    async with console(world.url) as (pilot, app):
        await press(pilot, "s")
        assert isinstance(app.screen, CasesScreen)
        table = app.screen.query_one("#cases", KeyTable)
        assert table.row_keys == [other]
        await press(pilot, "2")
        assert case in table.row_keys
        while table.selected_key != case:
            await press(pilot, "j")
        await press(pilot, "o")
        await press(pilot, "y")
        assert app.said(f"{case} reopened")
        assert case not in table.row_keys  # it left the resolved tab
        await press(pilot, "1")
        assert set(table.row_keys) == {case, other}
        while table.selected_key != other:
            await press(pilot, "j")
        await press(pilot, "x", "y")
        assert storage.show_case(other).status == "canceled"
        assert table.row_keys == [case]
        await press(pilot, "r")
        await write(pilot, "fixed the driver")
        await press(pilot, "ctrl+s")
        assert storage.show_case(case).status == "resolved"
    assert storage.show(world["cases"]).lines[0].used == 1  # charged once, not twice


# ------------------------------------------------------------- customers, templates


async def test_customers_and_templates_are_created_and_edited(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "u")
        assert isinstance(app.screen, CustomersScreen)
        await press(pilot, "n")
        await fill(pilot, "Initech", "it@initech.test")
        await press(pilot, "ctrl+s")
        table = app.screen.query_one("#customers", KeyTable)
        assert "Initech" in table.row_keys
        while table.selected_key != "Initech":
            await press(pilot, "j")
        await press(pilot, "e")
        await pilot.press("tab", "tab")
        await write(pilot, "+34 911 234 567, +44 20 7946 0000")
        await press(pilot, "ctrl+s")
        assert table.cells("Initech")[1:3] == [
            "it@initech.test",
            "+34 911 23 45 67, +44 20 7946 0000",
        ]
        await press(pilot, "t")
        assert isinstance(app.screen, TemplatesScreen)
        await press(pilot, "n")
        await fill(pilot, "Gold Support", "GOLD")
        await pilot.press("tab", "tab", "tab", "2", "5")  # allotment cases, billed quarterly
        await press(pilot, "ctrl+s")
        table = app.screen.query_one("#templates", KeyTable)
        assert table.cells("Gold Support")[:5] == [
            "Gold Support",
            "GOLD",
            "cases",
            "quarterly",
            "25",
        ]
    assert storage.get_template("Gold Support").volume == 25


async def test_new_contract_from_the_contracts_screen(world):
    async with console(world.url) as (pilot, app):
        await press(pilot, "n")
        await fill(pilot, "Globex", "Bogus")
        await press(pilot, "ctrl+s")
        assert app.screen.error_message == "there is no template named 'Bogus'."
        await pilot.press("ctrl+a", "ctrl+k")
        await write(pilot, "Phone Support")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        assert app.screen.info.customer == "Globex" and app.screen.info.status == "draft"


# ------------------------------------------------------------------ keys, palette


async def test_question_mark_lists_the_keys_and_the_palette_runs_actions(world):
    async with console(world.url, contract=world["cases"]) as (pilot, app):
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeysScreen)
        keys = app.screen.lines
        assert ("r", "Record case") in keys and ("h", "Hold") in keys
        assert ("i", "Invoice (not now)") in keys and ("c", "Check") in keys
        await press(pilot, "escape")
        await press(pilot, "ctrl+p")
        await write(pilot, "on hold")
        await settle(pilot)  # the palette searches its commands in a worker
        await press(pilot, "enter")
        assert isinstance(app.screen, ContractScreen)
        assert app.screen.info.status == "on_hold"


# ------------------------------------------------------------------ live refresh

CHANGE_ELSEWHERE = """
import sys, pendulum, storage
storage.open_database(sys.argv[1])
storage.clock.freeze(pendulum.Date(2026, 6, 15))
storage.resolve(sys.argv[2], "Resolved in another terminal")
storage.new_contract("Globex", "Phone Support", "2026-07-01", "2027-06-30")
"""


def change_in_another_process(url: str, ref: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-c", CHANGE_ELSEWHERE, url, ref],
        check=True,
        env=env,
        cwd=ROOT,
        timeout=30,
    )


async def test_a_change_made_elsewhere_shows_without_a_key_press(world):
    ref = world["cases"] + "/1"

    async with console(world.url, poll_seconds=0.2, contract=world["cases"]) as (pilot, app):
        assert line_cells(app, ref)[2].endswith("0 of 10 used")
        assert app.marker is not None  # the poller has read the change marker
        marker = app.marker
        await asyncio.to_thread(change_in_another_process, world.url, ref)
        deadline = time.monotonic() + 5
        while app.marker == marker and time.monotonic() < deadline:
            await pilot.pause(0.05)  # no key: only the poller's interval timer can see it
        await settle(pilot)
        assert line_cells(app, ref)[2].endswith("1 of 10 used")
        assert app.screen.query_one("#lines", KeyTable).cursor_row == 0
        await press(pilot, "escape")
        await press(pilot, "escape")  # clears the filter at once
        counts = app.screen.query_one(TabBar).counts
        assert counts["draft"] == 2  # the other process's new draft


async def test_a_change_made_as_the_console_starts_shows_at_the_first_poll(db_url):
    """The console reads its first page while it starts; a change made after that read,
    before the console is up, shows at the poller's first look: its baseline is the change
    marker read with the first page, not one read later (which would hold the change)."""
    make_world()
    active_contract()
    storage.open_database(db_url, pool=True)  # as `contracts` opens it for the console
    first = FirstLoad().wait()
    drafts = first.result()[0]["draft"]
    storage.new_contract(
        "Acme Corp", "Phone Support", "2026-01-01", "2026-12-31", title="Meanwhile"
    )
    async with console(db_url, poll_seconds=0.2, first_load=first) as (pilot, app):
        tabs = app.screen.query_one(TabBar)
        assert tabs.counts["draft"] == drafts  # the first page, read before the change
        deadline = time.monotonic() + 5
        while tabs.counts["draft"] == drafts and time.monotonic() < deadline:
            await pilot.pause(0.05)  # no key: only the poller can see it
        await settle(pilot)
        assert tabs.counts["draft"] == drafts + 1


@pytest.mark.slow
async def test_the_contract_list_pages_from_the_database(sqlite_url):
    """500 contracts: the list knows the count but fetches only the pages it shows."""
    make_world()
    for i in range(500):
        storage.new_contract(
            "Acme Corp", "Phone Support", "2026-01-01", "2026-12-31", title=f"Contract {i:03d}"
        )

    async with console(sqlite_url) as (pilot, app):
        table = app.screen.query_one(PagedTable)
        before = table.fetches  # the (empty) first page of the active tab
        await press(pilot, "1")
        assert table.row_count == 500
        assert table.fetches - before == 1
        await press(pilot, "end")
        assert table.selected.title == "Contract 499"
        assert table.fetches - before == 2  # the first page and the last, nothing between
        await press(pilot, "pageup")
        assert table.selected is not None


async def test_the_first_page_is_read_while_the_console_starts(world, monkeypatch):
    """As `run()` starts the console: a thread applies the date-driven changes and reads the
    counts and the first rows meanwhile; the rest of the first page follows."""
    storage.clock.freeze(pendulum.Date(2026, 9, 2))  # the invoiced contract has started
    monkeypatch.setattr("tui.first_load.FIRST_ROWS", 2)  # fewer rows than the screen shows
    first = FirstLoad()

    async with console(world.url, first_load=first) as (_pilot, app):
        assert shown_numbers(app) == [world[k] for k in ("cases", "time", "used_up", "invoiced")]
        counts = app.screen.query_one(TabBar).counts
        assert (counts["active"], counts["invoiced"], counts["all"]) == (4, 0, 8)
        assert "4 active" in app.screen.query_one(TitleBar)._title
    assert storage.show(world["invoiced"]).status == "active"


async def test_a_sweep_that_fails_at_start_changes_nothing_the_user_sees(world, monkeypatch):
    """The automatic sweep runs after the first page is read; the statuses shown come from
    the dates, so a busy database neither delays the list nor makes it wrong."""
    storage.clock.freeze(pendulum.Date(2026, 9, 2))  # the invoiced contract has started
    swept = []

    def busy():
        swept.append(True)
        raise storage.DatabaseUnavailable("the database is busy; try again in a moment.")

    monkeypatch.setattr(storage, "sweep_if_due", busy)
    first = FirstLoad()

    async with console(world.url, first_load=first) as (_pilot, app):
        assert shown_numbers(app) == [world[k] for k in ("cases", "time", "used_up", "invoiced")]
        assert not app.said("busy", "warning") and not app.said("busy", "error")
    first.thread.join(5)
    assert swept == [True]


async def test_a_fault_in_a_key_is_shown_and_the_console_carries_on(world, monkeypatch):
    """The safety net of the real console: a fault in an action is a notification."""

    def broken(self):
        raise RuntimeError("the display broke")

    monkeypatch.setattr(ContractScreen, "action_hold", broken)
    monkeypatch.setattr("tui.app.log_fault", lambda error: "the log")

    async with console(world.url, safety_net=True, contract=world["cases"]) as (pilot, app):
        await press(pilot, "h")
        assert app.is_running and isinstance(app.screen, ContractScreen)
        assert app.said("unexpected error (RuntimeError): the display broke", "error")
        await press(pilot, "escape")
        assert isinstance(app.screen, ContractsScreen)


async def test_an_empty_database_opens_and_says_so(sqlite_url):
    async with console(sqlite_url) as (pilot, app):
        table = app.screen.query_one(PagedTable)
        assert table.row_count == 0 and not table.waiting
        await press(pilot, "n")
        assert app.said("There is no contract template yet", "warning")


# ------------------------------------------------------------------ service hours


async def test_check_outside_service_hours_says_when_they_open(sqlite_url):
    number = office_hours_contract()

    async with console(sqlite_url) as (pilot, app):
        await press(pilot, "c")
        await write(pilot, "Acme Corp")
        await press(pilot, "enter")
        assert app.screen.result.entitled and not app.screen.result.covered_now
        verdict = str(app.screen.query_one("#verdict").render())
        assert "OUTSIDE HOURS" in verdict and "COVERED" not in verdict
        hours = str(app.screen.query_one("#hours").render())
        assert hours == (
            "Outside service hours Mon-Fri 08:00-18:00 Europe/Madrid; opens Tue 08:00 (in 10 h)."
        )
        reason = str(app.screen.query_one("#reason").render())
        assert "closed now, opens Tue 08:00" in reason
        await press(pilot, "r")
        await write(pilot, "Late call")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, CheckScreen)
        assert app.said("Recorded outside service hours Mon-Fri 08:00-18:00", "warning")
        assert app.said("9 of 10 cases left")
        storage.clock.freeze_moment(pendulum.datetime(2026, 6, 16, 6, tz="UTC"))  # Tue 08:00
        app.screen.reload()
        await settle(pilot)
        assert "COVERED" in str(app.screen.query_one("#verdict").render())
        assert str(app.screen.query_one("#hours").render()) == (
            "Within service hours now (Mon-Fri 08:00-18:00 Europe/Madrid)."
        )
    assert storage.show(number).lines[0].used == 1


async def test_resolving_a_case_outside_service_hours_says_so(sqlite_url):
    number = office_hours_contract()
    case = storage.open_case("Acme Corp", "Router down", line=number + "/1")

    async with console(sqlite_url) as (pilot, app):
        await press(pilot, "s")
        assert isinstance(app.screen, CasesScreen)
        assert app.screen.query_one("#cases", KeyTable).selected_key == case
        await press(pilot, "r")
        await write(pilot, "rebooted it")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, CasesScreen)
        assert app.said(f"{case} resolved: charged 1 case to {number}/1")
        assert app.said("left. Recorded outside service hours Mon-Fri 08:00-18:00")
    assert storage.show_case(case).status == "resolved"


async def test_a_case_just_opened_is_selected_among_the_open_cases(world):
    for i in range(3):
        storage.open_case("Acme Corp", f"Older case {i}")

    async with console(world.url) as (pilot, app):
        await press(pilot, "s")
        table = app.screen.query_one("#cases", KeyTable)
        await press(pilot, "j", "j")
        await press(pilot, "n")
        await fill(pilot, "Acme Corp", "Printer on fire")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        new = app.notes[-1][1].split()[0]
        assert app.said(f"{new} opened.")
        assert table.selected_key == new, (table.selected_key, new)
