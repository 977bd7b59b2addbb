"""The database itself: `init`, `info`, `settings`, `demo`, `sweep`, `verify`, `audit` and
`bench`."""

from __future__ import annotations

import importlib
import sys

import click

import storage
from tui.cli import needs_db, session
from tui.cli import output as out
from tui.cli.options import json_option, limit_option, shows


@click.command()
@click.option(
    "--zone",
    metavar="ZONE",
    help="Business time zone of a new database (default: this machine's system zone).",
)
@click.option(
    "--phone-region",
    metavar="CC",
    help="Default phone region of a new database, a country code like ES (default: the "
    "country of its business zone).",
)
def init(zone: str | None, phone_region: str | None) -> None:
    """Create or upgrade the schema; print where the database is."""
    current = session()
    storage.db.last_migration = None
    if zone is not None:
        storage.db.initial_zone = storage.check_zone(zone)
    if phone_region is not None:
        storage.db.initial_region = storage.check_region(phone_region)
    current.open(upgrade=True)
    new = storage.db.SCHEMA_VERSION
    old = storage.db.last_migration[0] if storage.db.last_migration else new
    summary = storage.database_summary()
    upgraded = f" (upgraded from {old})" if old is not None and old != new else ""
    click.echo(f"Database ready: {storage.describe(current.url)}")
    click.echo(
        f"Schema version {new}{upgraded}; {summary['customers']} customers, "
        f"{summary['templates']} templates, {summary['contracts']} contracts."
    )
    click.echo(
        f"Business time zone: {storage.current_settings()['zone']} (today is {storage.today()})."
    )


@click.command()
@shows()
def info(as_json: bool) -> None:
    """Where the database is, its settings and its schema version."""
    current = session()
    summary = storage.database_summary()
    values = storage.current_settings()
    login = storage.current_login()
    if as_json:
        out.emit_json(
            {
                "database": storage.describe(current.url),
                "schema_version": storage.db.SCHEMA_VERSION,
                "zone": values["zone"],
                "phone_region": values.get("phone_region"),
                "today": storage.today().isoformat(),
                "attention": {
                    "thresholds": [int(values["threshold_warn"]), int(values["threshold_alert"])],
                    "within": int(values["ending_within"]),
                },
                "login": login,
                **summary,
            }
        )
        return
    click.echo(f"Database: {storage.describe(current.url)}")
    click.echo(f"Schema version: {storage.db.SCHEMA_VERSION}")
    click.echo(f"Business time zone: {values['zone']} (today is {storage.today()})")
    click.echo(
        f"Attention: lines at {values['threshold_warn']} % and {values['threshold_alert']} % "
        f"used; contracts ending within {values['ending_within']} days"
    )
    click.echo(f"Default phone region: {_region_words(values.get('phone_region'))}")
    click.echo(f"You are: {login}")
    click.echo(
        f"Holds: {summary['customers']} customers, {summary['templates']} templates, "
        f"{summary['contracts']} contracts."
    )


def _region_words(region: str | None) -> str:
    if not region:
        return "none (phone numbers need their country code)"
    return f"{region} (a phone number without a country code is read as one of {region})"


@click.command("settings")
@click.option("--zone", metavar="ZONE", help="The business time zone (supervisors).")
@click.option(
    "--thresholds",
    metavar="LOW,HIGH",
    help="Attention: lines used at or past these percentages (default 75,90; supervisors).",
)
@click.option(
    "--within",
    metavar="DAYS",
    help="Attention: contracts ending within this many days (default 30; supervisors).",
)
@click.option(
    "--phone-region",
    metavar="CC",
    help="The default phone region, a country code like ES (supervisors).",
)
@needs_db
def settings_cmd(
    zone: str | None, thresholds: str | None, within: str | None, phone_region: str | None
) -> None:
    """Show the database's settings, or change them (supervisors)."""
    if phone_region is not None:
        storage.check_region(phone_region)  # bad input changes nothing, the zone neither
    if zone is not None:
        storage.set_zone(zone)
        click.echo(f"Business time zone is now {zone}; today is {storage.today()}.")
    if thresholds is not None or within is not None:
        now = storage.set_attention(thresholds=thresholds, within=within)
        click.echo(
            f"Attention: lines at {now.warn} % and {now.alert} % used; "
            f"contracts ending within {now.within} days."
        )
    if phone_region is not None:
        region = storage.set_phone_region(phone_region)
        click.echo(f"Default phone region is now {_region_words(region)}.")
    if any(v is not None for v in (zone, thresholds, within, phone_region)):
        return
    for name, value in sorted(storage.current_settings().items()):
        click.echo(f"{name}: {value}")


