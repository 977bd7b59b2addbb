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

import dataclasses
import multiprocessing
import os
import re
import uuid
from pathlib import Path

import pytest

import storage
from storage.clock import real_today
from tests import race_workers
from tests.helpers.postgres import _pg_connect, create_database, require_postgres

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("CONTRACTS_RACE_ROUNDS", "3"))
ROUND_TIMEOUT_S = 60
# How long each racer waits after the barrier, round after round: together, then each
# giving the other a head start of 2 ms (about one statement), to vary the interleaving.
STAGGER = [(0.0, 0.0), (0.0, 0.002), (0.002, 0.0)]
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


def build(setup: str) -> dict:
    """A fresh starting state of the given kind, in objects of its own; returns its ctx."""
    customer = _customer()
    ctx = SETUPS[setup](customer)
    ctx.update(customer=customer, today=_today())
    ctx["ref"] = f"{ctx['number']}/1"
    ctx.setdefault("case", None)
    return ctx


# ---------------------------------------------------------------- the pairs


@dataclasses.dataclass(frozen=True)
class Pair:
    a: str
    b: str
    setup: str  # a key of SETUPS: where both actions can meet, in either order

    @property
    def name(self) -> str:
        return f"{self.a}-x-{self.b}@{self.setup}"


CASE_PAIRS = [
    Pair("resolve_case", "resolve_case", "case_open"),
    Pair("resolve_case", "reopen_case", "case_resolved"),  # reopen first lets resolve in
    Pair("resolve_case", "cancel_case", "case_open"),
    Pair("reopen_case", "reopen_case", "case_resolved"),
    Pair("reopen_case", "cancel_case", "case_resolved"),  # reopen first lets cancel in
    Pair("cancel_case", "cancel_case", "case_open"),
]

LINE_PAIRS = [
    Pair("charge", "charge", "one_left"),
    Pair("charge", "override", "one_left"),
    Pair("charge", "adjust_down", "exhausted"),  # the adjustment first makes room
    Pair("charge", "adjust_up", "one_left"),  # the adjustment first uses the last one up
    Pair("charge", "cancel_line", "one_left"),
    Pair("override", "override", "one_left"),
    Pair("override", "adjust_down", "exhausted"),
    Pair("override", "adjust_up", "one_left"),
    Pair("override", "cancel_line", "exhausted"),
    Pair("adjust_down", "adjust_down", "used_1"),  # only one can lower it to 0
    Pair("adjust_down", "adjust_up", "unused"),  # lowering first is refused
    Pair("adjust_down", "cancel_line", "used_1"),
    Pair("adjust_up", "adjust_up", "one_left"),
    Pair("adjust_up", "cancel_line", "one_left"),
    Pair("cancel_line", "cancel_line", "one_left"),
]

