"""Contracts and their lines: `new`, `edit`, `line …`, `list`, `show`, `invoice`, `hold`,
`release`, `delete`, `copy`, `cancel`, `renew`, `ledger` and `schedule`."""

from __future__ import annotations

import click

import storage
from tui.cli import needs_db
from tui.cli import output as out
from tui.cli.options import acts_on, limit_option, line_terms, shows, shows_one

HUMAN_LIST_LIMIT = 100


@click.command()
@click.option("--customer", required=True, metavar="NAME")
@click.option("--template", required=True, metavar="NAME")
@click.option("--start", required=True, metavar="DATE")
@click.option("--end", required=True, metavar="DATE")
@click.option("--title", metavar="T", help="Default: '<template> for <customer>'.")
@click.option("--bill-to", metavar="NAME", help="Who pays, if not the customer.")
@needs_db
def new(customer, template, start, end, title, bill_to) -> None:
    """Make a draft contract from a template; prints its number."""
    click.echo(storage.new_contract(customer, template, start, end, title=title, bill_to=bill_to))


@click.command("edit")
@click.argument("number")
@click.option("--title", metavar="T")
@click.option("--customer", metavar="NAME")
@click.option("--start", metavar="DATE")
@click.option("--end", metavar="DATE")
@needs_db
def edit_contract(number, title, customer, start, end) -> None:
    """Change a draft's title, customer or dates."""
    done = storage.edit_contract(number, title=title, customer=customer, start=start, end=end)
    click.echo(f"Updated {done}.")


@click.group()
def line() -> None:
    """Add, edit or cancel contract lines."""


@line.command("add")
@click.argument("number")
@line_terms(adding=True)
@needs_db
def line_add(number, title, **terms) -> None:
    """Add a line to a contract; prints its reference CNR-…/N."""
    click.echo(storage.add_line(number, title, **terms))


@line.command("edit")
@click.argument("ref")
@line_terms(adding=False)
@needs_db
def line_edit(ref, **terms) -> None:
    """Change a line of a draft contract."""
    click.echo(f"Updated line {storage.edit_line(ref, **terms)}.")


@line.command("cancel")
@acts_on("ref")
def line_cancel(ref) -> None:
    """Cancel one line: it takes no more charges."""
    storage.cancel_line(ref)
    click.echo(f"Canceled line {_line_of_ref(ref)}: it takes no more charges.")


@line.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("ref")
@click.argument("amount")
@click.option("--note", required=True, metavar="TEXT", help="Why (kept in the ledger).")
@needs_db
def line_adjust(ref, amount, note) -> None:
    """Correct a line's use with a new ledger entry (supervisors): +2, -1, -30m, +1h."""
    storage.adjust(ref, amount, note)
    click.echo(storage.adjusted_notice(ref, amount))


def _line_of_ref(ref: str) -> str:
    number, _, position = ref.partition("/")
    return f"{storage.show(number).number}/{position.strip()}"


@click.command("list")
@click.option(
    "--status",
    type=click.Choice(storage.STATUSES + ("all",)),
    help="Only this status (default: every status).",
)
@click.option("--customer", metavar="NAME", help="Only this customer's contracts.")
@click.option("--filter", "text", metavar="TEXT", help="Number, customer or title contains TEXT.")
@limit_option(help=f"At most N (default {HUMAN_LIST_LIMIT} on screen, all with --json; 0: all).")
@shows()
def list_contracts(status, customer, text, limit, as_json) -> None:
    """List contracts, newest numbers last."""
    if limit is None:
        limit = 0 if as_json else HUMAN_LIST_LIMIT
    rows = storage.list_contracts(status=status, text=text, customer=customer, limit=limit or None)
    if out.json_or_nothing(rows, as_json, "No contracts match."):
        return
    table = [
        [r.number, r.customer, r.title, r.status, r.end, r.remaining_text, r.days_left]
        for r in rows
    ]
    click.echo(
        out.table(
            ["Number", "Customer", "Title", "Status", "End", "Remaining", "Days"],
            table,
            right=(5, 6),
            flex=(1, 2),
        )
    )
    if limit and len(rows) == limit:
        total = storage.count_contracts(status=status, text=text, customer=customer)
        if total > limit:
            click.echo(f"showing {limit:,} of {total:,} contracts; use --limit N (0: all).")


