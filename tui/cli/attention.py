"""`contracts attention`: what needs attention, by section; exit 0 when nothing does, 1 when
something does, so `contracts attention || mail …` works from cron."""

from __future__ import annotations

import click

import storage
from tui.cli import output as out
from tui.cli.options import shows


@click.command()
@click.option(
    "--within",
    metavar="DAYS",
    help="Contracts ending within DAYS count (default: the database's setting, 30).",
)
@shows()
def attention(within: str | None, as_json: bool) -> None:
    """What needs attention: lines past a usage threshold or running out before their end,
    contracts ending with no renewal, open cases on unusable lines, overage not yet billed.

    Exit 0 when nothing needs attention, 1 when something does."""
    # Tens of thousands of entries, in no cycle: the cycle collector would walk them all
    # again and again while they are made and printed.
    with storage.no_cycle_collection():
        count = _show(storage.needs_attention(within=within), as_json)
    if count:
        click.get_current_context().exit(1)


def _show(found, as_json: bool) -> int:
    """Print what needs attention; the number of entries."""
    if as_json:
        out.emit_json(found)
    elif not found.count:
        click.echo(f"Nothing needs attention on {found.at}.")
    else:
        _print(found)
    return found.count


def _print(found) -> None:
    first = True
    for section in found.sections:
        if not section.entries:
            continue
        if not first:
            click.echo()
        first = False
        click.echo(f"{section.title} ({len(section.entries)})")
        rows = [
            [entry.case or entry.line or entry.contract, entry.customer, entry.why]
            for entry in section.entries
        ]
        click.echo(out.table(None, rows, flex=(2,), indent=2))
        for action in dict.fromkeys(entry.what_to_do for entry in section.entries):
            click.echo(f"  → {action}")
