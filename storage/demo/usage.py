"""The use of a line: resolved cases (some reopened), open and canceled ones, and the ledger
behind them, so that every line's `used` equals the sum of its ledger entries."""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple

from ..allotments import allotment
from ..amounts import charge_for
from ..models import Case, UsageEntry
from .days import CLOCK, DAY, DAY_PREFIX, ISO, iso, stamp
from .rows import CaseRow, LedgerRow, Making, maker
from .words import CASE_TITLES, REPS, RESOLUTIONS, SPENT, SUPERVISORS, TIME_CHUNKS, TIME_MINIMUM

if TYPE_CHECKING:
    from .dice import Dice
    from .generator import Offer, _Contract

# fmt: off
LEVELS = ("fresh", "low", "half", "high", "nearly", "exhausted", "overage")
LEVEL_WEIGHTS = (  # by how much of the line's time has passed: <20 %, <60 %, more
    (55, 38, 5, 1, 1, 0, 0),
    (25, 35, 22, 9, 4, 4, 1),
    (15, 30, 25, 12, 8, 8, 2),
)
LEVEL_CUMULATIVE = [list(accumulate(weights)) for weights in LEVEL_WEIGHTS]
FIRST_LEVELS = ["exhausted", "overage", "nearly", "half", "fresh", "overage"]
# fmt: on


class Span(NamedTuple):
    """A line's days (ordinals) and the last day it was used."""

    start: int
    end: int
    until: int


class Charge(NamedTuple):
    """A ledger entry before its id. Sorted as tuples: by moment, then case."""

    at: int  # a moment
    case: int
    amount: int
    kind: str  # "charge" or "reversal"
    who: str
    resolved: bool  # the case ends resolved: its last charge names who resolved it


new_case, new_entry, new_charge = maker(CaseRow), maker(LedgerRow), maker(Charge)


def _spent_for(charged: int, increment: int | None, minimum: int | None, rng: Dice) -> int:
    """Minutes a rep might have typed for a time charge of `charged` minutes."""
    if minimum and charged <= minimum:
        return rng.randint(max(1, minimum - 20), minimum)
    if increment and increment > 1:
        return charged - rng.randrange(increment)
    return charged


def _sorted_days(span: Span, count: int, rnd: Callable[[], float]) -> list[int]:
    """`count` random days of `span` up to its last day of use, in order."""
    start, width = span.start, span.until - span.start + 1
    days = [start + int(rnd() * width) for _ in range(count)]
    days.sort()
    return days


def _unresolved(
    case_id: int,
    customer_id: int,
    title: str,
    line: int | None,
    status: str,
    opened: str,
    rep: str,
) -> CaseRow:
    """An open or canceled case: nothing resolved, nothing charged (numbered when placed)."""
    nothing = (None, None, None, None, None, 0)
    return CaseRow(case_id, "", customer_id, title, line, status, opened, rep, *nothing)


