"""Days off: the dates on which a template's contracts give no service (SPEC §2).

Contracts read their template's list when they are checked (unlike the hours, which are
copied at creation): a team adds next year's holidays once and every contract follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pendulum

from . import audit
from .amounts import parse_date
from .db import reads, writes
from .errors import InvalidInput, Refused
from .hours import LOOK_AHEAD_DAYS
from .lookup import find_template, lock_rows
from .models import DayOff, Template
from .people import SUPERVISOR_ONLY, require

Days = str | dt.date | Iterable[str | dt.date] | None  # one date, or several


def _dates(days: Days) -> list[pendulum.Date]:
    listed = [days] if isinstance(days, (str, dt.date)) else days or ()
    dates = sorted({parse_date(day, "day off") for day in listed})
    if not dates:
        raise InvalidInput("give at least one date (YYYY-MM-DD).")
    return dates


def _locked(template: str) -> Template:
    """The template, its row locked until the end of the write: two changes of its days off
    decide one after the other (see lookup.lock_rows)."""
    found = find_template(template)
    list(lock_rows(Template.select(Template.id).where(Template.id == found.id)))
    return found


def _listed(template_id: int) -> list[pendulum.Date]:
    query = DayOff.select(DayOff.day).where(DayOff.template == template_id).order_by(DayOff.day)
    return [row.day for row in query]


@writes
def add_days_off(template: str, days: Days) -> list[pendulum.Date]:
    """Add dates to a template's days off; returns its whole list."""
    who = require(SUPERVISOR_ONLY, "change templates")
    found = _locked(template)
    dates = _dates(days)
    have = set(_listed(found.id))
    new = [day for day in dates if day not in have]
    if not new:
        listed = ", ".join(d.isoformat() for d in dates)
        raise Refused(
            f"{listed} {'is' if len(dates) == 1 else 'are'} already days off of {found.name}."
        )
    DayOff.insert_many([{"template": found.id, "day": day} for day in new]).execute()
    audit.record(
        "template", found.name, "days off added", who, {"days": [d.isoformat() for d in new]}
    )
    return _listed(found.id)


@writes
def remove_days_off(template: str, days: Days) -> list[pendulum.Date]:
    """Take dates off a template's days off; returns its whole list."""
    who = require(SUPERVISOR_ONLY, "change templates")
    found = _locked(template)
    dates = _dates(days)
    have = set(_listed(found.id))
    missing = [day.isoformat() for day in dates if day not in have]
    if missing:
        raise Refused(f"{', '.join(missing)} is not a day off of {found.name}.")
    DayOff.delete().where((DayOff.template == found.id) & DayOff.day.in_(dates)).execute()
    audit.record(
        "template", found.name, "days off removed", who, {"days": [d.isoformat() for d in dates]}
    )
    return _listed(found.id)


@reads
def list_days_off(template: str) -> list[pendulum.Date]:
    return _listed(find_template(template).id)


def days_off_of(template_ids: Iterable[int], around: dt.date) -> dict[int, set[pendulum.Date]]:
    """The days off of these templates near a day (a week before to a year and more after:
    what the hours need to answer now and find the next opening), by template id."""
    ids = sorted(set(template_ids))
    found: dict[int, set[pendulum.Date]] = {tid: set() for tid in ids}
    if not ids:
        return found
    first = around - dt.timedelta(days=7)
    last = around + dt.timedelta(days=LOOK_AHEAD_DAYS + 10)  # as far as next_opening looks
    rows = DayOff.select(DayOff.template, DayOff.day).where(
        DayOff.template.in_(ids) & (DayOff.day >= first) & (DayOff.day <= last)
    )
    for row in rows:
        found[row.template_id].add(row.day)
    return found
