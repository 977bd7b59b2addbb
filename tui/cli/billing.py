"""`contracts billing`: what is due in a period, per contract, with totals per customer and
per bill-to customer; a table for people, or CSV and JSON that stream for other tools."""

from __future__ import annotations

import csv
import json
import sys

import click

import storage
from tui.cli import output as out
from tui.cli import session

FORMATS = ("table", "csv", "json")
CSV_COLUMNS = [
    "record", "contract", "customer", "bill_to", "billing", "status",
    "contracts", "periods_due", "due", "overage", "total",
]  # fmt: skip


@click.command()
@click.option("--period", metavar="PERIOD", help="A month (2026-11) or a quarter (2026-Q4).")
@click.option("--from", "start", metavar="DATE", help="The first day (with --to).")
@click.option("--to", "end", metavar="DATE", help="The last day (with --from).")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", help="How to print it."
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
def billing(
    period: str | None, start: str | None, end: str | None, fmt: str, as_json: bool
) -> None:
    """What is due in a period: for every contract, its billing periods that fall due then
    (a period falls due when it ends, or on the invoice day when it ended before) and the
    overage booked then at each line's rate; totals per customer and per bill-to customer.

    Money in JSON is in cents; in CSV and the table as decimals."""
    first, last = storage.billing_window(period, start, end)
    session().open()
    bills = storage.billing_report(first, last)
    totals = storage.BillingTotals()
    if as_json or fmt == "json":
        _json(first, last, bills, totals)
    elif fmt == "csv":
        _csv(bills, totals)
    else:
        _table(first, last, bills, totals)


def _decimal(cents: int) -> str:
    """`1200.50`: money as the command line takes it, without separators."""
    return storage.format_money(cents).replace(",", "")


def _json(first, last, bills, totals) -> None:
    """One JSON document, written a contract (and a customer's total) at a time."""

    def counted(bill):
        totals.add(bill)
        return bill

    click.echo(f'{{"from": "{first}", "to": "{last}",', nl=False)
    _json_list("contracts", map(counted, bills))
    _json_list("customers", totals.by_customer())
    _json_list("bill_to", totals.by_bill_to())
    total = {k: v for k, v in totals.total.to_json().items() if k != "name"}
    click.echo(f'\n"total": {json.dumps(total)}}}')


def _json_list(name: str, views) -> None:
    click.echo(f'\n"{name}": [', nl=False)
    for i, view in enumerate(views):
        text = json.dumps(view.to_json(), ensure_ascii=False)
        click.echo(("," if i else "") + "\n  " + text, nl=False)
    click.echo("\n],", nl=False)


def _csv(bills, totals) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for b in bills:
        totals.add(b)
        writer.writerow(
            ["contract", b.number, b.customer, b.bill_to, b.billing, b.status, 1, b.periods_due]
            + [_decimal(c) for c in (b.due_cents, b.overage_cents, b.total_cents)]
        )
    for record, rows in (("customer", totals.by_customer()), ("bill_to", totals.by_bill_to())):
        for t in rows:
            names = [t.name, ""] if record == "customer" else ["", t.name]
            writer.writerow([record, "", *names, "", "", t.contracts, "", *_money(t)])
    t = totals.total
    writer.writerow(["total", "", "", "", "", "", t.contracts, "", *_money(t)])


def _money(t) -> list[str]:
    return [_decimal(c) for c in (t.due_cents, t.overage_cents, t.total_cents)]


def _table(first, last, bills, totals) -> None:
    """For people: every row is read before the widths are known (use CSV or JSON, which
    stream, for a whole database)."""
    rows = []
    for b in bills:
        totals.add(b)
        rows.append([b.number, b.customer, b.bill_to, b.billing, b.periods_due, *_shown(b)])
    if not rows:
        click.echo(f"Nothing is due from {first} to {last}.")
        return
    click.echo(f"Due from {first} to {last}")
    heads = ["Contract", "Customer", "Bill to", "Billing", "Periods", "Due", "Overage", "Total"]
    click.echo(out.table(heads, rows, right=(4, 5, 6, 7), flex=(1, 2)))
    for head, found in (("Customer", totals.by_customer()), ("Bill to", totals.by_bill_to())):
        sums = [[t.name, t.contracts, *_shown(t)] for t in found]
        heads = [head, "Contracts", "Due", "Overage", "Total"]
        click.echo("\n" + out.table(heads, sums, right=(1, 2, 3, 4), flex=(0,)))
    t = totals.total
    click.echo(
        f"\n{out.count(t.contracts, 'contract')}: {storage.format_money(t.due_cents)} due, "
        f"{storage.format_money(t.overage_cents)} overage, "
        f"{storage.format_money(t.total_cents)} in all."
    )


def _shown(t) -> list[str]:
    return [storage.format_money(c) for c in (t.due_cents, t.overage_cents, t.total_cents)]
