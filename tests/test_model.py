"""A hypothesis state machine: random sequences of every lifecycle action and case operation
run against the engine and against a small in-memory model of SPEC §3–§4; after every step
both must agree and every invariant of `verify` must hold."""

from __future__ import annotations

import os
import tempfile

import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import storage
from storage.by_dates import line_status_on
from storage.models import Case, Contract, Line
from tests.helpers import TODAY, make_world

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("CONTRACTS_MODEL_EXAMPLES", "60"))
pick = st.integers(min_value=0, max_value=10_000)


class Model:
    """What SPEC §3–§4 say the engine's state must be."""

    def __init__(self):
        self.today = TODAY
        self.contracts: dict[str, dict] = {}
        self.cases: dict[str, dict] = {}

    def by_dates(self, c):
        if self.today < c["start"]:
            return "invoiced"
        if self.today > c["end"]:
            return "expired"
        return "active"

    def may_charge(self, c, line):
        return (
            c["status"] == "active"
            and line["status"] in ("existing", "renewed")
            and c["start"] <= self.today <= c["end"]
            and line["used"] < line["total"]
        )


def _same_term(start, end, new_start):
    """The end of a renewal from new_start (SPEC §3: the same term): whole months when the
    old term was (N months end the day before the same day N months later; from a day the
    later month lacks, pendulum's month end or the next month's first), else as many days."""
    after = end.add(days=1)
    for n in range(1, (after.year - start.year) * 12 + 13):
        for roll in (False, True):

            def later(day, n=n, roll=roll):
                moved = day.add(months=n)
                return moved.add(days=1) if roll and moved.day != day.day else moved

            if later(start) == after:
                return later(new_start).subtract(days=1)
    return new_start.add(days=(end - start).days)


