"""The one place "today" and "now" come from.

"Today" is the business day of the database: the date in the time zone stored as a database
setting (set at `init`), on the database server's clock for PostgreSQL. Nothing here reads
the caller's `TZ`: two reps in different zones, or with a wrong `TZ`, see the same day.
`--today` (set_today) lets one command act as of another day; it never changes what is
stored as the real day's state (see by_dates.status_on).
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pendulum

_today_override: pendulum.Date | None = None
_frozen_day: pendulum.Date | None = None  # tests and the benchmark only: see freeze
_frozen_moment: pendulum.DateTime | None = None  # tests only: see freeze_moment
_zone_name: str = "UTC"  # the database's business zone, set when a database is opened
_offset_s: float = 0.0  # the database server's clock minus this machine's (PostgreSQL)


def set_today(day: pendulum.Date | None) -> None:
    """Act as of another day (the global `--today`); None returns to the real date."""
    global _today_override
    _today_override = day


def freeze(day: pendulum.Date | None) -> None:
    """Stand in for the clock itself: the real business day is `day` (None: the clock again).

    For the test suite and the benchmark, in-process; no face and no option reaches it.
    The moment (`now`) is then noon of that day in the business zone."""
    global _frozen_day, _frozen_moment
    _frozen_day = day
    _frozen_moment = None


def freeze_moment(moment: dt.datetime | None) -> None:
    """Stand in for the clock at one moment (an aware datetime): `now` is `moment`, the real
    business day its date in the business zone. For the test suite only; None: the clock."""
    global _frozen_day, _frozen_moment
    if moment is None:
        _frozen_moment = _frozen_day = None
        return
    _frozen_moment = pendulum.instance(moment)
    _frozen_day = _frozen_moment.in_timezone(business_zone()).date()


def acting_as_of_another_day() -> bool:
    return _today_override is not None


def configure(zone: str, offset_s: float = 0.0) -> None:
    """The business zone and the server's clock offset of the database just opened."""
    global _zone_name, _offset_s
    _zone_name = zone
    _offset_s = offset_s


def set_zone(zone: str) -> None:
    """The business zone changed (by a supervisor); the server's clock offset stays."""
    global _zone_name
    _zone_name = zone


def business_zone() -> pendulum.Timezone:
    try:
        return pendulum.timezone(_zone_name)
    except Exception:  # noqa: BLE001 - a zone this pendulum does not know: UTC, not a crash
        return pendulum.timezone("UTC")


def business_zone_name() -> str:
    return _zone_name


def system_zone() -> str:
    """The zone this machine is set to (/etc/timezone or /etc/localtime), not `TZ`."""
    try:
        with open("/etc/timezone", encoding="utf-8") as handle:
            name = handle.read().strip()
        if name and is_zone(name):
            return name
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if is_zone(name):
                return name
    except OSError:  # pragma: no cover
        pass
    return "UTC"


def is_zone(name: str) -> bool:
    try:
        pendulum.timezone(str(name))
    except Exception:  # noqa: BLE001 - pendulum raises several kinds for an unknown name
        return False
    return True


def now_utc() -> dt.datetime:
    """A naive UTC datetime, as stored in the database (the server's clock on PostgreSQL)."""
    return dt.datetime.fromtimestamp(time.time() + _offset_s, dt.UTC).replace(tzinfo=None)


def now() -> pendulum.DateTime:
    """This moment, in the business zone (the server's clock on PostgreSQL)."""
    if _frozen_moment is not None:
        return _frozen_moment.in_timezone(business_zone())
    if _frozen_day is not None:
        day = _frozen_day
        return pendulum.datetime(day.year, day.month, day.day, 12, tz=business_zone())
    return pendulum.instance(now_utc().replace(tzinfo=dt.UTC)).in_timezone(business_zone())


def real_today() -> pendulum.Date:
    """The business day now, whatever `--today` says."""
    return _frozen_day if _frozen_day is not None else now().date()


def today() -> pendulum.Date:
    if _today_override is not None:
        return _today_override
    return real_today()


def local_zone() -> pendulum.Timezone | pendulum.FixedTimezone:
    """The user's own zone: only for showing timestamps, never for deciding a day."""
    try:
        return pendulum.local_timezone()
    except (ValueError, LookupError, OSError):  # pragma: no cover - a broken TZ setting
        return pendulum.timezone("UTC")


def to_local(stamp: dt.datetime | None) -> pendulum.DateTime | None:
    """A stored (naive UTC) timestamp as a pendulum DateTime in the user's zone."""
    if stamp is None:
        return None
    return pendulum.instance(stamp.replace(tzinfo=dt.UTC)).in_timezone(local_zone())
