"""The list screens (contracts, cases, customers, templates), the check screen and the
catalog forms, as a rep meets them at 80×24 and 120×36 (Textual's Pilot, on SQLite)."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len
from textual.binding import Binding
from textual.widgets import Input, Select

import storage
from tests.helpers import active_contract, dump, make_world
from tests.helpers.cli import Contracts
from tests.helpers.console import Seeded, console, fill, press, settle, show, write
from tui.screens.cases import CasesScreen
from tui.screens.catalog import TemplatesScreen
from tui.screens.contract import ContractScreen
from tui.screens.contracts import ContractsScreen
from tui.screens.forms import FormModal
from tui.widgets.bars import KeyFooter, TabBar, TitleBar
from tui.widgets.key_table import KeyTable
from tui.widgets.paged_table import PagedTable


def title_of(app) -> str:
    return app.screen.query_one(TitleBar)._title


def table_lines(table) -> list[str]:
    """The table's lines as drawn on screen (header first)."""
    return [
        "".join(segment.text for segment in table.render_line(y)) for y in range(table.size.height)
    ]


@pytest.fixture
def desk(sqlite_url):
    """Acme with an active contract of 10 cases; Summit Logistics with long case titles."""
    make_world()
    storage.add_customer("Summit Logistics")
    numbers = {"acme": active_contract(), "summit": active_contract(customer="Summit Logistics")}
    return Seeded(sqlite_url, numbers)


# ------------------------------------------------------------------------ cases


async def test_the_cases_header_counts_every_case_and_says_the_newest_are_listed(desk, monkeypatch):
    monkeypatch.setattr("tui.screens.cases.SHOWN", 3)
    for i in range(5):
        storage.resolve(desk["acme"] + "/1", f"Printer jam {i + 1}")

    async with console(desk.url) as (pilot, app):
        await show(pilot, CasesScreen("resolved"))
        assert len(app.screen.query_one("#cases", KeyTable).row_keys) == 3
        assert title_of(app) == "Cases · 5 resolved · newest 3 listed (/ to filter)"
        await press(pilot, "slash")
        await write(pilot, "jam 2")
        await pilot.pause(0.25)
        await settle(pilot)
        assert title_of(app) == "Cases · 1 resolved matching 'jam 2'"


async def test_cases_at_80_columns_keep_customer_and_title_readable(desk):
    title = "Phone system down at the warehouse"
    storage.open_case("Summit Logistics", title, line=desk["summit"] + "/1")
    resolved = storage.resolve(desk["summit"] + "/1", title)

    async with console(desk.url, size=(80, 24)) as (pilot, app):
        await show(pilot, CasesScreen())
        table = app.screen.query_one("#cases", KeyTable)
        row = table_lines(table)[1]
        assert "Summit Logistics" in row and "Phone system down" in row
        await press(pilot, "2")  # resolved: the date and what was charged give way
        row = table_lines(table)[1]
        assert row.startswith(f" {resolved}")
        assert "Summit Logistics" in row and "Phone system down at the" in row
        assert table.shown_keys == ["case", "customer", "title", "line"]
        await press(pilot, "4")  # all: each case's status
        row = table_lines(table)[1]
        assert "Summit Logistics" in row and "Phone system" in row and "resolved" in row


# -------------------------------------------------------------------- contracts


async def test_at_80_columns_the_sort_arrow_and_the_whole_tab_counts_show(desk):
    async with console(desk.url, size=(80, 24)) as (pilot, app):
        table = app.screen.query_one("#contracts", PagedTable)
        while table.sort_key != "days_left":
            await press(pilot, "o")
        header = "".join(segment.text for segment in table.render_line(0))
        assert header.rstrip().endswith("Days▲"), header
        bar = app.screen.query_one(TabBar)
        # the counts of the 2,000-contract demo
        counts = {"draft": 12, "invoiced": 40, "active": 1225, "on_hold": 30}
        bar.set_counts({**counts, "canceled": 200, "expired": 493, "all": 2000})
        tabs = bar.render().plain
        assert "Active 1,225" in tabs and "All 2,000" in tabs, tabs
        bar.set_counts({**counts, "canceled": 2200, "expired": 14493, "all": 18200})
        tabs = bar.render().plain
        assert "Canceled 2.2k" in tabs and "All 18k" in tabs and "Active 1.2k" in tabs, tabs


