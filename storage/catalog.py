"""Customers, templates and users: the things contracts are made from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import peewee as pw

from . import audit, caller_id
from .allotments import allotment as allotment_kind
from .allotments import rounded_types
from .amounts import parse_duration
from .clock import now_utc
from .db import is_postgres, reads, writes
from .errors import InvalidInput, NeedsConfirmation, NotFound, Refused
from .lookup import find_customer, find_template
from .models import (
    BILLING_FREQUENCIES,
    ROLES,
    Contract,
    Customer,
    Template,
    User,
    database,
    tuples,
)
from .people import LISTED, MANAGE_USERS, SUPERVISOR_ONLY, permissions_apply, require
from .text import free_text, one_line
from .views import CustomerInfo, TemplateInfo, UserInfo

NAME_LIMIT = 120  # characters of a customer's or template's name
# phone numbers or addresses: one, several, or text separated by commas or semicolons
Several = str | Iterable[object] | None


def check_hours(text: object) -> str:
    """Service hours as written back, or InvalidInput (the rules are in hours.py)."""
    from .hours import parse

    return parse(text if text not in (None, "") else "24x7").text


def _customer_info(
    c: Customer,
    contracts: int = 0,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
) -> CustomerInfo:
    if phones is None or emails is None:
        contacts = _contact_lists(c)
        phones, emails = contacts["phones"], contacts["emails"]
    return CustomerInfo(
        name=c.name,
        email=emails[0] if emails else None,
        phone=phones[0] if phones else None,
        contracts=contracts,
        phones=list(phones),
        emails=list(emails),
    )


def _many(values: Several) -> list[str]:
    """Phone numbers or addresses given one by one, as a list, or as text separated by
    commas or semicolons; blanks dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [
        part.strip()
        for value in values
        for part in re.split(r"[,;]", str(value or ""))
        if part.strip()
    ]


@writes
def add_customer(name: str, email: Several = None, phone: Several = None) -> CustomerInfo:
    """A new customer with any number of e-mail addresses and phone numbers (each one, a
    list, or text separated by commas); a number or address of another customer's is
    refused, and nothing is added."""
    who = require(LISTED, "add customers")
    name = one_line(name, "customer name", NAME_LIMIT)
    if Customer.select().where(Customer.name_key == name.casefold()).exists():
        raise Refused(f"a customer named '{name}' already exists.")
    emails, phones = _many(email), _many(phone)
    for address in emails:
        caller_id.email_address(address)  # bad input first, before anything is written
    customer = Customer.create(name=name, name_key=name.casefold(), created=now_utc())
    emails = [caller_id.add_email(customer, address) for address in emails]
    phones = [caller_id.add_phone(customer, number) for number in phones]
    audit.record("customer", name, "add", who, {"emails": emails, "phones": phones})
    return _customer_info(customer, phones=phones, emails=emails)


@writes
def edit_customer(
    name: str,
    new_name: str | None = None,
    email: Several = None,
    phone: Several = None,
    *,
    add_emails: Several = (),
    remove_emails: Several = (),
    add_phones: Several = (),
    remove_phones: Several = (),
) -> CustomerInfo:
    """Rename a customer, or change their addresses and numbers: `email`/`phone` replace all
    of them ('' removes all), `add_…`/`remove_…` change one at a time."""
    who = require(LISTED, "edit customers")
    customer = find_customer(name)
    before = _contact_lists(customer)
    renamed = customer.name
    if new_name is not None:
        renamed = one_line(new_name, "customer name", NAME_LIMIT)
        clash = Customer.get_or_none(Customer.name_key == renamed.casefold())
        if clash is not None and clash.id != customer.id:
            raise Refused(f"a customer named '{renamed}' already exists.")
    if email is not None:
        caller_id.replace_emails(customer, _many(email))
    if phone is not None:
        caller_id.replace_phones(customer, _many(phone))
    for address in _many(remove_emails):
        caller_id.remove_email(customer, address)
    for number in _many(remove_phones):
        caller_id.remove_phone(customer, number)
    for address in _many(add_emails):
        caller_id.add_email(customer, address)
    for number in _many(add_phones):
        caller_id.add_phone(customer, number)
    contacts = _contact_lists(customer)  # as the changes left them
    after = {"name": renamed, **contacts}
    changes = audit.diff({"name": customer.name, **before}, after)
    if not changes:
        raise InvalidInput("nothing to change on the customer.")
    if renamed != customer.name:
        _rename_customer(customer, renamed)
    audit.record("customer", renamed, "edit", who, changes)
    return _customer_info(
        Customer.get_by_id(customer.id), phones=contacts["phones"], emails=contacts["emails"]
    )


