"""`!`: what needs attention, in sections (storage.attention): lines past the thresholds or
running out before their end, contracts ending with no renewal, open cases on unusable lines,
overage not yet billed. The first section is painted first, the rest follow; `enter` opens
the entry's contract."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

import storage

from ..widgets.bars import KeyFooter, TitleBar
from ..widgets.key_table import Col, KeyTable
from .base import DataScreen

SHOWN = 200  # entries per section at most (the CLI lists them all)
FIRST = "threshold"


class AttentionScreen(DataScreen):
    DEFAULT_CSS = """
    AttentionScreen #summary { height: 1; padding: 0 1; background: $boost; }
    AttentionScreen #entries { height: 1fr; }
    AttentionScreen #todo { height: 2; padding: 0 1; background: $boost; }
    """
    TITLE_TEXT = "Attention"
    AUTO_FOCUS = "#entries"
    BINDINGS: ClassVar = [
        Binding("enter", "open", "Open contract", id="attention.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sections: list = []
        self.at = None
        self.settings = ((75, 90), 30)
        self.complete = False  # every section has been read at least once

    def compose(self) -> ComposeResult:
        yield TitleBar("Needs attention")
        yield Static(Text("Looking…", style="bright_black"), id="summary")
        yield KeyTable(
            [
                Col("ref", "Where", 12),
                Col("why", "Why", 24, flex=3),
                Col("customer", "Customer", 10, flex=1),
            ],
            id="entries",
        )
        yield Static("", id="todo")
        yield KeyFooter()

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        self.call_storage(
            storage.needs_attention,
            sections=[FIRST],
            limit=SHOWN,
            then=self._first,
            group="attention",
            exclusive=True,
        )

    def _first(self, found) -> None:
        """The first section; the others shown so far stay until their new answer comes."""
        self.at, self.settings = found.at, (found.thresholds, found.within)
        self.sections = list(found.sections) + self.sections[1:]
        self._fill(done=self.complete)
        # The other sections are read once this one is on screen: their worker would hold
        # the interpreter while the first section is being painted.
        self.call_after_refresh(self._read_rest)

    def _read_rest(self) -> None:
        rest = [key for key in storage.attention.SECTIONS if key != FIRST]
        self.call_storage(
            storage.needs_attention,
            sections=rest,
            limit=SHOWN,
            then=self._rest,
            group="attention",
            exclusive=True,
        )

    def _rest(self, found) -> None:
        self.sections = self.sections[:1] + list(found.sections)
        self.complete = True
        self._fill(done=True)

    def _fill(self, done: bool) -> None:
        rows = []
        for section in self.sections:
            if not section.entries:
                continue
            n = len(section.entries)
            count = f"first {SHOWN}" if section.more else f"{n} entr{'ies' if n != 1 else 'y'}"
            head = Text(section.title, style="bold")
            # The count in the last column: the title's column cuts it at 80 columns.
            cells = [Text("▍", style="bold"), head, Text(count, style="bold")]
            rows.append((f"section:{section.section}", cells))
            for i, entry in enumerate(section.entries):
                where = entry.case or entry.line or entry.contract
                rows.append((f"{section.section}:{i}", [where, entry.why, entry.customer]))
        table = self.query_one("#entries", KeyTable)
        table.fill(rows)
        if rows and table.cursor_row == 0 and len(rows) > 1:
            table.move_cursor(row=1, animate=False)
        self.query_one("#summary", Static).update(self._summary(done))
        self._show_todo()

    def _summary(self, done: bool) -> Text:
        (warn, alert), within = self.settings
        count = sum(len(s.entries) for s in self.sections)
        text = Text()
        if done and not count:
            text.append("Nothing needs attention.", style="bold green")
        else:
            shown = f"{count:,} entr{'ies' if count != 1 else 'y'}"
            text.append(shown + (" shown" if count >= SHOWN else ""), style="bold")
            if not done:
                text.append(" so far (reading the other sections…)", style="bright_black")
        text.append(
            f"  ·  lines at {warn} % / {alert} % used · ending within {within} days",
            style="bright_black",
        )
        return text

    # ------------------------------------------------------------ selection

    def selected_entry(self):
        key = self.query_one("#entries", KeyTable).selected_key
        if key is None or key.startswith("section:"):
            return None
        name, _, index = key.rpartition(":")
        section = next((s for s in self.sections if s.section == name), None)
        return None if section is None else section.entries[int(index)]

    @on(KeyTable.RowHighlighted, "#entries")
    def _show_todo(self, event=None) -> None:
        entry = self.selected_entry()
        todo = self.query_one("#todo", Static)
        if entry is None:
            todo.update("")
            return
        text = Text(f"{entry.line or entry.contract}: {entry.why}\n")
        text.append("→ ", style="bold")
        text.append(entry.what_to_do, style="bold")
        text.append(f"   enter opens {entry.contract}", style="bright_black")
        todo.update(text)

    @on(KeyTable.RowSelected, "#entries")
    def action_open(self, event=None) -> None:
        from .contract import ContractScreen

        entry = self.selected_entry()
        if entry is not None:
            self.app.push_screen(ContractScreen(entry.contract))
