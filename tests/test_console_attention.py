"""The console's attention screen (`!`) and the selected line's burn rate and chart on the
contract screen (issue 11, items 3 and 4), driven by keys with Pilot on SQLite."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Sparkline, Static

import storage
from tests.helpers import active_contract, ago, charged_on, make_world
from tests.helpers.console import Seeded, console, press, settle, write
from tui.screens.attention import AttentionScreen
from tui.screens.contract import ContractScreen
from tui.screens.keys import KeysScreen
from tui.widgets.key_table import KeyTable


@pytest.fixture
def desk(sqlite_url):
    """Today is 2026-06-15.

    busy    CNR-000001 Acme: line 1 used 9 of 10 (past 90 %), line 2 one case a week
            (runs out 2026-07-30)
    ending  CNR-000002 Globex, ends 2026-07-01, no renewal
    """
    make_world()
    busy = active_contract(lines=2)
    for i in range(9):
        storage.resolve(f"{busy}/1", f"Case {i}")
    charged_on(f"{busy}/2", ago(27), ago(20), ago(13), ago(6))
    ending = active_contract(customer="Globex", end="2026-07-01")
    return Seeded(sqlite_url, {"busy": busy, "ending": ending})


def rows(app) -> list[str]:
    table = app.screen.query_one("#entries", KeyTable)
    return [" | ".join(table.cells(key)).strip(" |") for key in table.row_keys]


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_exclamation_mark_lists_what_needs_attention_and_enter_opens_it(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "exclamation_mark")
        assert isinstance(app.screen, AttentionScreen)
        shown = rows(app)
        assert shown[0] == "▍ | Lines at or past a usage threshold | 1 entry"
        assert shown[1].startswith(f"{desk['busy']}/1 | 90 % used (9 of 10 cases)")
        assert shown[1].endswith("| Acme Corp")
        assert "▍ | Contracts ending soon with no renewal | 1 entry" in shown
        assert (
            f"{desk['ending']} | ends on 2026-07-01 (in 16 days) and has no renewal yet | Globex"
            in (shown)
        )
        assert f"{desk['busy']}/2 | at 0.9 cases/week it runs out about 2026-07-30" in "\n".join(
            shown
        )
        assert "3 entries" in text_of(app, "#summary")
        # the first entry is selected; below the list, why in full and what to do
        todo = text_of(app, "#todo")
        assert "past the 90 % threshold" in todo and "→ renew early or add a line" in todo
        await press(pilot, "enter")
        assert isinstance(app.screen, ContractScreen) and app.screen.number == desk["busy"]
        await press(pilot, "escape")
        await press(pilot, "down", "down", "down", "down", "enter")
        assert isinstance(app.screen, ContractScreen) and app.screen.number == desk["ending"]


async def test_the_attention_screen_says_when_nothing_needs_attention(sqlite_url):
    make_world()
    active_contract()

    async with console(sqlite_url) as (pilot, app):
        await press(pilot, "exclamation_mark")
        assert rows(app) == []
        assert "Nothing needs attention." in text_of(app, "#summary")
        await press(pilot, "enter")  # nothing to open: the screen stays
        assert isinstance(app.screen, AttentionScreen)


async def test_the_keys_list_and_the_palette_offer_attention(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeysScreen)
        assert ("!", "Attention") in app.screen.lines


async def test_a_change_reloads_the_attention_screen(desk):
    async with console(desk.url) as (pilot, app):
        await press(pilot, "exclamation_mark")
        storage.resolve(f"{desk['busy']}/1", "The tenth")
        app.data_changed()
        await settle(pilot)
        assert rows(app)[1].startswith(f"{desk['busy']}/1 | used up: 10 of 10 cases used")


async def test_the_selected_line_shows_its_burn_rate_run_out_day_and_chart(desk):
    async with console(desk.url, contract=desk["busy"]) as (pilot, app):
        burn = text_of(app, "#burn-text")
        # line 1: 9 cases charged today's real moment, after the frozen day: no recent use
        assert burn == "Line 1: no use in the last 90 days, no run-out day"
        await press(pilot, "down")
        burn = text_of(app, "#burn-text")
        assert burn.startswith("Line 2 runs out 2026-07-30, before its end · 0.9 cases/week")
        chart = app.screen.query_one("#burn-spark", Sparkline)
        assert chart.display and list(chart.data)[-4:] == [1, 1, 1, 1]
        # a case recorded here: the chart and the day follow at once
        await press(pilot, "r")
        await write(pilot, "Printer jam")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ContractScreen)
        assert text_of(app, "#burn-text").startswith("Line 2 runs out 2026-07-23")


async def test_the_first_section_is_painted_before_the_others_are_read(desk, monkeypatch):
    others_may_answer = threading.Event()
    real = storage.needs_attention

    def slow_for_the_others(*args, sections=None, **kwargs):
        if sections != ["threshold"]:
            others_may_answer.wait(10)
        return real(*args, sections=sections, **kwargs)

    monkeypatch.setattr(storage, "needs_attention", slow_for_the_others)

    async with console(desk.url) as (pilot, app):
        await pilot.press("exclamation_mark")
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, AttentionScreen) and rows(app):
                break
        assert rows(app)[:2] == [
            "▍ | Lines at or past a usage threshold | 1 entry",
            f"{desk['busy']}/1 | 90 % used (9 of 10 cases), past the 90 % threshold | Acme Corp",
        ]
        assert len(rows(app)) == 2
        assert "so far (reading the other sections…)" in text_of(app, "#summary")
        others_may_answer.set()
        await settle(pilot)
        assert "▍ | Contracts ending soon with no renewal | 1 entry" in rows(app)
        assert text_of(app, "#summary").startswith("3 entries  ·")