def _contact_lists(customer: Customer) -> dict[str, list[str]]:
    return {
        "emails": caller_id.emails_of([customer.id]).get(customer.id, []),
        "phones": caller_id.phones_of([customer.id]).get(customer.id, []),
    }


def _rename_customer(customer: Customer, new_name: str) -> None:
    from .lifecycle import _search_text

    Customer.update(name=new_name, name_key=new_name.casefold()).where(
        Customer.id == customer.id
    ).execute()
    for c in Contract.select(Contract.id, Contract.number, Contract.title).where(
        Contract.customer == customer.id
    ):
        Contract.update(search=_search_text(c.number, new_name, c.title)).where(
            Contract.id == c.id
        ).execute()


@reads
def list_customers(text: str | None = None, limit: int | None = None) -> list[CustomerInfo]:
    counts = Contract.select(Contract.customer, pw.fn.COUNT(Contract.id).alias("n")).group_by(
        Contract.customer
    )
    query = Customer.select().order_by(Customer.name_key)
    if text:
        query = query.where(Customer.name_key.contains(" ".join(text.split()).casefold()))
    if limit:
        query = query.limit(limit)
    customers = list(query)
    ids = [c.id for c in customers]
    if not ids:
        return []
    per = {cid: n for cid, n in tuples(counts.where(Contract.customer.in_(ids)))}
    phones, emails = caller_id.phones_of(ids), caller_id.emails_of(ids)
    return [
        _customer_info(c, per.get(c.id, 0), phones.get(c.id, []), emails.get(c.id, []))
        for c in customers
    ]


def _template_fields(
    allotment: str,
    billing: str,
    volume: str | int | None,
    hours: str | None,
    increment: str | int | None,
    minimum: str | int | None,
) -> dict[str, Any]:
    kind = allotment_kind(allotment)
    if billing not in BILLING_FREQUENCIES:
        raise InvalidInput(f"billing '{billing}' is not one of {', '.join(BILLING_FREQUENCIES)}.")
    if not kind.metered:
        if volume not in (None, ""):
            raise InvalidInput(f"a {kind.name} template has no volume: it covers unlimited cases.")
        vol = None
    else:
        vol = None if volume in (None, "") else kind.parse(volume, "volume")
    if not kind.rounded and (increment not in (None, "") or minimum not in (None, "")):
        raise InvalidInput(
            f"billing increment and minimum apply only to {rounded_types()} templates."
        )
    inc = parse_duration(increment, "billing increment") if increment not in (None, "") else None
    mini = parse_duration(minimum, "billing minimum") if minimum not in (None, "") else None
    return {
        "allotment_type": allotment,
        "billing": billing,
        "volume": vol,
        "hours": check_hours(hours),
        "increment": inc,
        "minimum": mini,
    }


@writes
def add_template(
    name: str,
    abbr: str,
    allotment: str,
    billing: str,
    volume: str | int | None = None,
    hours: str | None = "24x7",
    increment: str | int | None = None,
    minimum: str | int | None = None,
    description: str | None = "",
) -> TemplateInfo:
    who = require(SUPERVISOR_ONLY, "change templates")
    name = one_line(name, "template name", NAME_LIMIT)
    abbr = one_line(abbr, "abbreviation", NAME_LIMIT).upper()
    if len(abbr) > 8 or " " in abbr:
        raise InvalidInput(f"the abbreviation '{abbr}' must be one word of at most 8 characters.")
    if Template.select().where(Template.name == name).exists():
        raise Refused(f"a template named '{name}' already exists.")
    if Template.select().where(Template.abbr == abbr).exists():
        raise Refused(f"the abbreviation '{abbr}' is already used by another template.")
    fields = _template_fields(allotment, billing, volume, hours, increment, minimum)
    stamp = now_utc()
    template = Template.create(
        name=name,
        abbr=abbr,
        description=free_text(description, "description", 2000, crlf=True),
        created=stamp,
        modified=stamp,
        **fields,
    )
    audit.record("template", name, "add", who, {"abbr": abbr, **fields})
    return template_info(template)


