"""What needs attention (issue 11, SPEC §5 and §6): one list in sections, each entry saying
why and what to do.

Every section is one query over the whole database (no query per line or contract), so the
list stays quick at 100,000 contracts; `needs_attention` runs the sections asked for, side by
side on two or three connections (APART), planned without PostgreSQL's parallel workers.

"Overage not yet billed": overage is billed with the billing period it falls in (billing.py),
on the bill for that period, sent when the period ends. A line's overage is not yet billed
while the last entry that raised it lies in a period that has not ended (or after the
contract's last billing period).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence

import peewee as pw
import pendulum

from .allotments import allotment, metered_types
from .amounts import format_money
from .billing import period_end
from .by_dates import status_is
from .clock import today
from .db import is_postgres, mapped, read_apart, reads, without_parallel_workers
from .detail_views import Attention, AttentionEntry, AttentionSection
from .forecast import burn, may_run_out, stored_day, window_sums
from .lookup import case_number, contract_number, line_ref
from .models import Case, Contract, Customer, Line, UsageEntry, database
from .settings import AttentionSettings, attention_settings

SECTIONS = {
    "threshold": "Lines at or past a usage threshold",
    "runs_out": "Lines that will run out before their end",
    "ending": "Contracts ending soon with no renewal",
    "not_started": "Invoiced contracts whose start has come",
    "open_cases": "Open cases on unusable lines",
    "overage": "Overage not yet billed",
}


@functools.cache
def _rate(per_week: float, kind_name: str) -> str:
    """A burn rate in words; lines share few distinct rates, so each is written once."""
    kind = allotment(kind_name)
    return kind.rate(max(per_week, 1) if kind.shows_unit else per_week)


def _metered_active(day: pendulum.Date) -> pw.ColumnBase:
    """Contracts active on `day` whose lines are metered."""
    return status_is("active", day) & Contract.allotment_type.in_(metered_types())


def _line_in_use(day: pendulum.Date) -> pw.ColumnBase:
    """Lines with a total, not canceled, between their start and end on `day`."""
    return (
        Line.total.is_null(False)
        & (Line.total > 0)
        & (Line.status != "canceled")
        & (Line.start <= day)
        & (Line.end >= day)
    )


def _metered_in_use(day: pendulum.Date) -> pw.ColumnBase:
    """Lines that can still be charged on `day`, metered: of a contract active that day, not
    canceled, between their start and end, with a total."""
    return _metered_active(day) & _line_in_use(day)


def _lines(*fields: pw.ColumnBase | pw.SelectBase) -> pw.ModelSelect[Line]:
    return (
        Line.select(Line.contract, Line.position, Customer.name, Contract.allotment_type, *fields)
        .join(Contract, on=Line.contract == Contract.id)
        .join(Customer, on=Contract.customer == Customer.id)
    )


def _on_line(
    section: str,
    cid: int,
    position: int,
    customer: str,
    why: str,
    what_to_do: str,
    date: pendulum.Date | None,
) -> AttentionEntry:
    """An entry about a contract line (no case)."""
    return AttentionEntry(
        section,
        contract_number(cid),
        customer,
        line_ref(cid, position),
        None,
        why,
        what_to_do,
        date,
    )


def _rows(query: pw.Query) -> list[tuple]:
    """The rows as the driver hands them (no peewee conversion: tens of thousands of rows);
    only integers and text are read this way, or dates converted with `_date`."""
    return database.execute(query).fetchall()


@functools.cache
def _date(value: dt.date | str | int) -> pendulum.Date:
    """A stored calendar date (text on SQLite, a date on PostgreSQL), or a day's ordinal,
    as a pendulum Date; lines share few distinct dates, so each is built once."""
    if isinstance(value, int):
        plain = dt.date.fromordinal(value)
    else:
        plain = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return pendulum.Date(plain.year, plain.month, plain.day)


@functools.cache
def _ordinal(value: dt.date | str) -> int:
    """The ordinal of a stored calendar date, computed once per distinct date."""
    return _date(value).toordinal()


@functools.cache
def _text(value: dt.date | str | int) -> str:
    """A stored calendar date, or a day's ordinal, as it is written (2026-11-30)."""
    return _date(value).isoformat()


SHARE = (pw.Cast(Line.used, "BIGINT") * pw.SQL("100")) / pw.fn.NULLIF(
    Line.total, pw.SQL("0")
)  # SHARE_SQL


