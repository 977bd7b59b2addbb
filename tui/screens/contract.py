"""One contract: its header, its lines with used versus total, its cases, ledger and billing,
and every lifecycle action as a key."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ContentSwitcher, Static

import storage

from ..format import (
    LINE_STYLES,
    STATUS_STYLES,
    line_left,
    line_overage,
    line_used,
    status_label,
    when_words,
)
from ..widgets.bars import KeyFooter, TabBar, TitleBar
from ..widgets.burn import BurnChart
from ..widgets.key_table import Col, Cols, KeyTable
from .base import DataScreen, tab_bindings
from .contract_actions import LIFECYCLE, LifecycleActions, key_bindings, why_bindings
from .contract_lines import LineActions, line_terms, rate_text
from .contract_tabs import CASES_SHOWN, LOWER_TABS, ContractTabs, compose_tabs

WIDE, WIDER = 110, 140  # the lines table's width for its price columns, for its dates


def action_key(action: str) -> str:
    """The storage.refusals key of a screen action."""
    return LIFECYCLE.get(action, action)


class ContractScreen(LifecycleActions, LineActions, ContractTabs, DataScreen):
    AUTO_FOCUS = "#lines"
    BINDINGS: ClassVar = [
        *key_bindings(),
        # in `?` (the footer has no room for them at 120 columns)
        Binding("v", "view_case", "Case detail", show=False, id="contract.case"),
        Binding("H", "history", "History", show=False, id="contract.history"),
        *tab_bindings(LOWER_TABS, "contract", "Show this contract's {label}"),
        *why_bindings(),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.info = None
        self.cases: list = []
        self.entries: list = []
        self.periods: list = []
        self.refused: dict[str, str] = {}  # action: why this login may not do it (storage)

    def compose(self) -> ComposeResult:
        yield TitleBar(self.number)
        yield Static(Text("Loading…"), id="summary")
        yield KeyTable(
            [
                Col("pos", "#", 2, align="right"),
                Col("title", "Line", 12, flex=1),
                Col("used", "Used", 24),
                Col("left", "Left", 12, align="right"),
                Col("over", "Over", 6, align="right"),
                Cols.status,
                # where there is room (120 columns and more); else in #line-detail
                Col("price", "Price", 9, align="right", needs=WIDE),
                Col("net", "Net", 9, align="right", needs=WIDE),
                Col("rate", "Rate", 9, align="right", needs=WIDE),
                Col("start", "From", 10, needs=WIDER),
                Col("end", "To", 10, needs=WIDER),
            ],
            id="lines",
        )
        yield Static("", id="line-detail")
        yield BurnChart("#lines", id="burn")
        yield from compose_tabs()
        yield KeyFooter()

    # ------------------------------------------------------------------ data

    def reload(self, info=None) -> None:
        """Read the contract and its tabs again; given `info` (the contract as a change here
        left it), show it at once and read only the rest."""
        number = self.number
        if info is not None:
            self.show_info(info)

        self.load(
            storage.contract_detail,
            number,
            CASES_SHOWN,
            info,
            then=self._loaded,
            failed=self.load_failed,
        )

    def _loaded(self, detail) -> None:
        if detail.info is not self.info:  # else shown already (reload(info))
            self.show_info(detail.info)
        self.refused = detail.refused
        self.cases, self.entries, self.periods = detail.cases, detail.ledger, detail.billing
        self.fill_tabs()

    def show_info(self, info) -> None:
        """Header and lines; called at once after a change made here."""
        self.info = info
        title = self.query_one(TitleBar)
        title.set_title(f"{info.number} · {info.title}")
        self.query_one("#summary", Static).update(self._summary(info))
        lines = self.query_one("#lines", KeyTable)
        lines.fill([(line.ref, self._line_cells(line)) for line in info.lines])
        self.show_line_detail()
        self.query_one(BurnChart).follow()
        self.refresh_bindings()

    def show_line_detail(self) -> None:
        """The selected line's terms under the table, when the table has no room for them."""
        lines = self.query_one("#lines", KeyTable)
        detail = self.query_one("#line-detail", Static)
        line = self.selected_line
        detail.display = line is not None and len(lines.labels) < len(lines.specs)
        if detail.display:
            width = detail.size.width or self.size.width - 2
            detail.update(line_terms(line, width, money="Price" not in lines.labels))

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_line_detail)  # once the table has its new columns

    def _summary(self, info) -> Text:
        first = Text()
        first.append(info.customer, style="bold")
        first.append("  ")
        first.append(
            f" {status_label(info.status)} ", style=f"reverse {STATUS_STYLES[info.status]}"
        )
        first.append("  ")
        words = when_words(info)
        first.append(words, style="bold")
        if info.days_left is not None and words.startswith("ends in") and "day" not in words:
            first.append(f" ({info.days_left:,} days left)")
        second = Text()
        second.append(f"{info.start} → {info.end}")
        second.append(f"  ·  {info.template}  ·  billed {info.billing}")
        third = Text(f"Total {info.total_price_text}", style="bold")
        extras = []
        if info.bill_to != info.customer:
            extras.append(f"bill to {info.bill_to}")
        if info.cancel_reason:
            extras.append(f"canceled: {info.cancel_reason}")
        if info.origin:
            extras.append(
                f"{'renewal' if info.origin_kind == 'renewal' else 'copy'} of {info.origin}"
            )
        if info.renewed_by:
            extras.append(f"renewed as {info.renewed_by}")
        if not info.lines:
            extras.append("no lines yet: press a to add one")
        extras.append(f"service hours {info.hours}")
        for extra in extras:
            third.append(f"  ·  {extra}", style="not bold bright_black")
        text = Text("\n").join([first, second, third])
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    @staticmethod
    def _line_cells(line) -> list:
        return [
            str(line.position),
            line.title,
            line_used(line),
            line_left(line),
            line_overage(line),
            Text(line.status, style=LINE_STYLES.get(line.status, "")),
            storage.format_money(line.price_cents),
            storage.format_money(line.net_price_cents),
            rate_text(line),
            str(line.start),
            str(line.end),
        ]

    @on(TabBar.Changed, "#detail-tabs")
    def _tab_changed(self, event: TabBar.Changed) -> None:
        self.query_one("#lower", ContentSwitcher).current = event.tab

    # ---------------------------------------------------------------- helpers

    @property
    def selected_line(self):
        if self.info is None or not self.info.lines:
            return None
        key = self.query_one("#lines", KeyTable).selected_key
        return next((line for line in self.info.lines if line.ref == key), self.info.lines[0])

    def _allowed(self, action: str) -> bool:
        """Whether this login may do `action` to the contract as it is (storage.refusals)."""
        return self.info is not None and action not in self.refused

    @on(KeyTable.RowHighlighted, "#lines")
    def _line_selected(self) -> None:
        self.refresh_bindings()  # `r` and `l` depend on the line
        self.show_line_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return False
        if action == "resolve_case":
            return self.cases_focused and self.selected_case is not None and self._allowed("charge")
        if action == "record":
            line = self.selected_line
            return (
                self._allowed("charge")
                and self.info.status == "active"
                and line is not None
                and line.closed_reason is None
            )
        if action == "adjust":
            return self._allowed("adjust")
        if action == "next_term":
            return self.info is not None and bool(self.info.renewed_by)
        if action == "previous_term":
            return self.info is not None and self.info.origin_kind == "renewal"
        if action in LIFECYCLE:
            if not self._allowed(LIFECYCLE[action]):
                return False
            if action == "renew" and self.info.renewed_by:
                return False
            if action == "cancel_line":
                line = self.selected_line
                return line is not None and line.status not in ("canceled", "expired")
        return True

    def action_why(self, action: str) -> None:
        """A key whose action the contract's status does not allow: say why, change nothing."""
        info = self.info
        if info is None:
            self.notify("The contract is still loading.", severity="warning")
            return
        line = self.selected_line
        if action in ("record", "adjust") and action_key(action) in self.refused:
            message = self.refused[action_key(action)]
        elif action == "record":
            if line is None:
                message = f"{info.number} has no lines; nothing can be charged to it."
            else:
                message = line.reason or f"{info.number} is {storage.status_words(info.status)}."
        elif action == "renew" and info.renewed_by:
            message = f"{info.number} was already renewed as {info.renewed_by}."
        elif action == "cancel_line" and self._allowed("cancel_line"):
            message = f"line {line.ref} is already {line.status}." if line else "no line selected."
        else:  # the engine's own sentence
            message = self.refused.get(LIFECYCLE[action], "")
        self.notify(message, severity="error", markup=False)

    def _run(self, fn, *args, done: str | None = None) -> None:
        """A one-key action (hold, release): run it, say what happened, show the result."""

        def after(result) -> None:
            if done:
                self.notify(done.format(result=result), markup=False)
            self.reload()

        self.call_storage(fn, *args, then=after, group="action")

    def open_contract(self, number: str) -> None:
        """Another contract: back to it when it is the screen below, else on top."""
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if isinstance(below, ContractScreen) and below.number == number:
            self.dismiss()
        else:
            self.app.push_screen(ContractScreen(number))

    def _open_new(self, message: str):
        """After renew or copy: say so, and open the new contract (the result) on top."""

        def callback(result) -> None:
            if result is not None:
                self.notify(message.format(result=result), markup=False)
                self.app.push_screen(ContractScreen(result))
                self.stale = True

        return callback

    def palette_commands(self):
        yield ("Open the contract list", "back to the contracts", self.app.action_home)

    def action_view_case(self) -> None:
        from .case_detail import show_case

        show_case(self, self.query_one("#cases", KeyTable).selected_key)

    def action_history(self) -> None:
        from .audit import AuditScreen

        self.app.push_screen(AuditScreen(self.number))
