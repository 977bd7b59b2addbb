"""The console's detail views (issue 10, "views still missing"), driven by keys with Pilot:
case detail, the audit trail, users (supervisors) and a template with its contracts."""

from __future__ import annotations

import pytest

import storage
from tests.helpers import active_contract, contract_in, dump, make_world
from tests.helpers.console import Seeded, console, open_contract, press, show, write
from tui.screens.audit import AuditScreen
from tui.screens.case_detail import CaseScreen
from tui.screens.cases import CasesScreen
from tui.screens.catalog import CustomersScreen, TemplatesScreen
from tui.screens.contract import ContractScreen
from tui.screens.forms import FormModal
from tui.screens.template import TemplateScreen
from tui.screens.users import UsersScreen
from tui.widgets.key_table import KeyTable


def shown(widget) -> str:
    return str(widget.render())


def rows(app, table_id: str) -> list[str]:
    return app.screen.query_one(f"#{table_id}", KeyTable).row_keys


async def select(pilot, table_id: str, key: str) -> None:
    table = pilot.app.screen.query_one(f"#{table_id}", KeyTable)
    assert key in table.row_keys, table.row_keys
    while table.selected_key != key:
        below = table.row_keys.index(key) > table.row_keys.index(table.selected_key)
        await press(pilot, "j" if below else "k")


@pytest.fixture
def desk(sqlite_url):
    """Acme's cases contract of three lines and a time contract; today is 2026-06-15.

    CAS-1 resolved on line 2 of the cases contract by sam, opened by rita, reopened and
    resolved again; CAS-2 resolved on the time contract (10m spent, 30m charged);
    CAS-3 open, not linked to a line."""
    make_world()
    cases = active_contract(lines=3)
    time = active_contract("Dev Hours", allotment="10h")
    with storage.acting_as("rita"):
        printer = storage.open_case("Acme Corp", "Printer jam", line=cases + "/2")
    with storage.acting_as("sam"):
        storage.resolve_case(printer, resolution="cleared the paper tray")
        storage.reopen_case(printer)
        storage.resolve_case(printer, resolution="replaced the roller")
    build = storage.resolve(time + "/1", "Slow build", spent="10m", resolution="cache cleared")
    loose = storage.open_case("Globex", "Question about invoices")
    return Seeded(
        sqlite_url,
        {
            "cases": cases,
            "time": time,
            "printer": printer,
            "build": build,
            "loose": loose,
        },
    )


# ------------------------------------------------------------------ case detail


async def test_case_detail_from_the_cases_screen_shows_who_when_and_the_ledger(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "s", "2")  # cases, resolved
        await select(pilot, "cases", desk["printer"])
        await press(pilot, "v")
        assert isinstance(app.screen, CaseScreen) and app.screen.number == desk["printer"]
        text = shown(app.screen.query_one("#case-summary"))
        assert "resolved" in text and "Acme Corp" in text
        assert f"Line {desk['cases']}/2 Line 2" in text
        assert "by rita" in text and "by sam" in text
        assert "1 case charged." in text
        assert "Resolution: replaced the roller" in text
        table = app.screen.query_one("#entries", KeyTable)
        assert [table.cells(k)[2:5] for k in table.row_keys] == [
            ["+1", "charge", "sam"],
            ["−1", "reversal", "sam"],
            ["+1", "charge", "sam"],
        ]
        assert "Ledger entries · 3" in shown(app.screen.query_one("#entries-label"))
        await press(pilot, "escape")
        assert isinstance(app.screen, CasesScreen)


async def test_a_time_case_says_what_was_spent_and_what_the_rounding_charged(desk):
    async with console(desk.url) as (pilot, app):
        await show(pilot, CaseScreen(desk["build"]))
        text = shown(app.screen.query_one("#case-summary"))
        assert "10m spent, 30m charged (increment 15m, minimum 30m)." in text
        assert rows(app, "entries") == ["0"]
        assert app.screen.query_one("#entries", KeyTable).cells("0")[2] == "+30m"


async def test_an_open_case_without_a_line_has_no_contract_to_open(desk):
    async with console(desk.url) as (pilot, app):
        await show(pilot, CaseScreen(desk["loose"]))
        text = shown(app.screen.query_one("#case-summary"))
        assert "open" in text and "Not linked to a contract line" in text
        assert "Nothing charged yet." in text
        assert "No ledger entries" in shown(app.screen.query_one("#entries-label"))
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)  # nothing to open: the key is not offered
        await press(pilot, "question_mark")
        assert ("⏎", "Open contract (not now)") in app.screen.lines


async def test_enter_on_a_case_opens_its_contract_with_the_cases_line_selected(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "s", "2")
        await select(pilot, "cases", desk["printer"])
        await press(pilot, "enter")
        assert isinstance(app.screen, ContractScreen) and app.screen.number == desk["cases"]
        lines = app.screen.query_one("#lines", KeyTable)
        assert app.focused is lines and lines.selected_key == desk["cases"] + "/2"
        await press(pilot, "escape")
        assert isinstance(app.screen, CasesScreen)


