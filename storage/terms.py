"""A contract's term: how long it runs, read as whole months when it is, and the end of a
term as long as another one (a renewal's)."""

from __future__ import annotations

import pendulum


def _months_later(day: pendulum.Date, months: int, roll: bool) -> pendulum.Date:
    """`months` after `day`. When that month has no such day (Jan 31 + 1 month), pendulum
    gives the month's last day (Feb 28); with `roll`, the next month's first (Mar 1)."""
    moved = day.add(months=months)
    return moved.add(days=1) if roll and moved.day != day.day else moved


def _whole_months(start: pendulum.Date, end: pendulum.Date) -> tuple[int, bool] | None:
    """(months, roll) when the term from start to end is whole months, else None.

    N months from a day end the day before the same day N months later: the 15th to the
    14th, the 1st to a month's last day. From a day the later month lacks (the 31st, Feb 29)
    both readings count: Jan 31 to Feb 27 (pendulum's Jan 31 + 1 month is Feb 28) and Jan 31
    to Feb 28 (the month after runs out, the term ends with it)."""
    after = end.add(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    for n in (months, months - 1):
        for roll in (False, True):
            if n > 0 and _months_later(start, n, roll) == after:
                return n, roll
    return None


def term_end(
    old_start: pendulum.Date, old_end: pendulum.Date, new_start: pendulum.Date
) -> pendulum.Date:
    """The end of a term as long as the old one: as many whole months when the old term was
    whole months (read the same way from the new start), else as many days."""
    whole = _whole_months(old_start, old_end)
    if whole is not None:
        months, roll = whole
        return _months_later(new_start, months, roll).subtract(days=1)
    return new_start.add(days=(old_end - old_start).days)
