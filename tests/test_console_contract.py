"""The contract detail screen as a rep and a supervisor use it (issue 10): the cases tab,
the ledger, the confirmations, the footer and `?`, what a login may do, renewals, the lines
at 80 and 120 columns, and a draft changed by someone else while it was being edited."""

from __future__ import annotations

import asyncio

import pendulum
import pytest

import storage
from tests.helpers import TODAY, active_contract, contract_in, dump, make_world
from tests.helpers.console import Seeded, console, open_contract, press, settle, write
from tui.screens.contract import ContractScreen
from tui.screens.forms import FormModal
from tui.screens.keys import KeysScreen
from tui.widgets.bars import KeyFooter
from tui.widgets.key_table import KeyTable


@pytest.fixture
def desk(sqlite_url):
    """Today is 2026-06-15. An active contract (10 cases) with one open case on its line,
    a draft, an expired and a canceled contract."""
    make_world()
    numbers = {"active": active_contract()}
    numbers["open_case"] = storage.open_case(
        "Acme Corp", "Slow laptop", line=numbers["active"] + "/1"
    )
    numbers["draft"] = contract_in("draft")
    numbers["expired"] = contract_in("expired")
    numbers["canceled"] = contract_in("canceled")
    return Seeded(sqlite_url, numbers)


def footer_line(app) -> str:
    return "".join(segment.text for segment in app.screen.query_one(KeyFooter).render_line(0))


async def focus_cases(pilot) -> KeyTable:
    table = pilot.app.screen.query_one("#cases", KeyTable)
    table.focus()
    await settle(pilot)
    return table


# ------------------------------------------------------------------ the cases tab


async def test_r_on_an_open_case_in_the_cases_tab_resolves_that_case(desk):
    ref = desk["active"] + "/1"

    async with console(desk.url, contract=desk["active"]) as (pilot, app):
        table = await focus_cases(pilot)
        assert table.selected_key == desk["open_case"]
        await press(pilot, "r")
        form = app.screen
        assert isinstance(form, FormModal) and form.form_title == f"Resolve {desk['open_case']}"
        await write(pilot, "new memory")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        assert app.said(f"{desk['open_case']} resolved")
        assert table.cells(desk["open_case"])[3] == "resolved"
        assert app.screen.info.lines[0].used == 1
    case = storage.show_case(desk["open_case"])
    assert (case.status, case.resolution) == ("resolved", "new memory")
    assert [c.title for c in storage.list_cases(contract=desk["active"])] == ["Slow laptop"]
    assert storage.show(desk["active"]).lines[0].used == 1
    assert storage.show(desk["active"]).lines[0].ref == ref


async def test_r_on_a_resolved_case_in_the_cases_tab_says_why_and_changes_nothing(desk):
    storage.resolve_case(desk["open_case"])
    before = dump()

    async with console(desk.url, contract=desk["active"]) as (pilot, app):
        await focus_cases(pilot)
        await press(pilot, "r")
        assert isinstance(app.screen, ContractScreen)
        assert app.said(f"{desk['open_case']} is resolved; only an open case can be resolved.")
    assert dump() == before


# ------------------------------------------------------------------ the ledger tab


async def test_the_ledger_shows_who_and_the_note_in_their_own_columns(desk):
    ref = desk["active"] + "/1"
    storage.resolve(ref, "Printer jam")
    with storage.acting_as("sam"):
        storage.adjust(ref, "-1", "charged twice by mistake")
    login = storage.current_login()

    async with console(desk.url, contract=desk["active"]) as (pilot, app):
        await press(pilot, "2")
        ledger = app.screen.query_one("#ledger", KeyTable)
        assert [label for label in ledger.labels] == [
            "When",
            "Line",
            "Case",
            "Amount",
            "Kind",
            "Who",
            "Note",
        ]
        newest, oldest = (ledger.cells(key) for key in ledger.row_keys)
        assert newest[4:] == ["adjustment", "sam", "charged twice by mistake"]
        assert oldest[4:] == ["charge", login, ""]
        assert oldest[1] == "1"  # the line's position: the contract is the one shown


# ------------------------------------------------------------------ confirmations


