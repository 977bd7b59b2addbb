"""Caller ID: a customer's phone numbers and e-mail addresses (SPEC §2), and finding the
customer a phone system or a rep gives by either.

Phone numbers are stored normalised to E.164 (`+34911234567`), read with the database's
default phone region when they carry no country code, so `+34 911 23 45 67`,
`0034911234567` and `911 234 567` (region ES) are one number. Addresses match whatever their
case. A number or an address belongs to one customer only.

The phone rules are Google's (`phonenumbers`), imported only when a number is read: it is
heavy, and `contracts check ACME` never needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import peewee as pw

from .errors import InvalidInput, Refused
from .models import Customer, CustomerEmail, CustomerPhone, tuples
from .text import quoted

REGION_SETTING = "phone_region"
# Only what a phone number is written with, and at least five digits or a leading +: "3M"
# or "Route 66" stay names; a bare "12345" is a (too short) number.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")
ADDRESS_LIMIT = 254  # characters of an e-mail address (RFC 5321)


def _without_scheme(text: str, scheme: str) -> str:
    return text[len(scheme) :] if text[: len(scheme)].lower() == scheme else text


def looks_like_phone(text: str) -> bool:
    """Whether a query is a phone number (also as `tel:+34…`) rather than a name."""
    raw = _without_scheme(str(text or "").strip(), "tel:")
    digits = sum(ch.isdigit() for ch in raw)
    return bool(_PHONE_LIKE.match(raw)) and (digits >= 5 or (raw.startswith("+") and digits > 0))


def looks_like_email(text: str) -> bool:
    """Whether a query is an e-mail address (also as `mailto:…`) rather than a name."""
    return bool(_EMAIL.match(_without_scheme(str(text or "").strip(), "mailto:")))


# ---------------------------------------------------------------------------------------
# Phone numbers


def check_region(code: object) -> str:
    """A default phone region as typed (ES, GB, US…), or one sentence saying it is not one."""
    import phonenumbers

    region = str(code or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"'{quoted(region)[:20]}' is not a phone region; give a country code like ES, GB or US."
        )
    return region


def region_of_zone(zone: str | None) -> str | None:
    """The country of a time zone (Europe/Madrid: ES), from the system's zone table; None
    when it is not known (UTC, or no table)."""
    import importlib
    import os

    paths = ["/usr/share/zoneinfo/zone.tab"]
    try:
        tzdata = importlib.import_module("tzdata")  # the package ships no type stubs
        if tzdata.__file__ is not None:
            paths.append(os.path.join(os.path.dirname(tzdata.__file__), "zoneinfo", "zone.tab"))
    except ImportError:
        pass
    for path in paths:
        try:
            with open(path, encoding="utf-8") as table:
                for row in table:
                    parts = row.split("\t")
                    if len(parts) >= 3 and not row.startswith("#") and parts[2].strip() == zone:
                        return parts[0].strip().upper()
        except OSError:
            continue
    return None


def phone_number(text: object, region: str | None) -> tuple[str, str]:
    """(E.164, as people read it) of a number as typed; InvalidInput (one sentence) when it is
    not a valid number, or has no country code and the database has no default region."""
    import phonenumbers

    typed = _without_scheme(" ".join(str(text or "").split()), "tel:")
    shown = quoted(typed)[:40]
    if not typed:
        raise InvalidInput("the phone number is empty.")
    if region is None and typed.startswith("00"):
        typed = "+" + typed[2:]  # the international prefix of most of the world
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidInput(
                f"'{shown}' has no country code and the database has no default phone region; "
                "write it like +34 911 234 567, or set one with `contracts settings "
                "--phone-region ES`."
            ) from None
        raise InvalidInput(f"'{shown}' is not a valid phone number.") from None
    if not phonenumbers.is_valid_number(number):
        where = f" (read as a number of {region} without a country code)" if region else ""
        if typed.startswith(("+", "00")):
            where = ""
        raise InvalidInput(f"'{shown}' is not a valid phone number{where}.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    readable = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return e164, readable


def phone_region() -> str | None:
    """The database's default phone region (read when a number is)."""
    from .db import setting

    return setting(REGION_SETTING) or None


