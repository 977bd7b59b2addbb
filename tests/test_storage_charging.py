"""SPEC §4: the charging rules, the atomic decrement and the ledger, on both databases."""

from __future__ import annotations

import pytest

import storage
from storage.models import Line, UsageEntry, database
from tests.helpers import TODAY, active_contract, contract_in, make_world, refused


@pytest.mark.parametrize(
    "status,reason",
    [
        ("draft", "is a draft, not yet invoiced"),
        ("invoiced", "is invoiced but starts only on 2026-09-01"),
        ("on_hold", "is on hold: no case can be charged to it"),
        ("canceled", "was canceled (service ended 2026-06-30)"),
        ("expired", "expired on 2025-12-31"),
    ],
)
def test_only_an_active_contract_can_be_charged(db_url, status, reason):
    make_world()
    number = contract_in(status)
    refused(storage.resolve, f"{number}/1", "Printer jam", match=reason)


def test_canceled_and_expired_lines_refuse(db_url):
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    storage.add_line(number, "Spring", start="2026-03-01", end="2026-05-31")
    storage.add_line(number, "Main")
    storage.invoice(number)
    storage.sweep()
    refused(
        storage.resolve, f"{number}/1", "Late call", match=f"line {number}/1 expired on 2026-05-31"
    )
    storage.cancel_line(f"{number}/2")
    refused(storage.resolve, f"{number}/2", "Call", match=f"line {number}/2 is canceled")


def test_resolution_date_must_lie_within_the_line(db_url):
    make_world()
    number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
    storage.add_line(number, "Autumn", start="2026-09-01")
    storage.invoice(number)
    refused(storage.resolve, f"{number}/1", "Early", match="starts only on 2026-09-01")


def test_a_case_is_charged_only_to_its_own_customers_line(db_url):
    make_world()
    number = active_contract()
    refused(
        storage.open_case,
        "Globex",
        "Their problem",
        line=f"{number}/1",
        match="a case of Globex cannot be linked to it",
    )
    case = storage.open_case("Globex", "Their problem")
    refused(storage.resolve_case, case, line=f"{number}/1", match="cannot be linked")
    assert storage.show(number).lines[0].used == 0


def test_exhausted_cases_line_refuses_and_says_so(db_url):
    make_world()
    number = active_contract(allotment="3")
    for i in range(3):
        storage.resolve(f"{number}/1", f"Call {i}")
    assert storage.show(number).lines[0].remaining == 0
    message = refused(storage.resolve, f"{number}/1", "One too many", match="allotment exhausted")
    assert message == f"allotment exhausted: line {number}/1 has used all 3 cases."
    assert storage.verify() == []


def test_time_line_overdraw_by_one_minute_is_refused(db_url):
    make_world()
    storage.add_template("Consulting", abbr="CONS", allotment="time", billing="monthly")
    number = active_contract("Consulting", allotment="2h")
    storage.resolve(f"{number}/1", "Migration", spent="1h30m")
    message = refused(
        storage.resolve, f"{number}/1", "More", spent="31m", match="allotment exhausted"
    )
    assert message == f"allotment exhausted: line {number}/1 has 30m left, this case needs 31m."
    storage.resolve(f"{number}/1", "Exactly the rest", spent="0.5h")
    line = storage.show(number).lines[0]
    assert (line.used, line.remaining, line.left_text) == (120, 0, "0m of 2h left")


def test_time_needs_the_time_spent_and_applies_increment_and_minimum(db_url):
    make_world()
    number = active_contract("Dev Hours")  # 40h, round up to 15m, at least 30m
    refused(storage.resolve, f"{number}/1", "No time", match="give the time spent")
    refused(storage.resolve, f"{number}/1", "Bad time", spent="1h3x", match="not a duration")
    storage.resolve(f"{number}/1", "Tiny", spent="10m")
    storage.resolve(f"{number}/1", "Odd", spent="31")
    storage.resolve(f"{number}/1", "Long", spent="1.5h")
    assert storage.show(number).lines[0].used == 30 + 45 + 90
    assert [c.charged for c in storage.list_cases(contract=number)] == [90, 45, 30]
    assert storage.show(number).lines[0].left_text == "37h 15m of 40h left"