async def test_confirmations_name_the_action_on_the_confirm_key(desk):
    before = dump()

    async with console(desk.url, size=(100, 24), contract=desk["active"]) as (pilot, app):
        await press(pilot, "x")
        assert footer_line(app).split() == ["ctrl+s", "Cancel", "contract", "esc", "Keep", "it"]
        assert ": cancel contract · esc: keep it" in str(app.screen.query_one("#hint").render())
        await press(pilot, "escape")
        await press(pilot, "l")  # cancel the selected line: a question without fields
        assert footer_line(app).split() == ["⏎", "Cancel", "line", "esc", "Keep", "it"]
        await press(pilot, "n")
        assert isinstance(app.screen, ContractScreen)
        await open_contract(pilot, desk["draft"])
        await press(pilot, "d")
        assert footer_line(app).split() == ["⏎", "Delete", "esc", "Keep", "it"]
        await press(pilot, "escape")
        await press(pilot, "y")  # copy
        assert footer_line(app).split() == ["⏎", "Copy", "esc", "Not", "now"]
        await press(pilot, "escape")
        assert isinstance(app.screen, ContractScreen)
    assert dump() == before


# ------------------------------------------------------------------ footer and `?`


async def test_at_80_columns_the_footer_keeps_keys_and_back_and_the_rest_is_one_question_mark_away(
    desk,
):

    async with console(desk.url, size=(80, 24), contract=desk["active"]) as (pilot, app):
        footer = footer_line(app)
        assert len(footer) == 80
        assert "? Keys" in footer and "esc Back" in footer
        assert footer.startswith(" r Record case ")
        shown = set(footer.split())
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeysScreen)
        keys = {key for key, _description in app.screen.lines}
        listed = dict(app.screen.lines)
        # every key that works on the screen is listed, those the footer has no room for too
        for key in ("r", "h", "x", "w", "y", "a", "l", "A", "1", "2", "3"):
            assert key in keys, key
        for key, description in (("u", "Customers"), ("t", "Templates"), ("s", "Cases")):
            assert listed[key] == description
        assert {"?", "esc", "q", "c"} <= keys
        assert shown & {"r", "h", "x", "?", "esc"} == {"r", "h", "x", "?", "esc"}
        await press(pilot, "escape")
        await press(pilot, "l")  # not in the footer, but it works as `?` says
        assert app.screen.form_title == f"Cancel line {desk['active']}/1"


# ------------------------------------------------------------------ what a login may do


async def test_a_read_only_login_is_not_offered_what_it_may_not_do_and_is_told_why_at_once(desk):
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor", confirm=True)
    before = dump()

    with storage.acting_as("nobody"):
        async with console(desk.url, contract=desk["active"]) as (pilot, app):
            footer = footer_line(app)
            for word in ("Record", "Hold", "Cancel", "Renew", "Add line"):
                assert word not in footer, word
            assert "? Keys" in footer and "y Copy" not in footer
            await press(pilot, "h")
            assert app.said("only a supervisor may hold contracts; nobody is not a listed user.")
            await press(pilot, "r")
            assert isinstance(app.screen, ContractScreen)  # no form to fill first
            assert app.said(
                "only listed users (rep or supervisor) may resolve cases; nobody may only"
            )
            await focus_cases(pilot)
            await press(pilot, "r")
            assert isinstance(app.screen, ContractScreen)
            assert app.notes[-1][1].startswith("only listed users (rep or supervisor) may resolve")
    assert dump() == before


async def test_a_supervisor_is_offered_them(desk):
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor", confirm=True)

    with storage.acting_as("sam"):
        async with console(desk.url, contract=desk["active"]) as (_pilot, app):
            footer = footer_line(app)
            assert footer.startswith(" r Record case  h Hold  x Cancel  w Renew ")


async def test_r_on_a_canceled_line_is_refused_at_once(desk):
    storage.add_line(desk["active"], "Second line", allotment="5")
    storage.cancel_line(desk["active"] + "/2")
    before = dump()

    async with console(desk.url, contract=desk["active"]) as (pilot, app):
        await press(pilot, "j")  # the canceled line
        assert "Record case" not in footer_line(app)
        await press(pilot, "r")
        assert isinstance(app.screen, ContractScreen)
        assert app.said(f"line {desk['active']}/2 is canceled.", "error")
        await press(pilot, "k")  # the first line is open: r records again
        assert footer_line(app).startswith(" r Record case ")
    assert dump() == before


# ------------------------------------------------------------------ renewals


def expired_hotline() -> str:
    """A contract of 2025 titled with its year (expired on 2026-06-15, today)."""
    storage.clock.freeze(pendulum.Date(2025, 1, 1))
    number = storage.new_contract("Acme Corp", "Phone Support", "2025-01-01", "2025-12-31")
    storage.edit_contract(number, title="Hotline 2025")
    storage.add_line(number, "Phone", allotment="10")
    storage.invoice(number)
    storage.clock.freeze(TODAY)
    return number