def _threshold_query(
    day: pendulum.Date, settings: AttentionSettings, limit: int | None
) -> pw.Select:
    """Lines used at or past the lower threshold, the most used first: read in the order of
    the index on the lines' percent used (migration 5), contracts joined to those lines only
    (on SQLite, a CROSS JOIN keeps that order; `share >= warn` is `used * 100 >= total *
    warn` for whole percentages)."""
    return (
        Line.select(
            Line.contract, Line.position, Customer.name, Contract.allotment_type,
            Line.total, Line.used,
        )
        .join(Contract, pw.JOIN.CROSS)
        .join(Customer, on=Contract.customer == Customer.id)
        .where((Line.contract == Contract.id) & _metered_in_use(day) & (SHARE >= settings.warn))
        .order_by(SHARE.desc(), Line.contract, Line.position)
        .limit(limit)
    )  # fmt: skip


def _threshold_entries(
    rows: Iterable[Sequence], day: pendulum.Date, settings: AttentionSettings
) -> list[AttentionEntry]:
    out = []
    for cid, position, customer, kind, total, used in rows:
        percent = used * 100 // total
        if used >= total:
            over = f" (+{allotment(kind).show(used - total)} over)" if used > total else ""
            why = f"used up: {allotment(kind).of_total(used, total)} used{over}"
            action = "add a line or renew; a supervisor can override a case"
        else:
            level = settings.alert if percent >= settings.alert else settings.warn
            why = (
                f"{percent} % used ({allotment(kind).of_total(used, total)}), "
                f"past the {level} % threshold"
            )
            action = "renew early or add a line"
        out.append(_on_line("threshold", cid, position, customer, why, action, None))
    return out


def _in_days(days: int) -> str:
    return "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"


def _running_out_query(
    day: pendulum.Date, settings: AttentionSettings, limit: int | None
) -> pw.Select:
    """Lines in use below the lower threshold that may run out before their end, with their
    contract (if active) and customer: one query; `burn` decides, in `_running_out_entries`.

    The lines' use over the ledger's last LONG days is read from the ledger's index (on
    line, moment, kind and amount). SQLite goes through the lines in use and reads each
    one's entries; PostgreSQL sums the whole index in line order first, then joins the sums
    to the lines (the lines first, it hashes the entries: a quarter slower)."""
    short, long, counted = window_sums(day)
    if is_postgres():
        ledger = (
            UsageEntry.select(UsageEntry.line, short.alias("use_short"), long.alias("use_long"))
            .where(counted)
            .group_by(UsageEntry.line)
        ).alias("use")
        sums = ledger.c
        return (
            _lines(Line.total, Line.used, Line.start, Line.end, sums.use_short, sums.use_long)
            .join_from(Line, ledger, on=sums.line_id == Line.id)
            .where(
                _metered_active(day) & _line_in_use(day) & (SHARE < settings.warn)
                & may_run_out(sums.use_short, sums.use_long, day)
            )
        )  # fmt: skip
    use = (
        Line.select(
            Line.id, Line.contract, Line.position, Line.total, Line.used, Line.start, Line.end,
            short.alias("use_short"), long.alias("use_long"),
        )
        .join(UsageEntry, pw.JOIN.CROSS)
        .where(
            (UsageEntry.line == Line.id) & _line_in_use(day) & (SHARE < settings.warn)
            & counted
        )
        .group_by(Line.id)
        .having(may_run_out(short, long, day))
    ).alias("use")  # fmt: skip
    c = use.c
    return pw.Select(
        [
            pw.Join(
                pw.Join(use, Contract, on=Contract.id == c.contract_id),
                Customer, on=Contract.customer == Customer.id,
            )
        ],
        [
            c.contract_id, c.position, Customer.name, Contract.allotment_type, c.total, c.used,
            c.start, c.end, c.use_short, c.use_long,
        ],
    ).where(_metered_active(day))  # fmt: skip


def _running_out_entries(
    rows: Iterable[Sequence], day: pendulum.Date, settings: AttentionSettings
) -> list[AttentionEntry]:
    """The rows of `_running_out_query` that `burn` sees used up before their end, the
    soonest first (all of them: the query's limit cannot say which come first); a line
    already past the lower threshold is listed there, not again here."""
    today_n = day.toordinal()
    found = []
    for cid, position, customer, kind, total, used, start, end, short, long in rows:
        rate, runs_out_n = burn(total, used, _ordinal(start), short, long, today_n)
        if runs_out_n is not None and runs_out_n < _ordinal(end):  # before its end
            found.append((runs_out_n, cid, position, customer, kind, rate, end))
    found.sort()
    out = []
    for runs_out_n, cid, position, customer, kind, rate, end in found:
        runs_out = _date(runs_out_n)
        why = (
            f"at {_rate(rate, kind)} it runs out about {_text(runs_out_n)} "
            f"({_in_days(runs_out_n - today_n)}), before its end on {_text(end)}"
        )
        todo = "add a line or renew early"
        out.append(_on_line("runs_out", cid, position, customer, why, todo, runs_out))
    return out


