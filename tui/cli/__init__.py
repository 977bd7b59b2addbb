"""The `contracts` command line (SPEC §6): every console action, scriptable, with `--json`.

`contracts [--db URL] [--today DATE] COMMAND ...`; with no command it opens the console.
The database is `--db`, else `CONTRACTS_DB`, else an SQLite file in the user's data folder.

Exit codes
    0    done; for `check`: the customer is covered now.
    1    `attention`: something needs attention.
         `check` only: not covered. This includes a query that names no known customer or
         contract and one that matches several customers: the answer to "is this covered?"
         is no, and the reason says why. (An empty query is bad input: 2.)
    2    refused or bad input: a rule of the domain, a missing permission, a date, duration
         or number that cannot be read, an unknown reference, a usage error. One line on
         stderr, nothing changed. Also `verify` when an invariant is violated (the problems
         on stdout, a summary line on stderr), and any unexpected error: one sentence on
         stderr, the traceback in a log file under the user's state folder.
    3    the database cannot be opened, reached or written (one line on stderr).
    4    `check` only: entitled, but outside the service hours at that moment (the answer
         says when service opens next; `--at` asks about another moment).
    130  interrupted (Ctrl+C).

Output: human tables fit the terminal (or `COLUMNS`); piped or redirected, nothing is cut.
`--json` on every read command prints the storage views' fields (amounts as integers: cases,
or minutes; money in cents). Commands that create something (`new`, `line add`, `copy`,
`renew`, `case open`, `resolve`) print only its reference on stdout, so scripts can capture it.

Layout: this package holds the root group, the session, the global options and the
failures; `output` prints, `options` holds the shared option stacks, and each area has a
module (`catalog`, `contracts`, `cases`, `admin`, `attention`, `billing`) imported only when one of its commands
runs (click's LazyGroup), so `contracts check` loads `cases` and nothing else of the kind.

Startup: only click and storage are imported here; the console (Textual) is imported only
when no command is given, the demo generator only by `demo`.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import sys

import click

import storage
from tui.cli import output as out

# Every command, by name: "module:attribute", imported when the command is asked for.
COMMANDS = {
    **{name: f"tui.cli.catalog:{name}" for name in ("customer", "template", "user")},
    **{
        name: f"tui.cli.contracts:{attr}"
        for name, attr in {
            "new": "new",
            "edit": "edit_contract",
            "line": "line",
            "list": "list_contracts",
            "show": "show",
            "invoice": "invoice",
            "hold": "hold",
            "release": "release",
            "cancel": "cancel",
            "renew": "renew",
            "copy": "copy",
            "delete": "delete",
            "ledger": "ledger",
            "schedule": "schedule",
        }.items()
    },
    **{name: f"tui.cli.cases:{name}" for name in ("case", "resolve", "check")},
    **{
        name: f"tui.cli.admin:{name}"
        for name in ("init", "info", "demo", "sweep", "verify", "audit", "bench")
    },
    "settings": "tui.cli.admin:settings_cmd",
    "attention": "tui.cli.attention:attention",
    "billing": "tui.cli.billing:billing",
    **{name: f"tui.cli.transfer:{name}_cmd" for name in ("import", "export")},
}


class LazyGroup(click.Group):
    """click's "complex applications" LazyGroup: subcommands named in `lazy_subcommands`
    ("module:attribute") are imported only when they are listed (--help) or run."""

    def __init__(self, *args, lazy_subcommands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_subcommands:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self.lazy_subcommands[cmd_name].partition(":")
        return getattr(importlib.import_module(module), attribute)


# ---------------------------------------------------------------------------------------
# Failures: one line on stderr and an exit code, never a traceback


def _usage_line(exc: click.UsageError) -> str:
    message = exc.format_message()
    if exc.ctx is not None:
        return f"{message} (see '{exc.ctx.command_path} --help')"
    return message


def _hide_passwords(text: str) -> str:
    return re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:***@", text)


def _log_unexpected(exc: BaseException) -> str | None:
    """Append the traceback to the error log; returns its path, or None if none could be written."""
    import datetime as dt
    import tempfile
    import traceback

    from platformdirs import user_log_dir

    report = "".join(traceback.format_exception(exc))
    header = (
        f"--- {dt.datetime.now().isoformat(timespec='seconds')} {out.PROG} "
        f"{_hide_passwords(' '.join(sys.argv[1:]))}\n"
    )
    for folder in (user_log_dir(out.PROG, appauthor=False), tempfile.gettempdir()):
        path = os.path.join(folder, "errors.log")
        try:
            os.makedirs(folder, exist_ok=True)
            with open(path, "a", encoding="utf-8") as log:
                log.write(header + _hide_passwords(report))
            return path
        except OSError:
            continue
    return None


def _fail_unexpected(exc: BaseException):
    path = _log_unexpected(exc)
    where = f"details in {path}" if path else "no log could be written"
    out.fail(f"unexpected error ({type(exc).__name__}); {where}.", 2)


def _not_utf8(arg) -> bool:
    """Whether a command-line argument held bytes that are not UTF-8 (Python hands them
    over as lone surrogates, which no name, title or query can contain)."""
    return isinstance(arg, str) and any("\ud800" <= ch <= "\udfff" for ch in arg)


class ContractsGroup(LazyGroup):
    """The root group: every failure becomes one line on stderr and the exit code of §6."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if any(_not_utf8(arg) for arg in (sys.argv[1:] if args is None else args)):
            out.fail("an argument is not valid UTF-8 text; nothing was done.", 2)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            out.fail(_usage_line(exc), exc.exit_code)
        except click.ClickException as exc:
            out.fail(exc.format_message(), exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            sys.exit(130)
        except storage.Refused as exc:
            out.fail(exc, 2)
        except storage.DatabaseUnavailable as exc:
            out.fail(exc, 3)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            known = storage.db.domain_error(exc)
            if isinstance(known, storage.Refused):
                out.fail(known, 2)
            if isinstance(known, storage.DatabaseUnavailable):
                out.fail(known, 3)
            _fail_unexpected(exc)
        sys.exit(rv if isinstance(rv, int) else 0)


# ---------------------------------------------------------------------------------------
# The session: which database, opened only by the commands that need it


class Session:
    def __init__(self, url: str, today_given: bool):
        self.url = url
        self.today_given = today_given
        self.opened = False

    def open(self, upgrade: bool = False) -> None:
        if not self.opened:
            storage.open_database(self.url, upgrade=upgrade)
            self.opened = True


def session() -> Session:
    return click.get_current_context().find_object(Session)


def needs_db(fn):
    """Open the database before the command runs (not before `--help`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        session().open()
        return fn(*args, **kwargs)

    return wrapper


def _tidy() -> None:
    storage.set_today(None)
    storage.close_database()


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("contracts")
    except PackageNotFoundError:
        number = "(not installed)"
    click.echo(f"{out.PROG} {number}")
    ctx.exit()


# ---------------------------------------------------------------------------------------
# The root command


@click.group(
    cls=ContractsGroup,
    lazy_subcommands=COMMANDS,
    name=out.PROG,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar="CONTRACTS_DB",
    help="sqlite:///relative.db, sqlite:////absolute.db (or a plain path), or "
    "postgresql://user@host:port/db (default: $CONTRACTS_DB, else a file in your data folder).",
)
@click.option("--today", metavar="YYYY-MM-DD", help="Act as of another day.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, today: str | None) -> None:
    """Customer-service contracts: is this customer covered, and how much is left?

    With no command, opens the full-screen console.
    """
    day = storage.parse_date(today, "--today") if today else None
    ctx.call_on_close(_tidy)
    storage.set_today(day)
    ctx.obj = Session(db_url or storage.default_url(), today_given=day is not None)
    if ctx.invoked_subcommand is None:
        _open_console(ctx)


def _open_console(ctx: click.Context) -> None:
    """Run the full-screen console (Textual is imported only here)."""
    try:
        console = importlib.import_module("tui.app")
    except ModuleNotFoundError as exc:
        if exc.name != "tui.app":
            raise
        click.echo(
            f"{out.PROG}: the console is not available yet; use the commands below.", err=True
        )
        click.echo(ctx.get_help())
        ctx.exit(2)
    console.run(ctx.obj.url)  # the console opens the database and sweeps as it starts


def main() -> None:
    """The `contracts` script."""
    cli.main(prog_name=out.PROG)


if __name__ == "__main__":
    main()