async def test_from_the_case_detail_enter_opens_the_contract_at_the_line(desk):
    async with console(desk.url) as (pilot, app):
        await show(pilot, CaseScreen(desk["printer"]))
        await press(pilot, "enter")
        assert isinstance(app.screen, ContractScreen)
        assert app.screen.query_one("#lines", KeyTable).selected_key == desk["cases"] + "/2"


async def test_case_detail_from_the_contracts_cases_tab(desk):
    async with console(desk.url, contract=desk["cases"]) as (pilot, app):
        assert rows(app, "cases") == [desk["printer"]]
        await press(pilot, "v")
        assert isinstance(app.screen, CaseScreen) and app.screen.number == desk["printer"]
        await press(pilot, "escape")
        assert isinstance(app.screen, ContractScreen)
        await open_contract(pilot, desk["time"])
        await press(pilot, "question_mark")
        assert ("v", "Case detail") in app.screen.lines
        assert ("H", "History") in app.screen.lines


async def test_case_detail_with_no_case_selected_says_so(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "s", "3")  # no canceled case
        await press(pilot, "v")
        assert isinstance(app.screen, CasesScreen) and app.said("No case selected.")


# ------------------------------------------------------------------ audit trail


async def test_the_audit_trail_of_a_contract_its_case_and_a_customer(desk):
    storage.hold(desk["cases"])

    async with console(desk.url, contract=desk["cases"]) as (pilot, app):
        await press(pilot, "H")
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one("#events", KeyTable)
        newest = table.cells(table.row_keys[0])
        assert newest[2:] == ["hold", desk["cases"], "status: active → on_hold"]
        of = [table.cells(k)[3] for k in table.row_keys]
        assert desk["cases"] + "/3" in of and set(of) <= {desk["cases"]} | {
            f"{desk['cases']}/{i}" for i in (1, 2, 3)
        }
        detail = shown(app.screen.query_one("#event"))
        assert f"hold contract {desk['cases']}" in detail and "status: active → on_hold" in detail
        assert f"History of {desk['cases']}" in app.screen.query_one("TitleBar")._title
        await press(pilot, "escape")
        assert isinstance(app.screen, ContractScreen)
        await show(pilot, CaseScreen(desk["printer"]))
        await press(pilot, "H")
        table = app.screen.query_one("#events", KeyTable)
        assert [table.cells(k)[2] for k in table.row_keys] == [
            "resolve",
            "reopen",
            "resolve",
            "open",
        ]
        assert [table.cells(k)[1] for k in table.row_keys] == ["sam", "sam", "sam", "rita"]
        await press(pilot, "u")
        assert isinstance(app.screen, CustomersScreen)
        await select(pilot, "customers", "Globex")
        await press(pilot, "H")
        assert isinstance(app.screen, AuditScreen) and app.screen.ref == "Globex"
        assert [
            c[2] for c in map(app.screen.query_one("#events", KeyTable).cells, rows(app, "events"))
        ] == ["add"]


async def test_an_empty_history_says_so(desk):
    async with console(desk.url) as (pilot, app):
        await show(pilot, AuditScreen("CNR-000099"))
        assert rows(app, "events") == []
        assert "No changes recorded." in shown(app.screen.query_one("#event"))


# ------------------------------------------------------------------ users


def users_shown(app) -> list[list[str]]:
    table = app.screen.query_one("#users", KeyTable)
    return [table.cells(k) for k in table.row_keys]


def user_list() -> list[tuple[str, str]]:
    return [(u.login, u.role) for u in storage.list_users()]


def sam_supervisor_and_rita_rep() -> None:
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor")
        storage.add_user("rita", "rep")


async def add_supervisor(pilot, login: str) -> None:
    """The keys of a new user who is a supervisor, up to ctrl+s."""
    await press(pilot, "n")
    await write(pilot, login)
    await pilot.press("tab")
    await press(pilot, "enter", "up", "enter")  # the role list: rep, one up supervisor
    assert pilot.app.focused.value == "supervisor"
    await press(pilot, "ctrl+s")


async def test_a_supervisor_adds_changes_and_removes_users(desk):
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor")

        async with console(desk.url) as (pilot, app):
            await press(pilot, "U")
            assert isinstance(app.screen, UsersScreen)
            assert users_shown(app) == [["sam (you)", "supervisor"]]
            await press(pilot, "n")
            await write(pilot, "rita")
            await press(pilot, "ctrl+s")  # the role is rep unless changed
            assert app.said("rita added as a rep.")
            assert users_shown(app) == [["rita", "rep"], ["sam (you)", "supervisor"]]
            assert app.screen.query_one("#users", KeyTable).selected_key == "rita"  # the new one
            await press(pilot, "r")
            assert "Make rita a supervisor (now a rep)?" in shown(app.screen.query_one("#intro"))
            await press(pilot, "y")
            assert app.said("rita is now a supervisor.")
            assert users_shown(app)[0] == ["rita", "supervisor"]
            await press(pilot, "d", "y")
            assert app.said("rita removed.")
            assert users_shown(app) == [["sam (you)", "supervisor"]]
        assert user_list() == [("sam", "supervisor")]


