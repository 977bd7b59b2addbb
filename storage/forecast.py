"""When will a line run out (issue 11, SPEC §5): the burn rate of every metered line (cases
or time, not coverage) over the last 30 and 90 days of its ledger, the day its allotment is
used up at that rate, and whether that comes before the line's end.

The use of many lines is read in one grouped query (`window_use`); the arithmetic is a pure
function of it (`project`), so the attention list, `show` and the console share one rule.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import peewee as pw
import pendulum

from .allotments import allotment
from .clock import business_zone, business_zone_name, today
from .db import is_postgres, reads
from .detail_views import LineBurn
from .lookup import find_line, line_ref
from .models import Contract, Line, UsageEntry, tuples

SHORT, LONG = 30, 90  # days of the two windows
SHORTEST = 7  # a line younger than this is measured over a week, not over a burst of days
WEEKS_CHARTED = 12
# What counts as use: charges (and overrides) less reopened cases; a supervisor's
# adjustment corrects the count, it is not use at a rate.
USE_KINDS = ("charge", "override", "reversal")


def day_start(day: pendulum.Date) -> dt.datetime:
    """The first moment of a business day, as stored (naive UTC)."""
    moment = pendulum.datetime(day.year, day.month, day.day, tz=business_zone())
    return moment.in_timezone("UTC").naive()


@functools.cache
def _zoneinfo(name: str) -> dt.tzinfo:
    """The business zone `name` (the current one) through zoneinfo, built once per zone."""
    from zoneinfo import ZoneInfo

    zone = business_zone()
    try:
        return ZoneInfo(zone.name)
    except (KeyError, ValueError):  # pragma: no cover - a zone zoneinfo does not know
        return zone


def stored_day(stamp: dt.datetime | str) -> pendulum.Date:
    """The business day of a stored (naive UTC) moment (through zoneinfo: pendulum's own
    conversion costs milliseconds)."""
    moment: dt.datetime = UsageEntry.at.python_value(stamp)
    zone = _zoneinfo(business_zone_name())
    day = moment.replace(tzinfo=dt.UTC).astimezone(zone).date()
    return pendulum.Date(day.year, day.month, day.day)


def window_sums(day: pendulum.Date) -> tuple[pw.ColumnBase, pw.ColumnBase, pw.ColumnBase]:
    """(use in the last SHORT days, use in the last LONG days, which ledger entries count)
    up to `day`: two sums and a condition for a query over UsageEntry grouped by line."""
    since_long = day_start(day.subtract(days=LONG - 1))
    since_short = day_start(day.subtract(days=SHORT - 1))
    until = day_start(day.add(days=1))
    short = pw.fn.SUM(pw.Case(None, [(UsageEntry.at >= since_short, UsageEntry.amount)], 0))
    counted = (
        (UsageEntry.at >= since_long) & (UsageEntry.at < until) & UsageEntry.kind.in_(USE_KINDS)
    )
    return short, pw.fn.SUM(UsageEntry.amount), counted


def _days(
    first: pw.ColumnBase | pendulum.Date, second: pw.ColumnBase | pendulum.Date
) -> pw.ColumnBase:
    """Whole days from the date `first` to the date `second` (columns or days), as SQL."""
    postgres = is_postgres()

    def date(value: pw.ColumnBase | pendulum.Date) -> pw.ColumnBase:
        if not isinstance(value, dt.date):
            return value
        return pw.Cast(value.isoformat(), "DATE") if postgres else pw.Value(value.isoformat())

    if postgres:  # a date less a date: whole days
        return date(second) - date(first)
    return pw.Cast(pw.fn.julianday(date(second)) - pw.fn.julianday(date(first)), "INTEGER")


def may_run_out(short: pw.ColumnBase, long: pw.ColumnBase, day: pendulum.Date) -> pw.ColumnBase:
    """A condition on a query grouped by line (on Line's columns, and `short` and `long` from
    `window_sums`) that every line `burn` sees used up before its end meets, and most others
    do not: the database leaves those out.

    Used up at `use` over `days` days, with `remaining` left and `to_end` days to its end,
    a line runs out before it when remaining × days / use < to_end (rounded up, the quotient
    is at most to_end - 1). Here use is at most the larger window's use and days at least
    the short window's; a line used up already ran out today."""
    low, high = (pw.fn.LEAST, pw.fn.GREATEST) if is_postgres() else (pw.fn.MIN, pw.fn.MAX)
    remaining = pw.Cast(Line.total - Line.used, "BIGINT")
    age = _days(Line.start, day) + 1
    use = high(short, long, 0)
    return (remaining <= 0) | (
        remaining * low(SHORT, high(SHORTEST, age)) < use * _days(day, Line.end)
    )


def window_use(condition: pw.ColumnBase, day: pendulum.Date) -> pw.ModelSelect[UsageEntry]:
    """(line id, use in the last SHORT days, use in the last LONG days) of the lines that
    meet `condition` (on Line and Contract) and were used in the last LONG days up to `day`:
    one grouped query over the ledger (columns line_id, use_short, use_long)."""
    short, long, counted = window_sums(day)
    return (
        UsageEntry.select(UsageEntry.line, short.alias("use_short"), long.alias("use_long"))
        .join(Line, on=UsageEntry.line == Line.id)
        .join(Contract, on=Line.contract == Contract.id)
        .where(condition & counted)
        .group_by(UsageEntry.line)
    )


