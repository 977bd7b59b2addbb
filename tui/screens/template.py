"""One contract template: its terms and the contracts made from it (newest first);
`enter` opens a contract, `H` shows the template's history."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

import storage

from ..format import rounding_words, status_text
from ..widgets.bars import KeyFooter, TitleBar
from ..widgets.key_table import Col, Cols, KeyTable
from .base import DataScreen

SHOWN = 200


def terms(t) -> Text:
    """The template's terms, a few short lines."""
    text = Text()
    text.append(f"{t.abbr}", style="bold")
    text.append(f"  ·  {t.allotment_type}  ·  billed {t.billing}")
    if t.volume is not None:
        text.append(f"  ·  {storage.allotment(t.allotment_type).words(t.volume)} per line")
    text.append(f"\nService hours {t.hours}")
    rounding = rounding_words(t.increment, t.minimum)
    if rounding:
        text.append(f"  ·  time charged in {rounding}")
    if t.description:
        text.append(f"\n{t.description}", style="bright_black")
    return text


class TemplateScreen(DataScreen):
    TITLE_TEXT = "Template"
    AUTO_FOCUS = "#template-contracts"
    DEFAULT_CSS = """
    TemplateScreen #terms { height: auto; max-height: 5; padding: 0 1; background: $boost; }
    TemplateScreen #contracts-label { height: 1; padding: 0 1; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("enter", "open_contract", "Open contract", priority=True, id="template.contract"),
        Binding(
            "H", "history", "History", tooltip="The template's audit trail", id="template.history"
        ),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.template_name = name
        self.detail = None

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Template {self.template_name}")
        yield Static(Text("Loading…"), id="terms")
        yield Static("", id="contracts-label")
        yield KeyTable(
            [
                Col("number", "Contract", 10),
                Col("customer", "Customer", 10, flex=1),
                Col("title", "Title", 10, flex=1),
                Cols.status,
                Col("start", "Start", 10),
                Col("end", "End", 10),
            ],
            id="template-contracts",
        )
        yield KeyFooter()

    def reload(self) -> None:
        self.load(storage.template_detail, self.template_name, limit=SHOWN, then=self._loaded)

    def _loaded(self, detail) -> None:
        self.detail = detail
        t = detail.template
        self.query_one(TitleBar).set_title(f"Template {t.name}")
        self.query_one("#terms", Static).update(terms(t))
        if not detail.count:
            label = "No contract made from it yet"
        else:
            label = f"Contracts made from it · {detail.count:,}"
            if detail.count > len(detail.contracts):
                label += f" (the newest {len(detail.contracts):,} listed)"
        self.query_one("#contracts-label", Static).update(Text(label, style="bold"))
        self.query_one("#template-contracts", KeyTable).fill(
            [
                (
                    c.number,
                    [
                        c.number,
                        c.customer,
                        c.title,
                        status_text(c.status),
                        str(c.start),
                        str(c.end),
                    ],
                )
                for c in detail.contracts
            ]
        )

    @on(KeyTable.RowSelected, "#template-contracts")
    def action_open_contract(self, event=None) -> None:
        number = self.query_one("#template-contracts", KeyTable).selected_key
        if number is None:
            self.notify("No contract made from this template yet.", markup=False)
            return
        from .contract import ContractScreen

        self.app.push_screen(ContractScreen(number))

    def action_history(self) -> None:
        from .audit import AuditScreen

        name = self.detail.template.name if self.detail else self.template_name
        self.app.push_screen(AuditScreen(name))
