"""The detail views the console shows (case detail, a template's contracts, who may manage
users), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import storage
from tests.helpers import TODAY, active_contract, contract_in, make_world


def test_a_resolved_time_case_shows_spent_charged_who_and_its_ledger(db_url):
    make_world()
    number = active_contract("Dev Hours", allotment="10h")
    with storage.acting_as("rita"):
        case = storage.open_case("Acme Corp", "Slow build", line=number + "/1")
    with storage.acting_as("sam"):
        storage.resolve_case(case, spent="10m", resolution="cleared the cache")
    detail = storage.case_detail(case)
    info = detail.case
    assert (info.number, info.status, info.customer, info.title) == (
        case,
        "resolved",
        "Acme Corp",
        "Slow build",
    )
    assert (info.opened_by, info.resolved_by, info.resolved_on) == ("rita", "sam", TODAY)
    assert (info.resolution, info.spent, info.charged) == ("cleared the cache", 10, 30)
    assert (detail.contract, detail.line_title, detail.increment, detail.minimum) == (
        number,
        "Line 1",
        15,
        30,
    )
    assert [(e.kind, e.amount, e.who, e.line) for e in detail.entries] == [
        ("charge", 30, "sam", number + "/1")
    ]


def test_a_case_reopened_and_resolved_again_lists_every_ledger_entry(db_url):
    make_world()
    number = active_contract()
    case = storage.resolve(number + "/1", "Printer jam")
    storage.reopen_case(case)
    storage.resolve_case(case, resolution="new toner")
    detail = storage.case_detail(case.lower())  # any case, as typed
    assert [(e.kind, e.amount) for e in detail.entries] == [
        ("charge", 1),
        ("reversal", -1),
        ("charge", 1),
    ]
    assert detail.case.charged == 1 and detail.case.resolution == "new toner"


def test_an_open_case_without_a_line_has_no_contract_and_no_entries(db_url):
    make_world()
    case = storage.open_case("Globex", "Question about invoices")
    detail = storage.case_detail(case)
    assert detail.case.status == "open" and detail.case.line is None
    assert (detail.contract, detail.line_title, detail.entries) == (None, None, [])


def test_an_unknown_case_is_one_sentence(db_url):
    make_world()
    with pytest.raises(storage.NotFound, match="there is no case CAS-000099"):
        storage.case_detail("CAS-000099")


def test_a_template_shows_its_terms_and_its_contracts_newest_first(db_url):
    make_world()
    draft = contract_in("draft")
    active = active_contract()
    active_contract("Dev Hours", allotment="40h")  # another template
    detail = storage.template_detail("phone")  # the name in any case, or the abbreviation
    assert detail.template.name == "Phone Support" and detail.template.volume == 10
    assert [(c.number, c.status, c.customer) for c in detail.contracts] == [
        (active, "active", "Acme Corp"),
        (draft, "draft", "Acme Corp"),
    ]
    assert detail.count == 2
    assert str(detail.contracts[0].start) == "2026-01-01"
    limited = storage.template_detail("PHONE", limit=1)
    assert [c.number for c in limited.contracts] == [active] and limited.count == 2


def test_only_a_supervisor_may_manage_users_once_one_exists(db_url):
    make_world()
    assert storage.user_admin_refusal() is None  # no supervisor: everyone may
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor")
        storage.add_user("rita", "rep")
        assert storage.user_admin_refusal() is None
    with storage.acting_as("rita"):
        assert storage.user_admin_refusal() == (
            "only a supervisor may manage users; rita is a rep."
        )
    with storage.acting_as("nobody"):
        assert "nobody is not a listed user" in storage.user_admin_refusal()
