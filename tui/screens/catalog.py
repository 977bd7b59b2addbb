"""Customers and contract templates: list, create, edit."""

from __future__ import annotations

from functools import partial
from operator import attrgetter
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

import storage

from ..widgets.bars import FilterInput, KeyFooter, TitleBar
from ..widgets.key_table import Col, KeyTable
from .base import DataScreen, FilteredScreen, filter_binding
from .forms import Field, choice_field

CUSTOMERS_SHOWN = 1000


class _NamedList(DataScreen):
    """A list of things known by name (customers, templates): the one just saved is
    selected once the list shows it."""

    WHAT = ""  # "Customer", "Template": how the notice after saving names one
    LIST_SELECTOR = ""  # the list: "#customers"

    def _saved(self):
        """The `then` of the new and edit forms: `Customer Acme saved.`, and it is selected."""
        message = f"{self.WHAT} {{result.name}} saved."
        return self.after(message, self.LIST_SELECTOR, attrgetter("name"))


class CustomersScreen(FilteredScreen, _NamedList):
    LIST_SELECTOR = "#customers"
    WHAT = "Customer"

    AUTO_FOCUS = "#customers"
    BINDINGS: ClassVar = [
        filter_binding("customers"),
        Binding("n", "new", "New customer", id="customers.new"),
        Binding("e", "edit", "Edit", id="customers.edit"),
        Binding("enter", "contracts", "Contracts", id="customers.contracts"),
        Binding(
            "H", "history", "History", tooltip="The customer's audit trail", id="customers.history"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.customers: list = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Customers")
        yield FilterInput("/ filter by name", id="filter")
        yield KeyTable(
            [
                Col("name", "Name", 16, flex=2),
                Col("email", "E-mails", 14, flex=1),
                Col("phone", "Phones", 16, flex=1),
                Col("contracts", "Contracts", 9, align="right"),
            ],
            id="customers",
        )
        yield KeyFooter()

    def reload(self) -> None:
        text = self.text
        self.load(
            storage.list_customers,
            text or None,
            limit=CUSTOMERS_SHOWN,
            then=partial(self._loaded, text),
        )

    def _loaded(self, text: str, customers: list) -> None:
        if text != self.text:
            return
        self.customers = customers
        shown = f"{len(customers):,}"
        if len(customers) >= CUSTOMERS_SHOWN:
            shown = f"the first {shown} by name (/ to filter)"
        self.query_one(TitleBar).set_title(f"Customers · {shown}")
        self.query_one("#customers", KeyTable).fill(
            [
                (c.name, [c.name, ", ".join(c.emails), ", ".join(c.phones), f"{c.contracts:,}"])
                for c in customers
            ]
        )

    @property
    def selected(self):
        key = self.query_one("#customers", KeyTable).selected_key
        return next((c for c in self.customers if c.name == key), None)

    def _fields(self, customer=None) -> list[Field]:
        """Several addresses or numbers go in one field, separated by commas."""
        several = "optional; several separated by commas"
        emails = ", ".join(customer.emails) if customer else ""
        phones = ", ".join(customer.phones) if customer else ""
        return [
            Field("name", "Name", customer.name if customer else "", required=True),
            Field("email", "E-mails", emails, placeholder=several),
            Field("phone", "Phones", phones, placeholder=several),
        ]

    def action_new(self) -> None:
        def submit(values):
            return storage.add_customer(
                values["name"], email=values["email"], phone=values["phone"]
            )

        self.form(
            "New customer",
            self._fields(),
            submit,
            submit_label="Add customer",
            then=self._saved(),
        )

    def action_edit(self) -> None:
        customer = self.selected
        if customer is None:
            return
        name = customer.name

        def submit(values):
            return storage.edit_customer(
                name, new_name=values["name"], email=values["email"], phone=values["phone"]
            )

        self.form(f"Edit {name}", self._fields(customer), submit, then=self._saved())

    @on(KeyTable.RowSelected, "#customers")
    def action_contracts(self, event=None) -> None:
        customer = self.selected
        if customer is not None:
            self.app.show_customer_contracts(customer.name)

    def action_history(self) -> None:
        from .audit import AuditScreen

        customer = self.selected
        if customer is not None:
            self.app.push_screen(AuditScreen(customer.name))


def _volume_text(t) -> str:
    if t.volume is None:
        return ""
    return storage.allotment(t.allotment_type).format(t.volume)


def _duration_text(minutes) -> str:
    return storage.format_minutes(minutes) if minutes else ""


def _edit_fields(t) -> list[Field]:
    """The fields of a template that can change (its type and abbreviation cannot)."""
    kind = storage.allotment(t.allotment_type)
    fields = [
        Field("name", "Name", t.name, required=True),
        choice_field("billing", "Billing", t.billing, storage.BILLING_FREQUENCIES),
        Field(
            "volume",
            "Volume",
            _volume_text(t),
            placeholder="per line" if kind.metered else f"none: {kind.name}",
        ),
        Field("hours", "Service hours", t.hours, check=storage.check_hours),
    ]
    if kind.rounded:
        fields += [
            Field(
                "increment",
                "Increment",
                _duration_text(t.increment),
                check=partial(storage.parse_duration, what="billing increment"),
            ),
            Field(
                "minimum",
                "Minimum",
                _duration_text(t.minimum),
                check=partial(storage.parse_duration, what="billing minimum"),
            ),
        ]
    fields.append(Field("description", "Description", t.description))
    return fields


class TemplatesScreen(_NamedList):
    LIST_SELECTOR = "#templates"
    AUTO_FOCUS = "#templates"
    WHAT = "Template"
    BINDINGS: ClassVar = [
        Binding("n", "new", "New template", id="templates.new"),
        Binding("e", "edit", "Edit", id="templates.edit"),
        Binding(
            "enter",
            "open_template",
            "Open",
            tooltip="Its terms and contracts",
            priority=True,  # before the table's own enter, so that the footer shows it
            id="templates.open",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.templates: list = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Templates")
        yield KeyTable(
            [
                Col("name", "Name", 14, flex=1),
                Col("abbr", "Abbr", 8),
                Col("type", "Type", 8),
                Col("billing", "Billing", 12),
                Col("volume", "Volume", 7, align="right"),
                Col("hours", "Service hours", 12, flex=1),
            ],
            id="templates",
        )
        yield KeyFooter()

    def reload(self) -> None:
        self.load(storage.list_templates, then=self._loaded)

    def _loaded(self, templates: list) -> None:
        self.templates = templates
        self.query_one(TitleBar).set_title(f"Templates · {len(templates)}")
        self.query_one("#templates", KeyTable).fill(
            [
                (t.name, [t.name, t.abbr, t.allotment_type, t.billing, _volume_text(t), t.hours])
                for t in templates
            ]
        )

    @property
    def selected(self):
        key = self.query_one("#templates", KeyTable).selected_key
        return next((t for t in self.templates if t.name == key), None)

    @on(KeyTable.RowSelected, "#templates")
    def action_open_template(self, event=None) -> None:
        from .template import TemplateScreen

        t = self.selected
        if t is not None:
            self.app.push_screen(TemplateScreen(t.name))

    def action_new(self) -> None:
        def submit(v):
            return storage.add_template(
                v["name"],
                v["abbr"],
                v["allotment"],
                v["billing"],
                volume=v["volume"] or None,
                hours=v["hours"] or "24x7",
                increment=v["increment"] or None,
                minimum=v["minimum"] or None,
                description=v["description"],
            )

        fields = [
            Field("name", "Name", required=True),
            Field("abbr", "Abbreviation", required=True, placeholder="one word, ≤ 8 characters"),
            choice_field("allotment", "Allotment", "cases", storage.ALLOTMENT_TYPES),
            choice_field("billing", "Billing", "quarterly", storage.BILLING_FREQUENCIES),
            Field("volume", "Volume", placeholder="per line: 10 cases, or 40h for time"),
            Field(
                "hours",
                "Service hours",
                "24x7",
                check=storage.check_hours,
                placeholder="24x7 or Mon-Fri 08:00-18:00 Europe/Madrid",
            ),
            Field(
                "increment",
                "Increment",
                placeholder="time only: round up to, e.g. 15m",
                check=partial(storage.parse_duration, what="billing increment"),
            ),
            Field(
                "minimum",
                "Minimum",
                placeholder="time only: at least, e.g. 30m",
                check=partial(storage.parse_duration, what="billing minimum"),
            ),
            Field("description", "Description", placeholder="optional"),
        ]
        self.form("New template", fields, submit, submit_label="Add template", then=self._saved())

    def action_edit(self) -> None:
        t = self.selected
        if t is None:
            return
        name = t.name

        def submit(v):
            return storage.edit_template(
                name,
                new_name=v["name"],
                volume=v["volume"] or None,
                hours=v["hours"] or None,
                increment=v.get("increment") or None,
                minimum=v.get("minimum") or None,
                description=v["description"],
                billing=v["billing"],
            )

        fields = _edit_fields(t)
        self.form(
            f"Edit template {name}",
            fields,
            submit,
            intro=f"{t.abbr} · {t.allotment_type}. Contracts already made from it "
            "keep their terms.",
            then=self._saved(),
        )
