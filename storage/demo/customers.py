"""The demo's customers: each named by one draw from the space of names the words make, and
written batch by batch. Afterwards a customer is known by its place alone: its id follows the
first one, its name is made again from its draw, so a million contracts' customers are kept
in a few megabytes (an array of draws), not in hundreds of megabytes of rows.

Two draws never give the same name, nor the same e-mail domain (tests/test_demo.py checks it
over the whole space): only the names, addresses and numbers the database held before the
fill need looking up."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from ..models import Base, Customer, CustomerEmail, CustomerPhone
from .days import DAY, stamp
from .rows import CustomerRow, Making
from .words import INDUSTRIES, NAME_ADJECTIVES, NAME_NOUNS, NAME_REGIONS, NAME_SUFFIXES, NAME_WORDS

if TYPE_CHECKING:
    from .contacts import Contacts

BATCH_CUSTOMERS = 10_000  # customers (with their addresses, numbers and audit) per batch

PREFIXES = tuple(NAME_WORDS) + tuple(f"{a} {b}" for a in NAME_ADJECTIVES for b in NAME_NOUNS)
NAME_SPACE = len(PREFIXES) * len(INDUSTRIES) * len(NAME_SUFFIXES) * len(NAME_REGIONS)


def customer_name(draw: int) -> str:
    """The name a draw from range(NAME_SPACE) gives (the first draws need no suffix nor region)."""
    index, prefix = divmod(draw, len(PREFIXES))
    index, industry = divmod(index, len(INDUSTRIES))
    index, suffix = divmod(index, len(NAME_SUFFIXES))
    region = index % len(NAME_REGIONS)
    return (
        f"{PREFIXES[prefix]} {INDUSTRIES[industry]}" + NAME_REGIONS[region] + NAME_SUFFIXES[suffix]
    )


class Client(NamedTuple):
    """A generated customer, as contracts name it."""

    id: int
    name: str


class Clients:
    """The customers made, by their place in the order made (ids follow one another)."""

    def __init__(self, first_id: int) -> None:
        self.first_id = first_id
        self.draws = array("q")

    def __len__(self) -> int:
        return len(self.draws)

    def __getitem__(self, index: int) -> Client:
        return Client(self.first_id + index, customer_name(self.draws[index]))

    def id_of(self, index: int) -> int:
        return self.first_id + index


class CustomerMaking(Making):
    """The part of the generator (generator.Filler) that makes customers; it relies on the
    filler's total, taken_names, contacts, _audit and report too."""

    total: int
    taken_names: set[str]
    contacts: Contacts
    _id: Callable[[type[Base]], int]
    _audit: Callable[[str, str, str, int, dict[str, Any]], None]
    report: Callable[[int, int, str], None]

    def make_customers(self) -> Iterator[tuple[int, int]]:
        """A third as many customers as contracts, their rows added to the batch; yields how
        many are made of how many meant after every BATCH_CUSTOMERS of them, and at the end."""
        rng = self.rng
        n = max(5, self.total // 3)
        taken = self.taken_names
        space = len(PREFIXES) * len(INDUSTRIES)
        for extra in (1, len(NAME_SUFFIXES), len(NAME_REGIONS)):
            space *= extra
            if space >= 2 * (n + len(taken)):
                break
        picks = rng.sample(range(space), min(space, n + len(taken)))
        self.customers = made = Clients(self.next_id[Customer])
        self.report(0, n, "customers")
        for draw in picks:
            name = customer_name(draw)
            key = name.casefold()
            if key in taken:
                continue
            cid = self._id(Customer)
            created = (self.today - rng.randint(3000, 3600)) * DAY + rng.randint(28800, 64800)
            email, phone = self.contacts.draw(name)
            self.rows[Customer].append(CustomerRow(cid, name, key, stamp(created)))
            said = {"emails": [email] if email else [], "phones": [phone] if phone else []}
            self._audit("customer", name, "add", created, said)
            if email:
                email_row = self.contacts.email_row(self._id(CustomerEmail), cid, email)
                self.rows[CustomerEmail].append(email_row)
            if phone:
                phone_row = self.contacts.phone_row(self._id(CustomerPhone), cid, phone)
                self.rows[CustomerPhone].append(phone_row)
            made.draws.append(draw)
            if len(made) == n:
                break
            if len(made) % BATCH_CUSTOMERS == 0:
                yield len(made), n
        yield len(made), len(made)