# Left out, as no starting status lets both happen in either order: invoice x release,
# hold x delete, release x delete, cancel x delete, renew x delete, delete x charge
# (delete needs a draft, the others a contract that was invoiced, and neither leads to
# the other's status; release needs on_hold, which invoice never leads to).
CONTRACT_PAIRS = [
    # a draft edited from a form that read its version (the console's edit)
    Pair("edit", "edit", "draft"),
    Pair("edit", "invoice", "draft"),
    Pair("edit", "copy", "draft"),
    Pair("edit", "delete", "draft"),
    Pair("edit", "add_line", "draft"),
    Pair("edit", "sweep", "draft"),
    Pair("invoice", "invoice", "draft"),
    Pair("invoice", "hold", "draft"),  # hold only after the invoice
    Pair("invoice", "cancel", "draft"),
    Pair("invoice", "renew", "draft"),
    Pair("invoice", "copy", "draft"),
    Pair("invoice", "delete", "draft"),
    Pair("invoice", "add_line", "draft"),
    Pair("invoice", "sweep", "draft"),
    Pair("invoice", "charge", "draft"),  # the charge only after the invoice
    Pair("hold", "hold", "active"),
    Pair("hold", "release", "active"),  # release only after the hold
    Pair("hold", "cancel", "active"),
    Pair("hold", "renew", "active"),
    Pair("hold", "copy", "active"),
    Pair("hold", "add_line", "active"),
    Pair("hold", "sweep", "stale"),
    Pair("hold", "charge", "active"),
    Pair("release", "release", "on_hold"),
    Pair("release", "cancel", "on_hold"),
    Pair("release", "renew", "on_hold"),
    Pair("release", "copy", "on_hold"),
    Pair("release", "add_line", "on_hold"),
    Pair("release", "sweep", "on_hold"),
    Pair("release", "charge", "on_hold"),  # the charge only after the release
    Pair("cancel", "cancel", "active"),
    Pair("cancel", "renew", "active"),
    Pair("cancel", "copy", "active"),
    Pair("cancel", "add_line", "active"),
    Pair("cancel", "sweep", "stale"),
    Pair("cancel", "charge", "active"),
    Pair("renew", "renew", "active"),
    Pair("renew", "copy", "active"),
    Pair("renew", "add_line", "active"),  # the renewal has one line or two
    Pair("renew", "sweep", "stale"),
    Pair("renew", "charge", "active"),
    Pair("copy", "copy", "active"),
    Pair("copy", "delete", "draft"),
    Pair("copy", "add_line", "draft"),
    Pair("copy", "sweep", "stale"),
    Pair("copy", "charge", "active"),
    Pair("delete", "delete", "draft"),
    Pair("delete", "add_line", "draft"),
    Pair("delete", "sweep", "draft"),
    Pair("add_line", "add_line", "active"),
    Pair("add_line", "sweep", "stale"),
    Pair("add_line", "charge", "active"),
    Pair("sweep", "sweep", "stale"),
    Pair("sweep", "charge", "stale"),
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


class Arena:
    """Two long-lived worker processes on one database, raced together by a barrier."""

    WORKERS = "tests.race_workers"  # the module whose run(action, *args) the racers call

    def __init__(self, url: str):
        self.url = url
        self.broken: set[str] = set()  # what storage.verify() found wrong so far
        self.procs: list = []
        self.conns: list = []
        self.start()

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(2)
        for _ in range(2):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=race_workers.serve, args=(self.url, barrier, child, self.WORKERS)
            )
            proc.start()
            child.close()
            self.procs.append(proc)
            self.conns.append(parent)
        self.files = [self._reply(conn, 120)[1] for conn in self.conns]

    def _reply(self, conn, timeout: float):
        if not conn.poll(timeout):
            self.stop(kill=True)
            self.start()
            raise AssertionError(f"a racer did not answer within {timeout} s (restarted)")
        return conn.recv()

    def args(self, ctx: dict, side: int) -> tuple:
        """What the racer on `side` passes to its action besides the action's name."""
        return (ctx,)

    def race(self, a: str, b: str, ctx: dict, delays=(0.0, 0.0)) -> list[tuple]:
        self.conns[0].send((a, self.args(ctx, 0), delays[0]))
        self.conns[1].send((b, self.args(ctx, 1), delays[1]))
        return [self._reply(conn, ROUND_TIMEOUT_S) for conn in self.conns]

    def stop(self, kill: bool = False) -> None:
        for conn, proc in zip(self.conns, self.procs, strict=True):
            try:
                if kill:
                    proc.kill()
                else:
                    conn.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self.procs, self.conns = [], []


