"""The home screen: contracts by status, filtered as you type, paged from the database."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

import storage

from ..calls import show_error
from ..first_load import PAGE_SIZE, FirstLoad
from ..format import (
    LEVEL_STYLES,
    STATUS_STYLES,
    days_left_text,
    days_style,
    status_label,
    usage_style,
)
from ..widgets.bars import FilterInput, KeyFooter, TabBar, TitleBar
from ..widgets.paged_table import Column, PagedTable
from .base import DataScreen, filter_binding, tab_bindings

TABS = [(s.name, s.label) for s in storage.STATUS_TABLE] + [("all", "All")]


def _remaining_style(row) -> str:
    """The usage level's colour; a contract with a line used beyond its total shows as over."""
    if not row.kind.metered:
        return ""
    return LEVEL_STYLES["over"] if row.overage else usage_style(row.used, row.total)


COLUMNS = [
    Column("number", "Number", 10, lambda r: r.number, sort="number"),
    Column("title", "Title", 14, lambda r: r.title, flex=3, sort="title"),
    Column("customer", "Customer", 14, lambda r: r.customer, flex=2, sort="customer"),
    Column(
        "status",
        "Status",
        8,
        lambda r: status_label(r.status),
        lambda r: STATUS_STYLES.get(r.status, ""),
        sort="status",
    ),
    Column(
        "type",
        "Type",
        8,
        lambda r: r.allotment_type,
        drop=2,
        sort="type",
    ),
    Column("start", "Start", 10, lambda r: str(r.start), drop=3, sort="start"),
    Column("end", "End", 10, lambda r: str(r.end), sort="end"),
    Column(
        "remaining",
        "Remaining",
        24,  # `12 of 25 cases (+1 over)` whole at 80 columns
        lambda r: r.remaining_words(word=False),
        _remaining_style,
        align="right",
    ),
    Column(
        "days",
        "Days",
        5,
        lambda r: days_left_text(r.days_left),
        lambda r: days_style(r.days_left),
        align="right",
        sort="days_left",
    ),
]


def _new_contract_fields(templates: list[tuple[str, str]], start, end) -> list:
    """The new contract form: customer, template, dates (a year from today), title."""
    from .forms import Field, customer_field, term_fields

    return [
        customer_field(placeholder="a customer's name (→ completes it)"),
        # Any name or abbreviation the command line takes: storage finds it.
        Field(
            "template",
            "Template",
            required=True,
            suggestions=[name for name, _abbr in templates],
            placeholder=_templates_hint(templates),
        ),
        *term_fields(start, end),
        Field("title", "Title", placeholder="default: template for customer"),
    ]


def _templates_hint(templates: list[tuple[str, str]], width: int = 50) -> str:
    """`Phone Support (PHONE), Dev Hours (DEV)…`: as many as fit in `width` characters."""
    hint = ""
    for name, abbr in templates:
        more = f"{', ' if hint else ''}{name} ({abbr})"
        if len(hint) + len(more) > width - 1:
            return hint + ("…" if hint else "name or abbreviation")
        hint += more
    return hint


class _Load:
    """One load of the list: its counts and (for a new list) its first page, which arrive
    from two threads in either order."""

    __slots__ = ("done", "fetch", "keep", "parts")

    def __init__(self, keep: bool, fetch: Callable[[int, int], list]) -> None:
        self.keep = keep
        self.fetch = fetch
        self.parts: dict[str, Any] = {}
        self.done = False