def _ending_query(day: pendulum.Date, settings: AttentionSettings, limit: int | None) -> pw.Select:
    """Contracts active or on hold that end within `settings.within` days and have no
    renewal yet, the soonest first."""
    Successor = Contract.alias("successor")
    renewed = Successor.select(pw.SQL("1")).where(
        (Successor.origin == Contract.id) & (Successor.origin_kind == "renewal")
    )
    return (
        Contract.select(Contract.id, Customer.name, Contract.end)
        .join(Customer, on=Contract.customer == Customer.id)
        .where(
            (status_is("active", day) | status_is("on_hold", day))
            & (Contract.end <= day.add(days=settings.within))
            & ~pw.fn.EXISTS(renewed)
        )
        .order_by(Contract.end, Contract.id)
        .limit(limit)
    )


def _ending_entries(
    rows: Iterable[Sequence], day: pendulum.Date, settings: AttentionSettings
) -> list[AttentionEntry]:
    out = []
    for cid, customer, stored_end in rows:
        end = _date(stored_end)
        when = _in_days(end.toordinal() - day.toordinal())
        out.append(
            AttentionEntry(
                "ending", contract_number(cid), customer, None, None,
                f"ends on {end} ({when}) and has no renewal yet", "renew it (or let it end)",
                end,
            )
        )  # fmt: skip
    return out


def _not_started_query(
    day: pendulum.Date, settings: AttentionSettings, limit: int | None
) -> pw.Select:
    """Contracts still stored as invoiced although their start has come: the daily sweep has
    not run (reads show them active, but the status indexes and other tools do not)."""
    return (
        Contract.select(Contract.id, Customer.name, Contract.start)
        .join(Customer, on=Contract.customer == Customer.id)
        .where((Contract.status == "invoiced") & (Contract.start <= day) & (Contract.end >= day))
        .order_by(Contract.start, Contract.id)
        .limit(limit)
    )


def _not_started_entries(
    rows: Iterable[Sequence], day: pendulum.Date, settings: AttentionSettings
) -> list[AttentionEntry]:
    return [
        AttentionEntry(
            "not_started", contract_number(cid), customer, None, None,
            f"started on {_date(start)} but is still stored as invoiced",
            "run `contracts sweep` (daily, from cron) or open the console", _date(start),
        )
        for cid, customer, start in rows
    ]  # fmt: skip


def _case_trouble(
    kind: str,
    total: int,
    used: int,
    line_status: str,
    stored: str,
    end: pendulum.Date,
    day: pendulum.Date,
) -> tuple[str, str]:
    """Why a line cannot take its open case, and what to do."""
    if stored == "canceled" or line_status == "canceled":
        return "canceled", "move the case to another line, or cancel it"
    if stored == "on_hold" and day <= end:
        return "on hold", "release the contract, or move the case to another line"
    used_text = f"{allotment(kind).of_total(used, total)} used"
    return f"used up ({used_text})", "add a line, renew, or override (supervisor)"


def _open_cases_query(
    day: pendulum.Date, settings: AttentionSettings, limit: int | None
) -> pw.Select:
    """Open cases on lines that are used up, held or canceled, the oldest first."""
    exhausted = Contract.allotment_type.in_(metered_types()) & (Line.used >= Line.total)
    held = status_is("on_hold", day)
    canceled = (Contract.status == "canceled") | (Line.status == "canceled")
    return (
        Case.select(
            Case.id, Customer.name, Line.contract, Line.position, Contract.allotment_type,
            Line.total, Line.used, Line.status, Contract.status, Contract.end,
        )
        .join(Line, on=Case.line == Line.id)
        .join(Contract, on=Line.contract == Contract.id)
        .join(Customer, on=Case.customer == Customer.id)
        .where((Case.status == "open") & (exhausted | held | canceled))
        .order_by(Case.id)
        .limit(limit)
    )  # fmt: skip


def _open_cases_entries(
    rows: Iterable[Sequence], day: pendulum.Date, settings: AttentionSettings
) -> list[AttentionEntry]:
    out = []
    for (
        case_id,
        customer,
        cid,
        position,
        kind,
        total,
        used,
        line_status,
        stored,
        end,
    ) in rows:
        why, action = _case_trouble(kind, total, used, line_status, stored, _date(end), day)
        ref = line_ref(cid, position)
        out.append(
            AttentionEntry(
                "open_cases", contract_number(cid), customer, ref, case_number(case_id),
                f"{case_number(case_id)} is open on {ref}, which is {why}", action, None,
            )
        )  # fmt: skip
    return out


def _billed_until(
    b_end: dt.date | str, status: str, cancel_date: dt.date | str | None
) -> pendulum.Date:
    """The last day a contract is billed for: its billing end, or, canceled, its cancel date
    when that comes first (billing.billing_schedule bills a canceled contract up to it)."""
    if status == "canceled" and cancel_date is not None:
        return min(_date(b_end), _date(cancel_date))
    return _date(b_end)


