"""Option stacks that several commands share, as decorators (sqlite-utils' `output_options`).

A stack is written once with `adding=True` for the command that makes a thing (required
options, defaults, help) and `adding=False` for the one that edits it (every option may be
left out: what is left out is kept).

Read commands end their stack with `shows` ([ARGUMENT] --json, the database opened) or
`shows_one` (which also fetches the thing and prints its JSON, so the command only prints it
for people); an action on one thing with `acts_on` (ARGUMENT, the database opened).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

import storage
from tui.cli import needs_db
from tui.cli import output as out

MAX_LIMIT = 1_000_000_000  # --limit: more than any list holds, less than the databases' LIMIT

json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: stable field names, amounts as integers (cases, or minutes).",
)


def _stack(*options):
    """One decorator applying `options` so that they show in --help in the order given."""

    def decorate(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


def acts_on(argument: str | None = None):
    """ARGUMENT, then the database opened: a command that does something to one thing."""
    return _stack(*([click.argument(argument)] if argument else []), needs_db)


def shows(argument: str | None = None):
    """[ARGUMENT] --json, then the database opened: a command that shows something."""
    return _stack(*([click.argument(argument)] if argument else []), json_option, needs_db)


def shows_one(argument: str, fetch: Callable[[str], Any]):
    """ARGUMENT --json, the database opened, then `fetch(ARGUMENT)`: printed as JSON with
    --json, else handed to the command, which prints it for people. (`fetch` is a lambda
    around storage's function, so that storage loads its module only when the command runs.)"""

    def decorate(print_it):
        @functools.wraps(print_it)
        def command(as_json: bool, **given) -> None:
            found = fetch(given[argument])
            if not out.json_or_nothing(found, as_json):
                print_it(found)

        return shows(argument)(command)

    return decorate


def limit_option(minimum: int = 0, **settings):
    """--limit N, at most MAX_LIMIT."""
    return click.option("--limit", type=click.IntRange(min=minimum, max=MAX_LIMIT), **settings)


def line_terms(*, adding: bool):
    """--title --product --allotment --price --discount --start --end: a line's terms."""

    def hint(text: str) -> str | None:
        return text if adding else None

    return _stack(
        click.option("--title", required=adding, metavar="T"),
        click.option("--product", metavar="P", default="" if adding else None),
        click.option(
            "--allotment",
            metavar="V",
            help=hint("Cases (10) or time (40h); default: the template's volume."),
        ),
        click.option("--price", metavar="X", help=hint("e.g. 1200 or 1200.50")),
        click.option("--discount", metavar="X"),
        click.option("--start", metavar="DATE", help=hint("Default: the contract's start.")),
        click.option("--end", metavar="DATE", help=hint("Default: the contract's end.")),
    )


def template_terms(*, adding: bool):
    """--billing --volume --hours --increment --minimum --description: a template's terms."""

    def hint(text: str) -> str | None:
        return text if adding else None

    return _stack(
        click.option(
            "--billing",
            required=adding,
            type=click.Choice(storage.BILLING_FREQUENCIES),
            help=hint("How often it is billed."),
        ),
        click.option(
            "--volume", metavar="V", help=hint("Default allotment per line: 10 (cases) or 40h.")
        ),
        click.option(
            "--hours",
            metavar="H",
            default="24x7" if adding else None,
            show_default=adding,
            help=hint("Service hours, e.g. 'Mon-Fri 08:00-18:00 Europe/Madrid'."),
        ),
        click.option(
            "--increment", metavar="D", help=hint("Time charges round up to this, e.g. 15m.")
        ),
        click.option(
            "--minimum", metavar="D", help=hint("Time charges are at least this, e.g. 30m.")
        ),
        click.option("--description", metavar="TEXT", default="" if adding else None),
    )


def resolving_options(*, line: bool):
    """--spent --resolution [--line] --override: how a case is resolved and charged."""
    options = [
        click.option("--spent", metavar="D", help="Time spent: 45m, 1h30m, 1.5h (time lines)."),
        click.option("--resolution", metavar="TEXT"),
        click.option("--override", is_flag=True, help="Supervisors: charge an exhausted line."),
    ]
    if line:
        options.insert(
            2,
            click.option("--line", "line_ref", metavar="CNR-…/N", help="Charge it to this line."),
        )
    return _stack(*options)
