"""`?`: every key of the screen underneath, and the keys that work everywhere."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.bars import KeyFooter

MOVEMENT = [
    ("↑ ↓  j k", "move in a list"),
    ("pgup pgdn  home end  g G", "page, first, last"),
    ("tab  shift+tab", "next / previous field or table"),
    ("ctrl+p", "command palette: every action by name"),
]


class KeysScreen(ModalScreen):
    DEFAULT_CSS = """
    KeysScreen { align: center middle; background: $background 60%; }
    KeysScreen > VerticalScroll {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [
        Binding("escape,question_mark,q", "close", "Close", id="keys.close"),
    ]

    def __init__(self, title: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.title_text = title
        self.sections = sections

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for name, rows in [*self.sections, ("Moving around", MOVEMENT)]:
            if not rows:
                continue
            table.add_row(Text(name, style="bold underline"), "")
            for key, description in rows:
                table.add_row(Text(key), Text(description))
            table.add_row("", "")
        with VerticalScroll() as box:
            box.border_title = f"Keys · {self.title_text}"
            yield Static(table, id="keys")
        yield KeyFooter()

    @property
    def lines(self) -> list[tuple[str, str]]:
        """Every (key, description) listed (tests read it)."""
        return [row for _name, rows in self.sections for row in rows]

    def action_close(self) -> None:
        self.dismiss()
