"""`contracts import` raced by real processes against every write it can meet (issue 12):
the same file imported twice at once, the file's customer added by hand, a contract created
for another customer (both take the next contract number), and a case charged while the
import writes the ledger.

Built as tests/test_races_catalog.py, on the racers and databases of tests/helpers/races.py:
each round has a file of its own (a new customer with one active contract, one line of 10
cases of which 3 used); a round passes when neither racer met an error, every refusal is
storage's own sentence, and the outcomes and the state equal those of one serial order;
storage.verify() finds nothing new once the pair is done.

The state compared: the round's customers, their contracts (title, status, customer) with
each line's use, and the audit trail the round wrote (in order, without who and when; the
contract numbers, which the database hands out, replaced by their order in the round)."""

from __future__ import annotations

import json
import re
import uuid

import pytest

import storage
from storage.models import AuditEvent, Contract, Customer, Line
from tests import race_workers_transfer as workers
from tests.helpers.races import Pair, arena_on, race_tests

pytestmark = pytest.mark.slow

SETUP_TEMPLATE = {"abbr": "RACEIMP", "allotment": "cases", "billing": "monthly", "volume": "10"}


def build(setup: str, round_no: int) -> dict:
    """A fresh starting state in objects of its own: a customer with an active contract (its
    line the one a case is charged to), and the round's import file; returns its ctx."""
    tag = uuid.uuid4().hex[:10]
    ctx = {
        "tag": tag,
        "customer": f"Imported {tag}",
        "existing": f"Existing {tag}",
        "template": "Race Import",
        "title": f"By hand {tag}",
        "file": f"{_folder()}/import-{tag}.json",
    }
    if not any(t.name == ctx["template"] for t in storage.list_templates()):
        storage.add_template(ctx["template"], **SETUP_TEMPLATE)
    storage.add_customer(ctx["existing"])
    number = storage.new_contract(ctx["existing"], ctx["template"], "2026-01-01", "2026-12-31")
    storage.add_line(number, "Calls", price="1200")
    storage.invoice(number)
    ctx["line"] = f"{number}/1"
    document = {
        "customers": [{"name": ctx["customer"]}],
        "contracts": [
            {
                "customer": ctx["customer"],
                "title": f"Imported {tag}",
                "template": ctx["template"],
                "status": "active",
                "start": "2026-01-01",
                "end": "2026-12-31",
                "lines": [{"title": "Calls", "total": "10 cases", "used": "3 cases"}],
            }
        ],
    }
    with open(ctx["file"], "w", encoding="utf-8") as out:
        json.dump(document, out)
    ctx["audit_from"] = (
        AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar() or 0
    )
    return ctx


_FOLDER: list[str] = []


def _folder() -> str:
    return _FOLDER[0]


# ---------------------------------------------------------------- the pairs

PAIRS = [
    Pair("import", "import", "round"),  # the same file twice: once, the other refused
    Pair("import", "add_customer", "round"),  # the file's customer: whoever comes second
    Pair("import", "new_contract", "round"),  # both take contract numbers
    Pair("import", "resolve", "round"),  # the ledger written by both
]


# ---------------------------------------------------------------- the normalised state


def _plain(value, ctx: dict, numbers: dict[str, str]):
    text = json.dumps(value, default=str, sort_keys=True)
    text = re.sub(
        r"CNR-\d{6}", lambda m: numbers.setdefault(m.group(0), f"<c{len(numbers)}>"), text
    )
    text = re.sub(r"CAS-\d{6}", "<case>", text)
    return json.loads(text.replace(ctx["tag"], "<tag>"))


def snapshot(ctx: dict, numbers: dict[str, str]) -> dict:
    customers = sorted(
        c.name
        for c in Customer.select().where(Customer.name.in_([ctx["customer"], ctx["existing"]]))
    )
    contracts = []
    for c in (
        Contract.select()
        .join(Customer, on=Contract.customer == Customer.id)
        .where(Customer.name.in_([ctx["customer"], ctx["existing"]]))
        .order_by(Contract.id)
    ):
        lines = [(ln.title, ln.total, ln.used) for ln in Line.select().where(Line.contract == c.id)]
        contracts.append((c.number, c.title, c.status, c.customer.name, lines))
    audit = [
        (e.entity, e.ref, e.action, json.loads(e.changes))
        for e in AuditEvent.select()
        .where(AuditEvent.id > ctx["audit_from"])
        .order_by(AuditEvent.id)
    ]
    return _plain({"customers": customers, "contracts": contracts, "audit": audit}, ctx, numbers)


def normalise(outcome: tuple, ctx: dict, numbers: dict[str, str]) -> tuple:
    if outcome[0] != "ok":
        return (outcome[0],)
    return ("ok", _plain(outcome[1], ctx, numbers))


# ---------------------------------------------------------------- the racers


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def arena(request, tmp_path_factory):
    _FOLDER[:] = [str(tmp_path_factory.mktemp("imports"))]
    yield from arena_on(request, tmp_path_factory, workers=workers.__name__, sided=True)


def observe(pair: Pair, raw_a: tuple, raw_b: tuple, ctx: dict) -> tuple:
    numbers: dict[str, str] = {}  # contract numbers by their order of appearance
    state = snapshot(ctx, numbers)
    return (normalise(raw_a, ctx, numbers), normalise(raw_b, ctx, numbers)), state


test_race, test_the_pairs_cover_every_action = race_tests(PAIRS, build, observe, workers.ACTIONS)
