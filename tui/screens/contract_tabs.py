"""The contract screen's lower tabs: its cases, its ledger and its billing schedule.
`ContractTabs` fills them; the screen (contract.py) keeps the layout, loading and bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import ContentSwitcher

import storage

from ..format import CASE_STYLES, local_stamp, signed_amount
from ..widgets.bars import TabBar
from ..widgets.key_table import Col, Cols, KeyTable
from .forms import resolve_case_form

LOWER_TABS = [("cases", "Cases"), ("ledger", "Ledger"), ("billing", "Billing")]
LEDGER_SHOWN = 500
CASES_SHOWN = 500


def compose_tabs() -> ComposeResult:
    """The tab bar and the three tables under it."""
    yield TabBar(LOWER_TABS, "cases", id="detail-tabs")
    with ContentSwitcher(initial="cases", id="lower"):
        yield KeyTable(
            [
                Cols.case,
                Col("title", "Title", 12, flex=1),
                Cols.line,
                Cols.status,
                Col("date", "Resolved", 10),
                Col("charged", "Charged", 7, align="right"),
            ],
            id="cases",
        )
        yield KeyTable(Cols.ledger(Col("line", "Line", 4, align="right"), case=True), id="ledger")
        yield KeyTable(
            [
                Col("start", "From", 10),
                Col("end", "To", 10),
                Col("due", "Due", 10),
                Col("amount", "Amount", 10, align="right"),
                Col("overage", "Overage", 9, align="right"),
                Col("note", "", 10, flex=1),
            ],
            id="billing",
        )


# What the billing tab says of a period (storage.billing_schedule's `state`), and its style.
PERIOD_WORDS = {
    "current": ("current period", "bold"),
    "billed": ("billed", "bright_black"),
    "before invoicing": ("before invoicing", "yellow"),
    "not invoiced": ("not invoiced", "bright_black"),
    "upcoming": ("", ""),
}


def period_note(period) -> Text:
    """`billed`, `current period`, `before invoicing`…; `, canceled` when the cancel date
    cut the period short."""
    words, style = PERIOD_WORDS.get(period.state, (period.state, ""))
    if period.canceled:
        words = f"{words}, canceled" if words else "canceled"
    return Text(words, style=style)


class ContractTabs:
    """The lower tabs of ContractScreen (it provides cases, entries, periods and query_one)."""

    def fill_tabs(self) -> None:
        bar = self.query_one("#detail-tabs", TabBar)
        bar.set_counts(
            {"cases": len(self.cases), "ledger": len(self.entries), "billing": len(self.periods)}
        )
        self._fill_cases()
        self._fill_ledger()
        self._fill_billing()

    def _fill_cases(self) -> None:
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

    def _fill_ledger(self) -> None:
        entries = self.entries[-LEDGER_SHOWN:]
        self.query_one("#ledger", KeyTable).fill(
            [
                (
                    str(i),
                    [
                        local_stamp(e.at),
                        e.line.rsplit("/", 1)[-1],  # its position: the contract is this one
                        e.case or "",
                        signed_amount(e.amount, e.allotment_type),
                        e.kind,
                        e.who,
                        e.note or "",
                    ],
                )
                for i, e in enumerate(reversed(entries))
            ]
        )

    def _fill_billing(self) -> None:
        money = storage.format_money
        self.query_one("#billing", KeyTable).fill(
            [
                (
                    str(p.start),
                    [
                        str(p.start),
                        str(p.end),
                        str(p.due_on or ""),
                        money(p.amount_cents),
                        money(p.overage_cents) if p.overage_cents else "",
                        period_note(p),
                    ],
                )
                for p in self.periods
            ]
        )

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#detail-tabs", TabBar).active = tab

    # ----------------------------------------------------------------- cases

    @property
    def cases_focused(self) -> bool:
        return self.focused is self.query_one("#cases", KeyTable)

    @property
    def selected_case(self):
        key = self.query_one("#cases", KeyTable).selected_key
        return next((case for case in self.cases if case.number == key), None)

    def action_resolve_case(self) -> None:
        """`r` in the cases table: resolve the selected open case, charging its line."""
        case = self.selected_case
        if case is None:
            return
        line = next((li for li in self.info.lines if li.ref == case.line), None)
        why = None
        if case.status != "open":
            why = f"{case.number} is {case.status}; only an open case can be resolved."
        elif line is not None and line.closed_reason:
            why = line.closed_reason
        if why:
            self.notify(why, severity="error", markup=False)
            return
        self.app.push_screen(
            resolve_case_form(
                case,
                f"{case.number} · {case.title} · on {case.line}",
                warning=f"Not usable now: {line.reason}" if line and line.reason else "",
                notice=False,
            ),
            self.after(f"{case.number} resolved."),
        )