class LineUse(Making):
    """The part of the generator (generator.Filler) that uses lines; it relies on the
    filler's yesterday_end, levels and reopens too."""

    yesterday_end: int
    levels: list[str]
    reopens: int

    def target_use(self, kind: str, total: int | None, level: str) -> list[int]:
        """The amounts of the resolved cases that bring a line to `level`."""
        rng = self.rng
        if kind == "coverage":
            low, high = {"fresh": (0, 0), "low": (0, 2), "half": (1, 3)}.get(level, (2, 5))
            return [0] * rng.randint(low, high)
        if level == "fresh":
            return []
        assert total is not None  # a case or time line has a total
        if level == "nearly":
            if kind == "cases":
                used = total - max(1, round(total * rng.uniform(0.02, 0.1)))
            else:
                used = total - 15 * rng.randint(2, max(2, total // 150))
        elif level == "exhausted":
            used = total
        elif level == "overage":
            used = total + (rng.randint(1, 3) if kind == "cases" else 15 * rng.randint(2, 12))
        else:
            least, most = {"low": (0.1, 0.35), "half": (0.4, 0.6), "high": (0.65, 0.85)}[level]
            share = total * rng.uniform(least, most)
            used = round(share) if kind == "cases" else round(share / 15) * 15
        if kind == "cases":
            return [1] * max(1, used)
        used = max(TIME_MINIMUM, used)
        parts = []
        while used > 480:
            chunk = rng.choice(TIME_CHUNKS)
            if used - chunk < 30:
                chunk = used - 30
            parts.append(chunk)
            used -= chunk
        if used >= 60 and rng.random() < 0.5:
            first = 15 * rng.randint(2, used // 15 - 2)
            parts.append(first)
            used -= first
        parts.append(used)
        return parts

    def pick_level(self, l_start: int, l_end: int, window_end: int, forced: bool) -> str:
        if forced and self.levels:
            return self.levels.pop(0)
        passed = (window_end - l_start + 1) / (l_end - l_start + 1)
        weights = LEVEL_CUMULATIVE[0 if passed < 0.2 else 1 if passed < 0.6 else 2]
        return self.rng.weighted(LEVELS, weights)

    def use_until(
        self,
        lid: int,
        template: Offer,
        total: int | None,
        customer_id: int,
        statuses: tuple[str, str],
        dates: tuple[int, int],
        until: int | None,
    ) -> int:
        """A line's use up to `until` (None: none yet), written as cases and ledger entries;
        the contract's and the line's statuses say whether it is usable or stuck."""
        start, end = dates
        if until is None or min(until, end) < start:
            return 0
        status, l_status = statuses
        usable = status == "active" and l_status == "existing"
        stuck = status == "on_hold" or (status == "active" and l_status == "canceled")
        span = Span(start, end, min(until, end))
        return self.use_line(lid, template, total, span, customer_id, usable, stuck)

    def use_line(
        self,
        lid: int,
        template: Offer,
        total: int | None,
        span: Span,
        customer_id: int,
        usable: bool,
        stuck: bool = False,
    ) -> int:
        """Resolved (and reopened) cases on the line between its start and `span.until`;
        returns the line's `used`, which equals the sum of the ledger entries written.

        A usable line (even one used up) or a `stuck` one (held, or canceled in a live
        contract) may have a case still open on it: what the attention list shows."""
        kind = template.kind
        level = self.pick_level(span.start, span.end, span.until, usable and kind != "coverage")
        amounts = self.target_use(kind, total, level)
        charges, cases = self.resolved_cases(lid, template, amounts, span, customer_id)
        if (usable or stuck) and self.rng.random() < 0.1:
            self.open_case(lid, template, span, customer_id, charges, cases)
        return self.write_ledger(lid, kind, total, charges, cases)

    def resolved_cases(
        self, lid: int, template: Offer, amounts: list[int], span: Span, customer_id: int
    ) -> tuple[list[Charge], list[CaseRow]]:
        """One resolved case per amount, on sorted random days of `span`; a few (the first
        ones, then 3 %) were resolved once, reopened and resolved again. Returns the charges
        (unsorted) and the case rows (who resolved them is the rep, until the ledger says)."""
        rng = self.rng
        rnd = rng.random
        kind, increment, minimum = template.kind, template.increment, template.minimum
        days = _sorted_days(span, len(amounts), rnd)
        day_prefix, clock = DAY_PREFIX, CLOCK
        charges, cases = [], []
        case_id = self.next_id[Case]
        for amount, day in zip(amounts, days):
            resolved = day * DAY + 28800 + int(rnd() * 36000)
            opened = resolved - 900 - int(rnd() * 171900)
            if kind == "time":
                spent = _spent_for(amount, increment, minimum, rng)
            elif rnd() < 0.4:
                spent = SPENT[int(rnd() * len(SPENT))]
            else:
                spent = None
            rep = REPS[int(rnd() * len(REPS))]
            cases.append(
                new_case(
                    (
                        case_id,
                        "",  # numbered when placed (chunks.py)
                        customer_id,
                        CASE_TITLES[int(rnd() * len(CASE_TITLES))],
                        lid,
                        "resolved",
                        day_prefix[opened // DAY] + clock[opened % DAY],
                        rep,
                        day_prefix[day] + clock[resolved % DAY],
                        ISO[day],
                        rep,
                        RESOLUTIONS[int(rnd() * len(RESOLUTIONS))],
                        spent,
                        amount,
                    )
                )
            )
            first = opened + (resolved - opened) // 3
            if (self.reopens or rnd() < 0.03) and first // DAY >= span.start:
                # resolved once (for less time), reopened, resolved again: charged once
                self.reopens = max(0, self.reopens - 1)
                earlier = amount
                if kind == "time" and spent is not None and amount > max(minimum or 0, 30):
                    earlier = charge_for(max(1, spent - 30), increment, minimum)
                reopened = first + (resolved - opened) // 3
                charges.append(new_charge((first, case_id, earlier, "charge", rep, True)))
                again = (reopened, case_id, -earlier, "reversal", rng.choice(REPS), True)
                charges.append(new_charge(again))
            charges.append(new_charge((resolved, case_id, amount, "charge", rep, True)))
            case_id += 1
        self.next_id[Case] = case_id
        return charges, cases

    def write_ledger(
        self, lid: int, kind: str, total: int | None, charges: list[Charge], cases: list[CaseRow]
    ) -> int:
        """The ledger of the line in time order (a charge past the total is a supervisor's
        override), then its cases, each resolved by whoever made its last charge. Returns
        the line's `used`. A reversal's note names its case by number, written when the
        chunk is placed (chunks.py)."""
        rng = self.rng
        charges.sort()
        used = 0
        entry_id = self.next_id[UsageEntry]
        ledger = self.rows[UsageEntry]
        day_prefix, clock = DAY_PREFIX, CLOCK
        resolver = {}  # case id: who made its last charge, from its first override on
        for moment, case_id, amount, entry_kind, who, resolved in charges:
            note = ""
            if entry_kind != "reversal":
                if total is not None and used + amount > total:
                    entry_kind, who = "override", rng.choice(SUPERVISORS)
                    note = f"overage {allotment(kind).format(used + amount - total)}"
                if resolved and (entry_kind == "override" or case_id in resolver):
                    resolver[case_id] = who
            used += amount
            at = day_prefix[moment // DAY] + clock[moment % DAY]
            ledger.append(new_entry((entry_id, lid, case_id, amount, entry_kind, who, at, note)))
            entry_id += 1
        self.next_id[UsageEntry] = entry_id
        if resolver:  # else every case stands as made: resolved by its rep
            cases = [
                case._replace(resolved_by=resolver[case.id]) if case.id in resolver else case
                for case in cases
            ]
        self.rows[Case].extend(cases)
        return used

    def open_case(
        self,
        lid: int,
        template: Offer,
        span: Span,
        customer_id: int,
        charges: list[Charge],
        cases: list[CaseRow],
    ) -> None:
        """A case still open on a usable line; a few were resolved once and reopened."""
        rng = self.rng
        case_id = self._id(Case)
        opened = max(span.start * DAY, self.yesterday_end - rng.randint(3600, 3 * DAY))
        rep = rng.choice(REPS)
        title = rng.choice(CASE_TITLES)
        row = _unresolved(case_id, customer_id, title, lid, "open", stamp(opened), rep)
        cases.append(row)
        if rng.random() < 0.25 and opened + 7200 < self.yesterday_end:
            amount = {"cases": 1, "coverage": 0}.get(template.kind)
            if amount is None:
                amount = charge_for(rng.choice(TIME_CHUNKS), template.increment, template.minimum)
            charged = opened + rng.randint(600, 3600)
            if charged // DAY <= span.until:
                reversed_at = charged + rng.randint(600, 3000)
                charges.append(Charge(charged, case_id, amount, "charge", rep, False))
                again = Charge(reversed_at, case_id, -amount, "reversal", rng.choice(REPS), False)
                charges.append(again)

    def other_cases(
        self, contract: _Contract, lines: list[int], customer_id: int, limit: int | None
    ) -> None:
        """Cases that charge nothing: canceled ones, and some resolved with no line."""
        rng = self.rng
        if limit is None or limit < contract.start:
            return
        if rng.random() < 0.06:
            case_id = self._id(Case)
            opened = rng.randint(contract.start, limit) * DAY + rng.randint(28800, 64800)
            line = rng.choice(lines) if rng.random() < 0.6 else None
            title = rng.choice(CASE_TITLES)
            opened_at, rep = stamp(opened), rng.choice(REPS)
            row = _unresolved(case_id, customer_id, title, line, "canceled", opened_at, rep)
            self.rows[Case].append(row)
        if rng.random() < 0.04:
            case_id = self._id(Case)
            day = rng.randint(contract.start, limit)
            resolved = day * DAY + rng.randint(28800, 64800)
            rep = rng.choice(REPS)
            self.rows[Case].append(
                CaseRow(
                    case_id,
                    "",  # numbered when placed
                    customer_id,
                    rng.choice(CASE_TITLES),
                    None,
                    "resolved",
                    stamp(resolved - rng.randint(900, DAY)),
                    rep,
                    stamp(resolved),
                    iso(day),
                    rep,
                    rng.choice(RESOLUTIONS),
                    None,
                    0,
                )
            )
