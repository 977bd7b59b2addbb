"""Cases and charging (`case …`, `resolve`) and the question of every incoming call:
`check`. `contracts check` imports this module and no other area's."""

from __future__ import annotations

import click

import storage
from tui.cli import needs_db, session
from tui.cli import output as out
from tui.cli.options import acts_on, limit_option, resolving_options, shows, shows_one


@click.group()
def case() -> None:
    """Open, resolve, cancel, reopen and list cases."""


@case.command("open")
@click.option("--customer", required=True, metavar="NAME")
@click.option("--title", required=True, metavar="T")
@click.option("--line", "line_ref", metavar="CNR-…/N", help="The contract line it belongs to.")
@needs_db
def case_open(customer: str, title: str, line_ref: str | None) -> None:
    """Open a case; prints its number."""
    click.echo(storage.open_case(customer, title, line=line_ref))


@case.command("resolve")
@click.argument("number")
@resolving_options(line=True)
@needs_db
def case_resolve(number, spent, resolution, line_ref, override) -> None:
    """Resolve an open case, charging its line."""
    storage.resolve_case(
        number, spent=spent, resolution=resolution, override=override, line=line_ref
    )
    click.echo(storage.resolved_notice(number))


@case.command("cancel")
@acts_on("number")
def case_cancel(number: str) -> None:
    """Cancel an open case: nothing is charged."""
    storage.cancel_case(number)
    click.echo(f"{storage.show_case(number).number} canceled; nothing was charged.")


@case.command("reopen")
@acts_on("number")
def case_reopen(number: str) -> None:
    """Reopen a resolved case; its charge goes back to the line."""
    returned = storage.reopen_case(number)
    click.echo(storage.reopened_notice(number, returned))


@case.command("list")
@click.option("--status", type=click.Choice(("open", "resolved", "canceled", "all")))
@click.option("--customer", metavar="NAME")
@click.option("--contract", metavar="CNR-…")
@click.option("--filter", "text", metavar="TEXT")
@limit_option(default=500, show_default=True, help="At most N (0: all).")
@shows()
def case_list(status, customer, contract, text, limit, as_json) -> None:
    """List cases, newest first."""
    cases = storage.list_cases(
        status=status, contract=contract, customer=customer, text=text, limit=limit or None
    )
    if out.json_or_nothing(cases, as_json, "No cases match."):
        return
    rows = [
        [
            c.number,
            c.status,
            c.customer,
            c.title,
            c.line,
            out.amount(c.charged, c.allotment_type) if c.status == "resolved" and c.line else None,
        ]
        for c in cases
    ]
    click.echo(
        out.table(["Case", "Status", "Customer", "Title", "Line", "Charged"], rows, flex=(2, 3))
    )


@case.command("show")
@shows_one("number", lambda number: storage.show_case(number))
def case_show(info) -> None:
    """Show one case."""
    click.echo(f"{info.number}  {info.title}")
    facts = [("Customer", info.customer), ("Status", info.status)]
    facts.append(("Line", info.line or "not linked"))
    facts.append(("Opened", f"{out.local(info.opened)} by {info.opened_by}"))
    if info.status == "resolved":
        facts.append(("Resolved", f"{out.local(info.resolved_at)} by {info.resolved_by}"))
        if info.line:
            facts.append(("Charged", out.amount(info.charged, info.allotment_type)))
    if info.spent is not None:
        facts.append(("Spent", storage.format_minutes(info.spent)))
    if info.resolution:
        facts.append(("Resolution", info.resolution))
    click.echo(out.table(None, facts, flex=(1,), indent=2))


@click.command()
@click.argument("ref")
@click.option("--title", required=True, metavar="T")
@resolving_options(line=False)
@needs_db
def resolve(ref, title, spent, resolution, override) -> None:
    """Record a resolved case on a line; prints its number.

    What was charged and what is left goes to stderr, so stdout holds only the number.
    """
    number = storage.resolve(ref, title, spent=spent, resolution=resolution, override=override)
    click.echo(number)
    click.echo(storage.resolved_notice(number), err=True)


# ---------------------------------------------------------------------------------------
# Checking


@click.command()
@click.option(
    "--at",
    metavar="DATETIME",
    help="Ask about another moment: 2026-12-05T22:00 (the business zone) or with an offset.",
)
@shows("query")
def check(query: str, at: str | None, as_json: bool) -> None:
    """Is a customer or contract covered now? Exit 0 yes, 1 no, 4 entitled but outside the
    service hours (the answer says when service opens next).

    QUERY is a customer name (or part of one), a contract number, a phone number (any
    spelling: +34 911 23 45 67, 0034911234567, or without a country code in the database's
    phone region) or an e-mail address (any case). An unknown address at a customer's
    domain is not a match: --json lists those customers as `candidates`.
    """
    result = storage.check(query, at=at)
    if not out.json_or_nothing(result, as_json):
        _print_check(result)
    if not result.entitled:
        click.get_current_context().exit(1)
    if not result.covered_now:
        click.get_current_context().exit(4)


def _print_check(result) -> None:
    as_of = f" (as of {result.at})" if session().today_given else ""
    if not result.entitled:
        who = f"{result.customer} is NOT covered" if result.customer else "NOT covered"
        click.echo(f"{who}{as_of}: {result.reason}")
        return
    if result.covered_now:
        click.echo(f"{result.customer} is covered{as_of}")
    else:
        click.echo(f"{result.customer} is entitled but {result.hours_note}")
    lines = [li for info in result.contracts for li in info.lines if li.usable]
    rows = [
        [li.ref, li.title, li.left_sentence, out.days((li.end - result.at).days)]
        + ([] if result.covered_now else [_opens(li)])
        for li in lines
    ]
    click.echo(out.table(None, rows, flex=(1,), indent=2))


def _opens(line) -> str:
    """`opens Mon 08:00` for a line outside its service hours (the hours' zone)."""
    if line.in_hours is not False:
        return "in hours"
    return f"opens {line.opens_at:%a %H:%M}" if line.opens_at is not None else "closed"
