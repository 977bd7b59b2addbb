"""A small row table (lines, cases, ledger…) with j/k keys, flexible columns and a cursor
that survives a refresh. For short lists only; the contract list pages (PagedTable)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from .widths import drop_columns, share_spare, shrink_flexible


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int
    flex: int = 0
    align: str = "left"
    drop: int = 0  # dropped when the flexible columns would get less than their width: higher first
    needs: int = 0  # shown only when the table is at least this wide
    fit: bool = False  # a flexible column that takes the spare room its longest cell needs first


class Cols:
    """Columns that several tables show: the same thing, the same width everywhere."""

    case = Col("case", "Case", 10)
    line = Col("line", "Line", 12)  # a line's reference, CNR-…/N
    status = Col("status", "Status", 8)
    when = Col("at", "When", 16)
    amount = Col("amount", "Amount", 7, align="right")
    kind = Col("kind", "Kind", 10)

    @staticmethod
    def ledger(line: Col, *, case: bool) -> list[Col]:
        """A ledger's columns (a contract's, a case's entries): when, the line by `line`,
        the case when `case`, the amount, its kind, who and the note."""
        cases = [Cols.case] if case else []
        who, note = Col("who", "Who", 10), Col("note", "Note", 8, flex=1)
        return [Cols.when, line, *cases, Cols.amount, Cols.kind, who, note]


class KeyTable(DataTable):
    DEFAULT_CSS = """
    KeyTable { height: 1fr; scrollbar-size-vertical: 1; }
    KeyTable > .datatable--header { background: $panel; }
    """
    BINDINGS: ClassVar = [
        Binding("k", "cursor_up", "Up", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("g", "scroll_top", "First row", show=False),
        Binding("G", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(
        self,
        columns: Sequence[Col],
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            id=id, classes=classes, cursor_type="row", zebra_stripes=False, cell_padding=1
        )
        self.specs = list(columns)
        self._rows: list[tuple[str, Sequence[Any]]] = []
        self._widths: list[tuple[int, int]] = []  # (index in specs, width) of the shown columns
        self.hidden: frozenset[str] = frozenset()
        self._enter_bound: bool | None = None
        self._pending: str | None = None  # the row to select once a fill brings it
        self._wants: dict[int, int] = {}  # `_wanted` of a column, for these rows

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter is the screen's when the screen binds it (open, edit…): the footer and `?`
        then show what enter does, and it does that. Elsewhere it selects the row."""
        if action == "select_cursor":
            return not self._screen_binds_enter()
        return True

    def _screen_binds_enter(self) -> bool:
        if self._enter_bound is None:
            bindings = Binding.make_bindings(getattr(type(self.screen), "BINDINGS", []))
            self._enter_bound = any(binding.key == "enter" for binding in bindings)
        return self._enter_bound

    def hide(self, keys) -> None:
        """Show every column but these (the others still drop when the table is narrow)."""
        if frozenset(keys) != self.hidden:
            self.hidden = frozenset(keys)
            self._rebuild()

    @property
    def labels(self) -> list[str]:
        """The labels of the columns shown at the table's width (tests read them)."""
        return [self.specs[i].label for i, _ in self._widths]

    @property
    def shown_keys(self) -> list[str]:
        return [self.specs[i].key for i, _ in self._widths]

    @property
    def row_keys(self) -> list[str]:
        return [key for key, _ in self._rows]

    @property
    def selected_key(self) -> str | None:
        if not self._rows or not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row][0]

    def select(self, key: str) -> bool:
        """Put the cursor on the row of `key`; False when no row has it."""
        index = next((i for i, (k, _) in enumerate(self._rows) if k == key), None)
        if index is None:
            return False
        self.move_cursor(row=index, animate=False)
        return True

    def cells(self, key: str) -> list[str]:
        """The plain text of a row's cells (tests read it)."""
        for row_key, cells in self._rows:
            if row_key == key:
                return [c.plain if isinstance(c, Text) else str(c) for c in cells]
        raise KeyError(key)

    def fill(self, rows: Sequence[tuple[str, Sequence[Any]]], keep: bool = True) -> None:
        """Replace the rows; with `keep` the cursor stays on the same key (or index)."""
        previous_key = self.selected_key if keep else None
        if self._pending is not None and any(key == self._pending for key, _ in rows):
            previous_key, self._pending = self._pending, None
        previous_index = self.cursor_row if keep else 0
        self._rows = list(rows)
        self._wants.clear()
        self._rebuild()
        if not self._rows:
            return
        index = min(previous_index, len(self._rows) - 1)
        if previous_key is not None:
            index = next((i for i, (k, _) in enumerate(self._rows) if k == previous_key), index)
        self.move_cursor(row=index, animate=False)

    def select_key(self, key: str) -> None:
        """Put the cursor on the row `key`: now, or when a fill first brings it."""
        keys = self.row_keys
        if key in keys:
            self._pending = None
            self.move_cursor(row=keys.index(key), animate=False)
        else:
            self._pending = key

    def _shown_for(self, width: int) -> list[int]:
        """The columns shown at `width`: all but the hidden ones, less the ones that drop
        (highest `drop` first) while they leave the flexible columns less than their width."""
        shown = [
            i for i, c in enumerate(self.specs) if c.key not in self.hidden and c.needs <= width
        ]
        specs = [self.specs[i] for i in shown]
        kept = drop_columns(
            [c.width for c in specs], [c.drop for c in specs], width, 2 * self.cell_padding
        )
        return [shown[k] for k in kept]

    def _wanted(self, i: int) -> int:
        """The width the longest cell of column `i` (or its label) needs: measured once
        for the rows a fill brings, however often a resize asks."""
        if i not in self._wants:
            cells = [cells[i] for _key, cells in self._rows]
            texts = [c if isinstance(c, Text) else Text(str(c or "")) for c in cells]
            self._wants[i] = max([Text(self.specs[i].label).cell_len] + [t.cell_len for t in texts])
        return self._wants[i]

    def _fit(self, shown: list[int], widths: list[int], i: int, spare: int) -> int:
        """Widen the fit column `i` to its longest cell: from the spare room, then from the
        other flexible columns, down to their own longest cell. Returns the spare left."""
        short = self._wanted(shown[i]) - widths[i]
        more = min(max(spare, 0), max(0, short))
        widths[i] += more
        short -= more
        for j, k in enumerate(shown):
            if short > 0 and j != i and self.specs[k].flex:
                give = min(short, max(0, widths[j] - self._wanted(k)))
                widths[j] -= give
                widths[i] += give
                short -= give
        return spare - more

    def _widths_for(self, width: int) -> list[tuple[int, int]]:
        shown = self._shown_for(width)
        specs = [self.specs[i] for i in shown]
        padding = 2 * self.cell_padding
        fixed = sum(c.width + padding for c in specs)
        spare = width - fixed
        flex = sum(c.flex for c in specs)
        widths = [c.width for c in specs]
        if spare < 0 and flex:
            # Too narrow: flexible columns give way first, down to 4 cells each.
            shrink_flexible(widths, [c.flex for c in specs], spare, floor=4)
            return list(zip(shown, widths))
        for i, c in enumerate(specs):
            if c.fit:
                spare = self._fit(shown, widths, i, spare)
        if spare and flex:
            share_spare(widths, [c.flex for c in specs], spare)
        return list(zip(shown, widths))

    def _rebuild(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        self._widths = self._widths_for(width - 1)
        cursor = self.cursor_row
        self.clear(columns=True)
        for i, w in self._widths:
            spec = self.specs[i]
            self.add_column(Text(spec.label, justify=spec.align), width=w, key=spec.key)
        # A fit column that still cannot hold its longest cell wraps (its rows grow).
        wrap = {i for i, w in self._widths if self.specs[i].fit and w < self._wanted(i)}
        for key, cells in self._rows:
            self.add_row(
                *[self._cell(cells[i], self.specs[i], i in wrap) for i, _w in self._widths],
                key=key,
                height=None if wrap else 1,
            )
        if self._rows:
            self.move_cursor(row=min(cursor, len(self._rows) - 1), animate=False)

    @staticmethod
    def _cell(value: Any, spec: Col, wrap: bool = False) -> Text:
        text = value if isinstance(value, Text) else Text(str(value if value is not None else ""))
        text = text.copy()
        text.no_wrap = not wrap
        text.overflow = "fold" if wrap else "ellipsis"
        if spec.align == "right":
            text.justify = "right"
        return text

    def on_resize(self, event: events.Resize) -> None:
        self._refit()

    def watch_show_vertical_scrollbar(self, _shown: bool) -> None:
        # The rows a fill brings may make the scrollbar appear, which narrows the room for
        # the columns without a Resize of the table: fit them again then too, so the widths
        # do not depend on whether some later resize happened to come.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        if self._widths_for(width - 1) != self._widths:
            self._rebuild()