class ContractsScreen(DataScreen):
    TITLE_TEXT = "Contracts"
    AUTO_FOCUS = "#contracts"
    LOAD_ON_MOUNT = False
    BINDINGS: ClassVar = [
        filter_binding("contracts"),
        *tab_bindings(TABS, "contracts", "Show {label} contracts"),
        Binding("o", "sort_next", "Sort", id="contracts.sort"),
        Binding("O", "sort_reverse", "Reverse sort", show=False, id="contracts.sort_reverse"),
        Binding("n", "new_contract", "New", id="contracts.new"),
        Binding("s", "app.cases", "Cases", id="contracts.cases"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="contracts.clear"),
    ]

    def __init__(self, first_load: FirstLoad | None = None, customer: str | None = None) -> None:
        """The home screen; with `customer`, one customer's contracts (from the customers
        screen), which escape leaves for the screen below."""
        super().__init__()
        self.customer = customer
        self.status, self.text = FirstLoad.status, FirstLoad.text
        if customer is not None:
            self.status, self.text = "all", customer
        self.order, self.descending = FirstLoad.order, FirstLoad.descending
        self.counts: dict[str, int] = {}
        self._first_load = first_load
        self._load: _Load | None = None  # the latest load of the list
        self._filter_waiting = False  # the filter text changed while a load was on its way

    def compose(self) -> ComposeResult:
        yield TitleBar("Contracts")
        yield TabBar(TABS, self.status, id="status-tabs")
        yield FilterInput("/ filter by number, customer or title", id="filter")
        yield PagedTable(
            self._columns(),
            row_key=lambda r: r.number,
            page_size=PAGE_SIZE,
            id="contracts",
            empty_text="No contracts here.",
        )
        yield KeyFooter()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#contracts", PagedTable)

    def on_mount(self) -> None:
        self.table.set_sort(self.order, self.descending)
        if self.customer is not None:
            self.query_one("#filter", FilterInput).value = self.customer
        first, self._first_load = self._first_load, None
        if first is None:
            self.reload(keep=False)
            return
        load = self._new_load(keep=False)
        if first.ready:
            self._first_loaded(load, first)  # in time for the first paint
        else:
            self.call_storage(first.wait, then=partial(self._first_loaded, load), group="first")

    def _first_loaded(self, load: _Load, first: FirstLoad) -> None:
        try:
            counts, rows = first.result()
        except Exception as exc:  # noqa: BLE001 - shown like any failed load
            self._load_failed(load, exc)
            return
        self._part_loaded(load, "counts", counts)
        self._part_loaded(load, "rows", rows)

    def _columns(self) -> list[Column]:
        if self.status == "all":
            return list(COLUMNS)
        return [c for c in COLUMNS if c.key != "status"]

    # ------------------------------------------------------------------ data

    def reload(self, keep: bool = True) -> None:
        """Fetch the counts and the list again. A new tab, filter or order (`keep=False`)
        asks for the counts and the first page at once, in two threads, and shows them
        together; a refresh of the same list (`keep`) keeps the rows on screen and lets the
        table fetch again the pages it shows."""
        if keep and self.loading and not self._load.keep:
            keep = False  # a new list is on its way: this refresh is that load again
        load = self._new_load(keep)
        self.call_storage(
            storage.status_counts,
            self.text or None,
            then=partial(self._part_loaded, load, "counts"),
            failed=partial(self._load_failed, load),
            group="counts",
            exclusive=True,
        )
        if not keep:
            self.call_storage(
                load.fetch,
                0,
                PAGE_SIZE,
                then=partial(self._part_loaded, load, "rows"),
                failed=partial(self._load_failed, load),
                group="first-page",
                exclusive=True,
            )

    def _new_load(self, keep: bool) -> _Load:
        status, text, order, descending = self.status, self.text, self.order, self.descending

        def fetch(offset: int, limit: int) -> list:
            return storage.list_contracts(
                status, text or None, order=order, descending=descending, offset=offset, limit=limit
            )

        self._load = _Load(keep, fetch)
        return self._load

    @property
    def loading(self) -> bool:
        """Whether a load of the list is on its way."""
        return self._load is not None and not self._load.done

    def _part_loaded(self, load: _Load, part: str, value: Any) -> None:
        if load is not self._load or load.done:
            return  # the tab, filter or order changed meanwhile; a newer load is on its way
        load.parts[part] = value
        if "counts" not in load.parts or (not load.keep and "rows" not in load.parts):
            return
        self.counts = load.parts["counts"]
        more = self._at_least
        self.query_one(TabBar).set_counts(self.counts, at_least=more)
        count = self.counts.get(self.status, 0)
        rows = load.parts.get("rows")
        self.table.load(count, load.fetch, keep=load.keep, first_page=rows, more=more)
        self._update_title()
        self._load_done(load)

    def _load_failed(self, load: _Load, error: Exception) -> None:
        if load is not self._load or load.done:
            return  # superseded, or the other half already said why
        show_error(self, error)
        self._load_done(load)

    def _load_done(self, load: _Load) -> None:
        load.done = True
        if self._filter_waiting:
            self._filter_waiting = False
            self._apply_filter()

    @property
    def _at_least(self) -> bool:
        """Whether the counts are how many at least (a text held by many contracts)."""
        return bool(getattr(self.counts, "at_least", False))

    def _update_title(self) -> None:
        count = f"{self.counts.get(self.status, 0):,}{'+' if self._at_least else ''}"
        what = status_label(self.status).lower()
        where = f" matching '{self.text}'" if self.text else ""
        title = (
            f"Contracts · {count} {what}{where}"
            if self.status != "all"
            else f"Contracts · {count} in all{where}"
        )
        self.query_one(TitleBar).set_title(title)

    # ------------------------------------------------------------------ tabs

    def action_show_tab(self, status: str) -> None:
        self.query_one(TabBar).active = status

    @on(TabBar.Changed, "#status-tabs")
    def _tab_changed(self, event: TabBar.Changed) -> None:
        if event.tab == self.status:
            return
        self.status = event.tab
        self.table.set_columns(self._columns())
        self.reload(keep=False)

    # ---------------------------------------------------------------- filter

    def action_focus_filter(self) -> None:
        self.query_one("#filter", FilterInput).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter()

    def _apply_filter(self) -> None:
        """Show the list for the text in the filter field: at once, or, while a list is on
        its way, as soon as it has arrived (so fast typing never piles up queries and the
        last text typed is always the one shown)."""
        text = " ".join(self.query_one("#filter", FilterInput).value.split())
        if text == self.text:
            return
        if self.loading:
            self._filter_waiting = True
            return
        self.text = text
        self.reload(keep=False)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_leave_filter()

    def action_leave_filter(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", FilterInput)
        if field.value:
            field.value = ""
            self._apply_filter()
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter" and self.customer is not None:
            return False  # escape goes back to the customers
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ sort

    def action_sort_next(self) -> None:
        keys = [c.sort for c in self.table.shown_columns if c.sort]
        if not keys:
            return
        index = keys.index(self.order) + 1 if self.order in keys else 0
        self._sort(keys[index % len(keys)], self.descending if index < len(keys) else False)

    def action_sort_reverse(self) -> None:
        self._sort(self.order, not self.descending)

    def _sort(self, order: str, descending: bool) -> None:
        self.order, self.descending = order, descending
        self.table.set_sort(order, descending)
        self.reload(keep=False)
        direction = "descending" if descending else "ascending"
        self.notify(f"Sorted by {order.replace('_', ' ')}, {direction}.", timeout=2)

    @on(PagedTable.HeaderClicked, "#contracts")
    def _header_clicked(self, event: PagedTable.HeaderClicked) -> None:
        if event.column.sort:
            same = event.column.sort == self.order
            self._sort(event.column.sort, not self.descending if same else False)

    # ------------------------------------------------------------------ open

    @on(PagedTable.Activated, "#contracts")
    def _open(self, event: PagedTable.Activated) -> None:
        from .contract import ContractScreen

        self.app.push_screen(ContractScreen(event.row.number))

    def action_new_contract(self) -> None:
        self.call_storage(
            lambda: [(t.name, t.abbr) for t in storage.list_templates()],
            then=self._new_contract_form,
        )

    def _new_contract_form(self, templates: list[tuple[str, str]]) -> None:
        if not templates:
            self.notify(
                "There is no contract template yet: add one on the templates screen (t).",
                severity="warning",
            )
            return
        today = storage.today()
        end = today.add(years=1).subtract(days=1)

        def create(values):
            return storage.new_contract(
                values["customer"],
                values["template"],
                values["start"],
                values["end"],
                title=values["title"] or None,
            )

        self.form(
            "New contract",
            _new_contract_fields(templates, today, end),
            create,
            intro="A new draft from a template. Add lines to it, then invoice it.",
            submit_label="Create",
            then=self._created,
        )

    def _created(self, number: str | None) -> None:
        if not number:
            return
        from .contract import ContractScreen

        self.notify(f"{number} created as a draft.", markup=False)
        self.reload()
        self.app.push_screen(ContractScreen(number))

    def palette_commands(self):
        for column in self.table.shown_columns:
            if column.sort:
                yield (
                    f"Sort contracts by {column.label.lower()}",
                    "ascending; press O to reverse",
                    partial(self._sort, column.sort, False),
                )