async def test_renewing_an_expired_contract_offers_today_and_moves_the_year(desk):
    number = expired_hotline()

    async with console(desk.url, contract=number) as (pilot, app):
        await press(pilot, "w")
        form = app.screen
        assert form.widget("start").value == "2026-01-01"  # the day after the old end
        assert "in the past" in str(form.query_one("#note-start").render())
        assert "Hotline 2026" in str(form.query_one("#intro").render())
        form.widget("today").value = True  # "start today (2026-06-15) instead"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen) and app.screen.number != number
        info = app.screen.info
        assert (info.title, str(info.start), str(info.end)) == (
            "Hotline 2026",
            "2026-06-15",
            "2027-06-14",
        )


async def test_a_renewed_contract_jumps_to_its_renewal_and_back(desk):
    renewal = storage.renew(desk["active"])

    async with console(desk.url, contract=desk["active"]) as (pilot, app):
        assert " n Next term " in footer_line(app)
        await press(pilot, "n")
        assert app.screen.number == renewal
        assert " p Previous term " in footer_line(app)
        await press(pilot, "p")  # back to the screen it came from, not a new one
        assert app.screen.number == desk["active"]
        depth = len(app.screen_stack)
        await press(pilot, "n", "p", "n")
        assert app.screen.number == renewal and len(app.screen_stack) == depth + 1
        await press(pilot, "escape")
        assert app.screen.number == desk["active"]
        await press(pilot, "escape")  # the list
        await open_contract(pilot, renewal)  # opened from elsewhere: p opens the old one
        await press(pilot, "p")
        assert app.screen.number == desk["active"]
        await press(pilot, "escape")
        assert app.screen.number == renewal


# ------------------------------------------------------------------ the lines' terms


async def test_the_lines_show_price_net_rate_and_dates_where_there_is_room(desk):
    ref = storage.add_line(
        desk["active"], "Spring", allotment="4", price="1000", discount="200", start="2026-03-01",
        end="2026-05-31",
    )  # fmt: skip

    async with console(desk.url, size=(120, 36), contract=desk["active"]) as (pilot, app):
        lines = app.screen.query_one("#lines", KeyTable)
        assert {"Price", "Net", "Rate"} <= set(lines.labels)
        cells = dict(zip([c.label for c in lines.specs], lines.cells(ref)))
        assert (cells["Price"], cells["Net"], cells["Rate"]) == ("1,000.00", "800.00", "200.00")
        assert (cells["From"], cells["To"]) == ("2026-03-01", "2026-05-31")
        await press(pilot, "j")
        detail = str(app.screen.query_one("#line-detail").render())
        assert "2026-03-01 → 2026-05-31" in detail  # the dates, if not in the table
        assert app.screen.query_one("#line-detail").display != ("From" in lines.labels)

    async with console(desk.url, size=(80, 24), contract=desk["active"]) as (pilot, app):
        lines = app.screen.query_one("#lines", KeyTable)
        assert lines.labels == ["#", "Line", "Used", "Left", "Over", "Status"]
        await press(pilot, "j")
        detail = str(app.screen.query_one("#line-detail").render())
        for words in ("1,000.00", "net 800.00", "200.00 per case", "2026-03-01 → 2026-05-31"):
            assert words in detail, detail


# ------------------------------------------------------------------ edited by two people


async def test_a_draft_changed_elsewhere_while_edited_keeps_what_was_typed_and_can_be_reapplied(
    desk,
):
    draft = desk["draft"]

    def someone_else():
        with storage.session():
            storage.edit_contract(draft, end="2026-11-30")

    async with console(desk.url, contract=draft) as (pilot, app):
        await press(pilot, "e")
        form = app.screen
        await pilot.press("ctrl+a", "ctrl+k")
        await write(pilot, "Support 2026 (renegotiated)")
        await asyncio.to_thread(someone_else)
        await press(pilot, "ctrl+s")
        assert app.screen is form  # still open, nothing saved
        assert form.widget("title").value == "Support 2026 (renegotiated)"
        assert "changed by someone else" in form.error_message
        assert "end 2026-12-31 → 2026-11-30" in form.error_message
        assert storage.show(draft).title != "Support 2026 (renegotiated)"
        await press(pilot, "ctrl+s")  # re-apply what was typed over their change
        assert isinstance(app.screen, ContractScreen)
        assert app.said(f"{draft} saved.")
    info = storage.show(draft)
    assert (info.title, str(info.end)) == ("Support 2026 (renegotiated)", "2026-11-30")