# ---------------------------------------------------------------------------------------
# E-mail addresses


def email_address(text: object) -> tuple[str, str, str]:
    """(address as typed, its key in lower case, its domain) of an address; InvalidInput
    (one sentence) when it is not one."""
    address = _without_scheme(str(text or "").strip(), "mailto:")
    match = _EMAIL.match(address)
    if not match or len(address) > ADDRESS_LIMIT or not address.isprintable():
        raise InvalidInput(f"'{quoted(address)[:60]}' is not a valid email address.")
    return address, address.lower(), match.group(1).lower()


# ---------------------------------------------------------------------------------------
# Finding the caller


def _stored(e164: str) -> tuple[Customer, str] | None:
    """The customer with this E.164 number and the number as shown (one indexed look-up);
    None when no one has it."""
    row = (
        Customer.select(Customer, CustomerPhone.shown)
        .join(CustomerPhone)
        .where(CustomerPhone.number == e164)
        .objects()
        .first()
    )
    return (row, row.shown) if row is not None else None


def customer_by_phone(text: object) -> tuple[Customer | None, str]:
    """The customer whose number this is, and the number as read.

    What a phone system sends, +34911234567 (or +34 911 23 45 67), is looked up as it is:
    a stored number is valid, so a match needs no phone rules. Any other spelling, or no
    match, goes through them (imported then) for the exact number or the sentence why not."""
    typed = _without_scheme(str(text or "").strip(), "tel:")
    if typed.startswith("+"):
        found = _stored("+" + "".join(ch for ch in typed if ch.isdigit()))
        if found is not None:
            return found
    e164, readable = phone_number(text, phone_region())
    found = _stored(e164)
    return (found[0] if found is not None else None), readable


def customer_by_email(text: object) -> tuple[Customer | None, str, list[str]]:
    """The customer whose address this is (one indexed look-up), the address, and when no
    one has it, the customers who have an address at its domain (candidates, not matches)."""
    address, key, domain = email_address(text)
    customer = Customer.select().join(CustomerEmail).where(CustomerEmail.address_key == key).first()
    if customer is not None:
        return customer, address, []
    candidates = [
        name
        for (name,) in tuples(
            Customer.select(Customer.name)
            .join(CustomerEmail)
            .where(CustomerEmail.domain == domain)
            .distinct()
            .order_by(Customer.name)
            .limit(5)
        )
    ]
    return None, address, candidates


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


# ---------------------------------------------------------------------------------------
# A customer's numbers and addresses


def _per_customer(
    model: type[CustomerPhone | CustomerEmail], column: pw.Field, customer_ids: Iterable[int]
) -> dict[int, list[str]]:
    """column's values per customer, in the order they were added; for many customers the
    whole (small) table is read instead of a list of ids too long for one statement."""
    ids = set(customer_ids)
    per: dict[int, list[str]] = {}
    if not ids:
        return per
    query = model.select(model.customer, column).order_by(model.id)
    if len(ids) <= 500:
        query = query.where(model.customer.in_(list(ids)))
    for customer_id, value in tuples(query):
        if customer_id in ids:
            per.setdefault(customer_id, []).append(value)
    return per


def phones_of(customer_ids: Iterable[int]) -> dict[int, list[str]]:
    """The numbers (as people read them) of each customer."""
    return _per_customer(CustomerPhone, CustomerPhone.shown, customer_ids)


def emails_of(customer_ids: Iterable[int]) -> dict[int, list[str]]:
    """The addresses (as typed) of each customer."""
    return _per_customer(CustomerEmail, CustomerEmail.address, customer_ids)


def _owner_name(customer_id: int) -> str:
    return Customer.select(Customer.name).where(Customer.id == customer_id).scalar()


def _refuse_taken(owner_id: int, customer: Customer, what: str) -> None:
    """A number or address belongs to one customer: refuse `what` ("the address a@b.c"),
    already this customer's or another's."""
    if owner_id == customer.id:
        raise Refused(f"{customer.name} already has {what}.")
    raise Refused(f"{what} already belongs to {_owner_name(owner_id)}.")


