"""The one-line bars of every screen: title bar, status tabs, the filter field and the footer."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget
from textual.widgets import Input

import storage


class TitleBar(Widget):
    """`Contracts · 62,742 active` on the left, today's date on the right (one widget)."""

    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $primary 40%; }
    TitleBar > .title-bar--title { text-style: bold; }
    TitleBar > .title-bar--info { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar = {"title-bar--title", "title-bar--info"}

    def __init__(self, title: str, info: str = "") -> None:
        super().__init__()
        self._title = title
        self._info = info

    def set_title(self, title: str) -> None:
        self._title = title
        self.refresh()

    def set_info(self, info: str) -> None:
        self._info = info
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        under, background = self.background_colors
        blank = VisualStyle(background=under + background).rich_style  # as Textual fills space
        if y:
            return Strip.blank(width, blank)
        base = self.rich_style
        info = self._info or f"today {storage.today()}"
        info_width = min(width, cell_len(info) + 2)
        title = _cut(self._title, max(0, width - info_width - 2))
        segments = [
            Segment(" ", blank),
            Segment(title, base + self.get_component_rich_style("title-bar--title")),
            Segment(" " * (width - info_width - 1 - cell_len(title)), blank),
            Segment(" ", blank),
            Segment(info, base + self.get_component_rich_style("title-bar--info")),
            Segment(" ", blank),
        ]
        return Strip(Segment.simplify(segments)).crop(0, width).adjust_cell_length(width, blank)


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, marking a cut with `…`."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…" if width > 0 else ""


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
        self.at_least = False  # each count is how many at least: `Active 6,200+`
        self.set_reactive(TabBar.active, active)
        self._spans: list[tuple[int, int, str]] = []

    def set_counts(self, counts: dict[str, int], at_least: bool = False) -> None:
        self.counts = dict(counts)
        self.at_least = at_least
        self.refresh()

    def render(self) -> Text:
        active = self.get_component_rich_style("tab-bar--active")
        inactive = self.get_component_rich_style("tab-bar--inactive")
        # The widest labels that fit: `Canceled 4,213` (with a space before, then without),
        # then `Canceled 4.2k`, then `Canceled 4k`.
        for level, left in ((0, " "), (0, ""), (1, ""), (2, "")):
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
        """`Canceled 4,213` (level 0), `Canceled 4.2k` (1), `Canceled 4k` (2); with
        `at_least`, `Canceled 4,213+`."""
        name = dict(self.tabs)[tab]
        count = self.counts.get(tab)
        if count is None:
            return name
        plus = "+" if self.at_least else ""
        if level == 0 or count < 1_000:
            return f"{name} {count:,}{plus}"
        if level == 1 and count < 10_000:
            return f"{name} {count / 1000:.1f}".removesuffix(".0") + f"k{plus}"
        return f"{name} {count // 1000 if plus else round(count / 1000)}k{plus}"

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


class _FooterItem(NamedTuple):
    start: int
    end: int
    key: str
    enabled: bool
    tooltip: str


class KeyFooter(Widget):
    """The keys of the screen, on the bottom line: drawn like Textual's `Footer` (same colors,
    spacing and key groups; a key runs on click and shows its tooltip on hover) but as one
    widget drawn from the screen's bindings each time they change.

    Textual's footer is a widget per key, removed and mounted again whenever the bindings may
    have changed (focus moves, screens switch): some 30 ms each time, and the first time only
    after the screen's first paint. This one is drawn in the first paint and redraws in
    well under a millisecond."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyFooter > .key-footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyFooter > .key-footer--hover { background: $block-hover-background; }
    KeyFooter > .key-footer--disabled { text-style: dim; }
    """
    COMPONENT_CLASSES: ClassVar = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--disabled",
    }

    def __init__(self) -> None:
        super().__init__()
        self._items: list[_FooterItem] = []
        self._hover: int | None = None  # the x of the mouse while over a key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if screen.app.app_focus:
            self.refresh()

    def _groups(self):
        """The keys to show, as Textual's footer groups them: one entry per action, and
        bindings of one group (several in a row) together under the group's name."""
        by_action: dict[str, tuple] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action.setdefault(binding.action, (binding, enabled, tooltip))
        return groupby(by_action.values(), lambda entry: entry[0].group)

    # Kept when the line is too short for every key: `?` lists whatever was left out.
    ALWAYS: ClassVar = ("app.keys", "app.back")

    def _chunks(self, key_style: Style, text_style: Style, blank: Style) -> list[list]:
        """The footer's pieces, one per key or key group: [(text, style, entry)], where
        `entry` = (binding, enabled, tooltip) marks a key (its label is `text`, None for
        the keys of a group) and None plain text."""
        chunks: list[list] = []
        for group, entries in self._groups():
            entries = list(entries)
            if group is not None and len(entries) > 1:
                margin = "" if group.compact else " "
                chunk: list = [(" " if group.compact else "", blank, None)]
                for binding, enabled, tooltip in entries:
                    entry = (binding, enabled, tooltip or binding.description)
                    chunk += [(margin, blank, None), (None, key_style, entry)]
                    chunk.append((margin, blank, None))
                chunk.append((" " if group.compact else "", blank, None))
                chunk += [(group.description, text_style, None), (" ", blank, None)]
                chunks.append(chunk)
            else:
                for binding, enabled, tooltip in entries:
                    chunks.append([(binding.description, text_style, (binding, enabled, tooltip))])
        return chunks

    def _fit(self, chunks: list[list], width: int) -> list[list]:
        """The chunks that fit in `width`, in order: those that do not give way (never `?`
        or esc), and a later, shorter one takes the room left."""
        display = self.app.get_key_display

        def size(chunk) -> int:
            total = 0
            for text, _style, entry in chunk:
                if entry is None:
                    total += cell_len(text)
                elif text is None:  # a key of a group
                    total += cell_len(display(entry[0]))
                else:
                    total += cell_len(f" {display(entry[0])} {text} ")
            return total

        def kept(chunk) -> bool:
            return any(entry and entry[0].id in self.ALWAYS for _t, _s, entry in chunk)

        room = width - sum(size(c) for c in chunks if kept(c))
        fitted = []
        for chunk in chunks:  # in order, each that still fits; a later short one may
            if kept(chunk):
                fitted.append(chunk)
            elif size(chunk) <= room:
                fitted.append(chunk)
                room -= size(chunk)
        return fitted

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        under, background = self.background_colors
        blank = VisualStyle(background=under + background).rich_style  # as Textual fills space
        if y:
            return Strip.blank(width, blank)
        key_style = base + self.get_component_rich_style("key-footer--key")
        text_style = base + self.get_component_rich_style("key-footer--description")
        hover = Style(bgcolor=self.get_component_rich_style("key-footer--hover").bgcolor)
        dim = self.get_component_rich_style("key-footer--disabled")
        display = self.app.get_key_display
        segments: list[Segment] = []
        items: list[_FooterItem] = []
        x = 0

        def add(text: str, style: Style) -> None:
            nonlocal x
            if text:
                segments.append(Segment(text, style))
                x += cell_len(text)

        def key(binding, enabled: bool, tooltip: str, label: str) -> None:
            start, shown = x, display(binding)
            end = start + (cell_len(f" {shown} {label} ") if label else cell_len(shown))
            extra = Style()
            if self._hover is not None and start <= self._hover < end:
                extra += hover
            if not enabled:
                extra += dim
            if label:  # padded as Textual's footer pads them
                add(f" {shown} ", key_style + extra)
                add(f"{label} ", text_style + extra)
            else:
                add(shown, key_style + extra)
            items.append(_FooterItem(start, x, binding.key, enabled, tooltip))

        for chunk in self._fit(self._chunks(key_style, text_style, blank), width):
            for text, style, entry in chunk:
                if entry is None:
                    add(text, style)
                else:
                    key(*entry, text or "")
        self._items = items
        strip = Strip(Segment.simplify(segments)).crop(0, width)
        return strip.adjust_cell_length(width, blank)

    def _item_at(self, x: int) -> _FooterItem | None:
        return next((item for item in self._items if item.start <= x < item.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._item_at(event.x)
        hover = None if item is None else item.start
        if hover != self._hover:
            self._hover = hover
            self.tooltip = item.tooltip if item is not None and item.tooltip else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self._item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
