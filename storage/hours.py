"""Service hours (SPEC §2): when a contract covers *this moment*.

`24x7`, or one or several ranges of days and hours in a time zone:
`Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/Madrid`. Days are `Mon` … `Sun`, alone or as a
range (`Fri-Mon` wraps over the week end); a range opens at its first minute and closes at
its last (opening inclusive, closing exclusive). `24:00` closes at midnight; a closing time
before the opening time runs past midnight (`Fri 22:00-06:00` is Friday 22:00 to Saturday
06:00). The zone is an IANA name; without one, the database's business zone. Times are wall
clock times in that zone, so 08:00 stays 08:00 across a change of summer time; a time that
does not exist that day (02:30 when the clocks jump from 02:00 to 03:00) is read forward.

Days off are dates in the same zone: a range that *starts* on a day off does not open (one
that started the day before runs to its end); `24x7` is closed for the whole day.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pendulum

from .errors import InvalidInput

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_MINUTES = 24 * 60
LOOK_AHEAD_DAYS = 400  # next_opening looks this far
EXAMPLE = "write 24x7 or like 'Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/Madrid'"
_RANGE = re.compile(r"^(?P<days>[A-Za-z]{3}(?:-[A-Za-z]{3})?) (?P<opens>\S+)-(?P<closes>\S+)$")
_TIME = re.compile(r"^(?P<h>\d{2}):(?P<m>\d{2})$")


@dataclass(frozen=True)
class Window:
    """Days of the week (0 = Monday) and the minutes, after the opening day's midnight,
    at which service opens and closes (past 1440: the next day)."""

    days: frozenset[int]
    opens: int
    closes: int


@dataclass(frozen=True)
class ServiceHours:
    """Service hours as read from their text: the weekly windows and their zone."""

    text: str  # as written back: `Mon-Fri 08:00-18:00 Europe/Madrid`
    windows: tuple[Window, ...]  # empty: 24x7
    zone: str | None  # None: the database's business zone

    @property
    def always(self) -> bool:
        return not self.windows

    def zone_name(self) -> str:
        from .clock import business_zone_name

        return self.zone or business_zone_name()


def _bad(text: str, why: str = "") -> InvalidInput:
    detail = f": {why}" if why else ""
    return InvalidInput(f"service hours '{text[:60]}' are not understood{detail}; {EXAMPLE}.")


def _day(word: str, text: str) -> int:
    title = word.capitalize()
    if title not in DAYS:
        raise _bad(text, f"'{word}' is not a day: Mon, Tue, Wed, Thu, Fri, Sat or Sun")
    return DAYS.index(title)


def _minutes(word: str, text: str, closing: bool) -> int:
    match = _TIME.match(word)
    hour, minute = (int(match["h"]), int(match["m"])) if match else (99, 99)
    if (hour, minute) == (24, 0) and closing:
        return DAY_MINUTES
    if hour > 23 or minute > 59:
        raise _bad(text, f"'{word}' is not a time from 00:00 to 24:00")
    return hour * 60 + minute


def _window(part: str, text: str) -> tuple[Window, str]:
    match = _RANGE.match(part)
    if not match:
        raise _bad(text)
    first, _, last = match["days"].partition("-")
    start = _day(first, text)
    end = _day(last, text) if last else start
    days = frozenset((start + i) % 7 for i in range((end - start) % 7 + 1))
    opens = _minutes(match["opens"], text, closing=False)
    closes = _minutes(match["closes"], text, closing=True)
    if closes == opens:
        raise _bad(text, f"{match['opens']}-{match['closes']} opens and closes at the same time")
    if closes < opens:
        closes += DAY_MINUTES  # past midnight
    label = DAYS[start] + (f"-{DAYS[end]}" if last else "")
    return Window(days, opens, closes), f"{label} {match['opens']}-{match['closes']}"


def parse(text: object) -> ServiceHours:
    """Read service hours; InvalidInput (one sentence) when they cannot be read."""
    return _parse(" ".join(str(text if text is not None else "24x7").split()) or "24x7")


@functools.lru_cache(maxsize=256)  # a check reads the same few texts many times
def _parse(value: str) -> ServiceHours:
    from .clock import is_zone

    if len(value) > 200:
        raise _bad(value, "at most 200 characters")
    words = value.split(" ")
    zone = None
    if len(words) > 1 and ":" not in words[-1]:  # a range ends in a time: this is a zone
        zone = words.pop()
    if zone is not None and not is_zone(zone):
        raise InvalidInput(f"'{zone[:60]}' is not a time zone (e.g. Europe/Madrid).")
    body = " ".join(words)
    suffix = f" {zone}" if zone else ""
    if body.casefold() == "24x7":
        return ServiceHours("24x7" + suffix, (), zone)
    parts = [part.strip() for part in body.split(",")]
    if not all(parts):
        raise _bad(value)
    read = [_window(part, value) for part in parts]
    text_back = ", ".join(label for _window_, label in read) + suffix
    return ServiceHours(text_back, tuple(w for w, _label in read), zone)


def _zone(hours: ServiceHours) -> pendulum.Timezone:
    return pendulum.timezone(hours.zone_name())


def _wall(day: dt.date, minutes: int, zone: dt.tzinfo) -> dt.datetime:
    """The UTC moment of a wall-clock time in a zone (a time in a summer-time gap is read
    forward, one that happens twice is the first)."""
    day = day + dt.timedelta(days=minutes // DAY_MINUTES)
    minutes %= DAY_MINUTES
    local = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)
    return local.astimezone(dt.UTC)


def _windows_of(
    hours: ServiceHours, day: dt.date, days_off: Collection[dt.date], zone: dt.tzinfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(opens, closes) of the windows that start on `day`, in order of opening (UTC)."""
    if day in days_off:
        return []
    if hours.always:
        return [(_wall(day, 0, zone), _wall(day, DAY_MINUTES, zone))]
    spans = [
        (_wall(day, w.opens, zone), _wall(day, w.closes, zone))
        for w in hours.windows
        if day.weekday() in w.days
    ]
    return sorted(spans)


