"""The `contracts` command line (SPEC §6): every console action, scriptable, with `--json`.

`contracts [--db URL] [--today DATE] COMMAND ...`; with no command it opens the console.
The database is `--db`, else `CONTRACTS_DB`, else an SQLite file in the user's data folder.

Exit codes
    0    done; for `check`: the customer is covered.
    1    `check` only: not covered. This includes a query that names no known customer or
         contract and one that matches several customers: the answer to "is this covered?"
         is no, and the reason says why. (An empty query is bad input: 2.)
    2    refused or bad input: a rule of the domain, a missing permission, a date, duration
         or number that cannot be read, an unknown reference, a usage error. One line on
         stderr, nothing changed. Also `verify` when an invariant is violated (the problems
         on stdout, a summary line on stderr), and any unexpected error: one sentence on
         stderr, the traceback in a log file under the user's state folder.
    3    the database cannot be opened, reached or written (one line on stderr).
    130  interrupted (Ctrl+C).

Output: human tables fit the terminal (80 columns when piped); `--json` on every read
command prints the storage views' fields (amounts as integers: cases, or minutes; money in
cents). Commands that create something (`new`, `line add`, `copy`, `renew`, `case open`,
`resolve`) print only its reference on stdout, so scripts can capture it.

Startup: only click and storage are imported here; the console (Textual) is imported only
when no command is given, the demo generator only by `demo`.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys

import click

import storage

PROG = "contracts"
STATUS_WORDS = {
    "draft": "a draft",
    "invoiced": "invoiced",
    "active": "active",
    "on_hold": "on hold",
    "canceled": "canceled",
    "expired": "expired",
}
HUMAN_LIST_LIMIT = 100
MAX_LIMIT = 1_000_000_000  # --limit: more than any list holds, less than the databases' LIMIT


# ---------------------------------------------------------------------------------------
# Failures: one line on stderr and an exit code, never a traceback


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _fail(message, code: int):
    click.echo(f"{PROG}: {_one_line(message)}", err=True)
    sys.exit(code)


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
        f"--- {dt.datetime.now().isoformat(timespec='seconds')} {PROG} "
        f"{_hide_passwords(' '.join(sys.argv[1:]))}\n"
    )
    for folder in (user_log_dir(PROG, appauthor=False), tempfile.gettempdir()):
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
    _fail(f"unexpected error ({type(exc).__name__}); {where}.", 2)


def _not_utf8(arg) -> bool:
    """Whether a command-line argument held bytes that are not UTF-8 (Python hands them
    over as lone surrogates, which no name, title or query can contain)."""
    return isinstance(arg, str) and any("\ud800" <= ch <= "\udfff" for ch in arg)


class ContractsGroup(click.Group):
    """The root group: every failure becomes one line on stderr and the exit code of §6."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if any(_not_utf8(arg) for arg in (sys.argv[1:] if args is None else args)):
            _fail("an argument is not valid UTF-8 text; nothing was done.", 2)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            _fail(_usage_line(exc), exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            sys.exit(130)
        except storage.Refused as exc:
            _fail(exc, 2)
        except storage.DatabaseUnavailable as exc:
            _fail(exc, 3)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            known = storage.db.domain_error(exc)
            if isinstance(known, storage.Refused):
                _fail(known, 2)
            if isinstance(known, storage.DatabaseUnavailable):
                _fail(known, 3)
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


def _session() -> Session:
    return click.get_current_context().find_object(Session)


def needs_db(fn):
    """Open the database before the command runs (not before `--help`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _session().open()
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
    click.echo(f"{PROG} {number}")
    ctx.exit()


# ---------------------------------------------------------------------------------------
# Output helpers


def _emit_json(data) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _width() -> int:
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _cell(value) -> str:
    return "-" if value is None else _one_line(value)


def _table(headers, rows, *, right=(), flex=(), indent: int = 0) -> str:
    """Aligned columns fitting the terminal: the `flex` columns shrink (with …) to fit."""
    rows = [[_cell(c) for c in row] for row in rows]
    count = len(headers) if headers else len(rows[0]) if rows else 0
    heads = list(headers) if headers else [""] * count
    widths = [max([len(heads[i])] + [len(r[i]) for r in rows]) for i in range(count)]
    excess = indent + sum(widths) + 2 * (count - 1) - _width()
    while excess > 0:
        shrinkable = [i for i in flex if widths[i] > max(8, len(heads[i]))]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1

    def fit(text: str, i: int) -> str:
        if len(text) > widths[i]:
            text = text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if i in right else text.ljust(widths[i])

    out = []
    for row in ([heads] if headers else []) + rows:
        out.append((" " * indent + "  ".join(fit(c, i) for i, c in enumerate(row))).rstrip())
    return "\n".join(out)


def _local(stamp) -> str:
    from storage.clock import to_local

    moment = to_local(stamp)
    return moment.format("YYYY-MM-DD HH:mm") if moment else "-"


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 case`, `2 cases`, `1,000 contracts`."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _amount(amount: int | None, kind: str | None) -> str:
    """`1 case`, `3 cases`, `1h 30m`: an amount in a sentence."""
    if amount is None:
        return "-"
    if kind == "time":
        return storage.format_minutes(amount)
    return _count(amount, "case")


def _signed(amount: int, kind: str) -> str:
    text = storage.format_minutes(abs(amount)) if kind == "time" else str(abs(amount))
    return ("-" if amount < 0 else "+") + text


def _left(line) -> str:
    """What is left on a line: `2/3 cases left`, `1h 30m/3h left`, `unlimited cases`."""
    if line.allotment_type == "coverage" or line.total is None:
        return f"unlimited cases ({line.cases} so far)"
    text = storage.format_remaining(min(line.used, line.total), line.total, line.allotment_type)
    text += " left"
    if line.overage:
        text += f", overage {_amount(line.overage, line.allotment_type)}"
    return text


def _remaining(line) -> str:
    if line.allotment_type == "coverage" or line.total is None:
        return "covered"
    return storage.format_remaining(min(line.used, line.total), line.total, line.allotment_type)


def _days(days: int | None) -> str:
    if days is None:
        return "-"
    if days == 0:
        return "ends today"
    return f"{days} day{'' if days == 1 else 's'} left"


def _line_of(ref: str):
    """The LineInfo of a line reference, as it is now."""
    number = ref.split("/")[0]
    return next(line for line in storage.show(number).lines if line.ref == ref)


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: stable field names, amounts as integers (cases, or minutes).",
)


# ---------------------------------------------------------------------------------------
# The root command


@click.group(
    cls=ContractsGroup,
    name=PROG,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar="CONTRACTS_DB",
    help="sqlite:///path.db or postgresql://user@host:port/db "
    "(default: $CONTRACTS_DB, else a file in your data folder).",
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
    import importlib

    try:
        console = importlib.import_module("tui.app")
    except ModuleNotFoundError as exc:
        if exc.name != "tui.app":
            raise
        console = None
    run = getattr(console, "run", None)
    if run is None:
        click.echo(f"{PROG}: the console is not available yet; use the commands below.", err=True)
        click.echo(ctx.get_help())
        ctx.exit(2)
    run(ctx.obj.url)  # the console opens the database and sweeps as it starts


@cli.command()
@click.option(
    "--zone",
    metavar="ZONE",
    help="Business time zone of a new database (default: this machine's system zone).",
)
def init(zone: str | None) -> None:
    """Create or upgrade the schema; print where the database is."""
    session = _session()
    storage.db.last_migration = None
    if zone is not None:
        from storage.clock import is_zone

        if not is_zone(zone):
            raise storage.InvalidInput(
                f"'{zone[:40]}' is not a time zone; give a name like Europe/Madrid or UTC."
            )
        storage.db.initial_zone = zone
    session.open(upgrade=True)
    new = storage.db.SCHEMA_VERSION
    old = storage.db.last_migration[0] if storage.db.last_migration else new
    summary = storage.database_summary()
    upgraded = f" (upgraded from {old})" if old is not None and old != new else ""
    click.echo(f"Database ready: {storage.describe(session.url)}")
    click.echo(
        f"Schema version {new}{upgraded}; {summary['customers']} customers, "
        f"{summary['templates']} templates, {summary['contracts']} contracts."
    )
    click.echo(f"Business time zone: {storage.settings()['zone']} (today is {storage.today()}).")


@cli.command()
@json_option
@needs_db
def info(as_json: bool) -> None:
    """Where the database is, its settings and its schema version."""
    session = _session()
    summary = storage.database_summary()
    values = storage.settings()
    login = storage.current_login()
    if as_json:
        _emit_json(
            {
                "database": storage.describe(session.url),
                "schema_version": storage.db.SCHEMA_VERSION,
                "zone": values["zone"],
                "today": storage.today().isoformat(),
                "login": login,
                **summary,
            }
        )
        return
    click.echo(f"Database: {storage.describe(session.url)}")
    click.echo(f"Schema version: {storage.db.SCHEMA_VERSION}")
    click.echo(f"Business time zone: {values['zone']} (today is {storage.today()})")
    click.echo(f"You are: {login}")
    click.echo(
        f"Holds: {summary['customers']} customers, {summary['templates']} templates, "
        f"{summary['contracts']} contracts."
    )


@cli.command("settings")
@click.option("--zone", metavar="ZONE", help="The business time zone (supervisors).")
@needs_db
def settings_cmd(zone: str | None) -> None:
    """Show the database's settings, or change them (supervisors)."""
    if zone is not None:
        storage.set_zone(zone)
        click.echo(f"Business time zone is now {zone}; today is {storage.today()}.")
        return
    for name, value in sorted(storage.settings().items()):
        click.echo(f"{name}: {value}")


class _Progress:
    """`n/N contracts` on stderr: rewritten in place on a terminal, every 10% otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done, total=None, *_rest) -> None:
        if not total:
            return
        step = int(done * 10 // total)
        if self.tty:
            click.echo(f"\r  {done:,}/{total:,} contracts", nl=False, err=True)
            if done >= total:
                click.echo(err=True)
        elif step != self.shown:
            self.shown = step
            click.echo(f"  {done:,}/{total:,} contracts", err=True)


@cli.command()
@click.option(
    "--contracts",
    "count",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="How many contracts to make.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="The same seed gives the same data."
)
@needs_db
def demo(count: int, seed: int) -> None:
    """Fill an empty database with realistic demo data."""
    existing = storage.database_summary()["contracts"]
    if existing:
        raise storage.Refused(
            f"the database already holds {_count(existing, 'contract')}; "
            "demo fills only an empty one."
        )
    import importlib

    try:
        generator = importlib.import_module("storage.demo")
    except ModuleNotFoundError as exc:
        if exc.name != "storage.demo":
            raise
        raise storage.Refused("demo data is not available in this version yet.") from None
    result = generator.fill(count, seed, progress=_Progress()) or {}
    made = ", ".join(
        f"{value:,} {name}"
        for name, value in result.items()
        if isinstance(value, int) and name != "rows"
    )
    took = f" in {result['seconds']:.1f}s" if isinstance(result.get("seconds"), float) else ""
    click.echo(f"Demo data added{took}: {made or f'{count:,} contracts'}.")


# ---------------------------------------------------------------------------------------
# Customers


@cli.group()
def customer() -> None:
    """Add, list and edit customers."""


@customer.command("add")
@click.argument("name")
@click.option("--email", metavar="E")
@click.option("--phone", metavar="P")
@needs_db
def customer_add(name: str, email: str | None, phone: str | None) -> None:
    """Add a customer (names are unique, whatever their case)."""
    info = storage.add_customer(name, email=email, phone=phone)
    click.echo(f"Added customer {info.name}.")


@customer.command("edit")
@click.argument("name")
@click.option("--name", "new_name", metavar="NEW", help="A new name.")
@click.option("--email", metavar="E", help="A new email address ('' clears it).")
@click.option("--phone", metavar="P", help="A new phone number ('' clears it).")
@needs_db
def customer_edit(name: str, new_name: str | None, email: str | None, phone: str | None) -> None:
    """Change a customer's name, email or phone."""
    info = storage.edit_customer(name, new_name=new_name, email=email, phone=phone)
    click.echo(f"Updated customer {info.name}.")


@customer.command("list")
@click.option("--filter", "text", metavar="TEXT", help="Only names containing TEXT.")
@click.option(
    "--limit", type=click.IntRange(min=0, max=MAX_LIMIT), default=0, help="At most N (0: all)."
)
@json_option
@needs_db
def customer_list(text: str | None, limit: int, as_json: bool) -> None:
    """List customers with how many contracts each has."""
    customers = storage.list_customers(text=text, limit=limit or None)
    if as_json:
        _emit_json([c.to_json() for c in customers])
        return
    if not customers:
        click.echo("No customers yet; add one with `contracts customer add NAME`.")
        return
    rows = [[c.name, c.email, c.phone, c.contracts] for c in customers]
    click.echo(_table(["Customer", "Email", "Phone", "Contracts"], rows, right=(3,), flex=(0, 1)))


# ---------------------------------------------------------------------------------------
# Templates


@cli.group()
def template() -> None:
    """Add, list and edit contract templates."""


def _describe_template(t) -> str:
    """`Dev Hours (DEV): time, billed monthly, 40h per line (rounded up to 15m), 24x7`."""
    if t.allotment_type == "coverage":
        volume = "unlimited cases"
    elif t.volume:
        volume = f"{_amount(t.volume, t.allotment_type)} per line"
    else:
        volume = "no default volume"
    extra = ""
    if t.increment or t.minimum:
        parts = []
        if t.increment:
            parts.append(f"rounded up to {storage.format_minutes(t.increment)}")
        if t.minimum:
            parts.append(f"at least {storage.format_minutes(t.minimum)}")
        extra = " (" + ", ".join(parts) + ")"
    return (
        f"{t.name} ({t.abbr}): {t.allotment_type}, billed {t.billing}, {volume}{extra}, {t.hours}"
    )


@template.command("add")
@click.argument("name")
@click.option("--abbr", required=True, metavar="A", help="A unique abbreviation, ≤ 8 characters.")
@click.option(
    "--allotment",
    required=True,
    type=click.Choice(storage.ALLOTMENT_TYPES),
    help="What a line holds.",
)
@click.option(
    "--billing",
    required=True,
    type=click.Choice(storage.BILLING_FREQUENCIES),
    help="How often it is billed.",
)
@click.option("--volume", metavar="V", help="Default allotment per line: 10 (cases) or 40h.")
@click.option(
    "--hours",
    metavar="H",
    default="24x7",
    show_default=True,
    help="Service hours, e.g. 'Mon-Fri 08:00-18:00 Europe/Madrid'.",
)
@click.option("--increment", metavar="D", help="Time charges round up to this, e.g. 15m.")
@click.option("--minimum", metavar="D", help="Time charges are at least this, e.g. 30m.")
@click.option("--description", metavar="TEXT", default="")
@needs_db
def template_add(
    name, abbr, allotment, billing, volume, hours, increment, minimum, description
) -> None:
    """Add a contract template."""
    info = storage.add_template(
        name,
        abbr=abbr,
        allotment=allotment,
        billing=billing,
        volume=volume,
        hours=hours,
        increment=increment,
        minimum=minimum,
        description=description,
    )
    click.echo(f"Added template {_describe_template(info)}.")


@template.command("edit")
@click.argument("name")
@click.option("--name", "new_name", metavar="NEW", help="A new name.")
@click.option("--billing", type=click.Choice(storage.BILLING_FREQUENCIES))
@click.option("--volume", metavar="V")
@click.option("--hours", metavar="H")
@click.option("--increment", metavar="D")
@click.option("--minimum", metavar="D")
@click.option("--description", metavar="TEXT")
@needs_db
def template_edit(name, new_name, billing, volume, hours, increment, minimum, description) -> None:
    """Change a template; contracts already made from it keep their terms."""
    info = storage.edit_template(
        name,
        new_name=new_name,
        volume=volume,
        hours=hours,
        increment=increment,
        minimum=minimum,
        description=description,
        billing=billing,
    )
    click.echo(f"Updated template {_describe_template(info)}.")


@template.command("list")
@json_option
@needs_db
def template_list(as_json: bool) -> None:
    """List the contract templates."""
    templates = storage.list_templates()
    if as_json:
        _emit_json([t.to_json() for t in templates])
        return
    if not templates:
        click.echo("No templates yet; add one with `contracts template add`.")
        return
    rows = [
        [
            t.name,
            t.abbr,
            t.allotment_type,
            t.billing,
            storage.format_amount(t.volume, t.allotment_type)
            if t.volume or t.allotment_type == "coverage"
            else None,
            t.hours,
        ]
        for t in templates
    ]
    click.echo(
        _table(
            ["Template", "Abbr", "Type", "Billing", "Volume", "Hours"],
            rows,
            right=(4,),
            flex=(0, 5),
        )
    )


@template.command("show")
@click.argument("name")
@json_option
@needs_db
def template_show(name: str, as_json: bool) -> None:
    """Show one template."""
    info = storage.get_template(name)
    if as_json:
        _emit_json(info.to_json())
        return
    click.echo(_describe_template(info))
    if info.description:
        click.echo(info.description)


# ---------------------------------------------------------------------------------------
# Contracts


@cli.command()
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


@cli.command("edit")
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


@cli.group()
def line() -> None:
    """Add, edit or cancel contract lines."""


@line.command("add")
@click.argument("number")
@click.option("--title", required=True, metavar="T")
@click.option("--product", metavar="P", default="")
@click.option(
    "--allotment", metavar="V", help="Cases (10) or time (40h); default: the template's volume."
)
@click.option("--price", metavar="X", help="e.g. 1200 or 1200.50")
@click.option("--discount", metavar="X")
@click.option("--start", metavar="DATE", help="Default: the contract's start.")
@click.option("--end", metavar="DATE", help="Default: the contract's end.")
@needs_db
def line_add(number, title, product, allotment, price, discount, start, end) -> None:
    """Add a line to a contract; prints its reference CNR-…/N."""
    click.echo(
        storage.add_line(
            number,
            title,
            product=product,
            allotment=allotment,
            price=price,
            discount=discount,
            start=start,
            end=end,
        )
    )


@line.command("edit")
@click.argument("ref")
@click.option("--title", metavar="T")
@click.option("--product", metavar="P")
@click.option("--allotment", metavar="V")
@click.option("--price", metavar="X")
@click.option("--discount", metavar="X")
@click.option("--start", metavar="DATE")
@click.option("--end", metavar="DATE")
@needs_db
def line_edit(ref, title, product, allotment, price, discount, start, end) -> None:
    """Change a line of a draft contract."""
    done = storage.edit_line(
        ref,
        title=title,
        product=product,
        allotment=allotment,
        price=price,
        discount=discount,
        start=start,
        end=end,
    )
    click.echo(f"Updated line {done}.")


@line.command("cancel")
@click.argument("ref")
@needs_db
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
    number, _, position = ref.partition("/")
    line = next(x for x in storage.show(number).lines if x.position == int(position))
    click.echo(f"Adjusted {line.ref} by {amount}: {_left(line)}.")


def _line_of_ref(ref: str) -> str:
    number, _, position = ref.partition("/")
    return f"{storage.show(number).number}/{position.strip()}"


@cli.command("list")
@click.option(
    "--status",
    type=click.Choice(storage.STATUSES + ("all",)),
    help="Only this status (default: every status).",
)
@click.option("--customer", metavar="NAME", help="Only this customer's contracts.")
@click.option("--filter", "text", metavar="TEXT", help="Number, customer or title contains TEXT.")
@click.option(
    "--limit",
    type=click.IntRange(min=0, max=MAX_LIMIT),
    help=f"At most N (default {HUMAN_LIST_LIMIT} on screen, all with --json; 0: all).",
)
@json_option
@needs_db
def list_contracts(status, customer, text, limit, as_json) -> None:
    """List contracts, newest numbers last."""
    if limit is None:
        limit = 0 if as_json else HUMAN_LIST_LIMIT
    rows = storage.list_contracts(status=status, text=text, customer=customer, limit=limit or None)
    if as_json:
        _emit_json([_row_json(row) for row in rows])
        return
    if not rows:
        click.echo("No contracts match.")
        return
    table = [
        [r.number, r.customer, r.title, r.status, r.end, _row_remaining(r), r.days_left]
        for r in rows
    ]
    click.echo(
        _table(
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


def _row_remaining(row) -> str:
    """`7/10 cases`, `12h 30m/40h`, `covered`; an overdrawn contract shows `0/10 cases (+2)`."""
    if row.allotment_type == "coverage" or row.total is None or row.used <= row.total:
        return row.remaining_text
    text = storage.format_remaining(row.total, row.total, row.allotment_type)
    return f"{text} (+{storage.format_amount(row.used - row.total, row.allotment_type)})"


def _row_json(row) -> dict:
    data = row.to_json()
    data["remaining"] = None if row.total is None else max(0, row.total - row.used)
    return data


@cli.command()
@click.argument("number")
@json_option
@needs_db
def show(number: str, as_json: bool) -> None:
    """Show a contract with its lines."""
    info = storage.show(number)
    if as_json:
        _emit_json(info.to_json())
        return
    click.echo(f"{info.number}  {info.title}")
    status = STATUS_WORDS[info.status]
    if info.days_left is not None and info.status != "draft":
        status += f", {_days(info.days_left)}"
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
    click.echo(_table(None, facts, flex=(1,), indent=2))
    if not info.lines:
        click.echo("\nNo lines yet; add one with `contracts line add`.")
        return
    rows = [
        [
            li.position,
            li.title,
            li.used_text,
            _remaining(li),
            _amount(li.overage, li.allotment_type) if li.overage else "",
            storage.format_money(li.net_price_cents),
            li.status,
        ]
        for li in info.lines
    ]
    click.echo()
    click.echo(
        _table(
            ["#", "Line", "Used", "Remaining", "Overage", "Net price", "Status"],
            rows,
            right=(0, 5),
            flex=(1,),
        )
    )
    for li in info.lines:
        if (li.start, li.end) != (info.start, info.end):
            click.echo(f"line {li.position} runs {li.start} to {li.end}")


@cli.command()
@click.argument("number")
@needs_db
def invoice(number: str) -> None:
    """Bill a draft: invoiced, or active if it has started."""
    status = storage.invoice(number)
    info = storage.show(number)
    if status == "invoiced":
        click.echo(f"{info.number} is invoiced; it becomes active on {info.start}.")
    else:
        click.echo(f"{info.number} is invoiced and {STATUS_WORDS[status]}.")


@cli.command()
@click.argument("number")
@needs_db
def hold(number: str) -> None:
    """Put a contract on hold: no case can be charged to it."""
    storage.hold(number)
    done = storage.show(number).number
    click.echo(f"{done} is on hold: no case can be charged to it until it is released.")


@cli.command()
@click.argument("number")
@needs_db
def release(number: str) -> None:
    """Release a held contract back to where its dates say."""
    status = storage.release(number)
    done = storage.show(number).number
    click.echo(f"{done} is released: it is {STATUS_WORDS[status]}.")


@cli.command()
@click.argument("number")
@needs_db
def delete(number: str) -> None:
    """Delete a draft."""
    click.echo(f"Deleted {storage.delete(number)}.")


@cli.command()
@click.argument("number")
@needs_db
def copy(number: str) -> None:
    """Copy into a new draft with fresh allotments; prints its number."""
    click.echo(storage.copy(number))


@cli.command()
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


@cli.command()
@click.argument("number")
@click.option("--start", metavar="DATE", help="Default: the day after the old end.")
@click.option("--include-canceled", is_flag=True, help="Copy canceled lines too.")
@needs_db
def renew(number: str, start: str | None, include_canceled: bool) -> None:
    """Renew into a new draft for the next term; prints its number."""
    click.echo(storage.renew(number, start=start, include_canceled=include_canceled))


@cli.command()
@click.argument("number")
@json_option
@needs_db
def ledger(number: str, as_json: bool) -> None:
    """Show the usage ledger of a contract's lines, oldest first."""
    entries = storage.ledger(number)
    if as_json:
        _emit_json([e.to_json() for e in entries])
        return
    if not entries:
        click.echo(f"Nothing has been charged to {storage.show(number).number} yet.")
        return
    rows = [
        [_local(e.at), e.line, e.case, _signed(e.amount, e.allotment_type), e.kind, e.who, e.note]
        for e in entries
    ]
    click.echo(
        _table(
            ["When", "Line", "Case", "Amount", "Kind", "Who", "Note"], rows, right=(3,), flex=(5, 6)
        )
    )


@cli.command()
@click.argument("number")
@json_option
@needs_db
def schedule(number: str, as_json: bool) -> None:
    """Show the billing schedule of a contract."""
    periods = storage.billing_schedule(number)
    if as_json:
        _emit_json([p.to_json() for p in periods])
        return
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
    click.echo(_table(["From", "To", "Amount", "Overage"], rows, right=(2, 3)))


@cli.command()
@click.argument("ref", required=False)
@click.option("--limit", type=click.IntRange(min=1, max=MAX_LIMIT), default=50, show_default=True)
@json_option
@needs_db
def audit(ref: str | None, limit: int, as_json: bool) -> None:
    """Show the audit trail, newest first; REF narrows it to one thing."""
    events = storage.audit_trail(ref, limit=limit)
    if as_json:
        _emit_json([e.to_json() for e in events])
        return
    if not events:
        click.echo("No changes recorded.")
        return
    rows = [
        [
            _local(e.at),
            f"{e.who} (as {e.db_user})" if e.db_user else e.who,
            e.action,
            e.ref,
            e.changes,
        ]
        for e in events
    ]
    click.echo(_table(["When", "Who", "Action", "Of", "Changes"], rows, flex=(3, 4)))


# ---------------------------------------------------------------------------------------
# Cases and charging


def _charge_note(case_number: str) -> str:
    """What a resolution charged and what is left on the line, in one sentence."""
    case = storage.show_case(case_number)
    if case.line is None:
        return (
            f"{case.number} resolved; it is not linked to a contract line, so nothing was charged."
        )
    line = _line_of(case.line)
    if case.allotment_type == "coverage":
        return f"{case.number} resolved on {case.line} (coverage: {line.cases} cases so far)."
    return (
        f"{case.number} resolved: charged {_amount(case.charged, case.allotment_type)} to "
        f"{case.line}; {_left(line)}."
    )


@cli.group()
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
@click.option("--spent", metavar="D", help="Time spent: 45m, 1h30m, 1.5h (time lines).")
@click.option("--resolution", metavar="TEXT")
@click.option("--line", "line_ref", metavar="CNR-…/N", help="Charge it to this line.")
@click.option("--override", is_flag=True, help="Supervisors: charge an exhausted line.")
@needs_db
def case_resolve(number, spent, resolution, line_ref, override) -> None:
    """Resolve an open case, charging its line."""
    storage.resolve_case(
        number, spent=spent, resolution=resolution, override=override, line=line_ref
    )
    click.echo(_charge_note(number))


@case.command("cancel")
@click.argument("number")
@needs_db
def case_cancel(number: str) -> None:
    """Cancel an open case: nothing is charged."""
    storage.cancel_case(number)
    click.echo(f"{storage.show_case(number).number} canceled; nothing was charged.")


@case.command("reopen")
@click.argument("number")
@needs_db
def case_reopen(number: str) -> None:
    """Reopen a resolved case; its charge goes back to the line."""
    returned = storage.reopen_case(number)
    info = storage.show_case(number)
    if returned and info.line:
        click.echo(
            f"{info.number} reopened; {_amount(returned, info.allotment_type)} returned "
            f"to {info.line} ({_left(_line_of(info.line))})."
        )
    else:
        click.echo(f"{info.number} reopened.")


@case.command("list")
@click.option("--status", type=click.Choice(("open", "resolved", "canceled", "all")))
@click.option("--customer", metavar="NAME")
@click.option("--contract", metavar="CNR-…")
@click.option("--filter", "text", metavar="TEXT")
@click.option(
    "--limit",
    type=click.IntRange(min=0, max=MAX_LIMIT),
    default=500,
    show_default=True,
    help="At most N (0: all).",
)
@json_option
@needs_db
def case_list(status, customer, contract, text, limit, as_json) -> None:
    """List cases, newest first."""
    cases = storage.list_cases(
        status=status, contract=contract, customer=customer, text=text, limit=limit or None
    )
    if as_json:
        _emit_json([c.to_json() for c in cases])
        return
    if not cases:
        click.echo("No cases match.")
        return
    rows = [
        [
            c.number,
            c.status,
            c.customer,
            c.title,
            c.line,
            _amount(c.charged, c.allotment_type) if c.status == "resolved" and c.line else None,
        ]
        for c in cases
    ]
    click.echo(
        _table(["Case", "Status", "Customer", "Title", "Line", "Charged"], rows, flex=(2, 3))
    )


@case.command("show")
@click.argument("number")
@json_option
@needs_db
def case_show(number: str, as_json: bool) -> None:
    """Show one case."""
    info = storage.show_case(number)
    if as_json:
        _emit_json(info.to_json())
        return
    click.echo(f"{info.number}  {info.title}")
    facts = [("Customer", info.customer), ("Status", info.status)]
    facts.append(("Line", info.line or "not linked"))
    facts.append(("Opened", f"{_local(info.opened)} by {info.opened_by}"))
    if info.status == "resolved":
        facts.append(("Resolved", f"{_local(info.resolved_at)} by {info.resolved_by}"))
        if info.line:
            facts.append(("Charged", _amount(info.charged, info.allotment_type)))
    if info.spent is not None:
        facts.append(("Spent", storage.format_minutes(info.spent)))
    if info.resolution:
        facts.append(("Resolution", info.resolution))
    click.echo(_table(None, facts, flex=(1,), indent=2))


@cli.command()
@click.argument("ref")
@click.option("--title", required=True, metavar="T")
@click.option("--spent", metavar="D", help="Time spent: 45m, 1h30m, 1.5h (time lines).")
@click.option("--resolution", metavar="TEXT")
@click.option("--override", is_flag=True, help="Supervisors: charge an exhausted line.")
@needs_db
def resolve(ref, title, spent, resolution, override) -> None:
    """Record a resolved case on a line; prints its number.

    What was charged and what is left goes to stderr, so stdout holds only the number.
    """
    number = storage.resolve(ref, title, spent=spent, resolution=resolution, override=override)
    click.echo(number)
    click.echo(_charge_note(number), err=True)


# ---------------------------------------------------------------------------------------
# Checking, sweeping, verifying


@cli.command()
@click.argument("query")
@json_option
@needs_db
def check(query: str, as_json: bool) -> None:
    """Is a customer or contract covered? Exit 0 yes, 1 no.

    QUERY is a customer name (or part of one) or a contract number.
    """
    result = storage.check(query)
    if as_json:
        _emit_json(result.to_json())
    else:
        _print_check(result)
    if not result.entitled:
        click.get_current_context().exit(1)


def _print_check(result) -> None:
    as_of = f" (as of {result.at})" if _session().today_given else ""
    if not result.entitled:
        who = f"{result.customer} is NOT covered" if result.customer else "NOT covered"
        click.echo(f"{who}{as_of}: {result.reason}")
        return
    click.echo(f"{result.customer} is covered{as_of}")
    rows = [
        [li.ref, li.title, _left(li), _days((li.end - result.at).days)]
        for info in result.contracts
        for li in info.lines
        if li.usable
    ]
    click.echo(_table(None, rows, flex=(1,), indent=2))


@cli.command()
@json_option
@needs_db
def sweep(as_json: bool) -> None:
    """Store the real day's date-driven statuses (for cron; reads never need it)."""
    counts = storage.sweep(by_hand=True)
    if as_json:
        _emit_json({"at": storage.today().isoformat(), **counts})
        return
    click.echo(
        f"Swept as of {storage.today()}: {counts['activated']} activated, "
        f"{counts['expired']} expired, {_count(counts['lines_expired'], 'line')} expired."
    )


@cli.command()
@json_option
@needs_db
def verify(as_json: bool) -> None:
    """Check every invariant; exit 2 on any violation."""
    problems = storage.verify()
    if as_json:
        _emit_json({"ok": not problems, "problems": problems})
    elif not problems:
        summary = storage.database_summary()
        counted = [
            _count(summary["contracts"], "contract"),
            _count(summary["lines"], "line"),
            _count(summary["cases"], "case"),
            _count(summary["ledger"], "ledger entry", "ledger entries"),
        ]
        click.echo(f"All invariants hold: {', '.join(counted)}.")
    else:
        for problem in problems:
            click.echo(problem)
    if problems:
        _fail(f"{_count(len(problems), 'invariant violation')} found.", 2)


# ---------------------------------------------------------------------------------------
# Benchmark


@cli.command()
@click.option(
    "--db",
    "bench_url",
    metavar="URL",
    help="Run in this database (default: a throw-away SQLite file). $CONTRACTS_DB is never used.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Processes charging at once.",
)
@click.option(
    "--charges",
    type=click.IntRange(1, 10_000_000),
    default=4000,
    show_default=True,
    help="Charge attempts in all (about 10% more than the allotment).",
)
@click.option(
    "--contracts",
    "lines",
    type=click.IntRange(1, 100_000),
    default=20,
    show_default=True,
    help="Contracts (one shared line each) charged against.",
)
@click.option(
    "--single",
    type=click.IntRange(0, 1_000_000),
    default=1000,
    show_default=True,
    help="Charges for the one-process engine-against-sqlite3 comparison (0: skip).",
)
@json_option
@click.pass_context
def bench(ctx, bench_url, workers, charges, lines, single, as_json) -> None:
    """Measure charging: N processes against shared lines, and one process of the engine
    against the same transaction written by hand with sqlite3.

    It checks that exactly the allotment was granted and that verify holds. It never
    touches a database it was not explicitly given (--db here or before the command).
    """
    parent = ctx.parent
    if bench_url is None and parent.get_parameter_source("db_url") is (
        click.core.ParameterSource.COMMANDLINE
    ):
        bench_url = parent.params["db_url"]
    from storage import bench as benchmark

    result = benchmark.run(
        bench_url,
        workers=workers,
        charges=charges,
        lines=lines,
        single=single,
        progress=lambda text: click.echo(f"  {text}", err=True),
    )
    runs = [r for r in (result.workload, result.engine_single, result.baseline_single) if r]
    if as_json:
        _emit_json(
            {
                "database": result.database,
                "allotment": result.allotment,
                "used": result.used,
                "exact": result.exact,
                "verify_problems": result.verify_problems,
                "single_ratio": result.single_ratio,
                "runs": [
                    {
                        "label": r.label,
                        "processes": r.processes,
                        "attempts": r.attempts,
                        "granted": r.granted,
                        "refused": r.refused,
                        "errors": r.errors,
                        "seconds": round(r.seconds, 4),
                        "charges_per_s": round(r.charges_per_s, 1),
                        "p50_ms": round(r.percentile(50), 3),
                        "p99_ms": round(r.percentile(99), 3),
                    }
                    for r in runs
                ],
            }
        )
    else:
        click.echo(f"Database: {result.database}")
        click.echo(
            _table(
                ["Run", "Charges/s", "p50 ms", "p99 ms", "Granted", "Refused", "Errors"],
                [
                    [
                        r.label,
                        f"{r.charges_per_s:,.0f}",
                        f"{r.percentile(50):.2f}",
                        f"{r.percentile(99):.2f}",
                        f"{r.granted:,}",
                        f"{r.refused:,}",
                        str(len(r.errors)),
                    ]
                    for r in runs
                ],
                right=(1, 2, 3, 4, 5, 6),
            )
        )
        exact = "exactly" if result.exact else "NOT exactly"
        click.echo(
            f"Granted {exact} the allotment: {result.used:,} used of {result.allotment:,}; "
            f"verify: {'holds' if not result.verify_problems else result.verify_problems[0]}"
        )
        if result.single_ratio is not None:
            click.echo(
                f"One process: the engine runs at {result.single_ratio:.0%} of the "
                "hand-written sqlite3 rate."
            )
    if not result.exact or result.verify_problems or result.workload.errors:
        _fail("the benchmark found an overdraw, an error or a broken invariant.", 2)


# ---------------------------------------------------------------------------------------
# Users


@cli.group()
def user() -> None:
    """Manage who may do what.

    With no supervisor configured, everyone may do everything.
    """


@user.command("add")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(storage.models.ROLES))
@click.option("--yes", is_flag=True, help="Confirm adding a first supervisor who is not you.")
@needs_db
def user_add(login: str, role: str, yes: bool) -> None:
    """Add a user, or change their role."""
    try:
        info = storage.add_user(login, role, confirm=yes)
    except storage.NeedsConfirmation as question:
        if yes or not sys.stdin.isatty():
            raise
        click.confirm(f"{question} Go on?", abort=True, err=True)
        info = storage.add_user(login, role, confirm=True)
    click.echo(f"{info.login} is a {info.role}.")


@user.command("list")
@json_option
@needs_db
def user_list(as_json: bool) -> None:
    """List users and their roles."""
    users = storage.list_users()
    if as_json:
        _emit_json([u.to_json() for u in users])
        return
    if not users:
        click.echo("No users configured: everyone may do everything.")
        return
    click.echo(_table(["Login", "Role"], [[u.login, u.role] for u in users]))


@user.command("remove")
@click.argument("login")
@needs_db
def user_remove(login: str) -> None:
    """Remove a user."""
    storage.remove_user(login)
    click.echo(f"Removed {login}.")


def main() -> None:
    """The `contracts` script."""
    cli.main(prog_name=PROG)


if __name__ == "__main__":
    main()
