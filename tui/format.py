"""How the console writes values: statuses, usage bars, days left in words."""

from __future__ import annotations

import pendulum
from rich.text import Text

import storage

STATUS_LABELS = {s.name: s.label for s in storage.STATUS_TABLE} | {"all": "All"}
STATUS_STYLES = {
    "draft": "bright_black",
    "invoiced": "cyan",
    "active": "green",
    "on_hold": "yellow",
    "canceled": "red",
    "expired": "magenta",
}
CASE_STYLES = {"open": "cyan", "resolved": "green", "canceled": "bright_black"}
LINE_STYLES = {"existing": "green", "renewed": "cyan", "canceled": "red", "expired": "magenta"}

# Usage levels of SPEC §5: under 75 %, 75-90 %, over 90 %, overage.
LEVEL_STYLES = {"low": "green", "mid": "yellow", "high": "red", "over": "bold magenta"}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def status_text(status: str) -> Text:
    return Text(status_label(status), style=STATUS_STYLES.get(status, ""))


def usage_level(used: int, total: int | None) -> str | None:
    """low / mid / high / over, or None when there is no allotment to measure against."""
    if not total:
        return None
    if used > total:
        return "over"
    fraction = used / total
    if fraction > 0.90:
        return "high"
    if fraction >= 0.75:
        return "mid"
    return "low"


def usage_style(used: int, total: int | None) -> str:
    level = usage_level(used, total)
    return LEVEL_STYLES[level] if level else ""


def usage_bar(used: int, total: int | None, width: int = 10) -> Text:
    """`███████░░░` coloured by level; an overdrawn line is full and marked `+`."""
    if not total:
        return Text(" " * width)
    level = usage_level(used, total) or "low"
    filled = min(width, round(width * used / total))
    if used > 0 and filled == 0:
        filled = 1
    text = Text()
    text.append("█" * filled, style=LEVEL_STYLES[level])
    text.append("░" * (width - filled), style="bright_black")
    if level == "over":
        text = Text("█" * (width - 1) + "+", style=LEVEL_STYLES["over"])
    return text


def rounding_words(increment: int | None, minimum: int | None) -> str:
    """A template's rounding of time charges: `increment 15m, minimum 30m` ("" for none)."""
    return ", ".join(
        f"{name} {storage.format_minutes(value)}"
        for name, value in (("increment", increment), ("minimum", minimum))
        if value
    )


def days_left_text(days: int | None) -> str:
    return "—" if days is None else f"{days:,}"


def days_style(days: int | None) -> str:
    if days is None:
        return "bright_black"
    if days <= 7:
        return "red"
    if days <= 30:
        return "yellow"
    return ""


def _span(day: pendulum.Date, today: pendulum.Date) -> str:
    return day.diff_for_humans(today, absolute=True)


def when_words(info, today: pendulum.Date | None = None) -> str:
    """The contract's time in words: `ends in 3 weeks`, `starts in 2 months`, `expired 5 days ago`."""
    today = today or storage.today()
    status, start, end = info.status, info.start, info.end
    if status == "canceled":
        return f"canceled, service ended {info.cancel_date}"
    if status == "expired" or end < today:
        return f"ended {_span(end, today)} ago" if end < today else "ended"
    if start > today:
        return f"starts in {_span(start, today)}, runs to {end}"
    if end == today:
        return "ends today"
    return f"ends in {_span(end, today)}"


def line_used(line) -> Text:
    """Bar and numbers of one contract line: `█████░ 7 of 10 used`."""
    if not line.kind.metered:
        return Text(f"covered · {line.used_text}", style="green")
    text = usage_bar(line.used, line.total, width=6)
    text.append(" ")
    text.append(line.used_text, style=usage_style(line.used, line.total))
    return text


def line_left(line) -> Text:
    if not line.kind.metered:
        return Text("no limit")
    return Text(
        f"{line.kind.format(line.remaining)} left", style=usage_style(line.used, line.total)
    )


def left_of_total(line) -> str:
    """Under a column headed Left: `7 of 10 cases`, `12h 30m of 40h`, `no limit`; an
    overdrawn line reads `0 of 10 cases (+1 over)`."""
    return line.kind.left(line.remaining, line.total, line.overage, word=False)


def line_overage(line) -> Text:
    if not line.overage:
        return Text("")
    return Text(line.kind.format(line.overage), style=LEVEL_STYLES["over"])


def local_stamp(stamp) -> str:
    """A stored UTC timestamp in the user's zone: `2026-06-15 14:03`."""
    if stamp is None:
        return ""
    from storage.clock import to_local

    return to_local(stamp).format("YYYY-MM-DD HH:mm")


def local_date(stamp) -> str:
    if stamp is None:
        return ""
    from storage.clock import to_local

    return to_local(stamp).format("YYYY-MM-DD")


def signed_amount(value: int, kind: str) -> str:
    return storage.allotment(kind).signed(value, minus="−", zero="")
