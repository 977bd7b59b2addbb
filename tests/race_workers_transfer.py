"""The actions the import race test (tests/test_races_transfer.py) runs, each by one of two
racers, and the worker processes that run them, as in tests/race_workers.py."""

from __future__ import annotations

import storage
from tests.race_workers import outcome

# Every action a race can run on the objects of one round (`c`, its ctx). The parent replays
# the same functions in-process, so racing and serial runs do exactly the same calls.
ACTIONS = {
    # the round's file: a new customer with one active contract of one line, some used
    "import": lambda c, s: storage.import_file([c["file"]])["counts"],
    # the customer the file brings, added by hand
    "add_customer": lambda c, s: storage.add_customer(c["customer"]),
    # a contract of a customer already there: takes the next number, as the import does
    "new_contract": lambda c, s: storage.new_contract(
        c["existing"], c["template"], "2026-01-01", "2026-12-31", title=c["title"]
    ),
    # a case charged to a line already there, while the import writes the ledger
    "resolve": lambda c, s: storage.resolve(c["line"], f"Case {c['tag']}"),
}


def run(action: str, ctx: dict, side: int) -> tuple:
    return outcome(ACTIONS[action], ctx, side)
