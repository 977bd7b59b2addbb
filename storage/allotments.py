"""The allotment types: what a line's allotment counts, and how its amounts are typed,
written and charged. One frozen entry per type in ALLOTMENTS; every rule and every face
asks the entry (`kind.metered`, `kind.format(n)`) instead of comparing the type's name.

Adding a type is one entry here (plus demo data and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .amounts import MAX_USE, charge_for, format_minutes, parse_count, parse_duration
from .errors import InvalidInput


def _count(n: int) -> str:
    return str(n)


@dataclass(frozen=True)
class Allotment:
    """One allotment type. Amounts are whole numbers of `units` (cases, minutes)."""

    name: str  # as stored on templates and contracts, and typed (`--allotment time`)
    metered: bool  # a total is bought and used up; unmetered lines cover unlimited cases
    unit: str  # the unit in words, singular and plural
    units: str
    per_case: int | None  # what one resolved case charges; None: the time spent, rounded
    example: str = ""  # a total as a user types it ("" when unmetered)
    change_example: str = ""  # a correction of a line's use, as typed
    read: Callable[..., int] | None = None  # text -> amount (None: there is no amount to type)
    show: Callable[[int], str] = _count  # amount -> text, without a sign
    shows_unit: bool = False  # `show` already writes the unit (`1h 30m`)
    priced_per: str = "case"  # a line's rate is shown per this: case, hour
    priced_units: int = 1  # … which is this many units

    @property
    def rounded(self) -> bool:
        """Whether a template's increment and minimum round a charge of this type."""
        return self.per_case is None

    def parse(self, text: object, what: str = "allotment") -> int:
        if self.read is None:
            raise InvalidInput(f"a {self.name} line has no {what}: it covers unlimited cases.")
        return self.read(text, what)

    def parse_total(self, text: object, what: str = "allotment") -> int | None:
        """The total of a line or a template's volume; None for an unmetered type."""
        if not self.metered:
            if text not in (None, ""):
                raise InvalidInput(
                    f"a {self.name} line has no allotment: it covers unlimited cases."
                )
            return None
        return self.parse(text, what)

    def format(self, amount: int | None) -> str:
        """`3`, `1h 30m`; `unlimited` for no amount."""
        return "unlimited" if amount is None else self.show(amount)

    def words(self, amount: int) -> str:
        """`1 case`, `3 cases`, `1h 30m`: an amount in a sentence."""
        text = self.show(amount)
        if self.shows_unit:
            return text
        return f"{amount:,} {self.unit if amount == 1 else self.units}"

    def signed(self, amount: int, minus: str = "-", zero: str = "+") -> str:
        sign = "+" if amount > 0 else minus if amount < 0 else zero
        return sign + self.show(abs(amount))

    def charge(self, spent: int | None, increment: int | None, minimum: int | None) -> int:
        """What one resolved case charges, given the minutes spent and the template's
        rounding."""
        if self.per_case is not None:
            return self.per_case
        if spent is None:
            raise InvalidInput(
                f"give the time spent (e.g. 45m, 1h30m, 1.5h) for a {self.name} line."
            )
        return charge_for(spent, increment, minimum)

    def of_total(self, amount: int, total: int) -> str:
        """`7 of 10 cases`, `12h 30m of 40h`."""
        text = f"{self.show(amount)} of {self.show(total)}"
        return text if self.shows_unit else f"{text} {self.unit if total == 1 else self.units}"

    def left(self, left: int | None, total: int | None, over: int = 0, word: bool = True) -> str:
        """What is left of what was bought: `7 of 10 cases left`, `12h 30m of 40h left`; an
        overdrawn line adds `(+1 over)`; `no limit` when nothing is counted. Without `word`
        (under a column headed Left): `7 of 10 cases`."""
        if not self.metered or total is None or left is None:
            return "no limit"
        text = self.of_total(left, total) + (" left" if word else "")
        return text + (f" (+{self.show(over)} over)" if over > 0 else "")

    def used_of(self, used: int, total: int | None) -> str:
        """What was used of what was bought: `2 of 12 used`, `30m of 10h used`."""
        if total is None:
            return f"{self.show(used)} used"
        return f"{self.show(used)} of {self.show(total)} used"

    def charged_words(
        self, spent: int | None, charged: int, increment: int | None, minimum: int | None
    ) -> str:
        """What a case charged, and why when the template rounded it: `charged 1 case`,
        `10m spent, 30m charged (minimum 30m)`, `40m spent, 45m charged (rounded up to 15m
        steps)`."""
        if not self.rounded or spent is None or spent == charged:
            return f"charged {self.words(charged)}"
        stepped = charge_for(spent, increment, None)
        why = (
            f"minimum {self.show(minimum)}"
            if minimum and charged == minimum and stepped < minimum
            else f"rounded up to {self.show(increment or 0)} steps"
        )
        return f"{self.show(spent)} spent, {self.show(charged)} charged ({why})"

    def rate(self, per_week: float) -> str:
        """A burn rate: `0.9 cases/week`, `2h 30m/week` (whole minutes read better than
        fractions of them)."""
        if self.shows_unit:
            return f"{self.show(round(per_week))}/week"
        return f"{per_week:.1f} {self.units}/week"

    def use_refusal(self, ref: str, used: int) -> str | None:
        """Why a line cannot be brought to this use (more than can be stored), or None."""
        if used <= MAX_USE:
            return None
        return (
            f"that is too large: line {ref} would have used {self.format(used)}, "
            f"more than the {self.format(MAX_USE)} a line can record."
        )


CASES = Allotment(
    name="cases",
    metered=True,
    unit="case",
    units="cases",
    example="10",
    change_example="-1 or +2",
    per_case=1,
    read=parse_count,
)
TIME = Allotment(
    name="time",
    metered=True,
    unit="minute",
    units="minutes",
    example="40h",
    change_example="-30m or +1h",
    per_case=None,
    read=parse_duration,
    show=format_minutes,
    shows_unit=True,
    priced_per="hour",
    priced_units=60,
)
COVERAGE = Allotment(name="coverage", metered=False, unit="case", units="cases", per_case=0)

ALLOTMENTS: dict[str, Allotment] = {kind.name: kind for kind in (CASES, TIME, COVERAGE)}
ALLOTMENT_TYPES = tuple(ALLOTMENTS)


def allotment(name: str) -> Allotment:
    """The description of an allotment type by its name; an unknown name is refused."""
    try:
        return ALLOTMENTS[name]
    except KeyError:
        raise InvalidInput(
            f"allotment type '{name}' is not one of {', '.join(ALLOTMENT_TYPES)}."
        ) from None


def metered_types() -> tuple[str, ...]:
    """The names of the types whose lines have a total that is used up (for queries)."""
    return tuple(kind.name for kind in ALLOTMENTS.values() if kind.metered)


def rounded_types() -> str:
    """The types a template's increment and minimum apply to, in words."""
    return ", ".join(kind.name for kind in ALLOTMENTS.values() if kind.rounded)