def _race_database(request, tmp_path_factory) -> tuple[str, object]:
    """A database of the module's own (URL, cleanup): a file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('races') / 'races.db'}", lambda: None
    shared = require_postgres()  # skips (or fails under CI) when PostgreSQL is down
    name = f"contracts_races_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    create_database(name)

    def drop():
        conn = _pg_connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()

    return shared.rsplit("/", 1)[0] + "/" + name, drop


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def arena(request, tmp_path_factory):
    url, drop = _race_database(request, tmp_path_factory)
    storage.set_today(None)
    storage.open_database(url)
    storage.add_template(TEMPLATE, abbr="RACE", allotment="cases", billing="monthly", volume="5")
    arena = Arena(url)
    try:
        yield arena
    finally:
        arena.stop()
        storage.set_today(None)
        storage.close_database()
        drop()


# ---------------------------------------------------------------- the test


def serial(pair: Pair) -> list[tuple]:
    """The two serial orders from a fresh starting state each: (outcomes, state) per order,
    outcomes listed as (A's, B's) whatever ran first."""
    results = []
    for order in ("ab", "ba"):
        ctx = build(pair.setup)
        raw = {}
        for who in order:
            action = pair.a if who == "a" else pair.b
            raw[who] = race_workers.run(action, ctx)
        assert not [r for r in raw.values() if r[0] == "error"], (order, raw)
        state, roles = snapshot(ctx)
        outcomes = (normalise(pair.a, raw["a"], roles), normalise(pair.b, raw["b"], roles))
        results.append((order, outcomes, state))
    return results


def _refusal_problem(outcome: tuple) -> str | None:
    if outcome[0] != "refused":
        return None
    text = outcome[2]
    words = (
        "integrity",
        "unique constraint",
        "duplicate key",
        "violates",
        "serializ",
        "deadlock",
        "database is locked",
        "traceback",
    )
    if any(word in text.casefold() for word in words):
        return f"a refusal in database words: {text}"
    return None


def _brief(outcomes) -> str:
    return " / ".join(o[0] if o[0] != "ok" else f"ok {o[1]!r}" for o in outcomes)


def _differences(raced, serial_one, path="") -> list[str]:
    """Where two normalised states differ, as paths into them."""
    if type(raced) is not type(serial_one) or not isinstance(raced, (dict, list, tuple)):
        return [] if raced == serial_one else [f"{path or '.'}: {raced!r} vs {serial_one!r}"]
    if isinstance(raced, dict):
        keys = sorted(set(raced) | set(serial_one))
        pairs = [(k, raced.get(k), serial_one.get(k)) for k in keys]
    else:
        if len(raced) != len(serial_one):
            return [f"{path or '.'}: {raced!r} vs {serial_one!r}"]
        pairs = list(zip(range(len(raced)), raced, serial_one, strict=True))
    out = []
    for key, mine, theirs in pairs:
        out += _differences(mine, theirs, f"{path}[{key!r}]" if path else str(key))
    return out


def _unlike(outcomes, state, orders) -> str:
    """Why no serial order explains a race: the outcomes, or the state, in short."""
    same = [(order, s) for order, o, s in orders if o == outcomes]
    if not same:
        serial_text = "; ".join(f"{order}: {_brief(o)}" for order, o, _s in orders)
        return f"which no serial order reports ({serial_text})"
    order, serial_state = same[0]
    return f"as {order} does, but the state differs: " + "; ".join(
        _differences(state, serial_state)[:3]
    )


def test_the_racing_workers_import_this_worktree(arena):
    for path in [storage.__file__, *arena.files]:
        assert Path(path).resolve().is_relative_to(REPO / "storage"), path


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_race(arena, pair):
    known = arena.broken  # what earlier pairs broke is theirs to report
    orders = serial(pair)
    failures = []
    for round_no in range(1, ROUNDS + 1):
        ctx = build(pair.setup)
        raw = arena.race(pair.a, pair.b, ctx, STAGGER[(round_no - 1) % len(STAGGER)])
        problems = [f"{act}: {r[1]}" for act, r in zip((pair.a, pair.b), raw) if r[0] == "error"]
        problems += [p for p in map(_refusal_problem, raw) if p]
        state, roles = snapshot(ctx)
        outcomes = (normalise(pair.a, raw[0], roles), normalise(pair.b, raw[1], roles))
        if not any(outcomes == o and state == s for _order, o, s in orders):
            problems.append(f"raced {_brief(outcomes)}, {_unlike(outcomes, state, orders)}")
        if problems:
            failures.append(
                f"round {round_no}: raw {[r[:2] for r in raw]}: " + " | ".join(problems)
            )
    arena.broken = set(storage.verify())  # once per pair: it reads the whole database
    broken = sorted(arena.broken - known)
    if broken:
        failures.append(f"verify, after the {ROUNDS} rounds and the serial runs: {broken}")
    assert not failures, "\n".join(failures)