def _remove_contact(
    model: type[CustomerPhone | CustomerEmail], match: Any, customer: Customer, what: str
) -> None:
    """Delete the customer's number or address that `match` finds; refused when none."""
    deleted = model.delete().where((model.customer == customer.id) & match).execute()
    if not deleted:
        raise Refused(f"{customer.name} has no {what}.")


def add_phone(customer: Customer, text: object) -> str:
    """Give the customer a number; refused when it is another customer's. Returns it as read."""
    e164, readable = phone_number(text, phone_region())
    owner = CustomerPhone.get_or_none(CustomerPhone.number == e164)
    if owner is not None:
        _refuse_taken(owner.customer_id, customer, f"the phone number {readable}")
    CustomerPhone.create(customer=customer.id, number=e164, shown=readable)
    return readable


def remove_phone(customer: Customer, text: object) -> str:
    e164, readable = phone_number(text, phone_region())
    _remove_contact(
        CustomerPhone, CustomerPhone.number == e164, customer, f"phone number {readable}"
    )
    return readable


def add_email(customer: Customer, text: object) -> str:
    """Give the customer an address; refused when it is another customer's."""
    address, key, domain = email_address(text)
    owner = CustomerEmail.get_or_none(CustomerEmail.address_key == key)
    if owner is not None:
        _refuse_taken(owner.customer_id, customer, f"the address {owner.address}")
    CustomerEmail.create(customer=customer.id, address=address, address_key=key, domain=domain)
    return address


def remove_email(customer: Customer, text: object) -> str:
    address, key, _domain = email_address(text)
    _remove_contact(CustomerEmail, CustomerEmail.address_key == key, customer, f"address {address}")
    return address


def replace_phones(customer: Customer, texts: list[str]) -> None:
    """The customer's numbers become exactly these (the ones kept keep their place)."""
    _replace(
        customer,
        texts,
        lambda text: phone_number(text, phone_region())[0],
        CustomerPhone.number,
        add_phone,
    )


def replace_emails(customer: Customer, texts: list[str]) -> None:
    """The customer's addresses become exactly these (the ones kept keep their place)."""
    _replace(
        customer, texts, lambda text: email_address(text)[1], CustomerEmail.address_key, add_email
    )


def _replace(
    customer: Customer,
    texts: list[str],
    key_of: Callable[[str], str],
    column: Any,
    add: Callable[[Customer, str], str],
) -> None:
    """The customer's rows of `column`'s table become those of `texts` (told apart by
    `key_of`, stored in `column`): the others are deleted, the missing ones added by `add`."""
    model = column.model
    wanted: dict[str, str] = {}
    for text in texts:
        wanted.setdefault(key_of(text), text)
    model.delete().where((model.customer == customer.id) & column.not_in(list(wanted))).execute()
    have = {k for (k,) in tuples(model.select(column).where(model.customer == customer.id))}
    for key, text in wanted.items():
        if key not in have:
            add(customer, text)


# ---------------------------------------------------------------------------------------
# Upgrading (migration 3)


def move_old_contacts(
    customer_id: int, name: str, email: str | None, phone: str | None, region: str | None
) -> None:
    """One customer's old email and phone into the new tables. A value that cannot be kept
    (not a valid number, or already another customer's) is left out and said so in the
    audit trail, with the value, so that nothing is lost without a trace."""
    from . import audit
    from .clock import now_utc
    from .models import AuditEvent
    from .people import current_login

    for kind, value in (("email", email), ("phone", phone)):
        if not (value or "").strip():
            continue
        try:
            if kind == "email":
                address, key, domain = email_address(value)
                if CustomerEmail.get_or_none(CustomerEmail.address_key == key) is None:
                    CustomerEmail.create(
                        customer=customer_id, address=address, address_key=key, domain=domain
                    )
                    continue
            else:
                number, shown = phone_number(value, region)
                if CustomerPhone.get_or_none(CustomerPhone.number == number) is None:
                    CustomerPhone.create(customer=customer_id, number=number, shown=shown)
                    continue
            why = "it already belongs to another customer"
        except InvalidInput as refused:
            why = str(refused)
        AuditEvent.create(
            entity="customer",
            ref=name,
            action="migrate",
            who=current_login(),
            at=now_utc(),
            changes=audit.encode({kind: [value, None], "why": why}),
        )
