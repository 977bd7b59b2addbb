"""The one-line bars of every screen: title bar, status tabs and the filter field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label

import storage


class TitleBar(Horizontal):
    """`contracts › Active contracts` on the left, today's date on the right."""

    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $primary 40%; }
    TitleBar > #title { width: 1fr; padding: 0 1; text-style: bold; }
    TitleBar > #info { width: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, title: str, info: str = "") -> None:
        super().__init__()
        self._title = title
        self._info = info

    def compose(self):
        yield Label(Text(self._title), id="title")
        yield Label(Text(self._info or f"today {storage.today()}"), id="info")

    def set_title(self, title: str) -> None:
        self._title = title
        self.query_one("#title", Label).update(Text(title))

    def set_info(self, info: str) -> None:
        self.query_one("#info", Label).update(Text(info))


class TabBar(Widget):
    """One line of tabs: `Draft 3  Invoiced 1  ▌Active 12▐  …`, picked by keys or clicks."""

    DEFAULT_CSS = """
    TabBar { height: 1; background: $panel; }
    TabBar > .tab-bar--active { background: $accent; color: $text; text-style: bold; }
    TabBar > .tab-bar--inactive { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar = {"tab-bar--active", "tab-bar--inactive"}

    active: reactive[str] = reactive("", init=False)

    class Changed(Message):
        def __init__(self, bar: TabBar, tab: str) -> None:
            super().__init__()
            self.bar, self.tab = bar, tab

        @property
        def control(self) -> TabBar:
            return self.bar

    def __init__(self, tabs: Sequence[tuple[str, str]], active: str, *, id: str | None = None):
        super().__init__(id=id)
        self.tabs = list(tabs)
        self.counts: dict[str, int] = {}
        self.set_reactive(TabBar.active, active)
        self._spans: list[tuple[int, int, str]] = []

    def set_counts(self, counts: dict[str, int]) -> None:
        self.counts = dict(counts)
        self.refresh()

    def render(self) -> Text:
        active = self.get_component_rich_style("tab-bar--active")
        inactive = self.get_component_rich_style("tab-bar--inactive")
        # The widest labels that fit: `Canceled 4,213`, then `Canceled 4.2k`, then `Canceled 4k`.
        for level, left in ((0, " "), (1, " "), (2, "")):
            labels = [(key, f"{left}{self._label(key, level)} ") for key, _ in self.tabs]
            if sum(len(label) for _, label in labels) <= self.size.width:
                break
        text = Text()
        self._spans = []
        for key, label in labels:
            start = len(text)
            text.append(label, style=active if key == self.active else inactive)
            self._spans.append((start, len(text), key))
        return text

    def _label(self, tab: str, level: int) -> str:
        """`Canceled 4,213` (level 0), `Canceled 4.2k` (1), `Canceled 4k` (2)."""
        name = dict(self.tabs)[tab]
        count = self.counts.get(tab)
        if count is None:
            return name
        if level == 0 or count < 1_000:
            return f"{name} {count:,}"
        if level == 1 and count < 10_000:
            return f"{name} {count / 1000:.1f}k"
        return f"{name} {round(count / 1000)}k"

    def watch_active(self, old: str, new: str) -> None:
        self.refresh()
        self.post_message(self.Changed(self, new))

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.active = key
                return


class FilterInput(Input):
    """A one-line filter field: enter or down moves on to the list below."""

    DEFAULT_CSS = """
    FilterInput { height: 1; border: none; padding: 0 1; background: $boost; }
    FilterInput:focus { background: $primary 25%; border: none; }
    """
    BINDINGS: ClassVar = [
        Binding("down", "screen.leave_filter", "To the list", show=False),
    ]

    def __init__(self, placeholder: str, *, id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, compact=True, select_on_focus=False)

    def on_mount(self) -> None:
        if not getattr(self.app, "cursor_blink", True):
            self.cursor_blink = False
