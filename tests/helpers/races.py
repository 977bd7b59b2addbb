"""Pairs of actions raced by real processes (tests/test_races.py, tests/test_races_catalog.py):
the two racers (`Arena`), the database they race on, and one pair's test (`check_race`):
serial runs A;B and B;A from fresh starting states, then ROUNDS races, each of which must
end as one serial order does; storage.verify() finds nothing new once the pair is done.

A test module brings what is its own: `build(setup, round_no) -> ctx` (a fresh starting
state in objects of its own), `observe(pair, raw_a, raw_b, ctx) -> (outcomes, state)` (the
outcomes and the final state, normalised so runs compare) and its racers' module (`run`)."""

from __future__ import annotations

import dataclasses
import importlib
import multiprocessing
import os
import uuid
from collections.abc import Callable

import pytest

import storage
from tests import race_workers
from tests.helpers.postgres import _pg_connect, create_database, require_postgres

ROUNDS = int(os.environ.get("CONTRACTS_RACE_ROUNDS", "3"))
ROUND_TIMEOUT_S = 60
# How long each racer waits after the barrier, round after round: together, then each
# giving the other a head start of 2 ms (about one statement), to vary the interleaving.
STAGGER = [(0.0, 0.0), (0.0, 0.002), (0.002, 0.0)]


@dataclasses.dataclass(frozen=True)
class Pair:
    a: str
    b: str
    setup: str  # a key of the module's SETUPS: where both actions can meet, in either order

    @property
    def name(self) -> str:
        return f"{self.a}-x-{self.b}@{self.setup}"


def pairs(a: str, setup: str, others: str) -> list[Pair]:
    """`a` against each of `others` (names apart by spaces), from the same starting state."""
    return [Pair(a, b, setup) for b in others.split()]


class Arena:
    """Two long-lived worker processes on one database, raced together by a barrier.
    `workers`: the module whose run(action, *args) the racers call; `sided`: its actions are
    also told which racer runs them (0 or 1), for pairs whose two calls differ only by whose
    they are."""

    def __init__(self, url: str, workers: str = "tests.race_workers", sided: bool = False):
        self.url = url
        self.workers = workers
        self.sided = sided
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
                target=race_workers.serve, args=(self.url, barrier, child, self.workers)
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
        return (ctx, side) if self.sided else (ctx,)

    def run_here(self, action: str, ctx: dict, side: int) -> tuple:
        """The action run in this process, as the racer on `side` runs it."""
        return importlib.import_module(self.workers).run(action, *self.args(ctx, side))

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


def arena_on(request, tmp_path_factory, prepare=lambda: None, **racers):
    """For a module-scoped fixture over ["sqlite", "postgres"]: yields the two racers (Arena,
    told `racers`: workers, sided) on a database of the module's own (opened here too,
    `prepare()`d), dropped afterwards."""
    url, drop = _race_database(request, tmp_path_factory)
    storage.set_today(None)
    storage.open_database(url)
    prepare()
    arena = Arena(url, **racers)
    try:
        yield arena
    finally:
        arena.stop()
        storage.set_today(None)
        storage.close_database()
        drop()


Build = Callable[[str, int], dict]
Observe = Callable[[Pair, tuple, tuple, dict], tuple]


def serial(arena: Arena, pair: Pair, build: Build, observe: Observe) -> list[tuple]:
    """The two serial orders from a fresh starting state each: (order, outcomes, state) per
    order, outcomes listed as (A's, B's) whatever ran first."""
    results = []
    for order in ("ab", "ba"):
        ctx = build(pair.setup, 0)
        raw = {}
        for who in order:
            action, side = (pair.a, 0) if who == "a" else (pair.b, 1)
            raw[who] = arena.run_here(action, ctx, side)
        assert not [r for r in raw.values() if r[0] == "error"], (order, raw)
        outcomes, state = observe(pair, raw["a"], raw["b"], ctx)
        results.append((order, outcomes, state))
    return results


def check_race(arena: Arena, pair: Pair, build: Build, observe: Observe) -> None:
    """One pair's test: the serial orders, ROUNDS races, then storage.verify()."""
    known = arena.broken  # what earlier pairs broke is theirs to report
    orders = serial(arena, pair, build, observe)
    failures = []
    for round_no in range(1, ROUNDS + 1):
        ctx = build(pair.setup, round_no)
        raw = arena.race(pair.a, pair.b, ctx, STAGGER[(round_no - 1) % len(STAGGER)])
        problems = [f"{act}: {r[1]}" for act, r in zip((pair.a, pair.b), raw) if r[0] == "error"]
        problems += [p for p in map(_refusal_problem, raw) if p]
        outcomes, state = observe(pair, raw[0], raw[1], ctx)
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


def race_tests(pairs: list[Pair], build: Build, observe: Observe, actions) -> tuple:
    """A race module's two tests, for `test_race, test_the_pairs_cover_every_action = …`:
    each pair raced (`check_race`, on the module's `arena` fixture), and every one of the
    racers' `actions` raced by some pair (a new action with no pair fails)."""

    @pytest.mark.parametrize("pair", pairs, ids=lambda p: p.name)
    def test_race(arena, pair):
        check_race(arena, pair, build, observe)

    def test_the_pairs_cover_every_action():
        assert {p.a for p in pairs} | {p.b for p in pairs} == set(actions)

    return test_race, test_the_pairs_cover_every_action


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
