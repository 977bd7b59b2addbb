"""One contract: its header, its lines with used versus total, its cases, ledger and billing,
and every lifecycle action as a key."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ContentSwitcher, Static

import storage

from ..format import (
    CASE_STYLES,
    LINE_STYLES,
    STATUS_STYLES,
    line_left,
    line_overage,
    line_used,
    local_stamp,
    signed_amount,
    status_label,
    when_words,
)
from ..widgets.bars import KeyFooter, TabBar, TitleBar
from ..widgets.burn import BurnChart
from ..widgets.key_table import Col, KeyTable
from ..widgets.suggest import CustomerSuggester
from .base import DataScreen, tab_bindings
from .contract_lines import LineActions, RecordCaseModal
from .forms import Field, FormModal

LOWER_TABS = [("cases", "Cases"), ("ledger", "Ledger"), ("billing", "Billing")]
LOWER_KEYS = Binding.Group("Tab", compact=True)
LEDGER_SHOWN = 500

# The lifecycle keys and the storage action each stands for (storage.TRANSITIONS names).
LIFECYCLE = {
    "invoice": "invoice",
    "hold": "hold",
    "release": "release",
    "cancel_contract": "cancel",
    "renew": "renew",
    "copy": "copy",
    "edit": "edit",
    "add_line": "add_line",
    "edit_line": "edit_line",
    "delete": "delete",
    "cancel_line": "cancel_line",
}


class ContractScreen(LineActions, DataScreen):
    AUTO_FOCUS = "#lines"
    BINDINGS: ClassVar = [
        Binding(
            "r",
            "record",
            "Record case",
            tooltip="Record a resolved case on the selected line",
            id="contract.record",
        ),
        Binding(
            "i", "invoice", "Invoice", tooltip="Invoice this draft contract", id="contract.invoice"
        ),
        Binding("h", "hold", "Hold", tooltip="Put this contract on hold", id="contract.hold"),
        Binding(
            "h",
            "release",
            "Release",
            tooltip="Release this contract from hold",
            id="contract.release",
        ),
        Binding(
            "x", "cancel_contract", "Cancel", tooltip="Cancel this contract", id="contract.cancel"
        ),
        Binding(
            "w",
            "renew",
            "Renew",
            tooltip="Renew this contract for the next term",
            id="contract.renew",
        ),
        Binding(
            "y", "copy", "Copy", tooltip="Copy this contract into a new draft", id="contract.copy"
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            tooltip="Edit this draft (title, customer, dates)",
            id="contract.edit",
        ),
        Binding(
            "a",
            "add_line",
            "Add line",
            tooltip="Add a line to this contract",
            id="contract.add_line",
        ),
        Binding(
            "m",
            "edit_line",
            "Edit line",
            tooltip="Change the selected line's terms (draft only)",
            id="contract.edit_line",
        ),
        Binding("d", "delete", "Delete", tooltip="Delete this draft", id="contract.delete"),
        Binding(
            "l",
            "cancel_line",
            "Cancel line",
            show=False,
            tooltip="Cancel the selected line",
            id="contract.cancel_line",
        ),
        Binding(
            "A",
            "adjust",
            "Adjust use",
            show=False,
            tooltip="Correct the selected line's use with a ledger entry (supervisors)",
            id="contract.adjust",
        ),
        # in `?` (the footer has no room for them at 120 columns)
        Binding("v", "view_case", "Case detail", show=False, id="contract.case"),
        Binding("H", "history", "History", show=False, id="contract.history"),
        *tab_bindings(LOWER_TABS, "contract", "Show this contract's {label}", LOWER_KEYS),
        # The same keys when the contract's status does not allow the action: they say why.
        Binding("r", "why('record')", show=False),
        Binding("i", "why('invoice')", show=False),
        Binding("h", "why('hold')", show=False),
        Binding("x", "why('cancel_contract')", show=False),
        Binding("w", "why('renew')", show=False),
        Binding("e", "why('edit')", show=False),
        Binding("a", "why('add_line')", show=False),
        Binding("m", "why('edit_line')", show=False),
        Binding("d", "why('delete')", show=False),
        Binding("l", "why('cancel_line')", show=False),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.info = None
        self.cases: list = []
        self.entries: list = []
        self.periods: list = []

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
                Col("status", "Status", 8),
            ],
            id="lines",
        )
        yield BurnChart("#lines", id="burn")
        yield TabBar(LOWER_TABS, "cases", id="detail-tabs")
        with ContentSwitcher(initial="cases", id="lower"):
            yield KeyTable(
                [
                    Col("case", "Case", 10),
                    Col("title", "Title", 12, flex=1),
                    Col("line", "Line", 12),
                    Col("status", "Status", 8),
                    Col("date", "Resolved", 10),
                    Col("charged", "Charged", 7, align="right"),
                ],
                id="cases",
            )
            yield KeyTable(
                [
                    Col("at", "When", 16),
                    Col("line", "Line", 12),
                    Col("case", "Case", 10),
                    Col("amount", "Amount", 7, align="right"),
                    Col("kind", "Kind", 10),
                    Col("note", "Note", 8, flex=1),
                ],
                id="ledger",
            )
            yield KeyTable(
                [
                    Col("start", "From", 10),
                    Col("end", "To", 10),
                    Col("amount", "Amount", 12, align="right"),
                    Col("note", "", 10, flex=1),
                ],
                id="billing",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        number = self.number

        def load():
            return (
                storage.show(number),
                storage.list_cases(contract=number, limit=500),
                storage.ledger(number),
                storage.billing_schedule(number),
            )

        self.call_storage(
            load, then=self._loaded, failed=self._load_failed, group="load", exclusive=True
        )

    def _load_failed(self, error: Exception) -> None:
        from ..calls import show_error

        show_error(self, error)
        if isinstance(error, storage.NotFound) and self.app.screen is self:
            self.dismiss()

    def _loaded(self, data) -> None:
        info, cases, entries, periods = data
        self.show_info(info)
        self.cases, self.entries, self.periods = cases, entries, periods
        self._fill_lower()

    def show_info(self, info) -> None:
        """Header and lines; called at once after a change made here."""
        self.info = info
        title = self.query_one(TitleBar)
        title.set_title(f"{info.number} · {info.title}")
        self.query_one("#summary", Static).update(self._summary(info))
        lines = self.query_one("#lines", KeyTable)
        lines.fill([(line.ref, self._line_cells(line)) for line in info.lines])
        self.query_one(BurnChart).follow()
        self.refresh_bindings()

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
        ]

    def _fill_lower(self) -> None:
        bar = self.query_one("#detail-tabs", TabBar)
        bar.set_counts(
            {"cases": len(self.cases), "ledger": len(self.entries), "billing": len(self.periods)}
        )
        self.query_one("#cases", KeyTable).fill(
            [
                (
                    case.number,
                    [
                        case.number,
                        case.title,
                        case.line or "",
                        Text(case.status, style=CASE_STYLES.get(case.status, "")),
                        str(case.resolved_on or ""),
                        signed_amount(case.charged, case.allotment_type or "cases")
                        if case.status == "resolved"
                        else "",
                    ],
                )
                for case in self.cases
            ]
        )
        entries = self.entries[-LEDGER_SHOWN:]
        self.query_one("#ledger", KeyTable).fill(
            [
                (
                    str(i),
                    [
                        local_stamp(e.at),
                        e.line,
                        e.case or "",
                        signed_amount(e.amount, e.allotment_type),
                        e.kind,
                        f"{e.who}{': ' + e.note if e.note else ''}",
                    ],
                )
                for i, e in enumerate(reversed(entries))
            ]
        )
        today = storage.today()
        self.query_one("#billing", KeyTable).fill(
            [
                (
                    str(p.start),
                    [
                        str(p.start),
                        str(p.end),
                        storage.format_money(p.amount_cents),
                        Text("current period", style="bold")
                        if p.start <= today <= p.end
                        else Text("billed" if p.end < today else "", style="bright_black"),
                    ],
                )
                for p in self.periods
            ]
        )

    # ----------------------------------------------------------- lower tabs

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#detail-tabs", TabBar).active = tab

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
        return self.info is not None and storage.refusal(self.info.status, action, "") is None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return False
        if action == "record":
            return self.info is not None and self.info.status == "active" and bool(self.info.lines)
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
        if action == "record":
            line = self.selected_line
            if line is None:
                message = f"{info.number} has no lines; nothing can be charged to it."
            else:
                message = line.reason or f"{info.number} is {storage.status_words(info.status)}."
        elif action == "renew" and info.renewed_by:
            message = f"{info.number} was already renewed as {info.renewed_by}."
        elif action == "cancel_line" and self._allowed("cancel_line"):
            line = self.selected_line
            message = f"line {line.ref} is already {line.status}." if line else "no line selected."
        else:  # the engine's own sentence
            message = storage.refusal(info.status, LIFECYCLE[action], info.number) or ""
        self.notify(message, severity="error", markup=False)

    def _run(self, fn, *args, done: str | None = None) -> None:
        """A one-key action (hold, release): run it, say what happened, show the result."""

        def after(result) -> None:
            if done:
                self.notify(done.format(result=result), markup=False)
            self.reload()

        self.call_storage(fn, *args, then=after, group="action")

    def _after_form(self, message: str | None = None, open_new: bool = False):
        def callback(result) -> None:
            if result is None:
                return
            if message:
                self.notify(message.format(result=result), markup=False)
            if open_new:
                self.app.push_screen(ContractScreen(result))
                self.stale = True
            else:
                self.reload()

        return callback

    # ---------------------------------------------------------------- actions

    def action_record(self) -> None:
        line = self.selected_line
        if line is None:
            return
        self.app.push_screen(RecordCaseModal(line, then_show=self.number), self._recorded)

    def _recorded(self, result) -> None:
        if result is None:
            return
        _case, info, notice = result
        self.show_info(info)
        self.notify(notice, title="Case recorded", markup=False)
        self.reload()

    def action_invoice(self) -> None:
        number, start = self.number, self.info.start
        done = (
            f"{number} invoiced and active at once."
            if start <= storage.today()
            else f"{number} invoiced; it becomes active on {start}."
        )
        self.confirm(
            f"Invoice {number}",
            f"Bill {number} to {self.info.bill_to}? Its dates and terms are locked from "
            "now on; it becomes active at once if it has already started.",
            partial(storage.invoice, number),
            "Invoice",
            self._after_form(done),
        )

    def action_hold(self) -> None:
        self._run(
            storage.hold,
            self.number,
            done=f"{self.number} is on hold: no case can be charged to it.",
        )

    def action_release(self) -> None:
        self._run(storage.release, self.number, done=f"{self.number} released: it is {{result}}.")

    def action_cancel_contract(self) -> None:
        info = self.info
        day = min(max(storage.today(), info.start), info.end)
        number = self.number

        def submit(values):
            return storage.cancel(number, values["on"], values["reason"])

        self.app.push_screen(
            FormModal(
                f"Cancel {number}",
                [
                    Field(
                        "on",
                        "Cancel date",
                        str(day),
                        required=True,
                        check=partial(storage.parse_date, what="cancel date"),
                        note=f"when service ends, between {info.start} and {info.end}",
                    ),
                    Field("reason", "Reason", required=True, placeholder="why it is canceled"),
                ],
                submit,
                intro=f"Cancel {number} of {info.customer}? This cannot be undone: no case can "
                "be charged to it afterwards.",
                submit_label="Cancel contract",
            ),
            self._after_form(f"{number} canceled."),
        )

    def action_renew(self) -> None:
        info = self.info
        number = self.number

        def submit(values):
            return storage.renew(number, start=values["start"], include_canceled=values["include"])

        self.app.push_screen(
            FormModal(
                f"Renew {number}",
                [
                    Field(
                        "start",
                        "Renewal start",
                        str(info.end.add(days=1)),
                        required=True,
                        check=partial(storage.parse_date, what="renewal start"),
                        note="the new term is as long as this one",
                    ),
                    Field(
                        "include",
                        "Canceled lines",
                        flag=True,
                        placeholder="copy canceled lines too",
                    ),
                ],
                submit,
                intro=f"A new draft for the next term of {number}, with fresh allotments; "
                "this contract's lines become renewed.",
                submit_label="Renew",
            ),
            self._after_form(f"{number} renewed as {{result}} (a draft).", open_new=True),
        )

    def action_copy(self) -> None:
        number = self.number
        self.confirm(
            f"Copy {number}",
            f"Make a new draft with the dates and lines of {number} (fresh allotments)?",
            partial(storage.copy, number),
            "Copy",
            self._after_form(f"{number} copied as {{result}} (a draft).", open_new=True),
        )

    def action_edit(self) -> None:
        info = self.info
        number, version = self.number, info.version
        before = {
            "title": info.title,
            "customer": info.customer,
            "start": str(info.start),
            "end": str(info.end),
        }

        def submit(values):
            changed = {k: v for k, v in values.items() if v != before[k]}
            if not changed:
                raise storage.InvalidInput("nothing changed; edit a field or press escape.")
            return storage.edit_contract(number, expected_version=version, **changed)

        self.app.push_screen(
            FormModal(
                f"Edit {number}",
                [
                    Field("title", "Title", info.title, required=True),
                    Field(
                        "customer",
                        "Customer",
                        info.customer,
                        required=True,
                        suggestions=CustomerSuggester(),
                    ),
                    Field(
                        "start",
                        "Start",
                        str(info.start),
                        required=True,
                        check=partial(storage.parse_date, what="start date"),
                    ),
                    Field(
                        "end",
                        "End",
                        str(info.end),
                        required=True,
                        check=partial(storage.parse_date, what="end date"),
                    ),
                ],
                submit,
                intro="Only a draft can be edited. Lines that run with the contract follow "
                "its new dates.",
            ),
            self._after_form(f"{number} saved."),
        )

    def action_view_case(self) -> None:
        from .case_detail import show_case

        show_case(self, self.query_one("#cases", KeyTable).selected_key)

    def action_history(self) -> None:
        from .audit import AuditScreen

        self.app.push_screen(AuditScreen(self.number))

    def action_delete(self) -> None:
        number = self.number

        def deleted(result) -> None:
            if result is None:
                return
            self.notify(f"{number} deleted.", markup=False)
            self.dismiss()

        self.confirm(
            f"Delete {number}",
            f"Delete the draft {number} and its lines? This cannot be undone.",
            partial(storage.delete, number),
            "Delete",
            deleted,
        )

    def palette_commands(self):
        yield ("Open the contract list", "back to the contracts", self.app.action_home)
