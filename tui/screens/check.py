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
from ..widgets.key_table import Col, Cols, KeyTable
from .base import DataScreen
from .contract import ContractScreen
from .contract_lines import record_case

CHECK_DELAY = 0.3


class PickTable(KeyTable):
    """The customers a part of a name matched: enter checks the one selected."""

    BINDINGS: ClassVar = [
        Binding("enter", "screen.pick", "Check this customer", id="check.pick"),
    ]


class CheckScreen(DataScreen):
    AUTO_FOCUS = "#query"
    LOAD_ON_MOUNT = False
    BINDINGS: ClassVar = [
        Binding("r", "record", "Record case", id="check.record"),
        Binding("slash", "focus_query", "New check", key_display="/", id="check.query"),
        Binding("enter", "open", "Open contract", id="check.open"),
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
        yield Static("", id="hours")
        yield KeyTable(
            [
                Cols.line,
                Col("title", "Title", 10, flex=1),
                Col("left", "Left", 14, align="right"),
                Cols.status,
                Col("days", "Days", 5, align="right"),
                Col("usable", "Usable", 16, flex=1, fit=True),
            ],
            id="lines",
        )
        yield PickTable([Col("customer", "Customer", 20, flex=1)], id="matches")
        yield Static("", id="reason")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#matches").display = False
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
        self._show_matches(result.matches)
        if result.matches:
            return
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
        self.query_one("#verdict", Static).update(self._hours_verdict(result) or verdict)
        self._show_hours(result)
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

    def _show_matches(self, names: list[str]) -> None:
        """Several customers matched: offer them to pick from, in place of the lines."""
        picks = self.query_one("#matches", PickTable)
        lines = self.query_one("#lines", KeyTable)
        had_focus = self.focused in (picks, lines)
        picks.display, lines.display = bool(names), not names
        if not names:
            if had_focus:
                lines.focus()
            return
        shown = (
            " (the first ones; type more of the name)"
            if len(names) >= storage.CHECK_MATCHES
            else ""
        )
        verdict = Text()
        verdict.append(f"{len(names)} customers match '{self.result.query}'{shown}", style="bold")
        verdict.append(": pick one (enter) to check it.")
        self.query_one("#verdict", Static).update(verdict)
        lines.fill([])
        self.query_one("#reason", Static).update("")
        picks.fill([(name, [name]) for name in names], keep=False)
        if had_focus:
            picks.focus()

    def action_pick(self) -> None:
        name = self.query_one("#matches", PickTable).selected_key
        if name is None:
            return
        field = self.query_one("#query", FilterInput)
        with field.prevent(Input.Changed):
            field.value = name
        self.query_text = name
        self.reload()

    @on(KeyTable.RowSelected, "#matches")
    def _picked(self, event) -> None:
        self.action_pick()

    # ---------------------------------------------------------- service hours

    def _hours_verdict(self, result) -> Text | None:
        """Entitled, but outside the service hours at this moment: said instead of COVERED."""
        if not result.entitled or result.covered_now:
            return None
        verdict = Text()
        verdict.append("◷ OUTSIDE HOURS ", style="bold reverse yellow")
        verdict.append(f" {result.customer}", style="bold")
        verdict.append(f" is entitled on {result.at}, not at this hour.")
        return verdict

    def _show_hours(self, result) -> None:
        """One line under the verdict: within service hours now, or when they open next."""
        hours = self.query_one("#hours", Static)
        hours.display = result.in_hours is not None
        if result.in_hours:
            shown = {li.hours for li in result.contracts if any(x.usable for x in li.lines)}
            hours.update(Text(f"Within service hours now ({'; '.join(sorted(shown))}).", "green"))
        elif result.hours_note:
            hours.update(Text(result.hours_note[0].upper() + result.hours_note[1:] + ".", "yellow"))

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
        text.append(line.left_sentence if line.usable else (line.reason or ""))
        if line.in_hours is False and line.opens_at is not None:
            text.append(f" · closed now, opens {line.opens_at:%a %H:%M}", style="yellow")
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
        self.action_leave_filter()

    def action_leave_filter(self) -> None:
        picks = self.query_one("#matches", PickTable)
        (picks if picks.display else self.query_one("#lines", KeyTable)).focus()

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
        record_case(self, line, info.number)
