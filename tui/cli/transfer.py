"""Moving in and out: `export` (every kind of row, as CSV or JSON, streamed) and `import`
(the same shapes read back, checked whole before anything is written)."""

from __future__ import annotations

import contextlib
import os
import sys

import click

import storage
from tui.cli import needs_db


def _out_dir(path: str) -> str:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise storage.InvalidInput(f"cannot make the folder {path}: {exc.strerror}.") from None
    return path


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV: one file per kind; JSON: one document holding every kind.",
)
@click.option(
    "--what",
    default="all",
    show_default=True,
    metavar="KIND",
    help="customers, templates, contracts, lines, cases, ledger or all.",
)
@click.option("--status", metavar="S", help="Only contracts in this status today (and theirs).")
@click.option("--since", metavar="DATE", help="Only rows made or changed on or after DATE.")
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    help="Write files into DIR (KIND.csv, or contracts.json) instead of to stdout.",
)
@needs_db
def export_cmd(fmt: str, what: str, status: str | None, since: str | None, out_dir: str | None):
    """Export customers, templates, contracts, lines, cases and the ledger."""
    kinds = storage.export_kinds(what)
    with contextlib.ExitStack() as files:
        if fmt == "json":
            stream = sys.stdout
            if out_dir:
                path = os.path.join(_out_dir(out_dir), "contracts.json")
                stream = files.enter_context(open(path, "w", encoding="utf-8"))
            counts = storage.export_json(stream, kinds, status=status, since=since)
        elif out_dir:
            folder = _out_dir(out_dir)
            streams = {
                kind: files.enter_context(
                    open(os.path.join(folder, f"{kind}.csv"), "w", encoding="utf-8", newline="")
                )
                for kind in kinds
            }
            counts = storage.export_csv(streams, status=status, since=since)
        else:
            if len(kinds) > 1:
                raise storage.InvalidInput(
                    "CSV on stdout holds one kind; give --what KIND, --out DIR, or --format json."
                )
            counts = storage.export_csv({kinds[0]: sys.stdout}, status=status, since=since)
    if out_dir:
        made = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        click.echo(f"Exported {made} to {out_dir}.", err=True)


class _Progress:
    """Rows checked, then rows written, on stderr: rewritten in place on a terminal, a line
    every 100,000 rows (and at the end) otherwise. Silent for small files."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = 0

    def __call__(self, done: int, total: int, what: str) -> None:
        of = f"/{total:,}" if total else ""
        if self.tty:
            click.echo(f"\r  {done:,}{of} {what}", nl=False, err=True)
            if total and done >= total:
                click.echo(err=True)
        elif done - self.shown >= 100_000 or (total and done >= total and total >= 10_000):
            self.shown = done
            click.echo(f"  {done:,}{of} {what}", err=True)


@click.command("import")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    help="How FILE is written (default: told by its extension).",
)
@click.option(
    "--dry-run", is_flag=True, help="Check FILE and say what would be created; write nothing."
)
@click.option(
    "--template-csv",
    "template_kind",
    is_flag=False,
    flag_value="contracts",
    default=None,
    metavar="[KIND]",
    help="Print the header row of a CSV file of KIND (default: contracts) and stop.",
)
@click.pass_context
def import_cmd(ctx: click.Context, files, fmt, dry_run: bool, template_kind: str | None):
    """Import customers, templates, contracts with their lines, cases and the ledger from
    CSV files (one per kind, or a folder of them) or one JSON document, as `export` writes
    them. The whole input is checked first: every problem is listed and nothing is written."""
    if template_kind:
        import csv

        csv.writer(sys.stdout, lineterminator="\n").writerow(storage.import_header(template_kind))
        return
    if not files:
        raise click.UsageError("give the FILE (or folder) to import.", ctx)
    from tui.cli import session

    session().open()
    progress = _Progress()
    try:
        if dry_run:
            done = storage.check_import(list(files), fmt, progress)
        else:
            done = storage.import_file(list(files), fmt, progress)
    except storage.ImportRefused as refused:
        for problem in refused.problems:
            click.echo(problem, err=True)
        if refused.more:
            click.echo(f"... and {refused.more:,} more.", err=True)
        raise
    made = ", ".join(f"{n:,} {kind}" for kind, n in done["counts"].items() if n)
    for reference, number in done["references"].items():
        click.echo(f"{reference}\t{number}")
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb} {made or 'nothing'}.", err=True)
