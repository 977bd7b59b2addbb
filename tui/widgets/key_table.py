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


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int
    flex: int = 0
    align: str = "left"
    needs: int = 0  # shown only when the table is at least this wide


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
        self._widths: list[int] = []
        self._shown: list[int] = list(range(len(self.specs)))

    @property
    def row_keys(self) -> list[str]:
        return [key for key, _ in self._rows]

    @property
    def selected_key(self) -> str | None:
        if not self._rows or not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row][0]

    @property
    def labels(self) -> list[str]:
        """The labels of the columns shown at the table's width (tests read them)."""
        return [self.specs[i].label for i in self._shown]

    def cells(self, key: str) -> list[str]:
        """The plain text of a row's cells, shown or not (tests read it)."""
        for row_key, cells in self._rows:
            if row_key == key:
                return [c.plain if isinstance(c, Text) else str(c) for c in cells]
        raise KeyError(key)

    def _shown_at(self, width: int) -> list[int]:
        return [i for i, c in enumerate(self.specs) if c.needs <= width]

    def fill(self, rows: Sequence[tuple[str, Sequence[Any]]], keep: bool = True) -> None:
        """Replace the rows; with `keep` the cursor stays on the same key (or index)."""
        previous_key = self.selected_key if keep else None
        previous_index = self.cursor_row if keep else 0
        self._rows = list(rows)
        self._rebuild()
        if not self._rows:
            return
        index = min(previous_index, len(self._rows) - 1)
        if previous_key is not None:
            index = next((i for i, (k, _) in enumerate(self._rows) if k == previous_key), index)
        self.move_cursor(row=index, animate=False)

    def _widths_for(self, width: int) -> list[int]:
        """The widths of the columns shown at `width` (see `_shown_at`)."""
        specs = [self.specs[i] for i in self._shown_at(width)]
        padding = 2 * self.cell_padding
        fixed = sum(c.width + padding for c in specs)
        spare = width - fixed
        flex = sum(c.flex for c in specs)
        widths = [c.width for c in specs]
        if spare < 0 and flex:
            # Too narrow: flexible columns give way first, down to 4 cells each.
            for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
                if specs[i].flex and spare < 0:
                    give = min(-spare, max(0, widths[i] - 4))
                    widths[i] -= give
                    spare += give
            return widths
        if spare and flex:
            flexible = [i for i, c in enumerate(specs) if c.flex]
            given = 0
            for i in flexible:
                share = spare * specs[i].flex // flex
                widths[i] += share
                given += share
            widths[flexible[0]] += spare - given
        return widths

    def _rebuild(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        self._shown = self._shown_at(width - 1)
        self._widths = self._widths_for(width - 1)
        cursor = self.cursor_row
        self.clear(columns=True)
        specs = [self.specs[i] for i in self._shown]
        for spec, w in zip(specs, self._widths):
            self.add_column(Text(spec.label, justify=spec.align), width=w, key=spec.key)
        for key, cells in self._rows:
            self.add_row(*[self._cell(cells[i], self.specs[i]) for i in self._shown], key=key)
        if self._rows:
            self.move_cursor(row=min(cursor, len(self._rows) - 1), animate=False)

    @staticmethod
    def _cell(value: Any, spec: Col) -> Text:
        text = value if isinstance(value, Text) else Text(str(value if value is not None else ""))
        text = text.copy()
        text.no_wrap = True
        text.overflow = "ellipsis"
        if spec.align == "right":
            text.justify = "right"
        return text

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width or self.size.width
        if (self._shown_at(width - 1), self._widths_for(width - 1)) != (
            self._shown,
            self._widths,
        ):
            self._rebuild()