def _overage_query(day: pendulum.Date, settings: AttentionSettings, limit: int | None) -> pw.Select:
    """Lines over their total whose overage grew in a billing period that has not ended
    (all of them: which are left is decided in `_overage_entries`)."""
    last_raised = UsageEntry.select(pw.fn.MAX(UsageEntry.at)).where(
        (UsageEntry.line == Line.id) & (UsageEntry.amount > 0)
    )
    return (
        _lines(
            Line.total, Line.used, Line.price - Line.discount, Contract.billing,
            Contract.billing_start, Contract.billing_end, Contract.status, Contract.cancel_date,
            last_raised,
        )
        .where(
            Contract.allotment_type.in_(metered_types())
            & (Contract.status != "draft")
            & (Line.total > 0)
            & (Line.used > Line.total)
            & (SHARE >= 100)  # implied by the line before; read from the index on it
        )
    )  # fmt: skip


def _overage_entries(
    rows: Iterable[Sequence], day: pendulum.Date, settings: AttentionSettings
) -> list[AttentionEntry]:
    out = []
    by_line = sorted(rows, key=lambda row: (row[0], row[1]))  # sorted here: a few thousand
    for row in by_line:
        cid, position, customer, kind, total, used, net, billing, b_start, *until, last = row
        if last is None:
            continue  # no entry of its ledger raised its use
        on, b_start, b_end = stored_day(last), _date(b_start), _billed_until(*until)
        ends = min(pendulum.Date.fromordinal(period_end(b_start, billing, on)), b_end)
        if ends < day and on <= b_end:
            continue  # billed with a period that has ended
        over = used - total
        cents = round(over * net / total)
        why = (
            f"{allotment(kind).words(over)} over its {allotment(kind).words(total)} (about {format_money(cents)}), "
            f"on the bill for the period ending {ends}"
        )
        todo = "check it is billed with that period; add a line if this goes on"
        out.append(_on_line("overage", cid, position, customer, why, todo, ends))
    return out


# Each section: the query that reads it, and what turns its rows into entries.
FINDERS: dict[str, tuple[Callable[..., pw.Select], Callable[..., list[AttentionEntry]]]] = {
    "threshold": (_threshold_query, _threshold_entries),
    "runs_out": (_running_out_query, _running_out_entries),
    "ending": (_ending_query, _ending_entries),
    "not_started": (_not_started_query, _not_started_entries),
    "open_cases": (_open_cases_query, _open_cases_entries),
    "overage": (_overage_query, _overage_entries),
}
# Several sections asked for: these are read apart, each group on a connection of its own,
# one query after the other, while this connection reads the rest (db.read_apart). The lines
# running out, the longest read, come alone and streamed: their entries are made here as
# their rows come. SQLite reads only them apart (its other sections are quick to read here:
# a third connection made the list no quicker, 1.07 times as long).
APART = ((("runs_out",), True), (("open_cases", "overage", "ending", "not_started"), False))


@reads
def needs_attention(
    within: int | None = None, sections: Iterable[str] | None = None, limit: int | None = None
) -> Attention:
    """What needs attention today, by section (all of them unless `sections` names some);
    `within` days overrides the "ending within" setting; `limit` entries at most per section
    (then `more` says there were more)."""
    from dataclasses import replace

    from .settings import check_within

    settings = attention_settings()
    if within is not None:
        settings = replace(settings, within=check_within(within))
    day = today()
    keys = list(sections or SECTIONS)
    cap = None if limit is None else limit + 1
    queries = {key: FINDERS[key][0](day, settings, cap) for key in keys}
    with mapped(), without_parallel_workers():
        readers: dict[str, Callable[[], Iterable[Sequence]]] = {}
        if len(keys) > 1:
            for group, streamed in APART if is_postgres() else APART[:1]:
                mine = [key for key in group if key in keys]
                if mine:
                    apart = read_apart(*(queries[key] for key in mine), streamed=streamed)
                    readers.update(zip(mine, apart, strict=True))
        found = {}
        for key in sorted(keys, key=lambda key: key in readers):  # those read here first
            rows = readers[key]() if key in readers else _rows(queries[key])
            found[key] = FINDERS[key][1](rows, day, settings)
    return Attention(
        day,
        settings.within,
        (settings.warn, settings.alert),
        [_section(key, found[key], limit) for key in keys],
    )


def _section(key: str, entries: list[AttentionEntry], limit: int | None) -> AttentionSection:
    more = limit is not None and len(entries) > limit
    return AttentionSection(key, SECTIONS[key], entries[:limit] if more else entries, more)
