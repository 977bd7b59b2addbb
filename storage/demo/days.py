"""Days and moments as plain numbers: a day is its proleptic ordinal, a moment the seconds
since day 1. Text for them is made once per day (and once per second of a day) and cached."""

from __future__ import annotations

import calendar
import datetime as dt

DAY = 86_400


class _DayText(dict):
    """ISO text of a day (by ordinal), made once per day on first use."""

    def __init__(self, suffix: str = ""):
        super().__init__()
        self.suffix = suffix

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = dt.date.fromordinal(ordinal).isoformat() + self.suffix
        return text


ISO = _DayText()  # "2026-06-15"
DAY_PREFIX = _DayText(" ")  # "2026-06-15 ", the day part of a stored moment
CLOCK: list[str] = []  # "HH:MM:SS" for every second of a day, made by the first fill


def make_clock() -> None:
    if not CLOCK:
        CLOCK.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))


def iso(ordinal: int) -> str:
    return ISO[ordinal]


def stamp(seconds: int) -> str:
    """A moment (seconds since day 1 of the proleptic calendar) as stored: naive UTC text."""
    return DAY_PREFIX[seconds // DAY] + CLOCK[seconds % DAY]


def add_months(ordinal: int, months: int) -> int:
    day = dt.date.fromordinal(ordinal)
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last)).toordinal()


def month_start(ordinal: int) -> int:
    day = dt.date.fromordinal(ordinal)
    return ordinal - day.day + 1