@writes
def edit_template(
    name: str,
    new_name: str | None = None,
    volume: str | int | None = None,
    hours: str | None = None,
    increment: str | int | None = None,
    minimum: str | int | None = None,
    description: str | None = None,
    billing: str | None = None,
) -> TemplateInfo:
    """Change a template; contracts already made from it keep their copy of the terms."""
    who = require(SUPERVISOR_ONLY, "change templates")
    template = find_template(name)
    before = {
        k: getattr(template, k)
        for k in ("name", "volume", "hours", "increment", "minimum", "description", "billing")
    }
    fields = _template_fields(
        template.allotment_type,
        billing if billing is not None else template.billing,
        volume if volume is not None else template.volume,
        hours if hours is not None else template.hours,
        increment if increment is not None else template.increment,
        minimum if minimum is not None else template.minimum,
    )
    fields["name"] = (
        one_line(new_name, "template name", NAME_LIMIT) if new_name is not None else template.name
    )
    fields["description"] = (
        free_text(description, "description", 2000, crlf=True)
        if description is not None
        else template.description
    )
    clash = Template.get_or_none(Template.name == fields["name"])
    if clash is not None and clash.id != template.id:
        raise Refused(f"a template named '{fields['name']}' already exists.")
    changes = audit.diff(before, {k: fields[k] for k in before})
    if not changes:
        raise InvalidInput("nothing to change on the template.")
    Template.update(modified=now_utc(), **fields).where(Template.id == template.id).execute()
    audit.record("template", fields["name"], "edit", who, changes)
    return template_info(Template.get_by_id(template.id))


def template_info(t: Template) -> TemplateInfo:
    return TemplateInfo(
        name=t.name,
        abbr=t.abbr,
        allotment_type=t.allotment_type,
        billing=t.billing,
        volume=t.volume,
        hours=t.hours,
        increment=t.increment,
        minimum=t.minimum,
        description=t.description,
    )


@reads
def list_templates() -> list[TemplateInfo]:
    return [template_info(t) for t in Template.select().order_by(Template.name)]


@reads
def get_template(name: str) -> TemplateInfo:
    return template_info(find_template(name))


def _lock_users() -> None:
    """Changes to the users decide on the whole table (is this the last supervisor?): they
    take its lock first, so two of them never decide on the same stale picture."""
    if is_postgres():
        database.execute_sql('LOCK TABLE "user" IN SHARE ROW EXCLUSIVE MODE')


def _others_listed(login: str) -> int:
    return User.select().where(User.login != login).count()


def _refuse_losing_the_last_supervisor(user: User) -> None:
    """Refuse when `user` is the last supervisor and other users are listed."""
    supervisors = [u.login for u in User.select(User.login).where(User.role == "supervisor")]
    if supervisors == [user.login] and _others_listed(user.login):
        raise Refused(
            f"{user.login} is the last supervisor and other users are listed; make another "
            "user a supervisor first."
        )


@writes
def add_user(login: str, role: str, confirm: bool = False) -> UserInfo:
    """Add a user or change their role (SPEC §8).

    The first supervisor turns permissions on; adding one who is not you needs `confirm`
    (you lose the right to change anything unless you are listed too). The last supervisor
    cannot be demoted while other users are listed."""
    login = one_line(login, "login", 64)
    if role not in ROLES:
        raise InvalidInput(f"role '{role}' is not one of {', '.join(ROLES)}.")
    _lock_users()
    from .people import current_login

    me = current_login()
    if permissions_apply():
        who = require(*MANAGE_USERS)
    else:
        who = me
        if role == "supervisor" and login != me and not confirm:
            mine = User.get_or_none(User.login == me)
            after = f"a {mine.role}" if mine else "only able to read"
            raise NeedsConfirmation(
                f"{login} would be the first supervisor: permissions then apply and you "
                f"({me}) will be {after}; confirm (--yes), or add yourself as a supervisor first."
            )
    existing = User.get_or_none(User.login == login)
    if existing is not None:
        if existing.role == role:
            raise Refused(f"{login} is already a {role}.")
        _refuse_losing_the_last_supervisor(existing)
        User.update(role=role).where(User.id == existing.id).execute()
        audit.record("user", login, "role", who, {"role": [existing.role, role]})
    else:
        User.create(login=login, role=role, created=now_utc())
        audit.record("user", login, "add", who, {"role": role})
    return UserInfo(login=login, role=role)


@writes
def remove_user(login: str) -> None:
    """Remove a user; never the last supervisor while other users are listed."""
    _lock_users()
    who = require(*MANAGE_USERS)
    user = User.get_or_none(User.login == str(login or "").strip())
    if user is None:
        raise NotFound(f"there is no user {one_line(login, 'login', 64)}.")
    _refuse_losing_the_last_supervisor(user)
    User.delete().where(User.id == user.id).execute()
    audit.record("user", user.login, "remove", who, {"role": user.role})


@reads
def list_users() -> list[UserInfo]:
    return [UserInfo(login=u.login, role=u.role) for u in User.select().order_by(User.login)]
