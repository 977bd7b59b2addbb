"""Moving in and out (issue 12): `contracts export` and `contracts import`, on both
databases: every status, opening balances, every problem of a bad file reported and nothing
written, re-import refused, dry run, spreadsheet CSV, and the export→import round trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import storage
from storage import demo
from tests.helpers import TODAY, dump
from tests.helpers.cli import Contracts
from tests.helpers.postgres import _reset_postgres

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "import"


@pytest.fixture
def today(db_url):
    storage.clock.freeze(TODAY)
    yield db_url


def empty_database(url: str, tmp_path: Path) -> str:
    """A new, empty database on the same backend as `url` (which it may replace)."""
    if url.startswith("sqlite"):
        new = f"sqlite:///{tmp_path / 'empty.db'}"
        storage.open_database(new)
        return new
    _reset_postgres(url)
    return url


def write(folder: Path, name: str, text: str, bom: bool = False) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def everything(run: Contracts) -> tuple[list, list]:
    """What `list --json` and `show --json` say about every contract."""
    listed = run.json("list")
    shown = [run.json(f"show {row['number']}") for row in listed]
    return listed, shown


# ---------------------------------------------------------------------------------------
# Import: the example file, every status, opening balances


def test_the_example_imports_every_status_with_opening_balances(today, run):
    result = run(f"import {EXAMPLE}")
    assert "K-7\tCNR-000107" in result.stdout  # the file's own reference got a number
    assert "Imported 2 customers, 2 templates, 6 contracts, 7 lines, 4 opening balances." in (
        result.stderr
    )
    statuses = {row["number"]: row["status"] for row in run.json("list")}
    assert statuses == {
        "CNR-000101": "draft",
        "CNR-000102": "invoiced",
        "CNR-000104": "on_hold",
        "CNR-000105": "canceled",
        "CNR-000106": "expired",
        "CNR-000107": "active",
    }
    canceled = run.json("show CNR-000105")
    assert canceled["cancel_date"] == "2026-05-31"
    assert canceled["cancel_reason"] == "moved to another supplier"
    active = run.json("show CNR-000107")
    assert active["bill_to"] == "Globex" and active["title"] == "Acme development, 2026–2027"
    first = active["lines"][0]
    assert (first["total"], first["used"], first["remaining"]) == (2400, 750, 1650)
    assert first["net_price_cents"] == 360000
    ledger = run.json("ledger CNR-000107")
    assert [(e["kind"], e["amount"], e["line"]) for e in ledger] == [
        ("opening balance", 750, "CNR-000107/1")
    ]
    assert "used before the import" in ledger[0]["note"]
    assert run.out("verify").startswith("All invariants hold")
    # the next contract made by hand is numbered after the kept ones
    made = run.out("new --customer Globex --template DEV --start 2026-07-01 --end 2026-12-31")
    assert made == "CNR-000108"


def test_an_opening_balance_beyond_the_total_is_overage_that_verifies(today, run, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLE, folder)
    lines = (
        (folder / "lines.csv")
        .read_text()
        .replace(
            "CNR-000104,1,Phone incidents,Helpdesk,10 cases,3 cases",
            "CNR-000104,1,Phone incidents,Helpdesk,10 cases,12 cases",
        )
    )
    (folder / "lines.csv").write_text(lines)
    run(f"import {folder}")
    line = run.json("show CNR-000104")["lines"][0]
    assert (line["used"], line["remaining"], line["overage"]) == (12, 0, 2)
    assert run.out("verify").startswith("All invariants hold")


# ---------------------------------------------------------------------------------------
# All or nothing


TEN_PROBLEMS = {
    "customers.csv": "name,emails\nAcme,\nBeta,not-an-address\nAcme,\n",
    "templates.csv": (
        "name,abbr,allotment_type,billing,volume\n"
        "Phone,PHONE,cases,monthly,10\n"
        "Chat,CHAT,cases,weekly,10\n"
    ),
    "contracts.csv": (
        "number,customer,template,status,start,end,cancel_date\n"
        "CNR-000001,Nobody,Phone,active,2026-01-01,2026-12-31,\n"
        "CNR-000002,Acme,Phone,canceled,2026-01-01,2026-12-31,\n"
        "CNR-000003,Acme,Phone,active,2026-12-31,2026-01-01,\n"
        "CNR-000004,Acme,Phone,paused,2026-01-01,2026-12-31,\n"
        "CNR-000005,Acme,Phone,active,2026-01-01,2026-12-31,\n"
    ),
    "lines.csv": (
        "contract,title,total,used,price\n"
        "CNR-000005,Phone incidents,ten,0,100\n"
        "CNR-000005,Phone incidents,10,2,1.999\n"
        "CNR-000009,Phone incidents,10,0,100\n"
    ),
}


def test_a_file_with_ten_problems_reports_all_ten_and_writes_nothing(today, run, tmp_path):
    folder = tmp_path / "bad"
    for name, text in TEN_PROBLEMS.items():
        write(folder, name, text)
    before = dump()
    result = run(f"import {folder}", code=2)
    problems = result.stderr.strip().splitlines()
    assert problems[-1] == "contracts: 10 problems in the file; nothing was imported."
    assert problems[:-1] == [
        "customers.csv row 3, column emails: 'not-an-address' is not a valid email address.",
        "customers.csv row 4, column name: a customer named 'Acme' is already earlier in the file.",
        (
            "templates.csv row 3, column billing: billing 'weekly' is not one of monthly, bimonthly, "
            "quarterly, semiannually, annually."
        ),
        (
            "contracts.csv row 2, column customer: there is no customer named 'Nobody' in the file "
            "or the database."
        ),
        (
            "contracts.csv row 3, column cancel_date: a canceled contract needs the date its service "
            "ended."
        ),
        (
            "contracts.csv row 4, column end: the contract cannot end (2026-01-01) before it starts "
            "(2026-12-31)."
        ),
        (
            "contracts.csv row 5, column status: status 'paused' is not one of draft, invoiced, "
            "active, on_hold, canceled, expired."
        ),
        (
            "lines.csv row 2, column total: the total 'ten' is not a number of cases; write it like "
            "10 or 10 cases."
        ),
        (
            "lines.csv row 3, column price: the price '1.999' is not an amount; write it like 1200, "
            "1200.50 or 1,200.50 (a comma only between thousands)."
        ),
        (
            "lines.csv row 4, column contract: there is no contract 'CNR-000009' in the file (a line "
            "comes with its contract)."
        ),
    ]
    assert result.stdout == ""
    assert dump() == before


def test_a_dry_run_says_what_it_would_import_and_writes_nothing(today, run):
    before = dump()
    result = run(f"import {EXAMPLE} --dry-run")
    assert "Would import 2 customers, 2 templates, 6 contracts, 7 lines" in result.stderr
    assert dump() == before


def test_importing_the_same_file_again_is_refused_naming_what_is_there(today, run):
    run(f"import {EXAMPLE}")
    before = dump()
    result = run(f"import {EXAMPLE}", code=2)
    said = result.stderr
    assert (
        "customers.csv row 2, column name: a customer named 'Acme, Inc.' is already in the database."
        in said
    )
    assert (
        "templates.csv row 2, column name: a template named 'Phone Support' is already in the database."
        in said
    )
    assert "contracts.csv row 2, column number: CNR-000101 is already in the database" in said
    assert dump() == before
    assert len(run.json("list")) == 6


def test_only_a_supervisor_imports_once_there_is_one(today, run):
    run("user add boss --role supervisor --yes")
    before = dump()
    result = run(f"import {EXAMPLE}", code=2)
    assert "only a supervisor may import contracts" in result.stderr
    assert dump() == before


# ---------------------------------------------------------------------------------------
# What spreadsheets write


def test_csv_from_a_spreadsheet_quoted_commas_new_lines_and_a_byte_order_mark(today, run, tmp_path):
    folder = tmp_path / "sheet"
    write(folder, "people.csv", 'name,emails\r\n"Smith, Jones & Co",a@smith.example\r\n', bom=True)
    write(
        folder,
        "templates.csv",
        "name,abbr,allotment_type,billing,volume,description\r\n"
        'Cover,COV,coverage,annually,,"Unlimited cases,\r\nday and night."\r\n',
        bom=True,
    )
    write(
        folder,
        "contracts.csv",
        "number,title,customer,template,status,start,end\r\n"
        'CNR-000010,"Cover, 2026","Smith, Jones & Co",Cover,active,2026-01-01,2026-12-31\r\n',
        bom=True,
    )
    write(
        folder, "lines.csv", 'contract,title,used\r\nCNR-000010,"Calls, any time",4\r\n', bom=True
    )
    files = " ".join(
        str(folder / n) for n in ("people.csv", "templates.csv", "contracts.csv", "lines.csv")
    )
    run(f"import {files}")
    shown = run.json("show CNR-000010")
    assert shown["customer"] == "Smith, Jones & Co" and shown["title"] == "Cover, 2026"
    assert shown["lines"][0]["title"] == "Calls, any time"
    assert storage.get_template("Cover").description == "Unlimited cases,\nday and night."
    assert run.out("verify").startswith("All invariants hold")


# ---------------------------------------------------------------------------------------
# Export


def test_export_streams_each_kind_in_a_stable_order(today, run):
    run(f"import {EXAMPLE}")
    header = run.out("export --what contracts").splitlines()[0]
    assert header == ",".join(storage.transfer.COLUMNS["contracts"])
    assert header == run.out("import --template-csv")
    assert run.out("import --template-csv ledger") == "line,case,amount,kind,who,at,note"
    run.refused("import --template-csv widgets", "there are no widgets to import")
    lines = run.out("export --what lines").splitlines()
    assert lines[3].rsplit(",", 1)[0] == (  # the last column: when the import made it
        "CNR-000104,1,Phone incidents,Helpdesk,2026-01-01,2027-12-31,10 cases,3 cases,"
        "1200.00,0.00,existing,"
    )
    held = run.out("export --what contracts --status on_hold").splitlines()
    assert len(held) == 2 and held[1].startswith("CNR-000104,")
    document = json.loads(run.out("export --format json --what templates"))
    assert [t["name"] for t in document["templates"]] == ["Phone Support", "Dev Hours"]
    assert document["templates"][0]["days_off"] == ["2026-12-25", "2027-01-01"]
    assert len(run.out("export --what customers --since 2000-01-01").splitlines()) == 3
    assert run.out("export --what customers --since 2099-01-01") == "name,emails,phones,created"
    run.refused("export", "CSV on stdout holds one kind")


# ---------------------------------------------------------------------------------------
# The round trip


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_an_empty_database_gives_the_same_contracts(today, tmp_path, fmt):
    demo.fill(60, seed=4)
    run = Contracts(today)
    listed, shown = everything(run)
    ledgers = [run.json(f"ledger {row['number']}") for row in listed]
    out = tmp_path / "out"
    run(f"export --format {fmt} --out {out}")
    before = {p.name: p.read_text() for p in out.iterdir()}

    again = Contracts(empty_database(today, tmp_path))
    again(f"import {out}")
    assert again.out("verify").startswith("All invariants hold")
    assert everything(again) == (listed, shown)
    assert [again.json(f"ledger {row['number']}") for row in listed] == ledgers
    redone = tmp_path / "again"
    again(f"export --format {fmt} --out {redone}")
    after = {p.name: p.read_text() for p in redone.iterdir()}
    for name, text in after.items():  # phone numbers: stored as the import reads them
        if name != "customers.csv" and fmt == "csv":
            assert text == before[name], name
    if fmt == "json":
        old, new = json.loads(before["contracts.json"]), json.loads(after["contracts.json"])
        assert {k: v for k, v in old.items() if k != "customers"} == {
            k: v for k, v in new.items() if k != "customers"
        }


def test_json_with_lines_inside_contracts_and_cases_without_ledger_rows(today, run, tmp_path):
    document = {
        "customers": [{"name": "Initech", "emails": ["it@initech.example"]}],
        "templates": [
            {"name": "Phone", "abbr": "PH", "allotment_type": "cases", "billing": "monthly"}
        ],
        "contracts": [
            {
                "customer": "Initech",
                "template": "PH",
                "status": "active",
                "start": "2026-01-01",
                "end": "2026-12-31",
                "lines": [{"title": "Calls", "total": "10 cases", "used": "3 cases"}],
            }
        ],
        "cases": [
            {
                "customer": "Initech",
                "title": "Printer",
                "line": "CNR-000001/1",
                "status": "resolved",
                "resolved_at": "2026-06-01T09:00:00Z",
            },
            {"customer": "Initech", "title": "Scanner", "status": "open"},
        ],
    }
    path = tmp_path / "initech.json"
    path.write_text(json.dumps(document))
    run(f"import {path}")
    line = run.json("show CNR-000001")["lines"][0]
    assert (line["used"], line["remaining"], line["cases"]) == (3, 7, 1)
    ledger = run.json("ledger CNR-000001")
    assert [(e["kind"], e["amount"], e["case"]) for e in ledger] == [
        ("charge", 1, "CAS-000001"),
        ("opening balance", 2, None),
    ]
    assert ledger[0]["at"] == "2026-06-01T09:00:00+00:00"
    assert [c["number"] for c in run.json("case list")] == ["CAS-000002", "CAS-000001"]
    assert run.out("verify").startswith("All invariants hold")


def test_a_number_given_before_is_never_reused(today, run, tmp_path):
    run(f"import {EXAMPLE / 'customers.csv'} {EXAMPLE / 'templates.csv'}")
    made = run.out("new --customer Globex --template DEV --start 2026-07-01 --end 2026-12-31")
    run(f"delete {made}")
    path = write(
        tmp_path,
        "contracts.csv",
        f"number,customer,template,status,start,end\n{made},Globex,DEV,draft,2026-07-01,2026-12-31\n",
    )
    before = dump()
    result = run(f"import {path}", code=2)
    assert "contracts.csv row 2, column number: CNR-000001 was given before in this database" in (
        result.stderr
    )
    assert dump() == before


def test_contracts_without_a_number_of_their_own_are_not_imported_twice(today, run, tmp_path):
    run(f"import {EXAMPLE}")
    path = write(
        tmp_path,
        "contracts.csv",
        "number,title,customer,template,status,start,end\n"
        'K-7,Again,"Acme, Inc.",Dev Hours,active,2026-01-01,2027-12-31\n'
        ",,Globex,Phone Support,expired,2025-01-01,2025-12-31\n",
    )
    before = dump()
    result = run(f"import {path}", code=2)
    assert result.stderr.splitlines()[:2] == [
        "contracts.csv row 2, column number: 'K-7' was imported before, as CNR-000107.",
        (
            "contracts.csv row 3, column number: CNR-000106 has the same customer, title and dates "
            "(was this file imported before?)."
        ),
    ]
    assert dump() == before


def test_a_row_with_too_many_cells_and_a_file_not_in_utf8_are_reported(today, run, tmp_path):
    folder = tmp_path / "broken"
    write(
        folder,
        "customers.csv",
        "name,emails\nAcme,ops@acme.example\nGlobex, Inc.,x@globex.example\n",
    )
    folder.joinpath("templates.csv").write_bytes(
        "name,abbr,allotment_type,billing\nSoporte Teléfono,TEL,cases,monthly\n".encode("latin-1")
    )
    write(folder, "odd.csv", "colour,size\nred,10\n")
    before = dump()
    result = run(f"import {folder} {folder / 'odd.csv'}", code=2)
    assert result.stderr.splitlines() == [
        (
            "customers.csv row 3: it has 3 cells but the header names 2 columns (a comma inside a "
            "value needs quotes)."
        ),
        "templates.csv: the file is not UTF-8 text; save it as CSV UTF-8.",
        (
            "odd.csv row 1: cannot tell which kind of rows it holds; name the file after its kind "
            "(customers.csv, templates.csv, contracts.csv, lines.csv, cases.csv, ledger.csv)."
        ),
        "contracts: 3 problems in the file; nothing was imported.",
    ]
    assert dump() == before


def test_ledger_rows_that_verify_would_refuse_are_refused_first(today, run, tmp_path):
    folder = tmp_path / "use"
    shutil.copytree(EXAMPLE, folder)
    write(
        folder,
        "cases.csv",
        "number,customer,title,line,status\n"
        "CAS-000001,Globex,Twice charged,CNR-000104/1,resolved\n",
    )
    write(
        folder,
        "ledger.csv",
        "line,case,amount,kind\n"
        "CNR-000104/1,CAS-000001,1,charge\n"
        "CNR-000104/1,CAS-000001,1,charge\n"
        "CNR-000106/1,,11 cases,charge\n",
    )
    lines = (folder / "lines.csv").read_text()
    (folder / "lines.csv").write_text(
        lines.replace("10 cases,10 cases,1200.00", "10 cases,11 cases,1200.00")
    )
    before = dump()
    result = run(f"import {folder}", code=2)
    assert result.stderr.splitlines()[:3] == [
        (
            "cases.csv row 2, column status: its ledger rows leave 2 charges standing; a resolved "
            "case may have one, a case in any other status none."
        ),
        "cases.csv row 2, column charged: it charged 1 case but its ledger rows sum to 2 cases.",
        (
            "lines.csv row 8, column used: its ledger rows charge 1 case beyond its total, and no "
            "override or adjustment among them allows it."
        ),
    ]
    assert dump() == before


def test_import_reports_its_progress(today, monkeypatch):
    from storage.transfer import importing

    monkeypatch.setattr(importing, "STEP", 5)
    seen = []
    storage.import_file(
        [str(EXAMPLE)], progress=lambda done, total, what: seen.append((done, total, what))
    )
    assert seen[0] == (5, 0, "rows checked") and seen[1] == (10, 0, "rows checked")
    assert seen[-1][2] == "rows written" and seen[-1][0] == seen[-1][1]
