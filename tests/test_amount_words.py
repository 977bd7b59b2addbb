"""Amounts read one way everywhere (issue 10): what is left reads `10 of 12 cases left`, what
is used `2 of 12 used`; a contract's remainder never lets one line's overage eat the others;
resolving and reopening say what is left, and a rounded time charge says why."""

from __future__ import annotations

import storage
from tests.helpers import active_contract, make_world
from tests.helpers.cli import Contracts
from tests.helpers.cli import active_contract as cli_contract
from tests.helpers.cli import make_world as cli_world
from tests.helpers.console import console, fill, press, write
from tui.screens.cases import CasesScreen
from tui.screens.contracts import ContractsScreen
from tui.screens.forms import FormModal
from tui.widgets.key_table import KeyTable
from tui.widgets.paged_table import PagedTable

# ------------------------------------------------------- a contract's remainder


def _three_lines() -> str:
    """Lines 3 of 8 left, 0 of 5 left (+1 over), 9 of 12 left: 12 of 25 left in all."""
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    for title, total in (("Phone", "8"), ("Email", "5"), ("Chat", "12")):
        storage.add_line(number, title, allotment=total, price="1200")
    storage.invoice(number)
    for position, used in ((1, 5), (2, 6), (3, 3)):
        storage.adjust(f"{number}/{position}", f"+{used}", "calls counted by hand")
    return number


def _with_cases_resolved(number: str, *titles: str) -> str:
    """`number`, with a case resolved on its first line for each title."""
    for title in titles:
        storage.resolve(f"{number}/1", title)
    return number


def test_an_overdrawn_line_does_not_eat_the_other_lines_remainder(db_url):
    make_world()
    number = _three_lines()
    row = next(r for r in storage.list_contracts() if r.number == number)
    assert (row.remaining, row.overage) == (12, 1)
    assert row.remaining_text == "12 of 25 cases left (+1 over)"
    # the same contract's lines, as show and check read them (each line on its own)
    lines = storage.show(number).lines
    assert sum(li.remaining for li in lines) == 12
    checked = storage.check(number).contracts[0].lines
    assert [(li.remaining, li.overage) for li in checked] == [(3, 0), (0, 1), (9, 0)]
    assert [li.left_text for li in lines] == [
        "3 of 8 cases left",
        "0 of 5 cases left (+1 over)",
        "9 of 12 cases left",
    ]


def test_the_command_line_list_says_what_is_left_of_the_contract(lite: Contracts):
    make_world()
    number = _three_lines()
    row = next(r for r in lite.json("list") if r["number"] == number)
    assert (row["remaining"], row["used"], row["total"]) == (12, 14, 25)
    assert "12 of 25 cases left (+1 over)" in lite.out("list")


async def test_the_console_list_says_what_is_left_of_the_contract(sqlite_url):
    make_world()
    number = _three_lines()

    for size in ((120, 36), (80, 24)):
        async with console(sqlite_url, size=size) as (_pilot, app):
            assert isinstance(app.screen, ContractsScreen)
            table = app.screen.query_one("#contracts", PagedTable)
            row = next(r for r in table.visible_rows() if r.number == number)
            assert row.remaining_text == "12 of 25 cases left (+1 over)"
            painted = [table.render_line(y).text for y in range(table.size.height)]
            line = next(text for text in painted if number in text)
            assert "12 of 25 cases (+1 over)" in line, line  # whole, at 80 columns too


# ------------------------------------------------------------- one reading


def test_the_command_line_reads_left_and_used_the_same_way(lite: Contracts):
    cli_world(lite)
    number = cli_contract(lite, allotment="12")
    for title in ("Printer", "Laptop"):
        lite(f"resolve {number}/1 --title {title}", today="2026-06-15")
    shown = lite.out(f"show {number}", today="2026-06-15")
    assert "2 of 12 used" in shown and "10 of 12 cases left" in shown
    assert "10 of 12 cases left" in lite.out("check acme", today="2026-06-15")
    assert "10 of 12 cases left" in lite.out("list", today="2026-06-15")
    hours = cli_contract(lite, template="DEV", allotment="10h")
    lite(f"resolve {hours}/1 --title Setup --spent 30m", today="2026-06-15")
    assert "9h 30m of 10h left" in lite.out(f"show {hours}", today="2026-06-15")
    assert "30m of 10h used" in lite.out(f"show {hours}", today="2026-06-15")