class _Progress:
    """`n/N what` on stderr for each phase of the fill (customers, contracts, indexes,
    statistics): rewritten in place on a terminal, every 10% and at each new step otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown: tuple[int, str] | None = None

    def __call__(self, done, total=None, what="contracts") -> None:
        if not total:
            return
        line = f"  {done:,}/{total:,} {what}"
        if self.tty:
            click.echo(f"\r{line}\x1b[K", nl=False, err=True)
            if done >= total:
                click.echo(err=True)
            return
        shown = (int(done * 10 // total), what)
        if shown != self.shown:
            self.shown = shown
            click.echo(line, err=True)


@click.command()
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
    # storage refuses a database that holds contracts, checked under its lock in the fill
    generator = importlib.import_module("storage.demo")  # only `demo` loads the generator
    result = generator.fill(count, seed, progress=_Progress())
    made = ", ".join(
        f"{value:,} {name}"
        for name, value in result.items()
        if isinstance(value, int) and name != "rows"  # the tables' rows; not seconds, not the sum
    )
    click.echo(f"Demo data added in {result['seconds']:.1f}s: {made}.")


@click.command()
@click.argument("ref", required=False)
@limit_option(minimum=1, default=50, show_default=True)
@shows()
def audit(ref: str | None, limit: int, as_json: bool) -> None:
    """Show the audit trail, newest first; REF narrows it to one thing."""
    events = storage.audit_trail(ref, limit=limit)
    if out.json_or_nothing(events, as_json, "No changes recorded."):
        return
    rows = [
        [
            out.local(e.at),
            f"{e.who} (as {e.db_user})" if e.db_user else e.who,
            e.action,
            e.ref,
            e.changes,
        ]
        for e in events
    ]
    click.echo(out.table(["When", "Who", "Action", "Of", "Changes"], rows, flex=(3, 4)))


# ---------------------------------------------------------------------------------------
# Sweeping, verifying


@click.command()
@shows()
def sweep(as_json: bool) -> None:
    """Store the real day's date-driven statuses (for cron; reads never need it)."""
    counts = storage.sweep(by_hand=True)
    if as_json:
        out.emit_json({"at": storage.today().isoformat(), **counts})
        return
    click.echo(
        f"Swept as of {storage.today()}: {counts['activated']} activated, "
        f"{counts['expired']} expired, {out.count(counts['lines_expired'], 'line')} expired."
    )


@click.command()
@shows()
def verify(as_json: bool) -> None:
    """Check every invariant; exit 2 on any violation."""
    problems = storage.verify()
    if as_json:
        out.emit_json({"ok": not problems, "problems": problems})
    elif not problems:
        summary = storage.database_summary()
        counted = [
            out.count(summary["contracts"], "contract"),
            out.count(summary["lines"], "line"),
            out.count(summary["cases"], "case"),
            out.count(summary["ledger"], "ledger entry", "ledger entries"),
        ]
        click.echo(f"All invariants hold: {', '.join(counted)}.")
    else:
        for problem in problems:
            click.echo(problem)
    if problems:
        out.fail(f"{out.count(len(problems), 'invariant violation')} found.", 2)


# ---------------------------------------------------------------------------------------
# Benchmark


def _how_many(name: str, default: int, bounds: tuple[int, int], text: str):
    """A bench option counting something: a whole number within `bounds`."""
    return click.option(
        name, type=click.IntRange(*bounds), default=default, show_default=True, help=text
    )


@click.command()
@click.option(
    "--db",
    "bench_url",
    metavar="URL",
    help="Run in this database (default: a throw-away SQLite file). $CONTRACTS_DB is never used.",
)
@_how_many("--workers", 4, (1, 64), "Processes charging at once.")
@_how_many(
    "--charges",
    4000,
    (1, 10_000_000),
    "Charge attempts in all (about 10% more than the allotment).",
)
@_how_many("--contracts", 20, (1, 100_000), "Contracts (one shared line each) charged against.")
@_how_many(
    "--single",
    1000,
    (0, 1_000_000),
    "Charges for the one-process engine-against-sqlite3 comparison (0: skip).",
)
@json_option
@click.pass_context
def bench(ctx, bench_url, workers, charges, contracts, single, as_json) -> None:
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
        lines=contracts,
        single=single,
        progress=lambda text: click.echo(f"  {text}", err=True),
    )
    runs = [r for r in (result.workload, result.engine_single, result.baseline_single) if r]
    if as_json:
        out.emit_json(_bench_json(result, runs))
    else:
        _print_bench(result, runs)
    if not result.exact or result.verify_problems or result.workload.errors:
        out.fail("the benchmark found an overdraw, an error or a broken invariant.", 2)


def _bench_json(result, runs) -> dict:
    return {
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


def _print_bench(result, runs) -> None:
    click.echo(f"Database: {result.database}")
    click.echo(
        out.table(
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