# ------------------------------------------------------------------------ check


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_the_check_screen_gives_the_reason_the_room_it_needs(desk, size):
    used_up = active_contract(allotment="1")
    storage.resolve(used_up + "/1", "The only case")
    reason = storage.show(used_up).lines[0].reason

    async with console(desk.url, size=size) as (pilot, app):
        await press(pilot, "c")
        await write(pilot, "Acme Corp")
        await press(pilot, "enter")
        table = app.screen.query_one("#lines", KeyTable)
        lines = table_lines(table)
        at = next(i for i, line in enumerate(lines) if used_up in line)
        if size[0] >= 120:  # on its line
            assert f"✘ {reason}" in lines[at] and "Line 1" in lines[at], lines[at]
        else:  # wrapped under it
            usable = table.columns["usable"]
            start = sum(c.get_render_width(table) for c in table.ordered_columns) - (
                usable.get_render_width(table)
            )
            words = " ".join(line[start:].strip() for line in lines[at : at + 5])
            assert f"✘ {reason}" in words, words


async def test_a_check_matching_several_customers_offers_them_to_pick(desk):
    storage.add_customer("Pine Harbor Foods")
    storage.add_customer("Pine Harbor Marine")
    marine = active_contract(customer="Pine Harbor Marine")

    async with console(desk.url) as (pilot, app):
        await press(pilot, "c")
        await write(pilot, "pine harbor")
        await press(pilot, "enter")
        verdict = str(app.screen.query_one("#verdict").render())
        assert "NOT COVERED" not in verdict and "2 customers match 'pine harbor'" in verdict
        picks = app.screen.query_one("#matches", KeyTable)
        assert picks.display and app.focused is picks
        assert picks.row_keys == ["Pine Harbor Foods", "Pine Harbor Marine"]
        assert not app.screen.query_one("#lines", KeyTable).display
        await press(pilot, "j", "enter")
        verdict = str(app.screen.query_one("#verdict").render())
        assert "COVERED" in verdict and "Pine Harbor Marine" in verdict
        lines = app.screen.query_one("#lines", KeyTable)
        assert lines.display and not picks.display and app.focused is lines
        assert lines.row_keys == [marine + "/1"]
        assert app.screen.query_one("#query").value == "Pine Harbor Marine"


def test_check_json_and_exit_code_for_several_customers_stay_as_they_were(desk):
    storage.add_customer("Pine Harbor Foods")
    storage.add_customer("Pine Harbor Marine")
    answer = json.loads(Contracts(desk.url)("check 'pine harbor' --json", code=1).stdout)
    assert set(answer) >= {"query", "at", "entitled", "customer", "reason", "contracts"}
    assert "matches" not in answer and answer["entitled"] is False
    assert "matches several customers (Pine Harbor Foods, Pine Harbor Marine)" in answer["reason"]


# ------------------------------------------------------------------- navigation


async def test_escape_returns_to_where_the_user_came_from(desk):
    case = storage.resolve(desk["summit"] + "/1", "Phone system down")

    async with console(desk.url) as (pilot, app):
        home = app.screen
        await press(pilot, "u")
        customers = app.screen
        await press(pilot, "slash")
        await write(pilot, "summit")
        await press(pilot, "enter", wait=0.25)
        await press(pilot, "enter")  # Summit's contracts
        assert isinstance(app.screen, ContractsScreen) and app.screen is not home
        assert [r.number for r in app.screen.table.visible_rows()] == [desk["summit"]]
        await press(pilot, "escape")
        assert app.screen is customers
        assert customers.query_one("#customers", KeyTable).row_keys == ["Summit Logistics"]
        await press(pilot, "escape")
        assert app.screen is home
        assert home.query_one("#filter").value == ""
        await press(pilot, "t")
        assert isinstance(app.screen, TemplatesScreen)
        await press(pilot, "escape")
        assert app.screen is home
        await press(pilot, "s", "2")
        cases = app.screen
        await press(pilot, "enter")  # the case's contract
        assert isinstance(app.screen, ContractScreen) and app.screen.number == desk["summit"]
        await press(pilot, "escape")
        assert app.screen is cases and cases.query_one("#cases", KeyTable).selected_key == case
        await press(pilot, "c")
        check = app.screen
        await write(pilot, "Acme Corp")
        await press(pilot, "enter", "enter")  # the line's contract
        assert isinstance(app.screen, ContractScreen) and app.screen.number == desk["acme"]
        await press(pilot, "escape")
        assert app.screen is check and check.result.customer == "Acme Corp"


# ------------------------------------------------------------------------- keys


def footer_text(app) -> str:
    return "".join(segment.text for segment in app.screen.query_one(KeyFooter).render_line(0))