class ContractMachine(RuleBasedStateMachine):
    backend = "sqlite"

    @initialize()
    def open_fresh_database(self):
        if self.backend == "sqlite":
            self.dir = tempfile.TemporaryDirectory()
            storage.open_database(f"sqlite:///{self.dir.name}/model.db")
        else:
            from tests.helpers.postgres import _reset_postgres, require_postgres

            _reset_postgres(require_postgres())
        make_world()
        self.model = Model()
        # start from contracts the rules can act on: active, draft and invoiced
        for start, end, totals, invoiced in (
            (pendulum.Date(2026, 1, 1), pendulum.Date(2026, 12, 31), [2, 3], True),
            (pendulum.Date(2026, 6, 1), pendulum.Date(2027, 5, 31), [2], False),
            (pendulum.Date(2026, 9, 1), pendulum.Date(2027, 8, 31), [1], True),
        ):
            number = storage.new_contract("Acme Corp", "Phone Support", start, end)
            for total in totals:
                storage.add_line(number, "Line", allotment=str(total))
            if invoiced:
                storage.invoice(number)
            c = {
                "start": start,
                "end": end,
                "renewed": False,
                "lines": [{"total": t, "used": 0, "status": "existing"} for t in totals],
            }
            c["status"] = self.model.by_dates(c) if invoiced else "draft"
            self.model.contracts[number] = c

    def teardown(self):
        storage.clock.freeze(None)
        storage.close_database()
        if self.backend == "sqlite":
            self.dir.cleanup()

    # --- helpers -------------------------------------------------------------------------
    def _contract(self, i):
        """One of the model's contracts (never none: open_fresh_database makes three)."""
        number = sorted(self.model.contracts)[i % len(self.model.contracts)]
        return number, self.model.contracts[number]

    def _line(self, i, j):
        """(number, contract, position, line): a line of one of the model's contracts, or
        None when that contract has no lines."""
        number, c = self._contract(i)
        if not c["lines"]:
            return None
        pos = j % len(c["lines"])
        return number, c, pos, c["lines"][pos]

    def _attempt(self, call, allowed: bool):
        """Run an action the model allows or refuses; a refusal must change nothing."""
        if allowed:
            return call()
        with pytest.raises(storage.Refused):
            call()
        return None

    # --- rules ---------------------------------------------------------------------------
    @rule(offset=st.sampled_from([-400, -200, -10, 0, 10, 100]), days=st.sampled_from([30, 365]))
    def new_contract(self, offset, days):
        start = self.model.today.add(days=offset)
        end = start.add(days=days - 1)
        number = storage.new_contract("Acme Corp", "Phone Support", start, end)
        self.model.contracts[number] = {
            "status": "draft",
            "start": start,
            "end": end,
            "lines": [],
            "renewed": False,
        }

    @rule(i=pick, total=st.integers(min_value=1, max_value=3))
    def add_line(self, i, total):
        number, c = self._contract(i)
        ok = c["status"] in ("draft", "invoiced", "active", "on_hold")
        if self._attempt(lambda: storage.add_line(number, "Line", allotment=str(total)), ok):
            c["lines"].append({"total": total, "used": 0, "status": "existing"})

    @rule(i=pick)
    def invoice(self, i):
        number, c = self._contract(i)
        ok = c["status"] == "draft" and c["lines"] and c["end"] >= self.model.today
        if self._attempt(lambda: storage.invoice(number), bool(ok)):
            c["status"] = self.model.by_dates(c)

    @rule(i=pick)
    def hold_or_release(self, i):
        number, c = self._contract(i)
        if c["status"] == "on_hold":
            storage.release(number)
            c["status"] = self.model.by_dates(c)
        elif self._attempt(lambda: storage.hold(number), c["status"] in ("invoiced", "active")):
            c["status"] = "on_hold"

    @rule(i=pick)
    def cancel(self, i):
        number, c = self._contract(i)
        on = min(max(self.model.today, c["start"]), c["end"])
        ok = c["status"] in ("invoiced", "active", "on_hold")
        if self._attempt(lambda: storage.cancel(number, on, "model"), ok):
            c["status"] = "canceled"

    @rule(i=pick)
    def renew(self, i):
        number, c = self._contract(i)
        ok = c["status"] != "draft" and not c["renewed"]
        new = self._attempt(lambda: storage.renew(number), ok)
        if new:
            start = c["end"].add(days=1)
            end = _same_term(c["start"], c["end"], start)
            kept = [ln for ln in c["lines"] if ln["status"] != "canceled"]
            for line in kept:
                line["status"] = "renewed"
            self.model.contracts[new] = {
                "status": "draft",
                "start": start,
                "end": end,
                "renewed": False,
                "lines": [{"total": ln["total"], "used": 0, "status": "existing"} for ln in kept],
            }
            c["renewed"] = True

    @rule(i=pick)
    def copy(self, i):
        number, c = self._contract(i)
        new = storage.copy(number)
        self.model.contracts[new] = {
            "status": "draft",
            "start": c["start"],
            "end": c["end"],
            "renewed": False,
            "lines": [
                {"total": ln["total"], "used": 0, "status": "existing"}
                for ln in c["lines"]
                if ln["status"] != "canceled"
            ],
        }

    @rule(i=pick, j=pick)
    def cancel_line(self, i, j):
        if (picked := self._line(i, j)) is None:
            return
        number, c, pos, line = picked
        ok = c["status"] in ("invoiced", "active", "on_hold") and line["status"] not in (
            "canceled",
            "expired",
        )
        if self._attempt(lambda: storage.cancel_line(f"{number}/{pos + 1}"), ok):
            line["status"] = "canceled"

    @rule(i=pick, j=pick)
    def resolve(self, i, j):
        if (picked := self._line(i, j)) is None:
            return
        number, c, pos, line = picked
        case = self._attempt(
            lambda: storage.resolve(f"{number}/{pos + 1}", "Call"), self.model.may_charge(c, line)
        )
        if case:
            line["used"] += 1
            self.model.cases[case] = {"contract": number, "pos": pos, "status": "resolved"}

    @rule(k=pick)
    def reopen_then_maybe_cancel(self, k):
        if not self.model.cases:
            return
        number = sorted(self.model.cases)[k % len(self.model.cases)]
        case = self.model.cases[number]
        line = self.model.contracts[case["contract"]]["lines"][case["pos"]]
        if case["status"] == "resolved":
            storage.reopen_case(number)
            line["used"] -= 1
            case["status"] = "open"
        elif case["status"] == "open":
            if k % 2:
                storage.cancel_case(number)
                case["status"] = "canceled"
            else:
                c = self.model.contracts[case["contract"]]
                if self._attempt(
                    lambda: storage.resolve_case(number), self.model.may_charge(c, line)
                ):
                    line["used"] += 1
                    case["status"] = "resolved"
        else:
            self._attempt(lambda: storage.reopen_case(number), False)

    @rule(days=st.sampled_from([1, 1, 5, 30, 120]))
    def advance_and_sweep(self, days):
        m = self.model
        m.today = m.today.add(days=days)
        storage.clock.freeze(m.today)
        storage.sweep()
        for c in m.contracts.values():
            if c["status"] == "invoiced" and c["start"] <= m.today <= c["end"]:
                c["status"] = "active"
            if c["status"] in ("invoiced", "active", "on_hold") and c["end"] < m.today:
                c["status"] = "expired"
            if c["status"] != "draft" and c["end"] < m.today:
                for line in c["lines"]:
                    if line["status"] == "existing":
                        line["status"] = "expired"

    # --- invariants ----------------------------------------------------------------------
    @invariant()
    def engine_agrees_with_the_model(self):
        if not hasattr(self, "model"):
            return
        # what a user sees (show, list): the statuses the dates give on the day
        statuses = {c.number: c.status for c in storage.list_contracts(limit=None)}
        assert statuses == {n: c["status"] for n, c in self.model.contracts.items()}
        lines = {number: [] for number in self.model.contracts}
        for number, used, total, status, end in (
            Line.select(Contract.number, Line.used, Line.total, Line.status, Line.end)
            .join(Contract)
            .order_by(Contract.id, Line.position)
            .tuples()
        ):
            end = Line.end.python_value(end)
            shown = line_status_on(status, end, statuses[number], self.model.today)
            lines[number].append((used, total, shown))
        for number, c in self.model.contracts.items():
            assert lines[number] == [
                (ln["used"], ln["total"], ln["status"]) for ln in c["lines"]
            ], number
        cases = {c.number: c.status for c in Case.select(Case.number, Case.status)}
        assert cases == {n: x["status"] for n, x in self.model.cases.items()}

    @invariant()
    def verify_holds(self):
        if hasattr(self, "model"):
            assert storage.verify() == []


ContractMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestOnSQLite = ContractMachine.TestCase


class PostgresMachine(ContractMachine):
    backend = "postgres"


PostgresMachine.TestCase.settings = ContractMachine.TestCase.settings
TestOnPostgres = PostgresMachine.TestCase

_ = pendulum  # dates in the model are pendulum Dates
