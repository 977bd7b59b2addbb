"""A small world of customers, templates and contracts made through storage, and database
dumps to prove that nothing changed."""

from __future__ import annotations

import pendulum
import pytest

import storage
from storage.models import MODELS, database

TODAY = pendulum.Date(2026, 6, 15)


def ago(days: int) -> pendulum.Date:
    """The day `days` days before TODAY."""
    return TODAY.subtract(days=days)


def dump() -> dict:
    """Every row of every table: compare before and after to prove nothing changed."""
    out = {}
    for model in MODELS:
        if model._meta.table_name == "write_key":  # bookkeeping of writes, random keys
            continue
        rows = model.select().order_by(model._meta.primary_key).dicts()
        out[model._meta.table_name] = [dict(r) for r in rows]
    return out


def sql(statement: str) -> list[tuple]:
    """The rows a statement returns on the open database (a PRAGMA, the schema's catalog)."""
    return database.execute_sql(statement).fetchall()


def refused(call, *args, match: str, **kwargs) -> str:
    """Run a call that must be refused; assert the message and that nothing changed."""
    import pytest

    before = dump()
    with pytest.raises(storage.Refused) as info:
        call(*args, **kwargs)
    assert match in str(info.value), str(info.value)
    assert dump() == before
    return str(info.value)


def make_world() -> None:
    """Acme and Globex; one template of each allotment type. Today is 2026-06-15."""
    storage.clock.freeze(TODAY)
    storage.add_customer("Acme Corp", email="ops@acme.test")
    storage.add_customer("Globex")
    storage.add_template(
        "Phone Support", abbr="PHONE", allotment="cases", billing="quarterly", volume="10"
    )
    storage.add_template(
        "Dev Hours",
        abbr="DEV",
        allotment="time",
        billing="monthly",
        volume="40h",
        increment="15m",
        minimum="30m",
    )
    storage.add_template("Premium Cover", abbr="COVER", allotment="coverage", billing="annually")


def active_contract(
    template="Phone Support",
    customer="Acme Corp",
    allotment=None,
    start="2026-01-01",
    end="2026-12-31",
    lines=1,
) -> str:
    """An invoiced-and-started contract with `lines` lines; returns its number."""
    number = storage.new_contract(customer, template, start, end)
    for i in range(lines):
        storage.add_line(number, f"Line {i + 1}", allotment=allotment, price="1200")
    storage.invoice(number)
    return number


def office_hours_contract(hours="Mon-Fri 08:00-18:00 Europe/Madrid", lines=1) -> str:
    """Acme Corp's contract (`lines` lines of 10 cases) on the Office template's `hours`, the
    business zone Madrid; now is Monday 2026-06-15, 22:00 in Madrid. Returns its number."""
    make_world()
    storage.set_zone("Europe/Madrid")
    storage.add_template(
        "Office",
        abbr="OFFICE",
        allotment="cases",
        billing="monthly",
        volume="10",
        hours=hours,
    )
    number = active_contract("Office", lines=lines)
    storage.clock.freeze_moment(pendulum.datetime(2026, 6, 15, 20, tz="UTC"))
    return number


def contract_in(status: str, template="Phone Support") -> str:
    """A contract brought to `status` through the real actions (today is TODAY)."""
    if status == "draft":
        number = storage.new_contract("Acme Corp", template, "2026-01-01", "2026-12-31")
        storage.add_line(number, "Line 1", price="1200")
        return number
    if status == "invoiced":
        number = storage.new_contract("Acme Corp", template, "2026-09-01", "2027-08-31")
        storage.add_line(number, "Line 1", price="1200")
        storage.invoice(number)
        return number
    if status == "expired":  # billed last year; its dates make it expired on TODAY
        storage.clock.freeze(pendulum.Date(2025, 6, 1))
        number = active_contract(template, start="2025-01-01", end="2025-12-31")
        storage.clock.freeze(TODAY)
        return number
    number = active_contract(template)
    if status == "on_hold":
        storage.hold(number)
    elif status == "canceled":
        storage.cancel(number, "2026-06-30", "customer closed")
    return number


def draft_invoiced_held_canceled() -> dict[str, str]:
    """A draft, an invoiced, Globex's on-hold and a canceled contract, made in that order;
    their numbers by status."""
    numbers = {"draft": contract_in("draft"), "invoiced": contract_in("invoiced")}
    numbers["on_hold"] = active_contract(customer="Globex")
    storage.hold(numbers["on_hold"])
    numbers["canceled"] = contract_in("canceled")
    return numbers


def contract_between(start, end, invoiced_on, customer="Acme Corp") -> str:
    """A contract with one line of 10 cases, invoiced as of `invoiced_on`; nothing swept."""
    storage.set_today(invoiced_on)
    number = storage.new_contract(customer, "Phone Support", str(start), str(end))
    storage.add_line(number, "Support", price="1200")
    storage.invoice(number)
    storage.set_today(None)
    return number


def tables_changed(before: dict) -> list[str]:
    """The tables whose rows differ from the dump `before` (empty: nothing was written)."""
    after = dump()
    return sorted(name for name in after if after[name] != before.get(name))


def charged_on(ref: str, *days, override: bool = False) -> None:
    """A resolved case on `ref` for each day, its ledger entry then dated at noon UTC that
    day (the ledger's moments come from the real clock; a forecast needs a history)."""
    import datetime as dt

    import peewee as pw

    from storage.models import UsageEntry

    for day in days:
        storage.resolve(ref, f"Case of {day}", override=override)
        newest = UsageEntry.select(pw.fn.MAX(UsageEntry.id)).scalar()
        UsageEntry.update(at=dt.datetime(day.year, day.month, day.day, 12)).where(
            UsageEntry.id == newest
        ).execute()


def upgraded_from(url: str, version: int) -> None:
    """The database at `url` set back to schema `version`: opening it is refused until
    `contracts init` (upgrade=True) runs the migrations after `version`."""
    from storage.db import SCHEMA_VERSION, schema_version
    from storage.models import SchemaVersion

    SchemaVersion.update(version=version).execute()
    storage.close_database()
    with pytest.raises(storage.DatabaseUnavailable, match=f"older schema \\({version}\\)"):
        storage.open_database(url)
    storage.open_database(url, upgrade=True)
    assert schema_version() == SCHEMA_VERSION
