"""A support team's year, through the command line alone (SPEC §3, §4, §6).

A supervisor sets up a customer, templates and a contract; reps check and record cases
until the allotment runs out; the contract is held, released, renewed and expires. Each
step asserts what the person at the terminal sees and the exit code a script would get.
"""

from __future__ import annotations

import re

import pendulum

import storage


def test_a_contract_year_through_the_command_line(run):
    # Setting up: a customer, two templates, a phone contract from July to June.
    assert run.out("customer add 'Acme Corp' --email ops@acme.test") == "Added customer Acme Corp."
    run(
        "template add 'Phone Support' --abbr PHONE --allotment cases --billing quarterly --volume 3"
    )
    run(
        "template add 'Dev Hours' --abbr DEV --allotment time --billing monthly "
        "--hours 'Mon-Fri 08:00-18:00 Europe/Madrid'"
    )
    phone = run.out(
        "new --customer 'Acme Corp' --template 'Phone Support' --start 2026-07-01 --end 2027-06-30",
        today="2026-06-01",
    )
    assert phone == "CNR-000001"
    assert run.out(f"line add {phone} --title 'Phone support' --price 900") == "CNR-000001/1"

    # Invoiced before the start it is not yet covering; the sweep on July 1st activates it.
    assert run.out(f"invoice {phone}", today="2026-06-15") == (
        "CNR-000001 is invoiced; it becomes active on 2026-07-01."
    )
    assert run.out("check acme", today="2026-06-15", code=1) == (
        "Acme Corp is NOT covered (as of 2026-06-15): "
        "CNR-000001 is invoiced but starts only on 2026-07-01."
    )
    storage.clock.freeze(pendulum.Date(2026, 7, 1))  # cron runs sweep on the real July 1st
    assert run.out("sweep") == ("Swept as of 2026-07-01: 1 activated, 0 expired, 0 lines expired.")
    assert "Status    active, 364 days left" in run.out(f"show {phone}", today="2026-07-01")

    # A rep checks the customer: covered, three cases left.
    july = "2026-07-10"
    assert run.out("check Acme", today=july).splitlines() == [
        "Acme Corp is covered (as of 2026-07-10)",
        "  CNR-000001/1  Phone support  3 of 3 cases left  355 days left",
    ]

    # Three resolved cases use the line up; each tells the rep what is left.
    for i, left in enumerate(["2 of 3", "1 of 3", "0 of 3"], start=1):
        result = run(f"resolve {phone}/1 --title 'Call {i}'", today=july)
        assert result.stdout == f"CAS-00000{i}\n"
        assert result.stderr == (
            f"CAS-00000{i} resolved: charged 1 case to CNR-000001/1; {left} cases left.\n"
        )

    # The fourth is refused and nothing changes; the check now says why.
    assert run.refused(f"resolve {phone}/1 --title 'Call 4'", today=july, match="exhausted") == (
        "contracts: allotment exhausted: line CNR-000001/1 has used all 3 cases."
    )
    assert run.out("check Acme", today=july, code=1) == (
        "Acme Corp is NOT covered (as of 2026-07-10): "
        "allotment exhausted: line CNR-000001/1 has used all 3 cases."
    )

    # Reopening a case gives its charge back; resolving it again charges it once.
    assert run.out("case reopen CAS-000003", today=july) == (
        "CAS-000003 reopened; 1 case returned to CNR-000001/1 (1 of 3 cases left)."
    )
    assert run.out("check Acme", today=july).startswith("Acme Corp is covered")
    assert run.out("case resolve CAS-000003 --resolution 'fixed for good'", today=july) == (
        "CAS-000003 resolved: charged 1 case to CNR-000001/1; 0 of 3 cases left."
    )
    line = run.json(f"show {phone}", today=july)["lines"][0]
    assert (line["used"], line["remaining"], line["overage"], line["cases"]) == (3, 0, 0, 3)
    entries = run.json(f"ledger {phone}")
    assert [(e["case"], e["kind"], e["amount"]) for e in entries] == [
        ("CAS-000001", "charge", 1),
        ("CAS-000002", "charge", 1),
        ("CAS-000003", "charge", 1),
        ("CAS-000003", "reversal", -1),
        ("CAS-000003", "charge", 1),
    ]

    # On hold nobody is covered, whatever is left; released, a new line covers again.
    assert run.out(f"hold {phone}") == (
        "CNR-000001 is on hold: no case can be charged to it until it is released."
    )
    answer = run.json("check Acme", today=july, code=1)
    assert answer["entitled"] is False
    assert answer["reason"] == "CNR-000001 is on hold: no case can be charged to it."
    assert run.out(f"release {phone}", today=july) == "CNR-000001 is released: it is active."
    assert run.out(f"line add {phone} --title 'Extra calls' --allotment 2") == "CNR-000001/2"
    assert run.out("check Acme", today=july).splitlines()[1:] == [
        "  CNR-000001/2  Extra calls  2 of 2 cases left  355 days left",
    ]

    # A time line: 1h30m charges, and a charge one minute too long is refused.
    hours = run.out(
        "new --customer 'Acme Corp' --template DEV --start 2026-07-01 "
        "--end 2026-12-31 --title Migration",
        today=july,
    )
    run(f"line add {hours} --title Engineering --allotment 3h --price 600")
    assert run.out(f"invoice {hours}", today=july) == "CNR-000002 is invoiced and active."
    charged = run(f"resolve {hours}/1 --title Upgrade --spent 1h30m", today=july)
    # PostgreSQL's sequence may have skipped the refused case's number (never reused).
    case = charged.stdout.strip()
    assert re.fullmatch(r"CAS-00000[45]", case)
    assert (
        charged.stderr == f"{case} resolved: charged 1h 30m to CNR-000002/1; 1h 30m of 3h left.\n"
    )
    assert run.refused(
        f"resolve {hours}/1 --title 'Too long' --spent 91", today=july, match="exhausted"
    ) == (
        "contracts: allotment exhausted: line CNR-000002/1 has 1h 30m left, this case needs 1h 31m."
    )
    charged = run(f"resolve {hours}/1 --title Backup --spent 1.5h", today=july)
    assert charged.stderr.endswith("charged 1h 30m to CNR-000002/1; 0m of 3h left.\n")
    time_line = run.json(f"show {hours}")["lines"][0]
    assert (time_line["total"], time_line["used"], time_line["remaining"]) == (180, 180, 0)

    # Canceling the time contract: service ends with July, billed until then.
    assert (
        run.out(f"cancel {hours} --on 2026-07-31 --reason 'project finished'", today=july)
        == "CNR-000002 is canceled; service ends 2026-07-31."
    )
    assert [(p["start"], p["end"]) for p in run.json(f"schedule {hours}")] == [
        ("2026-07-01", "2026-07-31"),
    ]
    run.refused(
        f"resolve {hours}/1 --title Late --spent 5m",
        today=july,
        match="CNR-000002 was canceled (service ended 2026-07-31)",
    )

    # Renewing the phone contract: a new draft for the next year, fresh allotments.
    renewal = run.out(f"renew {phone}", today="2027-06-01")
    assert renewal == "CNR-000003"
    new = run.json(f"show {renewal}")
    assert (new["status"], new["start"], new["end"], new["origin"]) == (
        "draft",
        "2027-07-01",
        "2028-06-30",
        "CNR-000001",
    )
    assert [(li["title"], li["total"], li["used"]) for li in new["lines"]] == [
        ("Phone support", 3, 0),
        ("Extra calls", 2, 0),
    ]
    old = run.json(f"show {phone}")
    assert old["renewed_by"] == "CNR-000003"
    assert [li["status"] for li in old["lines"]] == ["renewed", "renewed"]

    # The sweep after the end expires the old contract; the renewal, invoiced, takes over.
    storage.clock.freeze(pendulum.Date(2027, 7, 1))  # and a year later
    # (the canceled contract's line is not touched: sweep leaves canceled contracts alone)
    assert run.out("sweep") == ("Swept as of 2027-07-01: 0 activated, 1 expired, 0 lines expired.")
    assert run.json(f"show {phone}")["status"] == "expired"
    assert "CNR-000001 expired on 2027-06-30" in run.out("check Acme", today="2027-07-01", code=1)
    assert run.out(f"invoice {renewal}", today="2027-07-01") == "CNR-000003 is invoiced and active."
    assert run.out("check Acme", today="2027-07-01").startswith("Acme Corp is covered")
    assert [(c["number"], c["status"]) for c in run.json("list", today="2027-07-01")] == [
        ("CNR-000001", "expired"),
        ("CNR-000002", "canceled"),
        ("CNR-000003", "active"),
    ]

    # Every invariant holds at the end.
    assert run.out("verify") == (
        "All invariants hold: 3 contracts, 5 lines, 5 cases, 7 ledger entries."
    )
