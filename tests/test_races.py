"""Issue 8: every pair of actions that can touch the same object, raced by real processes.

For each pair (a case's, a line's or a contract's actions, each also against itself) and
each database, ROUNDS rounds: the parent builds a starting state in objects of their own
(a new customer and contract per round), two long-lived worker processes run the two
actions at the same moment (a barrier releases them together) and report ("ok", value),
("refused", kind, sentence) or ("error", text). Once per pair the parent also builds the
same starting state afresh and applies the two actions serially, A;B and B;A, in-process.

A round passes when
- neither racer met an error (a "database busy" is an error here) and every refusal is an
  ordinary storage.Refused sentence, never a database's constraint text;
- the racing outcomes (ok/refused per action, with what each success returned) together
  with the racing final state equal those of one of the two serial orders;
- storage.verify() finds nothing wrong that it did not find before the pair (it reads the
  whole database, so it runs once per pair, after the serial runs and every round).

The state compared is normalised: the round customer's contracts (role root/renewal/copy,
status, dates, cancel date), their lines (position, status, used, total, the ledger's sum
and its entries), the customer's cases (status, charged, line) — no ids, numbers or
timestamps. What a success returned is checked against that state: a contract number must
name a contract of the round in the role expected, a case number a case in the state given.

Everything is built around the real business day (storage.clock.real_today()); the racers
never act as of another day. A contract "invoiced although its start has come" (for the
races with sweep) is invoiced as of yesterday, starting today.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

import storage
from storage.clock import real_today
from tests import race_workers
from tests.helpers.races import Pair, arena_on, pairs, race_tests

pytestmark = pytest.mark.slow

TEMPLATE = "Race Support"
REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- starting states


def _today() -> str:
    return str(real_today())


def _customer() -> str:
    name = f"Race {uuid.uuid4().hex[:10]}"
    storage.add_customer(name)
    return name


def _draft(customer: str, start, end) -> str:
    number = storage.new_contract(customer, TEMPLATE, str(start), str(end))
    storage.add_line(number, "Line 1", allotment="5", price="100")
    return number


def _started_draft(customer: str) -> str:
    """A draft that began a month ago and runs eleven months more."""
    day = real_today()
    return _draft(customer, day.subtract(months=1), day.add(months=11))


def _active(customer: str, used: int = 0) -> str:
    number = _started_draft(customer)
    storage.invoice(number)
    for i in range(used):
        storage.resolve(f"{number}/1", f"earlier call {i}")
    return number


def _stale(customer: str) -> str:
    """Stored as invoiced (invoiced yesterday), although its start, today, has come."""
    day = real_today()
    number = _draft(customer, day, day.add(years=1).subtract(days=1))
    storage.set_today(day.subtract(days=1))
    try:
        storage.invoice(number)
    finally:
        storage.set_today(None)
    return number


def _setup_draft(customer):
    number = _started_draft(customer)
    return {"number": number, "version": storage.show(number).version}


def _setup_active(customer):
    return {"number": _active(customer)}


def _setup_on_hold(customer):
    number = _active(customer)
    storage.hold(number)
    return {"number": number}


def _setup_stale(customer):
    return {"number": _stale(customer)}


def _line_used(used: int):
    def setup(customer):
        return {"number": _active(customer, used)}

    setup.__name__ = f"line_used_{used}_of_5"
    return setup


def _setup_case_open(customer):
    number = _active(customer)
    return {"number": number, "case": storage.open_case(customer, "race case", f"{number}/1")}


def _setup_case_resolved(customer):
    ctx = _setup_case_open(customer)
    storage.resolve_case(ctx["case"], resolution="first fix")
    return ctx


SETUPS = {
    "draft": _setup_draft,
    "active": _setup_active,
    "on_hold": _setup_on_hold,
    "stale": _setup_stale,  # stored invoiced, start today
    "unused": _line_used(0),
    "used_1": _line_used(1),
    "one_left": _line_used(4),
    "exhausted": _line_used(5),
    "case_open": _setup_case_open,
    "case_resolved": _setup_case_resolved,
}


def build(setup: str, _round_no: int = 0) -> dict:
    """A fresh starting state of the given kind, in objects of its own; returns its ctx."""
    customer = _customer()
    ctx = SETUPS[setup](customer)
    ctx.update(customer=customer, today=_today())
    ctx["ref"] = f"{ctx['number']}/1"
    ctx.setdefault("case", None)
    return ctx


# ---------------------------------------------------------------- the pairs


CASE_PAIRS = [
    Pair("resolve_case", "resolve_case", "case_open"),
    Pair("resolve_case", "reopen_case", "case_resolved"),  # reopen first lets resolve in
    Pair("resolve_case", "cancel_case", "case_open"),
    # reopen first lets cancel in
    *pairs("reopen_case", "case_resolved", "reopen_case cancel_case"),
    Pair("cancel_case", "cancel_case", "case_open"),
]

LINE_PAIRS = [
    *pairs("charge", "one_left", "charge override"),
    Pair("charge", "adjust_down", "exhausted"),  # the adjustment first makes room
    # the adjustment up first uses the last one up
    *pairs("charge", "one_left", "adjust_up cancel_line"),
    Pair("override", "override", "one_left"),
    Pair("override", "adjust_down", "exhausted"),
    Pair("override", "adjust_up", "one_left"),
    Pair("override", "cancel_line", "exhausted"),
    Pair("adjust_down", "adjust_down", "used_1"),  # only one can lower it to 0
    Pair("adjust_down", "adjust_up", "unused"),  # lowering first is refused
    Pair("adjust_down", "cancel_line", "used_1"),
    *pairs("adjust_up", "one_left", "adjust_up cancel_line"),
    Pair("cancel_line", "cancel_line", "one_left"),
]

# Left out, as no starting status lets both happen in either order: invoice x release,
# hold x delete, release x delete, cancel x delete, renew x delete, delete x charge
# (delete needs a draft, the others a contract that was invoiced, and neither leads to
# the other's status; release needs on_hold, which invoice never leads to).
CONTRACT_PAIRS = [
    # a draft edited from a form that read its version (the console's edit)
    *pairs("edit", "draft", "edit invoice copy delete add_line sweep"),
    # hold, and the charge, only after the invoice
    *pairs("invoice", "draft", "invoice hold cancel renew copy delete add_line sweep charge"),
    *pairs("hold", "active", "hold release cancel renew copy add_line"),  # release after hold
    Pair("hold", "sweep", "stale"),
    Pair("hold", "charge", "active"),
    # the charge only after the release
    *pairs("release", "on_hold", "release cancel renew copy add_line sweep charge"),
    *pairs("cancel", "active", "cancel renew copy add_line"),
    Pair("cancel", "sweep", "stale"),
    Pair("cancel", "charge", "active"),
    *pairs("renew", "active", "renew copy add_line"),  # the renewal has one line or two
    Pair("renew", "sweep", "stale"),
    Pair("renew", "charge", "active"),
    Pair("copy", "copy", "active"),
    *pairs("copy", "draft", "delete add_line"),
    Pair("copy", "sweep", "stale"),
    Pair("copy", "charge", "active"),
    *pairs("delete", "draft", "delete add_line sweep"),
    Pair("add_line", "add_line", "active"),
    Pair("add_line", "sweep", "stale"),
    Pair("add_line", "charge", "active"),
    *pairs("sweep", "stale", "sweep charge"),
    Pair("charge", "charge", "active"),
]

PAIRS = CASE_PAIRS + LINE_PAIRS + CONTRACT_PAIRS


# ---------------------------------------------------------------- the normalised state


def snapshot(ctx: dict) -> tuple[dict, dict]:
    """(the round's normalised state, the role of every contract and case number in it)."""
    roles: dict[str, str] = {}
    contracts = []
    for row in storage.list_contracts(customer=ctx["customer"], limit=None):
        info = storage.show(row.number)
        role = "root" if info.number == ctx["number"] else (info.origin_kind or "other")
        roles[info.number] = role
        entries: dict[int, list] = {}
        for entry in storage.ledger(info.number):
            position = int(entry.line.rsplit("/", 1)[1])
            entries.setdefault(position, []).append((entry.kind, entry.amount))
        lines = [
            {
                "position": line.position,
                "title": line.title,
                "status": line.status,
                "used": line.used,
                "total": line.total,
                "dates": f"{line.start}..{line.end}",
                "ledger_sum": sum(amount for _kind, amount in entries.get(line.position, [])),
                "ledger": sorted(entries.get(line.position, [])),
            }
            for line in sorted(info.lines, key=lambda line: line.position)
        ]
        contracts.append(
            {
                "role": role,
                "title": info.title.replace(ctx["customer"], "<customer>"),  # the round's own
                "status": info.status,
                "dates": f"{info.start}..{info.end}",
                "cancel_date": str(info.cancel_date),
                "origin": "root" if info.origin == ctx["number"] else info.origin_kind,
                "lines": lines,
            }
        )
    cases = []
    for case in storage.list_cases(customer=ctx["customer"], limit=None):
        line = None
        if case.line:
            number, position = case.line.rsplit("/", 1)
            line = f"{roles.get(number, 'elsewhere')}/{position}"
        roles[case.number] = f"case {case.status} charged {case.charged}"
        cases.append(
            {"title": case.title, "status": case.status, "charged": case.charged, "line": line}
        )
    state = {
        "contracts": sorted(contracts, key=repr),
        "lines": sum(len(c["lines"]) for c in contracts),
        "cases": sorted(cases, key=repr),
    }
    return state, roles


_NUMBER = re.compile(r"(CNR|CAS)-\d{6}")


def normalise(action: str, outcome: tuple, roles: dict) -> tuple:
    """An outcome as comparable between runs: numbers become the role they have in the
    final state (so a reported number must exist there as reported); a refusal keeps only
    the fact. Sweep's counts cover the whole database: only its success is compared."""
    if outcome[0] != "ok":
        return (outcome[0],)
    value = outcome[1]
    if action == "sweep":
        return ("ok", "swept")
    if isinstance(value, str):
        value = _NUMBER.sub(lambda m: f"<{roles.get(m.group(0), 'missing')}>", value)
    return ("ok", value)


# ---------------------------------------------------------------- the racers


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def arena(request, tmp_path_factory):
    def prepare():
        storage.add_template(
            TEMPLATE, abbr="RACE", allotment="cases", billing="monthly", volume="5"
        )

    yield from arena_on(request, tmp_path_factory, prepare=prepare)


# ---------------------------------------------------------------- the test


def observe(pair: Pair, raw_a: tuple, raw_b: tuple, ctx: dict) -> tuple:
    """(the outcomes, normalised, and the round's normalised state)."""
    state, roles = snapshot(ctx)
    return (normalise(pair.a, raw_a, roles), normalise(pair.b, raw_b, roles)), state


def test_the_racing_workers_import_this_worktree(arena):
    for path in [storage.__file__, *arena.files]:
        assert Path(path).resolve().is_relative_to(REPO / "storage"), path


test_race, test_the_pairs_cover_every_action = race_tests(
    PAIRS, build, observe, race_workers.ACTIONS
)