def _as_hours(hours: ServiceHours | str | None) -> ServiceHours:
    return hours if isinstance(hours, ServiceHours) else parse(hours)


def _dates(days_off: Iterable[dt.date] | None) -> set[dt.date]:
    return {dt.date(d.year, d.month, d.day) for d in days_off or ()}


def _local_day(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    local = moment.astimezone(zone)
    return dt.date(local.year, local.month, local.day)


def in_hours(
    hours: ServiceHours | str | None, days_off: Iterable[dt.date] | None, moment: dt.datetime
) -> bool:
    """Is service open at `moment` (an aware datetime)?"""
    hours = _as_hours(hours)
    zone = _zone(hours)
    off = _dates(days_off)
    day = _local_day(moment, zone)
    for start in (day - dt.timedelta(days=1), day):
        for opens, closes in _windows_of(hours, start, off, zone):
            if opens <= moment < closes:
                return True
    return False


def next_opening(
    hours: ServiceHours | str | None, days_off: Iterable[dt.date] | None, moment: dt.datetime
) -> pendulum.DateTime | None:
    """When service next opens after a moment outside the hours (in_hours said so), in the
    hours' zone; None when it does not open within LOOK_AHEAD_DAYS."""
    hours = _as_hours(hours)
    zone = _zone(hours)
    off = _dates(days_off)
    day = _local_day(moment, zone)
    for ahead in range(LOOK_AHEAD_DAYS):
        for opens, _closes in _windows_of(hours, day + dt.timedelta(days=ahead), off, zone):
            if opens >= moment:
                return pendulum.instance(opens).in_timezone(zone)
    return None


def _after(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"in {hours} h" + (f" {rest} min" if rest else "")
    return f"in {round(minutes / DAY_MINUTES)} days"


def _when(moment: pendulum.DateTime, far: bool) -> str:
    # strftime, not pendulum's format(): that loads a locale (and importlib.resources) on
    # first use, a few milliseconds of `contracts check`'s start-up.
    day = DAYS[moment.weekday()]
    return f"{day} {moment.strftime('%Y-%m-%d %H:%M' if far else '%H:%M')}"


def closed_sentence(
    hours: ServiceHours | str | None,
    days_off: Iterable[dt.date] | None,
    moment: dt.datetime,
    user_zone: str,
    opening: pendulum.DateTime | None,
) -> str:
    """`outside service hours Mon-Fri 08:00-18:00 Europe/Madrid; opens Mon 08:00 (in 10 h)`:
    in the hours' zone, and in the user's when it differs. `opening`: what `next_opening`
    gave for this moment (the caller has it already)."""
    hours = _as_hours(hours)
    zone = _zone(hours)
    off = _dates(days_off)
    day = _local_day(moment, zone)
    why = f" ({day.isoformat()} is a day off)" if day in off else ""
    if opening is None:
        return f"outside service hours {hours.text}{why}; no opening in the next year"
    since = pendulum.instance(moment)  # the DateTime `opening - moment` makes of it anyway
    far = opening - since > dt.timedelta(days=6)
    where = "" if hours.zone_name() == user_zone else f" {hours.zone_name()}"
    mine = ""
    if where:
        there = opening.in_timezone(user_zone)
        mine = f"{_when(there, far)} {user_zone}, "
    return (
        f"outside service hours {hours.text}{why}; opens {_when(opening, far)}{where} "
        f"({mine}{_after(opening - since)})"
    )


def parse_moment(text: object, zone: str) -> pendulum.DateTime:
    """A moment typed as ISO 8601 (`2026-12-05T22:00`, `2026-12-05 22:00`,
    `2026-12-05T22:00+01:00`, `…Z`); without an offset, a wall time in `zone`."""
    raw = " ".join(str(text or "").split())
    try:
        value = text if isinstance(text, dt.datetime) else dt.datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 9000:
        raise InvalidInput(
            f"'{raw[:40]}' is not a moment; write it like 2026-12-05T22:00 "
            "or 2026-12-05T22:00+01:00."
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=pendulum.timezone(zone))
    return pendulum.instance(value.astimezone(dt.UTC)).in_timezone(zone)
