"""Overage "not yet billed" follows the billing schedule (storage.billing_schedule) of a
canceled contract too: it is billed up to its cancel date, so the period holding the cancel
date ends on it. On SQLite and PostgreSQL; today is 2026-06-15 (frozen)."""

from __future__ import annotations

import pendulum

import storage
from tests.helpers import active_contract, ago, charged_on, make_world


def _overage_of(number: str) -> list:
    found = storage.needs_attention(sections=["overage"]).sections[0].entries
    return [e for e in found if e.contract == number]


def _over_by_two(number: str) -> None:
    """Ten cases in Q1 (the whole total), then two overrides in Q2 (2026-05-26)."""
    charged_on(f"{number}/1", *[ago(100)] * 10)
    charged_on(f"{number}/1", ago(20), ago(20), override=True)


def test_overage_of_a_contract_canceled_in_an_ended_period_is_billed(db_url):
    make_world()
    number = active_contract()  # billed quarterly from 2026-01-01
    _over_by_two(number)
    storage.cancel(number, "2026-06-05", "Moved to another supplier")
    last = storage.billing_schedule(number)[-1]
    assert (last.start, last.end) == (pendulum.Date(2026, 4, 1), pendulum.Date(2026, 6, 5))
    assert last.overage_cents > 0  # billed with the period that ended on the cancel date
    assert _overage_of(number) == []


def test_overage_of_a_contract_canceled_later_is_on_the_bill_ending_on_the_cancel_date(db_url):
    make_world()
    number = active_contract()
    _over_by_two(number)
    storage.cancel(number, "2026-06-20", "Moved to another supplier")
    assert storage.billing_schedule(number)[-1].end == pendulum.Date(2026, 6, 20)
    (entry,) = _overage_of(number)
    assert entry.date == pendulum.Date(2026, 6, 20)
    assert entry.why.endswith("on the bill for the period ending 2026-06-20")


def test_overage_of_a_contract_not_canceled_waits_for_its_period_end(db_url):
    make_world()
    number = active_contract()
    _over_by_two(number)
    (entry,) = _overage_of(number)
    assert entry.date == storage.billing_schedule(number)[1].end == pendulum.Date(2026, 6, 30)