@click.command()
@shows_one("number", lambda number: storage.show(number))
def show(info) -> None:
    """Show a contract with its lines."""
    click.echo(f"{info.number}  {info.title}")
    status = storage.status_words(info.status)
    if info.days_left is not None and info.status != "draft":
        status += f", {out.days(info.days_left)}"
    facts = [("Status", status), ("Customer", info.customer)]
    if info.bill_to != info.customer:
        facts.append(("Bill to", info.bill_to))
    terms = f"{info.template}: {info.allotment_type}, billed {info.billing}, {info.hours}"
    facts.append(("Template", terms))
    facts.append(("Dates", f"{info.start} to {info.end}"))
    if (info.billing_start, info.billing_end) != (info.start, info.end):
        facts.append(("Billing", f"{info.billing_start} to {info.billing_end}"))
    facts.append(("Price", info.total_price_text))
    if info.status == "canceled":
        facts.append(("Canceled", f"service ends {info.cancel_date}: {info.cancel_reason}"))
    if info.origin:
        kind = "renews" if info.origin_kind == "renewal" else "copied from"
        facts.append(("Origin", f"{kind} {info.origin}"))
    if info.renewed_by:
        facts.append(("Renewed", f"as {info.renewed_by}"))
    facts.append(("Owner", f"{info.owner}, version {info.version}"))
    click.echo(out.table(None, facts, flex=(1,), indent=2))
    if not info.lines:
        click.echo("\nNo lines yet; add one with `contracts line add`.")
        return
    rows = [
        [
            li.position,
            li.title,
            li.used_text,
            li.left_text,
            storage.format_money(li.net_price_cents),
            li.status,
        ]
        for li in info.lines
    ]
    click.echo()
    click.echo(
        out.table(
            ["#", "Line", "Used", "Remaining", "Net price", "Status"],
            rows,
            right=(0, 4),
            flex=(1,),
        )
    )
    for li in info.lines:
        if (li.start, li.end) != (info.start, info.end):
            click.echo(f"line {li.position} runs {li.start} to {li.end}")


@click.command()
@acts_on("number")
def invoice(number: str) -> None:
    """Bill a draft: invoiced, or active if it has started."""
    status = storage.invoice(number)
    info = storage.show(number)
    if status == "invoiced":
        click.echo(f"{info.number} is invoiced; it becomes active on {info.start}.")
    else:
        click.echo(f"{info.number} is invoiced and {storage.status_words(status)}.")


@click.command()
@acts_on("number")
def hold(number: str) -> None:
    """Put a contract on hold: no case can be charged to it."""
    storage.hold(number)
    done = storage.show(number).number
    click.echo(f"{done} is on hold: no case can be charged to it until it is released.")


@click.command()
@acts_on("number")
def release(number: str) -> None:
    """Release a held contract back to where its dates say."""
    status = storage.release(number)
    done = storage.show(number).number
    click.echo(f"{done} is released: it is {storage.status_words(status)}.")


@click.command()
@acts_on("number")
def delete(number: str) -> None:
    """Delete a draft."""
    click.echo(f"Deleted {storage.delete(number)}.")


@click.command()
@acts_on("number")
def copy(number: str) -> None:
    """Copy into a new draft with fresh allotments; prints its number."""
    click.echo(storage.copy(number))


@click.command()
@click.argument("number")
@click.option("--on", "on", required=True, metavar="DATE", help="When service ends.")
@click.option("--reason", required=True, metavar="TEXT")
@needs_db
def cancel(number: str, on: str, reason: str) -> None:
    """Cancel a contract; --on records when service ends.

    The cancel takes effect at once; the date is for billing.
    """
    storage.cancel(number, on, reason)
    info = storage.show(number)
    click.echo(f"{info.number} is canceled; service ends {info.cancel_date}.")


@click.command()
@click.argument("number")
@click.option("--start", metavar="DATE", help="Default: the day after the old end.")
@click.option("--include-canceled", is_flag=True, help="Copy canceled lines too.")
@needs_db
def renew(number: str, start: str | None, include_canceled: bool) -> None:
    """Renew into a new draft for the next term; prints its number. A year of the old term
    in the title moves with it (Hotline 2026 -> Hotline 2027)."""
    new = storage.renew(number, start=start, include_canceled=include_canceled)
    click.echo(new)
    began = storage.show(new).start
    if start is None and began < storage.today():
        click.echo(
            f"{out.PROG}: note: {new} starts on {began}, in the past (the day after the old "
            f"end); to start it today, delete it and renew with --start today.",
            err=True,
        )


@click.command()
@shows("number")
def ledger(number: str, as_json: bool) -> None:
    """Show the usage ledger of a contract's lines, oldest first."""
    entries = storage.ledger(number)
    if out.json_or_nothing(
        entries, as_json, lambda: f"Nothing has been charged to {storage.show(number).number} yet."
    ):
        return
    rows = [
        [
            out.local(e.at),
            e.line,
            e.case,
            out.signed(e.amount, e.allotment_type),
            e.kind,
            e.who,
            e.note,
        ]
        for e in entries
    ]
    click.echo(
        out.table(
            ["When", "Line", "Case", "Amount", "Kind", "Who", "Note"], rows, right=(3,), flex=(5, 6)
        )
    )


@click.command()
@shows_one("number", lambda number: storage.billing_schedule(number))
def schedule(periods) -> None:
    """Show the billing schedule of a contract."""
    money = storage.format_money
    rows = [[p.start, p.end, money(p.amount_cents), money(p.overage_cents)] for p in periods]
    rows.append(
        [
            "",
            "total",
            money(sum(p.amount_cents for p in periods)),
            money(sum(p.overage_cents for p in periods)),
        ]
    )
    click.echo(out.table(["From", "To", "Amount", "Overage"], rows, right=(2, 3)))