def test_resolve_reopen_resolve_charges_once(db_url):
    make_world()
    number = active_contract(allotment="10")
    case = storage.resolve(f"{number}/1", "Flaky VPN")
    assert storage.reopen_case(case) == 1
    assert storage.show(number).lines[0].used == 0
    assert storage.show_case(case).status == "open"
    storage.resolve_case(case, resolution="replaced the router")
    line = storage.show(number).lines[0]
    assert (line.used, line.remaining) == (1, 9)
    kinds = [(e.kind, e.amount, e.case) for e in storage.ledger(number)]
    assert kinds == [("charge", 1, case), ("reversal", -1, case), ("charge", 1, case)]
    assert storage.verify() == []


def test_canceling_an_open_case_charges_nothing(db_url):
    make_world()
    number = active_contract()
    case = storage.open_case("Acme Corp", "Wrong number", line=f"{number}/1")
    storage.cancel_case(case)
    assert storage.show(number).lines[0].used == 0
    assert storage.ledger(number) == []
    refused(storage.cancel_case, case, match="only an open case can be canceled")
    resolved = storage.resolve(f"{number}/1", "Done")
    refused(storage.cancel_case, resolved, match="reopen it first")
    refused(storage.resolve_case, resolved, match="only an open case can be resolved")


def test_coverage_counts_use_without_decrementing(db_url):
    make_world()
    number = active_contract("Premium Cover")
    for i in range(3):
        storage.resolve(f"{number}/1", f"Call {i}")
    line = storage.show(number).lines[0]
    assert (line.total, line.used, line.cases, line.usable) == (None, 0, 3, True)
    assert line.left_text == "no limit"
    assert storage.verify() == []


def test_supervisor_override_records_overage_reps_are_refused(db_url):
    make_world()
    storage.add_user("sam", "supervisor", confirm=True)
    with storage.acting_as("sam"):
        storage.add_user("rita", "rep")
    with storage.acting_as("rita"):
        number = storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
        storage.add_line(number, "Phone", allotment="1", price="500")
    with storage.acting_as("rita"):
        refused(
            storage.invoice, number, match="only a supervisor may invoice contracts; rita is a rep"
        )
    with storage.acting_as("sam"):
        storage.invoice(number)
    with storage.acting_as("rita"):
        storage.resolve(f"{number}/1", "First")
        refused(
            storage.resolve,
            f"{number}/1",
            "Second",
            override=True,
            match="only a supervisor may override an exhausted line",
        )
    with storage.acting_as("sam"):
        storage.resolve(f"{number}/1", "Second", override=True)
    line = storage.show(number).lines[0]
    assert (line.used, line.remaining, line.overage, line.rate_cents) == (2, 0, 1, 50000)
    assert [e.kind for e in storage.ledger(number)] == ["charge", "override"]
    assert storage.verify() == []
    with storage.acting_as("nobody"):
        refused(storage.open_case, "Acme Corp", "Hi", match="nobody may only read")


def test_open_case_refuses_bad_input_and_unknown_references(db_url):
    make_world()
    number = active_contract()
    refused(storage.open_case, "Nobody Inc", "x", match="there is no customer named 'Nobody Inc'")
    refused(storage.open_case, "Acme Corp", "   ", match="the case title is empty")
    refused(
        storage.open_case, "Acme Corp", "x", line=f"{number}/9", match=f"{number} has no line 9"
    )
    refused(
        storage.open_case, "Acme Corp", "x", line="CNR-999999/1", match="no contract CNR-999999"
    )
    refused(storage.resolve_case, "CAS-424242", match="there is no case CAS-424242")
    refused(storage.open_case, "Acme Corp", "bell\x07", match="control characters")


