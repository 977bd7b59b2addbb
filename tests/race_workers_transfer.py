"""The actions the import race test (tests/test_races_transfer.py) runs, each by one of two
racers, and the worker processes that run them, as in tests/race_workers.py."""

from __future__ import annotations

import traceback

import storage

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
    """("ok", value), ("refused", kind of refusal, sentence) or ("error", what and where)."""
    try:
        return ("ok", ACTIONS[action](ctx, side))
    except storage.Refused as exc:
        return ("refused", type(exc).__name__, str(exc))
    except Exception as exc:  # noqa: BLE001 - any other failure is what the test looks for
        return ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