async def test_the_contract_screen_reads_left_and_used_the_same_way(sqlite_url):
    make_world()
    number = _with_cases_resolved(active_contract(allotment="12"), "Printer", "Laptop")

    async with console(sqlite_url, size=(120, 36), contract=number) as (pilot, app):
        cells = app.screen.query_one("#lines", KeyTable).cells(f"{number}/1")
        assert cells[2].endswith("2 of 12 used")
        assert cells[3] == "10 left"
        await press(pilot, "c")
        await write(pilot, "acme")
        await press(pilot, "enter")
        left = app.screen.query_one("#lines", KeyTable).cells(f"{number}/1")[2]
        assert left == "10 of 12 cases"  # under the column headed Left


# ------------------------------------------------------------------ notices


def test_a_rounded_time_charge_says_why_and_what_is_left(lite: Contracts):
    cli_world(lite)
    number = cli_contract(lite, template="DEV", allotment="10h")
    result = lite(f"resolve {number}/1 --title Setup --spent 10m", today="2026-06-15")
    assert result.stderr == (
        "CAS-000001 resolved: 10m spent, 30m charged (minimum 30m) to "
        f"{number}/1; 9h 30m of 10h left.\n"
    )
    result = lite(f"resolve {number}/1 --title Backup --spent 40m", today="2026-06-15")
    assert "40m spent, 45m charged (rounded up to 15m steps)" in result.stderr
    assert result.stderr.endswith("8h 45m of 10h left.\n")
    reopened = lite.out("case reopen CAS-000002", today="2026-06-15")
    assert reopened == (f"CAS-000002 reopened; 45m returned to {number}/1 (9h 30m of 10h left).")


async def test_recording_on_a_time_line_in_the_console_says_the_rounding(sqlite_url):
    make_world()
    number = active_contract("Dev Hours", allotment="10h")

    async with console(sqlite_url, contract=number) as (pilot, app):
        await press(pilot, "r")
        await fill(pilot, "Setup", "10m")
        await press(pilot, "ctrl+s")
        assert app.said("10m spent, 30m charged (minimum 30m)")
        assert app.said("9h 30m of 10h left")


async def test_resolving_and_reopening_on_the_cases_screen_say_what_is_left(sqlite_url):
    make_world()
    number = active_contract(allotment="12")
    case = storage.open_case("Acme Corp", "Cannot print", line=f"{number}/1")

    async with console(sqlite_url) as (pilot, app):
        await press(pilot, "s")
        assert isinstance(app.screen, CasesScreen)
        await press(pilot, "r")
        await write(pilot, "new driver")
        await press(pilot, "ctrl+s")
        assert app.said(f"{case} resolved: charged 1 case to {number}/1; 11 of 12 cases left.")
        await press(pilot, "2")
        await press(pilot, "o")
        await press(pilot, "y")
        assert app.said(f"{case} reopened; 1 case returned to {number}/1 (12 of 12 cases left).")
    assert storage.show(number).lines[0].used == 0


async def test_adjusting_a_line_reads_its_use_once_and_says_what_is_left(sqlite_url):
    make_world()
    number = _with_cases_resolved(active_contract(allotment="10"), "One", "Two")

    async with console(sqlite_url, size=(120, 36), contract=number) as (pilot, app):
        await press(pilot, "A")
        form = app.screen
        assert isinstance(form, FormModal)
        intro = str(form.query_one("#intro").render())
        assert "Line 1: 2 of 10 used." in intro and "used used" not in intro
        form.widget("amount").value = "-1"
        form.widget("note").value = "charged twice by mistake"
        await press(pilot, "ctrl+s")
        assert app.said(f"Adjusted {number}/1 by -1: 9 of 10 cases left.")
    assert storage.show(number).lines[0].used == 1
