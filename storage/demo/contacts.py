"""The demo customers' e-mail addresses and phone numbers: like real ones, and each of them
belongs to one customer only (as the schema insists)."""

from __future__ import annotations

from ..models import CustomerEmail, CustomerPhone, tuples
from .dice import Dice
from .rows import EmailRow, PhoneRow
from .words import MAIL_BOXES, PHONE_PREFIXES


class Contacts:
    def __init__(self, rng: Dice) -> None:
        self.rng = rng
        # what the database holds already: generated ones avoid it (they never repeat one
        # another: each customer's domain is its own name's, and the serial never repeats)
        self.phones = {n for (n,) in tuples(CustomerPhone.select(CustomerPhone.number))}
        self.emails = {k for (k,) in tuples(CustomerEmail.select(CustomerEmail.address_key))}
        self.serial = 5550000

    def draw(self, name: str) -> tuple[str | None, str | None]:
        """An address (nine customers in ten) and a number (85 in 100) for a new customer;
        the same draws from the dice as the demo always made."""
        email = self._email(name) if self.rng.random() < 0.9 else None
        phone = self._phone() if self.rng.random() < 0.85 else None
        return email, phone

    def _email(self, name: str) -> str | None:
        """A mailbox at the customer's own domain, unless someone has it already."""
        email = f"{self.rng.choice(MAIL_BOXES)}@{mail_domain(name)}"
        return None if email.lower() in self.emails else email

    def _phone(self) -> str | None:
        """A number no one has, as people read it (+34 91 555 0001): the serial keeps them
        apart, the country varies."""
        prefix = self.rng.choice(PHONE_PREFIXES)
        self.rng.randint(0, 99), self.rng.randint(0, 99)  # the draws the demo always made
        self.serial += 1
        digits = str(self.serial)
        digits = _EIGHT.get(prefix[:3], "") + digits
        phone = f"{prefix} {digits[:-4]} {digits[-4:]}"
        return None if _e164(phone) in self.phones else phone

    def email_row(self, row_id: int, customer_id: int, email: str) -> EmailRow:
        key = email.lower()
        return EmailRow(row_id, customer_id, email, key, key.rsplit("@", 1)[1])

    def phone_row(self, row_id: int, customer_id: int, phone: str) -> PhoneRow:
        return PhoneRow(row_id, customer_id, _e164(phone), phone)


def mail_domain(name: str) -> str:
    """A customer's own domain: the words of its name, letters and digits only, hyphenated."""
    slug = "".join(ch for ch in name.lower() if ch.isalnum() or ch == " ").split()
    return f"{'-'.join(slug)}.example"


# where eight digits follow the area code: the first one that makes a valid number there
_EIGHT = {"+44": "7", "+49": "2", "+33": "4"}


def _e164(phone: str) -> str:
    return "+" + "".join(ch for ch in phone if ch.isdigit())
