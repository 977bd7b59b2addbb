"""SPEC §3: every action from every status, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import storage
from tests.helpers import TODAY, contract_in, dump, make_world, refused

STATUSES = ["draft", "invoiced", "active", "on_hold", "canceled", "expired"]


def _edit(n):
    storage.edit_contract(n, title="Renamed")


def _delete(n):
    storage.delete(n)


def _add_line(n):
    storage.add_line(n, "Extra line", allotment="5", price="100")


def _invoice(n):
    storage.invoice(n)


def _hold(n):
    storage.hold(n)


def _release(n):
    storage.release(n)


def _cancel(n):
    info = storage.show(n)
    storage.cancel(n, max(info.start, min(TODAY, info.end)), "no longer needed")


def _renew(n):
    return storage.renew(n)


def _copy(n):
    return storage.copy(n)


def _cancel_line(n):
    storage.cancel_line(f"{n}/1")


def _charge(n):
    storage.resolve(f"{n}/1", "Printer jam")


ACTIONS = {
    "edit": _edit,
    "delete": _delete,
    "add_line": _add_line,
    "invoice": _invoice,
    "hold": _hold,
    "release": _release,
    "cancel": _cancel,
    "renew": _renew,
    "copy": _copy,
    "cancel_line": _cancel_line,
    "charge": _charge,
}

# Written out from SPEC §3 by hand (not derived from the code's table): the status an
# allowed action leaves the contract in, or None when the status must refuse it.
T = "same"
EXPECTED = {
    #            edit  delete  add_line invoice    hold       release   cancel      renew copy cancel_line charge
    "draft": [T, "gone", T, "active", None, None, None, None, T, None, None],
    "invoiced": [None, None, T, None, "on_hold", None, "canceled", T, T, T, None],
    "active": [None, None, T, None, "on_hold", None, "canceled", T, T, T, T],
    "on_hold": [None, None, T, None, None, "active", "canceled", T, T, T, None],
    "canceled": [None, None, None, None, None, None, None, T, T, None, None],
    "expired": [None, None, None, None, None, None, None, T, T, None, None],
}
WORDS = {
    "draft": "a draft",
    "invoiced": "invoiced",
    "active": "active",
    "on_hold": "on hold",
    "canceled": "canceled",
    "expired": "expired",
}

CASES = [
    (status, action, EXPECTED[status][i]) for status in STATUSES for i, action in enumerate(ACTIONS)
]


@pytest.mark.parametrize("status,action,expected", CASES, ids=[f"{s}-{a}" for s, a, _ in CASES])
def test_every_action_from_every_status(db_url, status, action, expected):
    make_world()
    number = contract_in(status)
    assert storage.show(number).status == status
    if expected is None:
        before = dump()
        with pytest.raises(storage.Refused) as refused:
            ACTIONS[action](number)
        message = str(refused.value)
        assert number in message or "CNR-" in message
        assert WORDS[status] in message, message
        assert dump() == before
        if action != "charge":
            assert "you can" in message, message
        return
    result = ACTIONS[action](number)
    if expected == "gone":
        with pytest.raises(storage.NotFound):
            storage.show(number)
        return
    after = storage.show(number)
    assert after.status == (status if expected == T else expected)
    if action in ("renew", "copy"):
        new = storage.show(result)
        assert new.status == "draft"
        assert new.origin == number
        assert new.origin_kind == ("renewal" if action == "renew" else "copy")
    if action == "charge":
        assert after.lines[0].used == 1
        assert storage.verify() == []
    if action == "cancel_line":
        assert after.lines[0].status == "canceled"
    if action == "add_line":
        assert [line.used for line in after.lines][-1] == 0
        assert len(after.lines) == 2


def test_refusal_names_status_and_what_is_allowed(db_url):
    make_world()
    number = contract_in("canceled")
    with pytest.raises(storage.Refused) as refused:
        storage.hold(number)
    assert str(refused.value) == (
        f"cannot hold {number}: it is canceled; from canceled you can renew, copy."
    )


def test_invoice_before_start_then_sweep_activates_and_expires(db_url):
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-07-01", "2026-07-31")
    storage.add_line(number, "Phone", price="10")
    assert storage.invoice(number) == "invoiced"
    assert storage.sweep() == {"activated": 0, "expired": 0, "lines_expired": 0}
    storage.clock.freeze(storage.parse_date("2026-07-01"))
    assert storage.sweep()["activated"] == 1
    assert storage.show(number).status == "active"
    storage.clock.freeze(storage.parse_date("2026-08-01"))
    assert storage.sweep_needed()
    assert storage.sweep() == {"activated": 0, "expired": 1, "lines_expired": 1}
    info = storage.show(number)
    assert info.status == "expired" and info.lines[0].status == "expired"
    assert not storage.sweep_needed()


def test_release_goes_back_to_where_the_dates_say(db_url):
    make_world()
    number = contract_in("invoiced")  # starts 2026-09-01
    storage.hold(number)
    assert storage.release(number) == "invoiced"
    storage.hold(number)
    storage.clock.freeze(storage.parse_date("2027-09-01"))
    # held past its end date, it has expired (SPEC §3: from on hold too), sweep or not
    assert storage.show(number).status == "expired"
    refused(storage.release, number, match=f"cannot release {number}: it is expired")


def test_invoice_needs_a_line_and_unexpired_dates(db_url):
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    before = dump()
    with pytest.raises(storage.Refused, match="no lines"):
        storage.invoice(number)
    assert dump() == before
    past = storage.new_contract("Acme Corp", "Phone Support", "2025-01-01", "2025-12-31")
    storage.add_line(past, "Phone", price="1")
    with pytest.raises(storage.Refused, match="ended on 2025-12-31"):
        storage.invoice(past)


def test_cancel_date_must_lie_inside_the_contract(db_url):
    make_world()
    number = contract_in("active")
    before = dump()
    with pytest.raises(storage.InvalidInput, match="must lie inside"):
        storage.cancel(number, "2027-02-01", "moved away")
    with pytest.raises(storage.InvalidInput, match="reason is empty"):
        storage.cancel(number, "2026-06-30", "  ")
    assert dump() == before
    storage.cancel(number, "2026-06-30", "moved away")
    info = storage.show(number)
    assert (info.status, str(info.cancel_date), info.cancel_reason) == (
        "canceled",
        "2026-06-30",
        "moved away",
    )
    assert info.lines[0].status == "existing"  # lines keep their own status


def test_contract_numbers_are_never_reused(db_url):
    make_world()
    first = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    second = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    storage.delete(second)
    third = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    assert (first, second, third) == ("CNR-000001", "CNR-000002", "CNR-000003")


def test_edit_moves_lines_that_ran_with_the_contract(db_url):
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    storage.add_line(number, "Whole term")
    storage.add_line(number, "Spring", start="2026-03-01", end="2026-05-31")
    storage.edit_contract(number, start="2026-02-01", end="2027-01-31", customer="globex")
    info = storage.show(number)
    assert (str(info.start), str(info.end), info.customer) == ("2026-02-01", "2027-01-31", "Globex")
    assert [(str(x.start), str(x.end)) for x in info.lines] == [
        ("2026-02-01", "2027-01-31"),
        ("2026-03-01", "2026-05-31"),
    ]
    before = dump()
    with pytest.raises(storage.Refused, match="would fall outside"):
        storage.edit_contract(number, start="2026-04-01")
    assert dump() == before


def test_every_change_is_audited_with_the_login(db_url):
    make_world()
    with storage.acting_as("maria"):
        number = contract_in("active")
        storage.hold(number)
    trail = storage.audit_trail(number)
    assert {e.action for e in trail} >= {"create", "invoice", "hold"}
    assert all(e.who == "maria" for e in trail if e.action != "expire")
    assert any(e.ref == f"{number}/1" and e.action == "add" for e in trail)


def test_the_audit_trail_outlives_what_it_records(db_url):
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    storage.add_line(number, "Phone")
    storage.delete(number)
    actions = [(e.ref, e.action) for e in reversed(storage.audit_trail(number))]
    assert actions == [(number, "create"), (f"{number}/1", "add"), (number, "delete")]
    source = " ".join(
        path.read_text()
        for path in __import__("pathlib").Path(storage.__file__).parent.glob("*.py")
    )
    assert "AuditEvent.update" not in source and "AuditEvent.delete" not in source


@pytest.mark.parametrize("text", ["ink\x1b[31m", "bell\x07", "nul\x00x"])
def test_control_characters_in_a_product_or_description_are_refused(db_url, text):
    make_world()
    number = contract_in("draft")
    before = dump()
    with pytest.raises(storage.InvalidInput, match="the product contains control characters"):
        storage.add_line(number, "Extra", product=text)
    with pytest.raises(storage.InvalidInput, match="the product contains control characters"):
        storage.edit_line(f"{number}/1", product=text)
    with pytest.raises(storage.InvalidInput, match="the description contains control characters"):
        storage.add_template(
            "Ink", abbr="INK", allotment="cases", billing="monthly", description=text
        )
    with pytest.raises(storage.InvalidInput, match="the description contains control characters"):
        storage.edit_template("Phone Support", description=text)
    assert dump() == before
    # several lines of description are still fine
    storage.edit_template("Phone Support", description="First line.\nSecond line.")
    assert storage.get_template("PHONE").description == "First line.\nSecond line."


def test_a_draft_with_a_linked_case_names_the_case(db_url):
    make_world()
    number = contract_in("draft")
    case = storage.open_case("Acme Corp", "Printer jam", line=f"{number}/1")
    before = dump()
    with pytest.raises(storage.Refused, match=f"case {case} is linked to one of its lines"):
        storage.delete(number)
    assert dump() == before
    storage.cancel_case(case)
    assert storage.delete(number) == number
    assert storage.show_case(case).line is None
    assert storage.show_case(case).status == "canceled"
    assert [e.action for e in storage.audit_trail(case)][:1] == ["unlink"]
    with pytest.raises(storage.NotFound):
        storage.show(number)
