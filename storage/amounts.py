"""Reading and writing what users type: dates, durations, money (allotments: allotments.py)."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

import pendulum

from .errors import InvalidInput
from .text import quoted

_DURATION = re.compile(
    r"^\s*(?:(?P<hours>\d+(?:\.\d+)?)\s*h)?\s*(?:(?P<minutes>\d+(?:\.\d+)?)\s*m(?:in)?)?\s*$",
    re.IGNORECASE,
)
_MONEY = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
MAX_MINUTES = 10_000_000  # about 19 years of work: anything above is a typing mistake
MAX_COUNT = 1_000_000_000
MAX_CENTS = 10**13  # 100 billion in the currency
# The most a line's use may reach: it is stored in a 32-bit column on PostgreSQL.
MAX_USE = 2_000_000_000
# The dates contracts, lines and `--today` may use: wide enough for any real contract, and
# far enough from the calendar's ends (year 1 and 9999) that renewal terms, billing periods
# and "days left" can always be computed from them.
FIRST_DAY = pendulum.Date(1900, 1, 1)
LAST_DAY = pendulum.Date(9000, 12, 31)


def date_range_refusal(day: pendulum.Date, what: str = "date") -> str | None:
    """Why a date is outside the dates the product computes with, or None when it is not."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{what} {day} is outside the calendar: write a date between {FIRST_DAY} and {LAST_DAY}."


def parse_date(text: object, what: str = "date") -> pendulum.Date:
    """`2026-11-27` (ISO), also `today`; anything else is refused with one sentence, and so
    is a date outside FIRST_DAY..LAST_DAY."""
    if isinstance(text, pendulum.Date):
        refusal = date_range_refusal(text, what)
        if refusal:
            raise InvalidInput(refusal)
        return text
    raw = str(text or "").strip()
    if raw.lower() == "today":
        from .clock import today

        return today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise InvalidInput(f"{what} '{quoted(raw)}' is not a date; write it as YYYY-MM-DD.")
    try:
        day = pendulum.Date(int(raw[:4]), int(raw[5:7]), int(raw[8:10]))
    except ValueError:
        raise InvalidInput(f"{what} '{raw}' does not exist in the calendar.") from None
    refusal = date_range_refusal(day, what)
    if refusal:
        raise InvalidInput(refusal)
    return day


def parse_duration(text: object, what: str = "duration") -> int:
    """Minutes from `45m`, `1h30m`, `1.5h`, `40h` or a bare number of minutes."""
    if isinstance(text, int) and not isinstance(text, bool):
        minutes = text
    else:
        raw = str(text or "").strip()
        if not raw:
            raise InvalidInput(f"{what} is empty; write it like 45m, 1h30m, 1.5h or 90.")
        if re.fullmatch(r"\d+(?:\.\d+)?", raw):
            value = Decimal(raw)
        else:
            match = _DURATION.match(raw)
            if not match or not (match.group("hours") or match.group("minutes")):
                raise InvalidInput(
                    f"{what} '{quoted(raw)}' is not a duration; write it like 45m, 1h30m, 1.5h or 90."
                )
            value = Decimal(match.group("hours") or 0) * 60 + Decimal(match.group("minutes") or 0)
        if value != value.to_integral_value():
            raise InvalidInput(f"{what} '{raw}' is not a whole number of minutes.")
        minutes = int(value)
    return _counted(minutes, MAX_MINUTES, what, "minutes")


def parse_count(text: object, what: str = "number") -> int:
    """A whole positive number of cases."""
    raw = str(text if text is not None else "").strip()
    if not re.fullmatch(r"\d+", raw):
        raise InvalidInput(f"{what} '{quoted(raw)}' is not a whole number.")
    return _counted(int(raw), MAX_COUNT, what)


def _counted(value: int, most: int, what: str, unit: str = "") -> int:
    """`value` when it is more than zero and at most `most`; otherwise one sentence that
    names the unit when there is one (`more than zero minutes`, `of 20000000 minutes`)."""
    if value <= 0:
        raise InvalidInput(f"{what} must be more than zero{' ' + unit if unit else ''}.")
    if value > most:
        amount = f"of {value} {unit}" if unit else str(value)
        raise InvalidInput(f"{what} {amount} is too large.")
    return value


def parse_money(text: object, what: str = "price") -> int:
    """Cents from `1200`, `1200.5` or `1,200.50`; never negative. A comma only separates
    thousands (`12,345,678`): `1200,50` is refused, not read as 120,050."""
    if isinstance(text, int) and not isinstance(text, bool):
        cents = text * 100
    else:
        raw = str(text if text is not None else "").strip()
        if not _MONEY.fullmatch(raw):
            raise InvalidInput(
                f"{what} '{quoted(raw)}' is not an amount; write it like 1200, 1200.50 or "
                "1,200.50 (a comma only between thousands)."
            )
        try:
            cents = int(Decimal(raw.replace(",", "")) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern already checked it
            raise InvalidInput(f"{what} '{raw}' is not an amount.") from None
    if cents > MAX_CENTS:
        raise InvalidInput(f"{what} is too large.")
    return cents


def charge_for(spent_minutes: int, increment: int | None, minimum: int | None) -> int:
    """Minutes charged for time spent: rounded up to the increment, at least the minimum."""
    charged = spent_minutes
    if increment:
        charged = math.ceil(charged / increment) * increment
    if minimum:
        charged = max(charged, minimum)
    return charged


def format_minutes(minutes: int | None) -> str:
    """`12h 30m`, `40h`, `45m`."""
    if minutes is None:
        return ""
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(minutes), 60)
    if hours and mins:
        return f"{sign}{hours}h {mins}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{mins}m"


def format_money(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"
