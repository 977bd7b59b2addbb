"""`contracts billing` (issue 12): the table, CSV and JSON shapes, and bad periods refused,
on both databases."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers.cli import active_contract, make_world

EARLY = "2025-12-15"  # the contracts are invoiced before they start


def _world(run) -> tuple[str, str, str]:
    make_world(run)
    run("customer add Initech")
    acme = active_contract(run, template="DEV", today=EARLY)  # monthly, 1200.00
    phone = active_contract(run, today=EARLY)  # quarterly, 1200.00
    globex = run.out(
        "new --customer Globex --template DEV --start 2026-01-01 --end 2026-12-31",
        today=EARLY,
    )
    run(f"line add {globex} --title Hours --price 2400", today=EARLY)
    run(f"invoice {globex}", today=EARLY)
    return acme, phone, globex


def test_json_lists_each_contract_and_the_totals(run):
    acme, phone, globex = _world(run)
    found = run.json("billing --period 2026-Q2", today="2026-06-15")
    assert (found["from"], found["to"]) == ("2026-04-01", "2026-06-30")
    assert [
        (c["number"], c["customer"], c["bill_to"], c["periods_due"], c["due_cents"])
        for c in found["contracts"]
    ] == [
        (acme, "Acme Corp", "Acme Corp", 3, 30000),
        (phone, "Acme Corp", "Acme Corp", 1, 30000),
        (globex, "Globex", "Globex", 3, 60000),
    ]
    assert found["contracts"][0] == {
        "number": acme,
        "customer": "Acme Corp",
        "bill_to": "Acme Corp",
        "billing": "monthly",
        "status": "active",
        "periods_due": 3,
        "due_cents": 30000,
        "overage_cents": 0,
        "total_cents": 30000,
    }
    assert [(t["name"], t["contracts"], t["total_cents"]) for t in found["customers"]] == [
        ("Acme Corp", 2, 60000),
        ("Globex", 1, 60000),
    ]
    assert found["bill_to"] == found["customers"]
    assert found["total"] == {
        "contracts": 3,
        "due_cents": 120000,
        "overage_cents": 0,
        "total_cents": 120000,
    }
    assert run.json("billing --period 2026-Q2 --format json") == found


def test_csv_has_a_row_per_contract_then_the_totals(run):
    acme, phone, _globex = _world(run)
    text = run.out("billing --from 2026-06-01 --to 2026-06-30 --format csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "record", "contract", "customer", "bill_to", "billing", "status",
        "contracts", "periods_due", "due", "overage", "total",
    ]  # fmt: skip
    assert [
        (r["record"], r["contract"], r["customer"], r["bill_to"], r["total"]) for r in rows
    ] == [
        ("contract", acme, "Acme Corp", "Acme Corp", "100.00"),
        ("contract", phone, "Acme Corp", "Acme Corp", "300.00"),
        ("contract", _globex, "Globex", "Globex", "200.00"),
        ("customer", "", "Acme Corp", "", "400.00"),
        ("customer", "", "Globex", "", "200.00"),
        ("bill_to", "", "", "Acme Corp", "400.00"),
        ("bill_to", "", "", "Globex", "200.00"),
        ("total", "", "", "", "600.00"),
    ]


def test_money_in_csv_has_no_thousands_separator(run):
    make_world(run)
    number = run.out(
        "new --customer 'Acme Corp' --template PHONE --start 2026-01-01 --end 2026-03-31",
        today=EARLY,
    )
    run(f"line add {number} --title Big --price 12,345.67", today=EARLY)
    run(f"invoice {number}", today=EARLY)
    rows = list(csv.reader(io.StringIO(run.out("billing --period 2026-Q1 --format csv"))))
    assert rows[1][-3:] == ["12345.67", "0.00", "12345.67"]


def test_the_table_shows_contracts_customers_and_the_total(run):
    acme, _phone, _globex = _world(run)
    text = run.out("billing --period 2026-06")
    assert text.splitlines()[0] == "Due from 2026-06-01 to 2026-06-30"
    assert f"{acme}  Acme Corp" in text
    assert "3 contracts: 600.00 due, 0.00 overage, 600.00 in all." in text
    assert "Bill to" in text
    assert run.out("billing --period 2025-06") == "Nothing is due from 2025-06-01 to 2025-06-30."


@pytest.mark.parametrize(
    "args,match",
    [
        ("--period 2026-13", "period '2026-13' is not a month (2026-11) or a quarter (2026-Q4)"),
        ("--period 2026-Q5", "period '2026-Q5' is not a month"),
        ("", "give a period (2026-11 or 2026-Q4), or both --from and --to."),
        ("--from 2026-11-01", "give a period (2026-11 or 2026-Q4), or both --from and --to."),
        ("--period 2026-11 --to 2026-11-30", "give either a period or --from and --to"),
        ("--from 2026-12-01 --to 2026-11-30", "--from 2026-12-01 comes after --to 2026-11-30."),
        ("--from 2026-02-30 --to 2026-03-01", "--from"),
        ("--period 2026-11 --format xml", "'xml' is not one of 'table', 'csv', 'json'"),
    ],
)
def test_a_bad_period_is_refused_in_one_line(run, args, match):
    make_world(run)
    run.refused(f"billing {args}", match)
