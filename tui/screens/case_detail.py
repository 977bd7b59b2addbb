"""One case in full: where it was charged, who opened and resolved it and when, the time
spent and charged, the resolution, and its ledger entries. `enter` opens its contract with
the case's line selected; `H` its history (the audit trail)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

import storage

from ..format import CASE_STYLES, local_stamp, rounding_words, signed_amount
from ..widgets.bars import KeyFooter, TitleBar
from ..widgets.key_table import Cols, KeyTable
from .base import DataScreen


async def open_contract_at(screen, line: str | None, case: str = "") -> None:
    """Open the contract of `line` (a line reference) with that line selected."""
    if not line:
        screen.notify(f"{case or 'The case'} is not linked to a contract line.", markup=False)
        return
    from .contract import ContractScreen

    contract = ContractScreen(line.split("/")[0])
    await screen.app.push_screen(contract)
    contract.query_one("#lines", KeyTable).select_key(line)


def show_case(screen, number: str | None) -> None:
    """Open the case detail of `number` (nothing selected: say so)."""
    if not number:
        screen.notify("No case selected.", severity="warning")
        return
    screen.app.push_screen(CaseScreen(number))


def charge_words(detail) -> str:
    """What the case cost its line: `10m spent, 30m charged (increment 15m, minimum 30m)`."""
    case = detail.case
    kind = case.allotment_type
    if case.status != "resolved":
        spent = f"{storage.format_minutes(case.spent)} spent so far" if case.spent else ""
        return spent or "Nothing charged yet."
    if case.line is None:
        return "Resolved without a line: nothing charged."
    kind = storage.allotment(kind)
    if not kind.metered:
        return f"Recorded on a {kind.name} line (nothing is counted)."
    charged = f"{kind.words(case.charged)} charged"
    if not kind.rounded:
        return charged.capitalize() + "."
    rules = rounding_words(detail.increment, detail.minimum)
    spent = f"{storage.format_minutes(case.spent)} spent, " if case.spent is not None else ""
    return f"{spent}{charged}" + (f" ({rules})" if rules else "") + "."


def summary(detail) -> Text:
    case = detail.case
    text = Text()
    text.append(f" {case.status} ", style=f"reverse {CASE_STYLES.get(case.status, '')}")
    text.append(f"  {case.customer}", style="bold")
    if case.line:
        text.append(f"\nLine {case.line} {detail.line_title}")
        text.append(f"  ·  {detail.contract_title}", style="bright_black")
    else:
        text.append("\nNot linked to a contract line", style="bright_black")
    text.append(f"\nOpened {local_stamp(case.opened)} by {case.opened_by}")
    if case.status == "resolved":
        text.append(f"\nResolved {local_stamp(case.resolved_at)} by {case.resolved_by}")
    text.append("\n" + charge_words(detail), style="bold")
    if case.resolution:
        text.append("\nResolution: ", style="bright_black")
        text.append(case.resolution)
    return text


class CaseScreen(DataScreen):
    """The case detail screen."""

    TITLE_TEXT = "Case"
    DEFAULT_CSS = """
    CaseScreen #case-summary { height: auto; max-height: 9; padding: 0 1; background: $boost; }
    CaseScreen #entries-label { height: 1; padding: 0 1; margin-top: 1; }
    """
    AUTO_FOCUS = "#entries"
    BINDINGS: ClassVar = [
        Binding("enter", "open_contract", "Open contract", priority=True, id="case.contract"),
        Binding("H", "history", "History", tooltip="This case's audit trail", id="case.history"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.detail = None

    def compose(self) -> ComposeResult:
        yield TitleBar(self.number)
        yield Static(Text("Loading…"), id="case-summary")
        yield Static(Text("Ledger entries"), id="entries-label")
        yield KeyTable(Cols.ledger(Cols.line, case=False), id="entries")
        yield KeyFooter()

    def reload(self) -> None:
        self.load(storage.case_detail, self.number, then=self._loaded, failed=self.load_failed)

    def _loaded(self, detail) -> None:
        self.detail = detail
        case = detail.case
        self.query_one(TitleBar).set_title(f"{case.number} · {case.title}")
        self.query_one("#case-summary", Static).update(summary(detail))
        count = len(detail.entries)
        label = f"Ledger entries · {count}" if count else "No ledger entries"
        self.query_one("#entries-label", Static).update(Text(label, style="bold"))
        self.query_one("#entries", KeyTable).fill(
            [
                (
                    str(i),
                    [
                        local_stamp(e.at),
                        e.line,
                        signed_amount(e.amount, e.allotment_type),
                        e.kind,
                        e.who,
                        e.note,
                    ],
                )
                for i, e in enumerate(detail.entries)
            ]
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return False
        if action == "open_contract":
            return self.detail is not None and self.detail.case.line is not None
        return True

    async def action_open_contract(self) -> None:
        if self.detail is not None:
            await open_contract_at(self, self.detail.case.line, self.number)

    def action_history(self) -> None:
        from .audit import AuditScreen

        self.app.push_screen(AuditScreen(self.number))
