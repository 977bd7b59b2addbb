"""The home screen: contracts by status, filtered as you type, paged from the database."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input

import storage

from ..format import (
    STATUS_STYLES,
    TYPE_LABELS,
    days_left_text,
    days_style,
    status_label,
    usage_style,
)
from ..widgets.bars import FilterInput, TabBar, TitleBar
from ..widgets.paged_table import Column, PagedTable
from ..widgets.suggest import CustomerSuggester
from .base import DataScreen
from .forms import Field, FormModal

TABS = [
    ("draft", "Draft"),
    ("invoiced", "Invoiced"),
    ("active", "Active"),
    ("on_hold", "On hold"),
    ("canceled", "Canceled"),
    ("expired", "Expired"),
    ("all", "All"),
]
TAB_KEYS = Binding.Group("Tab", compact=True)
FILTER_DELAY = 0.05


def _remaining_style(row) -> str:
    return usage_style(row.used, row.total) if row.allotment_type != "coverage" else ""


COLUMNS = [
    Column("number", "Number", 10, lambda r: r.number, sort="number"),
    Column("title", "Title", 18, lambda r: r.title, flex=3, sort="title"),
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
        lambda r: TYPE_LABELS.get(r.allotment_type, r.allotment_type),
        drop=2,
        sort="type",
    ),
    Column("start", "Start", 10, lambda r: str(r.start), drop=3, sort="start"),
    Column("end", "End", 10, lambda r: str(r.end), sort="end"),
    Column(
        "remaining", "Remaining", 12, lambda r: r.remaining_text, _remaining_style, align="right"
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


class ContractsScreen(DataScreen):
    TITLE_TEXT = "Contracts"
    AUTO_FOCUS = "#contracts"
    BINDINGS: ClassVar = [
        Binding("slash", "focus_filter", "Filter", key_display="/", id="contracts.filter"),
        *[
            Binding(
                str(i),
                f"show_tab('{key}')",
                label,
                tooltip=f"Show {label.lower()} contracts",
                id=f"contracts.tab.{key}",
                group=TAB_KEYS,
            )
            for i, (key, label) in enumerate(TABS, start=1)
        ],
        Binding("o", "sort_next", "Sort", id="contracts.sort"),
        Binding("O", "sort_reverse", "Reverse sort", show=False, id="contracts.sort_reverse"),
        Binding("n", "new_contract", "New", id="contracts.new"),
        Binding("s", "app.cases", "Cases", id="contracts.cases"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="contracts.clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status = "active"
        self.text = ""
        self.order = "number"
        self.descending = False
        self.counts: dict[str, int] = {}
        self._filter_timer = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Contracts")
        yield TabBar(TABS, self.status, id="status-tabs")
        yield FilterInput("/ filter by number, customer or title", id="filter")
        yield PagedTable(
            self._columns(),
            row_key=lambda r: r.number,
            id="contracts",
            empty_text="No contracts here.",
        )
        yield Footer(show_command_palette=False)

    @property
    def table(self) -> PagedTable:
        return self.query_one("#contracts", PagedTable)

    def on_mount(self) -> None:
        self.table.set_sort(self.order, self.descending)
        self.reload(keep=False)

    def _columns(self) -> list[Column]:
        if self.status == "all":
            return list(COLUMNS)
        return [c for c in COLUMNS if c.key != "status"]

    # ------------------------------------------------------------------ data

    def reload(self, keep: bool = True) -> None:
        status, text = self.status, self.text
        self.call_storage(
            storage.status_counts,
            text or None,
            then=partial(self._counts_loaded, status, text, keep),
            group="counts",
            exclusive=True,
        )

    def _counts_loaded(self, status: str, text: str, keep: bool, counts: dict[str, int]) -> None:
        if (status, text) != (self.status, self.text):
            return  # the tab or filter changed meanwhile; a newer load is on its way
        self.counts = counts
        self.query_one(TabBar).set_counts(counts)
        order, descending = self.order, self.descending

        def fetch(offset: int, limit: int):
            return storage.list_contracts(
                status, text or None, order=order, descending=descending, offset=offset, limit=limit
            )

        self.table.load(counts.get(status, 0), fetch, keep=keep)
        self._update_title()

    def _update_title(self) -> None:
        count = self.counts.get(self.status, 0)
        what = status_label(self.status).lower()
        where = f" matching '{self.text}'" if self.text else ""
        title = (
            f"Contracts · {count:,} {what}{where}"
            if self.status != "all"
            else f"Contracts · {count:,} in all{where}"
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
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_timer = None
        text = " ".join(self.query_one("#filter", FilterInput).value.split())
        if text != self.text:
            self.text = text
            self.reload(keep=False)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_leave_filter()

    def action_leave_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._apply_filter()
        self.table.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", FilterInput)
        if field.value:
            field.value = ""
            self._apply_filter()
        self.table.focus()

    def show_customer(self, name: str) -> None:
        """Show every contract of one customer (from the customers screen)."""
        self.query_one("#filter", FilterInput).value = name
        self.text = name
        if self.status != "all":
            self.query_one(TabBar).active = "all"
        else:
            self.reload(keep=False)
        self.table.focus()

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
            lambda: [t.name for t in storage.list_templates()], then=self._new_contract_form
        )

    def _new_contract_form(self, templates: list[str]) -> None:
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

        form = FormModal(
            "New contract",
            [
                Field(
                    "customer",
                    "Customer",
                    required=True,
                    suggestions=CustomerSuggester(),
                    placeholder="a customer's name (→ completes it)",
                ),
                Field(
                    "template",
                    "Template",
                    required=True,
                    suggestions=templates,
                    options=templates,
                    placeholder=", ".join(templates)[:50],
                ),
                Field(
                    "start",
                    "Start",
                    str(today),
                    required=True,
                    check=partial(storage.parse_date, what="start date"),
                ),
                Field(
                    "end",
                    "End",
                    str(end),
                    required=True,
                    check=partial(storage.parse_date, what="end date"),
                ),
                Field("title", "Title", placeholder="default: template for customer"),
            ],
            create,
            intro="A new draft from a template. Add lines to it, then invoice it.",
            submit_label="Create",
        )
        self.app.push_screen(form, self._created)

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
