"""A table that pages its rows from the database: it knows the row count, draws only what is
visible, and fetches the rows it needs in pages kept in a small cache (the Line API)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..calls import StorageCalls
from .widths import drop_columns, share_spare, shrink_flexible


class Column(NamedTuple):
    key: str
    label: str
    width: int  # the width it gets at 80 columns
    text: Callable[[Any], str]
    style: Callable[[Any], str] | None = None
    flex: int = 0  # share of the spare width
    align: str = "left"
    drop: int = 0  # dropped when the table is too narrow: higher first; 0 never
    sort: str | None = None  # the order key storage sorts this column by


def fit(text: str, width: int, align: str = "left") -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with `…`."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    pad = " " * (width - length)
    return pad + text if align == "right" else text + pad


def sorted_label(label: str, arrow: str, width: int) -> str:
    """A column's label with its sort arrow in `width` cells: the label is cut, never the
    arrow (`Days ▲`, `Days▲`, `Remain…▲`)."""
    for text in (f"{label} {arrow}", f"{label}{arrow}"):
        if cell_len(text) <= width:
            return text
    return fit(label, width - 1) + arrow


class PagedTable(StorageCalls, ScrollView, can_focus=True):
    """Rows `0..row_count-1`, fetched by `fetch(offset, limit)` in thread workers."""

    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--cursor {
        background: $block-cursor-blurred-background;
    }
    PagedTable:focus > .paged-table--cursor {
        background: $block-cursor-background; text-style: bold;
    }
    PagedTable > .paged-table--placeholder { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--placeholder",
    }
    BINDINGS: ClassVar = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f,space", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First row", show=False),
        Binding("end,G", "jump(-1)", "Last row", show=False),
        Binding("enter", "activate", "Open", id="table.open"),
    ]

    cursor = reactive(0, init=False)

    class Activated(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: PagedTable, index: int, row: Any) -> None:
            super().__init__()
            self.table, self.index, self.row = table, index, row

        @property
        def control(self) -> PagedTable:
            return self.table

    class HeaderClicked(Message):
        def __init__(self, table: PagedTable, column: Column) -> None:
            super().__init__()
            self.table, self.column = table, column

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        row_key: Callable[[Any], Hashable] = lambda row: row,
        page_size: int = 100,
        cache_pages: int = 20,
        empty_text: str = "Nothing to show.",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[Column] = list(columns)
        self.row_key = row_key
        self.page_size = page_size
        self.cache_pages = cache_pages
        self.empty_text = empty_text
        self.row_count = 0
        self.more = False  # row_count is how many at least: pages past it may follow
        self.waiting = True
        self.sort_key: str | None = None
        self.sort_descending = False
        self.fetches = 0  # pages fetched so far (tests and benchmarks read it)
        self._fetch: Callable[[int, int], list] | None = None
        self._generation = 0
        self._pages: OrderedDict[int, list] = OrderedDict()
        self._stale: dict[int, list] = {}
        self._pending: set[int] = set()
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._follow_key: Hashable | None = None

    # ------------------------------------------------------------------ data

    def load(
        self,
        count: int,
        fetch: Callable[[int, int], list],
        *,
        keep: bool = False,
        first_page: list | None = None,
        more: bool = False,
    ) -> None:
        """Show `count` rows from `fetch`. With `keep` (a refresh of the same list), the old
        rows stay on screen until the new ones arrive and the selected row is followed.
        With `more`, `count` is how many at least: a full page fetched at the end shows one
        row more (loading), whose page tells whether the list goes on.

        `first_page`: the first rows, when the caller fetched them along with the count (so
        they show without another round trip). Fewer than a page (enough to fill the
        screen) are shown until the whole first page, fetched once they are painted,
        replaces them."""
        self._generation += 1
        self._fetch = fetch
        self._follow_key = None
        if keep:
            current = self.row_at(self.cursor)
            if current is not None:
                self._follow_key = self.row_key(current)
            shown = self._window_pages()
            merged = {**self._stale, **self._pages}
            self._stale = {page: rows for page, rows in merged.items() if page in shown}
        else:
            self._stale = {}
            self.set_reactive(PagedTable.cursor, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
        self._pages = OrderedDict()
        self._pending = set()
        partial = False
        if first_page is not None:
            self.fetches += 1
            if len(first_page) >= min(self.page_size, count):
                self._pages[0] = list(first_page)
                self._stale.pop(0, None)
            else:
                self._stale[0] = list(first_page)
                partial = True
        if keep and more:
            count = max(count, self.row_count)  # the rows paged past the count stay
        self.row_count = max(0, count)
        self.more = more
        if more and 0 in self._pages:
            self._grow(0, len(self._pages[0]))
        self.waiting = False
        if self.cursor >= self.row_count:
            self.set_reactive(PagedTable.cursor, max(0, self.row_count - 1))
        self._update_virtual_size()
        if partial:
            self.call_after_refresh(self._ensure_window)
        else:
            self._ensure_window()
        self.refresh()

    def row_at(self, index: int) -> Any | None:
        """The row at `index` if it is loaded (or still shown from before a refresh)."""
        if not 0 <= index < self.row_count:
            return None
        page, offset = divmod(index, self.page_size)
        rows = self._pages.get(page)
        if rows is None:
            rows = self._stale.get(page)
        if rows is None or offset >= len(rows):
            return None
        return rows[offset]

    @property
    def selected(self) -> Any | None:
        return self.row_at(self.cursor)

    def visible_rows(self) -> list[Any]:
        """The loaded rows now on screen, top to bottom."""
        first = int(self.scroll_y)
        rows = []
        for index in range(first, min(self.row_count, first + self._data_height())):
            row = self.row_at(index)
            if row is not None:
                rows.append(row)
        return rows

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._update_virtual_size()
        self.refresh()

    def set_sort(self, key: str | None, descending: bool) -> None:
        self.sort_key, self.sort_descending = key, descending
        self.refresh()

    def _window_pages(self) -> range:
        """The pages covering what is visible plus a margin of half a screen."""
        height = self._data_height()
        margin = max(10, height // 2)
        first = max(0, int(self.scroll_y) - margin)
        last = max(first, min(self.row_count - 1, int(self.scroll_y) + height + margin))
        return range(first // self.page_size, last // self.page_size + 1)

    def _ensure_window(self) -> None:
        """Fetch the pages on screen (and in the margin) that are not loaded yet."""
        if self._fetch is None or self.row_count == 0:
            return
        for page in self._window_pages():
            self._request(page)

    def _request(self, page: int) -> None:
        if page in self._pages:
            self._pages.move_to_end(page)
            return
        if page in self._pending or self._fetch is None:
            return
        self._pending.add(page)
        generation, fetch = self._generation, self._fetch
        self.fetches += 1
        self.call_storage(
            fetch,
            page * self.page_size,
            self.page_size,
            then=lambda rows: self._page_loaded(generation, page, rows),
            failed=lambda error: self._page_failed(generation, page, error),
            group="pages",
        )

    def _page_loaded(self, generation: int, page: int, rows: list) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = list(rows)
        self._stale.pop(page, None)
        while len(self._pages) > self.cache_pages:
            self._pages.popitem(last=False)
        if self.more and self._grow(page, len(rows)):
            self._update_virtual_size()
            self._ensure_window()
        if self._follow_key is not None and self.cursor // self.page_size == page:
            self._follow(rows, page)
        self.refresh()

    def _grow(self, page: int, fetched: int) -> bool:
        """An open-ended list (`more`): a page cut short is its end; a full one reaching
        the row count so far has one row more after it, whose page is fetched when in
        view. Whether the row count changed."""
        end = page * self.page_size + fetched
        if fetched < self.page_size:
            self.row_count, self.more = end, False
        elif end >= self.row_count:
            self.row_count = end + 1
        else:
            return False
        if self.cursor >= self.row_count:
            self.set_reactive(PagedTable.cursor, max(0, self.row_count - 1))
        return True

    def _follow(self, rows: list, page: int) -> None:
        """After a refresh, keep the cursor on the same row if it moved within its page."""
        key, self._follow_key = self._follow_key, None
        offset = self.cursor - page * self.page_size
        if offset < len(rows) and self.row_key(rows[offset]) == key:
            return
        for i, row in enumerate(rows):
            if self.row_key(row) == key:
                self.cursor = page * self.page_size + i
                return

    def _page_failed(self, generation: int, page: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        from ..calls import show_error

        show_error(self, error)

    # ---------------------------------------------------------------- layout

    def _data_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _update_virtual_size(self) -> None:
        self._layout = self._layout_columns(self.scrollable_content_region.width)
        # Only the height scrolls (+1: the header line). A width of 0 (the rows always fit
        # the width) spares a second layout of the screen when the first resize comes.
        self.virtual_size = Size(0, self.row_count + 1)

    def _layout_columns(self, width: int) -> list[tuple[Column, int]]:
        self._layout_width = width
        columns = list(self.columns)

        def needed(cols: list[Column]) -> int:
            return sum(c.width for c in cols) + len(cols) - 1

        # Each column and the one-cell gap after it; the last has none (hence width + 1).
        kept = drop_columns([c.width for c in columns], [c.drop for c in columns], width + 1, 1)
        columns = [columns[k] for k in kept]
        spare = width - needed(columns)
        flex = sum(c.flex for c in columns)
        widths = [c.width for c in columns]
        if spare < 0:
            # Still too narrow: the flexible columns give way, down to 8 cells each.
            shrink_flexible(widths, [c.flex for c in columns], spare, floor=8)
            return list(zip(columns, widths))
        if spare and flex:
            share_spare(widths, [c.flex for c in columns], spare)
        return list(zip(columns, widths))

    @property
    def shown_columns(self) -> list[Column]:
        return [column for column, _ in self._layout]

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._ensure_window()

    def on_mount(self) -> None:
        self._update_virtual_size()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ensure_window()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ----------------------------------------------------------------- render

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._layout_width:
            self._layout = self._layout_columns(width)
        base = self.rich_style
        if y == 0:
            return self._header_strip(width)
        index = int(self.scroll_y) + y - 1
        if self.row_count == 0:
            if y == 1:
                text = "Loading…" if self.waiting else self.empty_text
                style = base + self.get_component_rich_style("paged-table--placeholder")
                return Strip([Segment(fit(" " + text, width), style)])
            return Strip.blank(width, base)
        if index >= self.row_count:
            return Strip.blank(width, base)
        row_style = base
        if index == self.cursor:
            row_style = base + self.get_component_rich_style("paged-table--cursor")
        row = self.row_at(index)
        if row is None:
            self._request(index // self.page_size)
            style = row_style + self.get_component_rich_style("paged-table--placeholder")
            return Strip([Segment(fit(" …", width), style)])
        segments: list[Segment] = []
        for i, (column, cell_width) in enumerate(self._layout):
            if i:
                segments.append(Segment(" ", row_style))
            text = fit(str(column.text(row)), cell_width, column.align)
            style = row_style
            if column.style is not None:
                extra = column.style(row)
                if extra:
                    style = row_style + Style.parse(extra)
            segments.append(Segment(text, style))
        return Strip(segments).adjust_cell_length(width, row_style)

    def _header_strip(self, width: int) -> Strip:
        style = self.rich_style + self.get_component_rich_style("paged-table--header")
        cells = []
        for column, cell_width in self._layout:
            label = column.label
            if column.sort and column.sort == self.sort_key:
                label = sorted_label(label, "▼" if self.sort_descending else "▲", cell_width)
            cells.append(fit(label, cell_width, column.align))
        return Strip([Segment(" ".join(cells), style)]).adjust_cell_length(width, style)

    # ----------------------------------------------------------------- cursor

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self.scroll_to_region(
            Region(0, new + 1, max(1, self.size.width), 1),
            spacing=Spacing(1, 0, 0, 0),
            animate=False,
            force=True,
            immediate=True,
        )

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * self._data_height()

    def action_jump(self, where: int) -> None:
        self.cursor = 0 if where == 0 else self.row_count - 1

    def action_activate(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(self.Activated(self, self.cursor, row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for column, cell_width in self._layout:
                if x <= event.x < x + cell_width + 1:
                    self.post_message(self.HeaderClicked(self, column))
                    return
                x += cell_width + 1
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < self.row_count:
            self.cursor = index
            if event.chain >= 2:
                self.action_activate()
