"""The selected line's burn rate, the day it runs out at that rate, and its use per week as a
small chart (Textual's Sparkline): one row under a table of lines, following its cursor."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Sparkline, Static

import storage

from ..calls import StorageCalls
from .key_table import KeyTable


def rate_text(per_week: float, kind: str) -> str:
    return storage.allotment(kind).rate(per_week)


def burn_sentence(burn) -> Text:
    """`Line 2 runs out 2026-07-30, before its end · 0.9 cases/week (90 d: 0.5)` and the
    like: the verdict first, so that a narrow screen cuts the rates, not the day."""
    text = Text(no_wrap=True, overflow="ellipsis")
    name = f"Line {burn.ref.rsplit('/', 1)[-1]}"
    if burn.total is None:
        text.append(f"{name}: coverage, nothing to run out", style="bright_black")
        return text
    if burn.runs_out_on is None:
        text.append(f"{name}: no use in the last 90 days, no run-out day", style="bright_black")
        return text
    if burn.used >= burn.total:
        text.append(f"{name} is used up", style="bold red")
    elif burn.runs_out_before_end:
        text.append(f"{name} runs out {burn.runs_out_on}, before its end", style="bold yellow")
    else:
        text.append(f"{name} lasts to its end ({burn.end})", style="green")
    kind = burn.allotment_type
    text.append(f" · {rate_text(burn.burn_per_week, kind)}")
    text.append(f" (90 d: {rate_text(burn.burn_per_week_90, kind).split('/')[0]})")
    return text


class BurnChart(StorageCalls, Horizontal):
    """Follows the cursor of the KeyTable `table` (keys are line refs): shows that line's
    rates and run-out day, and its use per week over the last 12 weeks."""

    DEFAULT_CSS = """
    BurnChart { height: 1; padding: 0 1; }
    BurnChart > #burn-text { width: 1fr; height: 1; }
    BurnChart > Sparkline { width: 12; height: 1; margin-left: 1; }
    """

    def __init__(self, table: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table_selector = table
        self.ref: str | None = None
        self.burn = None

    def compose(self) -> ComposeResult:
        yield Static("", id="burn-text")
        yield Sparkline([], id="burn-spark")

    def on_mount(self) -> None:
        table = self.screen.query_one(self.table_selector, KeyTable)
        self.watch(table, "cursor_coordinate", lambda _old, _new: self.follow(), init=False)

    def follow(self) -> None:
        """Show the line under the table's cursor (again: its use may have changed)."""
        ref = self.screen.query_one(self.table_selector, KeyTable).selected_key
        self.ref = ref
        if ref is None:
            self._show(None)
            return
        self.call_storage(storage.line_burn, ref, then=self._show, group="burn", exclusive=True)

    def _show(self, burn) -> None:
        if burn is not None and burn.ref != self.ref:
            return
        self.burn = burn
        spark = self.query_one(Sparkline)
        if burn is None:
            self.query_one("#burn-text", Static).update("")
            spark.display = False
            return
        self.query_one("#burn-text", Static).update(burn_sentence(burn))
        spark.display = burn.total is not None
        spark.data = [float(n) for n in burn.per_week]
        spark.tooltip = "use per week, the last 12 weeks"