LAST_DAY = dt.date.max.toordinal()


@functools.lru_cache(maxsize=4096)
def _day_of(ordinal: int) -> pendulum.Date:
    """The day of an ordinal (pendulum's fromordinal costs microseconds; run-out days of many
    lines are few distinct days)."""
    return pendulum.Date.fromordinal(ordinal)


def _window(age: int, window: int) -> int:
    """Days a rate is measured over: the window, or the line's days so far (a week at least)."""
    return window if age >= window else max(SHORTEST, age)


def burn(
    total: int,
    used: int,
    start_n: int,
    use_short: int | None,
    use_long: int | None,
    today_n: int,
) -> tuple[float, int | None]:
    """(the burn per week the projection runs at, the ordinal of the day the allotment is
    used up at that rate, or None), of a line that started on the day `start_n`.

    The projection runs at the last SHORT days' rate, or the last LONG days' when the short
    window saw no use; with no use at all there is no run-out day (None). A line used up
    already ran out today. (Days are counted as ordinals: pendulum's date arithmetic costs
    a third of a millisecond, too much for every line of a large database.)"""
    age = today_n - start_n + 1
    if use_short is not None and use_short > 0:
        use, days = use_short, _window(age, SHORT)
    else:
        use, days = max(0, use_long or 0), _window(age, LONG)
    remaining = total - used
    if remaining <= 0:
        return use * 7 / days, today_n
    if use > 0:
        return use * 7 / days, today_n - (-remaining * days // use)  # whole days, rounded up
    return use * 7 / days, None


def project(
    total: int,
    used: int,
    start: pendulum.Date,
    end: pendulum.Date,
    use_short: int | None,
    use_long: int | None,
    day: pendulum.Date,
) -> tuple[float, float, float, pendulum.Date | None, bool]:
    """(burn per week over SHORT days, over LONG days, the rate the projection uses, the day
    the allotment is used up, whether that is before the line's end): `burn` with the
    rates of both windows, and days."""
    today_n, start_n = day.toordinal(), start.toordinal()
    rate, runs_out_n = burn(total, used, start_n, use_short, use_long, today_n)
    age = today_n - start_n + 1
    short = max(0, use_short or 0) * 7 / _window(age, SHORT)
    long = max(0, use_long or 0) * 7 / _window(age, LONG)
    if runs_out_n is None or runs_out_n > LAST_DAY:  # at this rate, never in the calendar
        return (short, long, rate, None, False)
    runs_out = day if runs_out_n == today_n else _day_of(runs_out_n)
    return (short, long, rate, runs_out, runs_out_n < end.toordinal())


def line_forecasts(
    lines: Iterable[Line], day: pendulum.Date | None = None
) -> dict[int, tuple[float, pendulum.Date | None]]:
    """(burn per week, runs out on) of the given lines (rows the caller has read) that had
    use, by line id: one query over the ledger. Lines without a total are left out."""
    day = day or today()
    metered = {line.id: line for line in lines if line.total is not None}
    if not metered:
        return {}
    out = {}
    for line_id, use_short, use_long in tuples(window_use(Line.id.in_(list(metered)), day)):
        line = metered[line_id]
        assert line.total is not None  # only lines with a total were kept
        _s, _l, rate, runs_out, _before = project(
            line.total, line.used, line.start, line.end, use_short or 0, use_long or 0, day
        )
        out[line_id] = (round(rate, 2), runs_out if rate or line.used >= line.total else None)
    return out


@reads
def line_burn(ref: str, weeks: int = WEEKS_CHARTED) -> LineBurn:
    """One line's burn rates, run-out day and use per week over the last `weeks` weeks
    (oldest first; the last week ends today): what the console charts for the selected line."""
    line = find_line(ref)
    contract = Contract.get_by_id(line.contract_id)
    day = today()
    kind = contract.allotment_type
    per_week = [0] * weeks
    if not allotment(kind).metered or line.total is None:
        ref = line_ref(line.contract_id, line.position)
        return LineBurn(ref, kind, None, line.used, line.end, 0, 0, 0, None, False, per_week)
    first = day.subtract(days=7 * weeks - 1)
    since = min(first, day.subtract(days=LONG - 1))
    entries = UsageEntry.select(UsageEntry.amount, UsageEntry.at).where(
        (UsageEntry.line == line.id)
        & (UsageEntry.at >= day_start(since))
        & (UsageEntry.at < day_start(day.add(days=1)))
        & UsageEntry.kind.in_(USE_KINDS)
    )
    use_short = use_long = 0
    for amount, at in tuples(entries):
        age = day.toordinal() - stored_day(at).toordinal()
        if age < LONG:
            use_long += amount
        if age < SHORT:
            use_short += amount
        if age < 7 * weeks:
            per_week[weeks - 1 - age // 7] += amount
    short, long, rate, runs_out, before = project(
        line.total, line.used, line.start, line.end, use_short, use_long, day
    )
    return LineBurn(
        line_ref(line.contract_id, line.position),
        kind,
        line.total,
        line.used,
        line.end,
        round(short, 2),
        round(long, 2),
        round(rate, 2),
        runs_out,
        before,
        [max(0, n) for n in per_week],
    )