async def test_the_last_supervisor_is_neither_removed_nor_demoted(desk):
    sam_supervisor_and_rita_rep()
    before = dump()
    sentence = (
        "sam is the last supervisor and other users are listed; make another user a "
        "supervisor first."
    )
    with storage.acting_as("sam"):
        async with console(desk.url) as (pilot, app):
            await press(pilot, "U")
            await select(pilot, "users", "sam")
            await press(pilot, "d", "y")
            assert isinstance(app.screen, FormModal)
            assert app.screen.error_message == sentence
            await press(pilot, "escape")
            await press(pilot, "r", "y")
            assert app.screen.error_message == sentence
            await press(pilot, "escape")
            assert users_shown(app) == [["rita", "rep"], ["sam (you)", "supervisor"]]
    assert dump() == before


async def test_a_first_supervisor_who_is_not_you_is_confirmed_first(desk):
    with storage.acting_as("rita"):
        async with console(desk.url) as (pilot, app):
            await press(pilot, "U")
            assert "No users are listed: everyone may do everything" in shown(
                app.screen.query_one("#users-note")
            )
            await add_supervisor(pilot, "tom")
            question = shown(app.screen.query_one("#intro"))
            assert "tom would be the first supervisor" in question and "--yes" not in question
            assert user_list() == []  # asked, nothing written yet
            await press(pilot, "n")  # no
            assert user_list() == []
            await add_supervisor(pilot, "tom")
            await press(pilot, "y")
            assert app.said("tom added as a supervisor.")
            # rita is no supervisor: the screen now says why she may not manage users
            assert "Only a supervisor may manage users; rita is not a listed user." in shown(
                app.screen.query_one("#users-note")
            )
        assert user_list() == [("tom", "supervisor")]


async def test_a_rep_reads_the_refusal_and_no_key_changes_anything(desk):
    sam_supervisor_and_rita_rep()
    before = dump()
    with storage.acting_as("rita"):
        async with console(desk.url) as (pilot, app):
            await press(pilot, "U")
            note = shown(app.screen.query_one("#users-note"))
            assert note == "Only a supervisor may manage users; rita is a rep."
            assert not app.screen.query_one("#users", KeyTable).display
            await press(pilot, "n", "d", "r")
            assert isinstance(app.screen, UsersScreen)
            await press(pilot, "question_mark")
            assert ("n", "Add user (not now)") in app.screen.lines
    assert dump() == before


# ------------------------------------------------------------------ templates


async def test_enter_on_a_template_opens_its_terms_and_its_contracts(desk):
    draft = contract_in("draft")

    async with console(desk.url) as (pilot, app):
        await press(pilot, "t")
        assert isinstance(app.screen, TemplatesScreen)
        await select(pilot, "templates", "Phone Support")
        await press(pilot, "enter")
        assert isinstance(app.screen, TemplateScreen)
        terms = shown(app.screen.query_one("#terms"))
        assert "PHONE" in terms and "cases" in terms and "billed quarterly" in terms
        assert "10 cases per line" in terms
        assert rows(app, "template-contracts") == [draft, desk["cases"]]
        cells = app.screen.query_one("#template-contracts", KeyTable).cells(draft)
        assert cells[0] == draft and cells[3] == "Draft"
        assert "Contracts made from it · 2" in shown(app.screen.query_one("#contracts-label"))
        await press(pilot, "j", "enter")
        assert isinstance(app.screen, ContractScreen) and app.screen.number == desk["cases"]
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, TemplatesScreen)
        await select(pilot, "templates", "Dev Hours")
        await press(pilot, "enter")
        terms = shown(app.screen.query_one("#terms"))
        assert "time charged in increment 15m, minimum 30m" in terms


async def test_the_new_keys_are_in_the_keys_help_of_their_screens(desk):
    async def keys_of(pilot, *keys) -> list[tuple[str, str]]:
        await press(pilot, *keys)
        await press(pilot, "question_mark")
        lines = pilot.app.screen.lines
        await press(pilot, "escape")
        return lines

    async with console(desk.url) as (pilot, _app):
        cases = await keys_of(pilot, "s")
        assert ("v", "Detail") in cases
        assert ("U", "Users") in cases  # everywhere
        assert ("H", "History") in await keys_of(pilot, "u")
        assert ("⏎", "Open") in await keys_of(pilot, "t")
        users = await keys_of(pilot, "U")
        assert ("n", "Add user") in users  # no user listed yet: nobody to change or remove
        assert {("r", "Change role (not now)"), ("d", "Remove (not now)")} <= set(users)
