"""`contracts customer …`, `contracts template …` and `contracts user …`: who the
contracts are for, what they are made from, and who may do what."""

from __future__ import annotations

import sys

import click

import storage
from tui.cli import needs_db
from tui.cli import output as out
from tui.cli.options import acts_on, limit_option, shows, shows_one, template_terms

# ---------------------------------------------------------------------------------------
# Customers


@click.group()
def customer() -> None:
    """Add, list and edit customers."""


@customer.command("add")
@click.argument("name")
@click.option(
    "--email", "emails", metavar="E", multiple=True, help="An e-mail address (repeat it)."
)
@click.option(
    "--phone",
    "phones",
    metavar="P",
    multiple=True,
    help="A phone number (repeat it); without a country code, in the database's phone region.",
)
@needs_db
def customer_add(name: str, emails: tuple[str, ...], phones: tuple[str, ...]) -> None:
    """Add a customer (names are unique, whatever their case; a phone number or e-mail
    address belongs to one customer only)."""
    info = storage.add_customer(name, email=list(emails), phone=list(phones))
    click.echo(f"Added customer {info.name}.")


@customer.command("edit")
@click.argument("name")
@click.option("--name", "new_name", metavar="NEW", help="A new name.")
@click.option("--add-phone", "add_phones", metavar="P", multiple=True, help="Add a phone number.")
@click.option("--remove-phone", "remove_phones", metavar="P", multiple=True)
@click.option("--add-email", "add_emails", metavar="E", multiple=True, help="Add an address.")
@click.option("--remove-email", "remove_emails", metavar="E", multiple=True)
@click.option(
    "--email",
    metavar="E",
    help="Replace every address with these (comma-separated; '' removes all).",
)
@click.option(
    "--phone",
    metavar="P",
    help="Replace every number with these (comma-separated; '' removes all).",
)
@needs_db
def customer_edit(
    name: str, new_name: str | None, email: str | None, phone: str | None, **lists
) -> None:
    """Change a customer's name, phone numbers or e-mail addresses."""
    info = storage.edit_customer(name, new_name=new_name, email=email, phone=phone, **lists)
    click.echo(f"Updated customer {info.name}.")


@customer.command("list")
@click.option("--filter", "text", metavar="TEXT", help="Only names containing TEXT.")
@limit_option(default=0, help="At most N (0: all).")
@shows()
def customer_list(text: str | None, limit: int, as_json: bool) -> None:
    """List customers with how many contracts each has."""
    customers = storage.list_customers(text=text, limit=limit or None)
    if out.json_or_nothing(
        customers, as_json, "No customers yet; add one with `contracts customer add NAME`."
    ):
        return
    rows = [[c.name, ", ".join(c.emails), ", ".join(c.phones), c.contracts] for c in customers]
    click.echo(
        out.table(["Customer", "Email", "Phone", "Contracts"], rows, right=(3,), flex=(0, 1))
    )


# ---------------------------------------------------------------------------------------
# Templates


@click.group()
def template() -> None:
    """Add, list and edit contract templates."""


def _describe_template(t) -> str:
    """`Dev Hours (DEV): time, billed monthly, 40h per line (rounded up to 15m), 24x7`."""
    kind = storage.allotment(t.allotment_type)
    if not kind.metered:
        volume = "unlimited cases"
    elif t.volume:
        volume = f"{kind.words(t.volume)} per line"
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
@template_terms(adding=True)
@needs_db
def template_add(name, abbr, allotment, **terms) -> None:
    """Add a contract template."""
    info = storage.add_template(name, abbr=abbr, allotment=allotment, **terms)
    click.echo(f"Added template {_describe_template(info)}.")


@template.command("edit")
@click.argument("name")
@click.option("--name", "new_name", metavar="NEW", help="A new name.")
@template_terms(adding=False)
@needs_db
def template_edit(name, new_name, **terms) -> None:
    """Change a template; contracts already made from it keep their terms."""
    info = storage.edit_template(name, new_name=new_name, **terms)
    click.echo(f"Updated template {_describe_template(info)}.")


@template.command("list")
@shows()
def template_list(as_json: bool) -> None:
    """List the contract templates."""
    templates = storage.list_templates()
    if out.json_or_nothing(
        templates, as_json, "No templates yet; add one with `contracts template add`."
    ):
        return
    rows = [
        [
            t.name,
            t.abbr,
            t.allotment_type,
            t.billing,
            storage.allotment(t.allotment_type).format(t.volume)
            if t.volume or not storage.allotment(t.allotment_type).metered
            else None,
            t.hours,
        ]
        for t in templates
    ]
    click.echo(
        out.table(
            ["Template", "Abbr", "Type", "Billing", "Volume", "Hours"],
            rows,
            right=(4,),
            flex=(0, 5),
        )
    )


@template.command("show")
@shows_one("name", lambda name: storage.get_template(name))
def template_show(info) -> None:
    """Show one template."""
    click.echo(_describe_template(info))
    days = storage.list_days_off(info.name)
    if days:
        click.echo(f"Days off: {', '.join(day.isoformat() for day in days)}.")
    if info.description:
        click.echo(info.description)


@template.group("holidays")
def holidays() -> None:
    """Days off: dates on which the template's contracts give no service."""


def _say_days_off(name: str, days) -> None:
    listed = ", ".join(day.isoformat() for day in days) or "none"
    click.echo(f"Days off of {storage.get_template(name).name}: {listed}.")


def _days_off_command(verb: str, change, help_text: str) -> None:
    """`holidays add` and `holidays remove`: a template and the dates, then the list."""

    @holidays.command(verb, help=help_text)
    @click.argument("name")
    @click.argument("dates", nargs=-1, required=True, metavar="DATE...")
    @needs_db
    def command(name: str, dates: tuple[str, ...]) -> None:
        _say_days_off(name, change(name, list(dates)))


_days_off_command(
    "add",
    lambda *a: storage.add_days_off(*a),
    "Add days off (YYYY-MM-DD) to a template; its contracts follow at once.",
)
_days_off_command(
    "remove", lambda *a: storage.remove_days_off(*a), "Take days off away from a template."
)


@holidays.command("list")
@shows("name")
def holidays_list(name: str, as_json: bool) -> None:
    """List a template's days off."""
    days = storage.list_days_off(name)
    if as_json:
        out.emit_json([day.isoformat() for day in days])
        return
    _say_days_off(name, days)


# ---------------------------------------------------------------------------------------
# Users


@click.group()
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
@shows()
def user_list(as_json: bool) -> None:
    """List users and their roles."""
    users = storage.list_users()
    if out.json_or_nothing(users, as_json, "No users configured: everyone may do everything."):
        return
    click.echo(out.table(["Login", "Role"], [[u.login, u.role] for u in users]))


@user.command("remove")
@acts_on("login")
def user_remove(login: str) -> None:
    """Remove a user."""
    storage.remove_user(login)
    click.echo(f"Removed {login}.")