def test_verify_finds_a_line_tampered_with_in_the_database(db_url):
    make_world()
    number = active_contract()
    storage.resolve(f"{number}/1", "One")
    assert storage.verify() == []
    database.execute_sql('UPDATE "line" SET used = used + 3')
    problems = storage.verify()
    assert f"{number}/1: used is 4 but its ledger sums to 1." in problems


def test_verify_finds_a_double_charge(db_url):
    make_world()
    number = active_contract()
    case = storage.resolve(f"{number}/1", "One")
    line = Line.get()
    entry = UsageEntry.get()
    UsageEntry.create(line=line, case=entry.case, amount=1, kind="charge", who="x", at=entry.at)
    Line.update(used=2).where(Line.id == line.id).execute()
    problems = storage.verify()
    assert any(case in p and "2 outstanding charges" in p for p in problems), problems


def test_check_answers_for_customer_and_contract(db_url):
    make_world()
    number = active_contract(allotment="10")
    storage.resolve(f"{number}/1", "One")
    result = storage.check("acme corp")
    assert result.entitled and result.customer == "Acme Corp" and result.at == TODAY
    line = result.contracts[0].lines[0]
    assert (line.ref, line.total, line.used, line.remaining, line.usable) == (
        f"{number}/1",
        10,
        1,
        9,
        True,
    )
    assert storage.check(number).entitled
    storage.hold(number)
    held = storage.check("Acme")
    assert not held.entitled
    assert held.reason == f"{number} is on hold: no case can be charged to it."
    nobody = storage.check("Globex")
    assert (nobody.entitled, nobody.reason) == (False, "Globex has no contract.")
    unknown = storage.check("Initech")
    assert unknown.reason == "no customer or contract matches 'Initech'."


def test_a_supervisor_adjusts_use_with_a_ledger_entry(db_url):
    make_world()
    number = active_contract("Dev Hours")  # 40h
    storage.resolve(f"{number}/1", "Work", spent="2h")
    storage.add_user("sam", "supervisor", confirm=True)
    with storage.acting_as("sam"):
        assert storage.adjust(f"{number}/1", "-30m", "double-booked time") == 90
        assert storage.adjust(f"{number}/1", "+1h", "late timesheet") == 150
        refused(storage.adjust, f"{number}/1", "-3h", "too much", match="cannot be lowered by 3h")
        refused(storage.adjust, f"{number}/1", "-1x", "typo", match="is not a duration")
    with storage.acting_as("rita"):
        refused(storage.adjust, f"{number}/1", "+1h", "no", match="only a supervisor may adjust")
    entries = [(e.kind, e.amount, e.note) for e in storage.ledger(number)]
    assert entries[1:] == [
        ("adjustment", -30, "double-booked time"),
        ("adjustment", 60, "late timesheet"),
    ]
    assert storage.show(number).lines[0].used == 150
    assert storage.verify() == []


def test_the_consoles_notice_and_contract_read_together_say_what_each_says_alone(db_url):
    """After recording a case the console reads the notice and the contract in one call
    (the line taken from the contract read for the screen): the same sentence, the same
    contract, whether the case was charged to time (rounded), coverage, no line at all, or a
    line of another contract than the one shown."""
    make_world()
    dev, cover = active_contract("Dev Hours"), active_contract("Premium Cover")
    timed = storage.resolve(f"{dev}/1", "Tiny", spent="10m")
    covered = storage.resolve(f"{cover}/1", "Covered")
    unlinked = storage.open_case("Acme Corp", "No line")
    storage.resolve_case(unlinked)
    for case, shown in ((timed, dev), (covered, cover), (unlinked, dev), (timed, cover)):
        notice, late, info = storage.resolution_and_contract(case, shown)
        assert (notice, late) == storage.resolution_notice(case)
        assert info == storage.show(shown)
    notice, _, _ = storage.resolution_and_contract(timed, dev)
    assert notice == (
        f"{timed} resolved: 10m spent, 30m charged (minimum 30m) to {dev}/1; 39h 30m of 40h left."
    )
