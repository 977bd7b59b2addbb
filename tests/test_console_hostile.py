"""Hostile input in every console form: each is refused with one sentence shown in the form
(beside the field, or as the form's error), the form stays open, and the database is
unchanged row for row."""

from __future__ import annotations

import pytest

import storage
from tests.helpers import active_contract, contract_in, dump, make_world
from tests.helpers.console import console, open_contract, press, settle, show
from tui.screens.catalog import CustomersScreen
from tui.screens.forms import FormModal

HUGE = "x" * 5000

# (which contract, key that opens the form, {field: typed value}, a fragment of the sentence)
CONTRACT_FORMS = [
    ("cases", "r", {"title": ""}, "case title is needed"),
    ("cases", "r", {"title": "bell\x07"}, "control characters"),
    ("cases", "r", {"title": HUGE}, "longer than 200 characters"),
    ("cases", "r", {"title": "ok", "resolution": "soh\x01"}, "control characters"),
    ("time", "r", {"title": "ok", "spent": "1h3x"}, "is not a duration"),
    ("time", "r", {"title": "ok", "spent": "-5"}, "is not a duration"),
    ("time", "r", {"title": "ok", "spent": "0"}, "more than zero"),
    ("time", "r", {"title": "ok", "spent": "inf"}, "is not a duration"),
    ("time", "r", {"title": "ok", "spent": "9999999h"}, "too large"),
    ("time", "r", {"title": "ok", "spent": "'; DROP TABLE line; --"}, "is not a duration"),
    ("cases", "x", {"on": "2026-02-30", "reason": "moved"}, "does not exist in the calendar"),
    ("cases", "x", {"on": "2027-02-01", "reason": "moved"}, "must lie inside"),
    ("cases", "x", {"on": "30/06/2026", "reason": "moved"}, "write it as YYYY-MM-DD"),
    ("cases", "x", {"on": "2026-06-30", "reason": ""}, "reason is needed"),
    ("cases", "x", {"on": "2026-06-30", "reason": "esc\x1b[31m"}, "control characters"),
    ("cases", "w", {"start": "2027-02-29"}, "does not exist in the calendar"),
    ("draft", "a", {"title": "x", "allotment": "-1"}, "is not a whole number"),
    ("draft", "a", {"title": "x", "allotment": "1.5"}, "is not a whole number"),
    ("draft", "a", {"title": "x", "allotment": "99999999999"}, "too large"),
    ("draft", "a", {"title": "x", "price": "NaN"}, "is not an amount"),
    ("draft", "a", {"title": "x", "price": "-10"}, "is not an amount"),
    ("draft", "a", {"title": "x", "price": "10", "discount": "20"}, "discount cannot be larger"),
    ("draft", "a", {"title": "x", "start": "2025-12-31"}, "must lie inside"),
    ("draft", "a", {"title": ""}, "line title is needed"),
    ("draft", "e", {"start": "2026-13-01"}, "does not exist in the calendar"),
    ("draft", "e", {"end": "2025-01-01"}, "cannot end (2025-01-01) before it starts"),
    ("draft", "e", {"customer": "Nobody Ltd"}, "there is no customer named 'Nobody Ltd'"),
    ("draft", "e", {"title": ""}, "title is needed"),
]


def _world(sqlite_url):
    make_world()
    numbers = {
        "cases": active_contract(),
        "time": active_contract("Dev Hours", allotment="40h"),
        "draft": contract_in("draft"),
    }
    return sqlite_url, numbers


async def _submit(pilot, values: dict) -> FormModal:
    form = pilot.app.screen
    assert isinstance(form, FormModal), form
    for name, value in values.items():
        form.widget(name).value = value
    await press(pilot, "ctrl+s")
    await settle(pilot)
    return form


def _shown(form: FormModal) -> str:
    """Every sentence the form shows: its error and the notes beside the fields."""
    notes = [
        str(form.query_one(f"#note-{f.name}").render())
        for f in form.fields
        if not f.flag and not f.hidden
    ]
    return " ".join([form.error_message, *notes])


@pytest.mark.parametrize(
    "which,key,values,fragment",
    CONTRACT_FORMS,
    ids=[f"{k}-{'-'.join(v)}-{f[:24]}" for _w, k, v, f in CONTRACT_FORMS],
)
async def test_contract_forms_refuse_hostile_input(sqlite_url, which, key, values, fragment):
    url, numbers = _world(sqlite_url)
    before = dump()

    async with console(url) as (pilot, app):
        await open_contract(pilot, numbers[which])
        await press(pilot, key)
        form = await _submit(pilot, values)
        assert app.screen is form, "the form stays open"
        assert fragment in _shown(form), _shown(form)
        await press(pilot, "escape")
    assert dump() == before


CUSTOMER_FORMS = [
    ({"name": ""}, "name is needed"),
    ({"name": "bell\x07"}, "control characters"),
    ({"name": HUGE}, "longer than 120 characters"),
    ({"name": "ACME CORP"}, "already exists"),
    ({"name": "New One", "email": "not-an-email"}, "not a valid email address"),
    ({"name": "New One", "phone": "call me maybe"}, "not a valid phone number"),
]


@pytest.mark.parametrize(
    "values,fragment", CUSTOMER_FORMS, ids=[f[:30] for _v, f in CUSTOMER_FORMS]
)
async def test_the_customer_form_refuses_hostile_input(sqlite_url, values, fragment):
    url, _numbers = _world(sqlite_url)
    before = dump()

    async with console(url) as (pilot, app):
        await show(pilot, CustomersScreen())
        await press(pilot, "n")
        form = await _submit(pilot, values)
        assert app.screen is form
        assert fragment in _shown(form), _shown(form)
    assert dump() == before


_ = storage