async def test_keys_help_footer_and_behaviour_agree_on_every_list_screen(desk):
    """On each list screen, with its list focused: a key the help lists under "This screen"
    runs that action and is not shown unavailable; a key it lists as "(not now)" does
    nothing now (or what the help says it does now); enter (what a list is for) is in
    the footer."""
    storage.resolve(desk["acme"] + "/1", "Printer jam")

    async def check_screen(pilot, name: str) -> None:
        app = pilot.app
        screen = app.screen
        sections = dict(app.key_sections(screen))
        here, later = sections["This screen"], sections.get("In another state", [])
        active = screen.active_bindings
        footer = footer_text(app)
        for binding in Binding.make_bindings(type(screen).BINDINGS):
            row = (app.get_key_display(binding), binding.description)
            bound = active.get(binding.key)
            if row in here:
                assert bound is not None and bound.binding.action == binding.action, (name, row)
                assert bound.enabled, (name, row, "shown unavailable")
            if (row[0], row[1] + " (not now)") in later:  # the key does nothing, or what
                # the help says it does now
                does = bound and bound.enabled and (row[0], bound.binding.description)
                assert not does or does in here, (name, row, "works, says not now")
        for bound in active.values():
            if bound.binding.show and bound.node is screen:
                assert bound.enabled, (name, bound.binding.description, "dimmed in the footer")
        assert "⏎" in footer or name == "templates", (name, footer)
        assert any(key == "⏎" for key, _ in here), (name, here)

    async with console(desk.url, size=(120, 36)) as (pilot, _app):
        await check_screen(pilot, "contracts")
        await press(pilot, "s", "4")
        await check_screen(pilot, "cases")
        await press(pilot, "u")
        await check_screen(pilot, "customers")
        await press(pilot, "t")
        await check_screen(pilot, "templates")
        await press(pilot, "c")
        await write(pilot, "Acme Corp")
        await press(pilot, "enter")
        await check_screen(pilot, "check")
        await press(pilot, "slash", "ctrl+a", "ctrl+k")
        await write(pilot, "e")
        await press(pilot, "enter")  # a pick list
        await check_screen(pilot, "check")


# ------------------------------------------------------------------------ forms


async def test_the_new_contract_form_takes_a_template_as_the_command_line_does(desk):
    async def new_contract(pilot, customer: str, template: str):
        await press(pilot, "n")
        await fill(pilot, customer, template)
        await press(pilot, "ctrl+s")

    async with console(desk.url) as (pilot, app):
        home = app.screen
        for customer, template in (("globex", "PHONE"), ("Acme Corp", "phone support")):
            await new_contract(pilot, customer, template)
            assert isinstance(app.screen, ContractScreen), app.screen.error_message
            assert app.screen.info.template == "Phone Support"
            await press(pilot, "escape")
        before = dump()
        await new_contract(pilot, "Globex", "Bogus")
        form = app.screen
        assert isinstance(form, FormModal)
        assert form.error_message == "there is no template named 'Bogus'."
        assert dump() == before
        await press(pilot, "escape")
        assert app.screen is home


async def test_the_template_form_offers_choices_and_its_hints_fit_at_80_columns(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "t", "n")
        form = app.screen
        for field in form.query(Input):
            room = field.content_region.width
            assert cell_len(field.placeholder) <= room, (field.id, field.placeholder, room)
        allotment, billing = form.widget("allotment"), form.widget("billing")
        assert isinstance(allotment, Select) and isinstance(billing, Select)
        await fill(pilot, "Gold Hours", "GOLD")
        await pilot.press("tab")
        assert app.focused is allotment and allotment.value == "cases"
        await press(pilot, "enter", "down", "enter")  # open the list, the next one: time
        assert allotment.value == "time"
        await pilot.press("tab")
        assert app.focused is billing
        await press(pilot, "enter", "up", "up", "enter")  # monthly, two above quarterly
        assert billing.value == "monthly"
        await pilot.press("tab")
        await write(pilot, "40h")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, TemplatesScreen)
    template = storage.get_template("Gold Hours")
    assert (template.allotment_type, template.billing, template.volume) == ("time", "monthly", 2400)


async def test_a_new_customer_or_template_is_selected_in_its_list(desk):
    for name in ("Bravo", "Charlie", "Delta"):
        storage.add_customer(name)

    async with console(desk.url) as (pilot, app):
        await press(pilot, "u", "n")
        await write(pilot, "Initech")
        await press(pilot, "ctrl+s")
        table = app.screen.query_one("#customers", KeyTable)
        assert table.row_keys[0] == "Acme Corp" and table.selected_key == "Initech"
        await press(pilot, "t", "n")
        await fill(pilot, "Gold Support", "GOLD")
        await press(pilot, "ctrl+s")
        table = app.screen.query_one("#templates", KeyTable)
        assert table.row_keys[0] != "Gold Support" and table.selected_key == "Gold Support"
