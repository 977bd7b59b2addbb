"""The one place "today" and "now" come from, honouring `--today` and the local zone."""

from __future__ import annotations

import datetime as dt

import pendulum

_today_override: pendulum.Date | None = None


def set_today(day: pendulum.Date | None) -> None:
    """Act as of another day (the global `--today`); None returns to the real date."""
    global _today_override
    _today_override = day


def local_zone() -> pendulum.Timezone:
    try:
        return pendulum.local_timezone()
    except (ValueError, LookupError, OSError):  # pragma: no cover - a broken TZ setting
        return pendulum.timezone("UTC")


def today() -> pendulum.Date:
    if _today_override is not None:
        return _today_override
    return pendulum.now(local_zone()).date()


def now_utc() -> dt.datetime:
    """A naive UTC datetime, as stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_local(stamp: dt.datetime | None) -> pendulum.DateTime | None:
    """A stored (naive UTC) timestamp as a pendulum DateTime in the user's zone."""
    if stamp is None:
        return None
    return pendulum.instance(stamp.replace(tzinfo=dt.UTC)).in_timezone(local_zone())
