"""The actions the catalog race test (tests/test_races_catalog.py) runs: customers' phone
numbers and addresses, templates' days off and the database's settings, each run by one of
two racers (`side` 0 or 1, for the pairs whose two calls differ only by whose they are),
and the worker processes that run them, as in tests/race_workers.py."""

from __future__ import annotations

import storage
from tests.race_workers import outcome


def _customer(c: dict, side: int) -> str:
    return c["customers"][side]


# Every action a race can run on the objects of one round (`ctx`). The parent replays the
# same functions in-process, so racing and serial runs do exactly the same calls.
ACTIONS = {
    # a customer's numbers and addresses
    "add_customer_phone": lambda c, s: storage.add_customer(c["new"][s], phone=c["phone"]),
    "add_customer_email": lambda c, s: storage.add_customer(c["new"][s], email=c["emails"][s]),
    "add_phone": lambda c, s: storage.edit_customer(_customer(c, s), add_phones=c["phone"]),
    "add_phone_here": lambda c, s: storage.edit_customer(_customer(c, 0), add_phones=c["phone"]),
    "remove_phone": lambda c, s: storage.edit_customer(_customer(c, 0), remove_phones=c["phone"]),
    "add_local_phone": lambda c, s: storage.edit_customer(
        _customer(c, s), add_phones=c["local_phone"]
    ),
    "add_email": lambda c, s: storage.edit_customer(_customer(c, s), add_emails=c["emails"][s]),
    # a template's days off
    "add_day_off": lambda c, s: storage.add_days_off(c["template"], c["day"]),
    "remove_day_off": lambda c, s: storage.remove_days_off(c["template"], c["day"]),
    # the database's settings
    "set_attention": lambda c, s: storage.set_attention(c["thresholds"][s], c["within"][s]),
    "set_phone_region": lambda c, s: storage.set_phone_region(c["regions"][s]),
    "set_zone": lambda c, s: storage.set_zone(c["zones"][s]),
}


def run(action: str, ctx: dict, side: int) -> tuple:
    return outcome(ACTIONS[action], ctx, side)
