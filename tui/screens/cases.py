"""Cases: open and resolved, newest first; resolve, cancel, reopen, or open a new one."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

import storage

from ..format import CASE_STYLES, local_date, signed_amount
from ..widgets.bars import FilterInput, KeyFooter, TabBar, TitleBar
from ..widgets.key_table import Col, Cols, KeyTable
from .base import FilteredScreen, filter_binding, tab_bindings
from .forms import Field, customer_field, resolve_case_form

CASE_TABS = [("open", "Open"), ("resolved", "Resolved"), ("canceled", "Canceled"), ("all", "All")]
SHOWN = 500
# Each tab shows the columns that say something there: the status only on All, what was
# charged only where cases are resolved; at 80 columns the date, then the charge, give way
# to the customer and the title (the case's line stays: enter opens its contract).
HIDDEN = {"open": {"status", "charged"}, "resolved": {"status"}, "canceled": {"status", "charged"}}


def _cases_and_count(status: str, text: str | None, shown: int) -> tuple[list, int]:
    """The newest `shown` cases and how many there are in all (counted only when more)."""
    cases = storage.list_cases(status, text=text, limit=shown)
    if len(cases) < shown:
        return cases, len(cases)
    return cases, storage.count_cases(status, text=text)


def _reopen(number: str) -> str:
    """Reopen a case (in a worker); the sentence saying what went back to the line."""
    return storage.reopened_notice(number, storage.reopen_case(number))


class CasesScreen(FilteredScreen):
    LIST_SELECTOR = "#cases"

    AUTO_FOCUS = "#cases"
    BINDINGS: ClassVar = [
        filter_binding("cases"),
        *tab_bindings(CASE_TABS, "cases", "Show {label} cases"),
        Binding("r", "resolve", "Resolve", id="cases.resolve"),
        Binding("x", "cancel_case", "Cancel case", id="cases.cancel"),
        Binding("o", "reopen", "Reopen", id="cases.reopen"),
        Binding("n", "new_case", "New case", id="cases.new"),
        Binding("v", "view_case", "Detail", tooltip="The selected case in full", id="cases.view"),
        Binding("enter", "open_contract", "Open contract", id="cases.open"),
    ]

    def __init__(self, status: str = "open") -> None:
        super().__init__()
        self.status = status
        self.cases: list = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Cases")
        yield TabBar(CASE_TABS, self.status, id="case-tabs")
        yield FilterInput("/ filter by case number, customer or title", id="filter")
        yield KeyTable(
            [
                Cols.case,
                Col("customer", "Customer", 20, flex=1),
                Col("title", "Title", 28, flex=2),
                Cols.line,
                Cols.status,
                Col("date", "Date", 10, drop=2),
                Col("charged", "Charged", 7, align="right", drop=1),
            ],
            id="cases",
        )
        yield KeyFooter()

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        status, text, shown = self.status, self.text, SHOWN
        self.load(
            _cases_and_count, status, text or None, shown, then=partial(self._loaded, status, text)
        )

    def _loaded(self, status: str, text: str, answer: tuple[list, int]) -> None:
        if (status, text) != (self.status, self.text):
            return
        cases, count = answer
        self.cases = cases
        label = dict(CASE_TABS)[status].lower()
        where = f" matching '{text}'" if text else ""
        more = ""
        if count > len(cases):  # fits 80 columns: `Cases · 15,012 resolved · newest 500 listed…`
            more = f" · newest {len(cases):,} listed" + ("" if text else " (/ to filter)")
        self.query_one(TitleBar).set_title(f"Cases · {count:,} {label}{where}{more}")
        self.query_one("#cases", KeyTable).hide(HIDDEN.get(status, ()))
        rows = []
        for case in cases:
            when = case.resolved_on if case.status == "resolved" else local_date(case.opened)
            charged = (
                signed_amount(case.charged, case.allotment_type or "cases")
                if case.status == "resolved" and case.line
                else ""
            )
            rows.append(
                (
                    case.number,
                    [
                        case.number,
                        case.customer,
                        case.title,
                        case.line or "—",
                        Text(case.status, style=CASE_STYLES.get(case.status, "")),
                        str(when or ""),
                        charged,
                    ],
                )
            )
        self.query_one("#cases", KeyTable).fill(rows)

    @property
    def selected(self):
        key = self.query_one("#cases", KeyTable).selected_key
        return next((c for c in self.cases if c.number == key), None)

    # ----------------------------------------------------------- tabs/filter

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#case-tabs", TabBar).active = tab

    @on(TabBar.Changed, "#case-tabs")
    def _tab_changed(self, event: TabBar.Changed) -> None:
        self.status = event.tab
        self.reload()

    # --------------------------------------------------------------- actions

    def _need(self, status: str, doing: str):
        case = self.selected
        if case is None:
            self.notify("No case selected.", severity="warning")
            return None
        if case.status != status:
            self.notify(
                f"{case.number} is {case.status}; only a {status} case can be {doing}.",
                severity="error",
                markup=False,
            )
            return None
        return case

    def action_resolve(self) -> None:
        case = self._need("open", "resolved")
        if case is None:
            return
        where = f" on {case.line}" if case.line else " (link it to a line to charge it)"
        self.app.push_screen(
            resolve_case_form(
                case,
                f"{case.number} · {case.customer} · {case.title}{where}",
                ask_line=case.line is None,
            ),
            self.after("{result}"),
        )

    def action_cancel_case(self) -> None:
        case = self._need("open", "canceled")
        if case is None:
            return
        self.confirm(
            f"Cancel {case.number}",
            f"Cancel {case.number} ({case.title})? Nothing is charged.",
            partial(storage.cancel_case, case.number),
            "Cancel case",
            self.after(f"{case.number} canceled."),
        )

    def action_reopen(self) -> None:
        case = self._need("resolved", "reopened")
        if case is None:
            return
        gives_back = f" Its charge goes back to {case.line}." if case.line and case.charged else ""
        self.confirm(
            f"Reopen {case.number}",
            f"Reopen {case.number} ({case.title})?{gives_back}",
            partial(_reopen, case.number),
            "Reopen",
            self.after("{result}"),
        )

    def action_new_case(self) -> None:
        def submit(values):
            return storage.open_case(
                values["customer"], values["title"], line=values["line"] or None
            )

        self.form(
            "Open a case",
            [
                customer_field(),
                Field("title", "Title", required=True),
                Field("line", "Line", placeholder="CNR-…/N (optional)"),
            ],
            submit,
            submit_label="Open case",
            then=self.after("{result} opened.", "#cases"),
        )

    @on(KeyTable.RowSelected, "#cases")
    async def action_open_contract(self, event=None) -> None:
        """The case's contract, with the case's line selected."""
        from .case_detail import open_contract_at

        case = self.selected
        if case is not None:
            await open_contract_at(self, case.line, case.number)

    def action_view_case(self) -> None:
        from .case_detail import show_case

        show_case(self, self.query_one("#cases", KeyTable).selected_key)
