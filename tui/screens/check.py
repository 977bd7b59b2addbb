"""Is this customer covered? Type a customer or a contract number; see every line and what is
left, or exactly why not."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

import storage

from ..format import (
    STATUS_STYLES,
    days_left_text,
    left_of_total,
    status_label,
    usage_style,
    when_words,
)
from ..widgets.bars import FilterInput, KeyFooter, TitleBar
from ..widgets.key_table import Col, KeyTable
from .base import DataScreen
from .contract import ContractScreen, RecordCaseModal, left_sentence

CHECK_DELAY = 0.3


class CheckScreen(DataScreen):
    AUTO_FOCUS = "#query"
    BINDINGS: ClassVar = [
        Binding("r", "record", "Record case", id="check.record"),
        Binding("slash", "focus_query", "New check", key_display="/", id="check.query"),
        Binding("enter", "open", "Open contract", show=False, id="check.open"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.query_text = query
        self.result = None
        self._timer = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Check coverage")
        yield FilterInput("name, contract (CNR-…), phone or e-mail, then enter", id="query")
        yield Static(
            Text(
                "Type who is calling: a customer's name, a contract number, their phone number "
                "or e-mail address.",
                style="bright_black",
            ),
            id="verdict",
        )
        yield KeyTable(
            [
                Col("line", "Line", 12),
                Col("title", "Title", 10, flex=1),
                Col("left", "Left", 14, align="right"),
                Col("status", "Status", 8),
                Col("days", "Days", 5, align="right"),
                Col("usable", "Usable", 16, flex=1),
            ],
            id="lines",
        )
        yield Static("", id="reason")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.query_text:
            self.query_one("#query", FilterInput).value = self.query_text
            self.reload()

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        query = self.query_text.strip()
        if not query:
            return
        self.call_storage(
            storage.check,
            query,
            then=self._show,
            failed=self._failed,
            group="check",
            exclusive=True,
        )

    def _failed(self, error: Exception) -> None:
        from ..calls import error_text

        self.result = None
        self.query_one("#verdict", Static).update(Text(error_text(error), style="red"))
        self.query_one("#lines", KeyTable).fill([])

    def _show(self, result) -> None:
        if result.query != " ".join(self.query_text.split()):
            return
        self.result = result
        verdict = Text()
        if result.entitled:
            usable = sum(1 for c in result.contracts for line in c.lines if line.usable)
            verdict.append("✔ COVERED ", style="bold reverse green")
            verdict.append(f" {result.customer}", style="bold")
            verdict.append(f" on {result.at}: {usable} usable line{'s' if usable != 1 else ''}.")
        else:
            verdict.append("✘ NOT COVERED ", style="bold reverse red")
            if result.customer:
                verdict.append(f" {result.customer}", style="bold")
            verdict.append(f" {result.reason}")
        self.query_one("#verdict", Static).update(verdict)
        rows = []
        for info in result.contracts:
            for line in info.lines:
                usable = (
                    Text("✔ usable", style="green")
                    if line.usable
                    else Text(f"✘ {line.reason}", style="red")
                )
                left = Text(
                    left_of_total(line),
                    style=usage_style(line.used, line.total) if line.total else "",
                )
                rows.append(
                    (
                        line.ref,
                        [
                            line.ref,
                            line.title,
                            left,
                            Text(
                                status_label(info.status), style=STATUS_STYLES.get(info.status, "")
                            ),
                            days_left_text(info.days_left),
                            usable,
                        ],
                    )
                )
        self.query_one("#lines", KeyTable).fill(rows)
        self._show_reason()

    def _selected(self):
        if self.result is None:
            return None, None
        key = self.query_one("#lines", KeyTable).selected_key
        for info in self.result.contracts:
            for line in info.lines:
                if line.ref == key:
                    return info, line
        return None, None

    @on(KeyTable.RowHighlighted, "#lines")
    def _show_reason(self, event=None) -> None:
        info, line = self._selected()
        reason = self.query_one("#reason", Static)
        if line is None:
            reason.update("")
            return
        text = Text()
        text.append(f"{info.number} ", style="bold")
        text.append(f"{info.customer} · {when_words(info)} · ")
        text.append(left_sentence(line) if line.usable else (line.reason or ""))
        reason.update(text)

    # ---------------------------------------------------------------- typing

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(CHECK_DELAY, self.reload)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self.reload()
        self.query_one("#lines", KeyTable).focus()

    def action_leave_filter(self) -> None:
        self.query_one("#lines", KeyTable).focus()

    def action_focus_query(self) -> None:
        self.query_one("#query", FilterInput).focus()

    # --------------------------------------------------------------- actions

    @on(KeyTable.RowSelected, "#lines")
    def action_open(self, event=None) -> None:
        info, _line = self._selected()
        if info is not None:
            self.app.push_screen(ContractScreen(info.number))

    def action_record(self) -> None:
        info, line = self._selected()
        if line is None:
            self.notify("Check a customer first, then pick a line.", severity="warning")
            return
        self.app.push_screen(RecordCaseModal(line, then_show=info.number), self._recorded)

    def _recorded(self, result) -> None:
        if result is None:
            return
        case, info = result
        _old, line = self._selected()
        fresh = next((li for li in info.lines if line and li.ref == line.ref), None)
        left = left_sentence(fresh) if fresh else ""
        self.notify(f"{case} recorded on {line.ref}: {left}.", title="Case recorded", markup=False)
        self.reload()
