"""What a renewal starts from (SPEC §3 renew): its default start and its title."""

from __future__ import annotations

import re

import pendulum

_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def renewal_start(end: pendulum.Date) -> pendulum.Date:
    """The spec's default: the day after the old end (which may be past; `today` is then
    offered instead by the faces)."""
    return end.add(days=1)


def renewal_title(
    title: str, old_start: pendulum.Date, old_end: pendulum.Date, new_start: pendulum.Date
) -> str:
    """`Hotline 2026` → `Hotline 2027`: each year of the old term named in the title moves
    by as many years as the term does; other numbers stay."""
    shift = new_start.year - old_start.year
    if not shift:
        return title

    def move(match: re.Match) -> str:
        year = int(match.group())
        return str(year + shift) if old_start.year <= year <= old_end.year else match.group()

    return _YEAR.sub(move, title)
