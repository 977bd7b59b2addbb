"""The actions the pairwise race test (tests/test_races.py) runs, and the worker processes
that run them: each worker serves one action per round, started at the same moment as its
rival's by a shared barrier, and reports what happened."""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable

import storage

# Every action a race can run, on the objects of one round (`ctx`: the round's customer,
# contract number, line reference, case number and business day). The parent replays the
# same functions in-process, so racing and serial runs do exactly the same calls.
ACTIONS = {
    # a case
    "resolve_case": lambda c: storage.resolve_case(c["case"], resolution="fixed in a race"),
    "reopen_case": lambda c: storage.reopen_case(c["case"]),
    "cancel_case": lambda c: storage.cancel_case(c["case"]),
    # a line
    "charge": lambda c: storage.resolve(c["ref"], "race call"),
    "override": lambda c: storage.resolve(c["ref"], "race call", override=True),
    "adjust_down": lambda c: storage.adjust(c["ref"], "-1", "race correction"),
    "adjust_up": lambda c: storage.adjust(c["ref"], "+1", "race correction"),
    "cancel_line": lambda c: storage.cancel_line(c["ref"]),
    # a contract
    # the draft as a form read it (its version), saved: a change made since is refused
    "edit": lambda c: storage.edit_contract(
        c["number"], title="Edited in a race", expected_version=c["version"]
    ),
    "invoice": lambda c: storage.invoice(c["number"]),
    "hold": lambda c: storage.hold(c["number"]),
    "release": lambda c: storage.release(c["number"]),
    "cancel": lambda c: storage.cancel(c["number"], on=c["today"], reason="race"),
    "renew": lambda c: storage.renew(c["number"]),
    "copy": lambda c: storage.copy(c["number"]),
    "delete": lambda c: storage.delete(c["number"]),
    "add_line": lambda c: storage.add_line(c["number"], "Added line", allotment="5", price="100"),
    "sweep": lambda c: storage.sweep(),
}


def outcome(call: Callable[..., object], *args: object) -> tuple:
    """What `call(*args)` did: ("ok", value), ("refused", kind of refusal, sentence) or
    ("error", what and where). Every racers' module reports this way."""
    try:
        return ("ok", call(*args))
    except storage.Refused as exc:
        return ("refused", type(exc).__name__, str(exc))
    except Exception as exc:  # noqa: BLE001 - any other failure is what the test looks for
        return ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def run(action: str, ctx: dict) -> tuple:
    return outcome(ACTIONS[action], ctx)


def serve(url: str, barrier, conn, actions: str = __name__) -> None:
    """A long-lived racer: for each (action, args, delay) received, wait for the rival at the
    barrier, run the action after `delay` seconds (none, or a head start of a millisecond or
    two for the rival, to vary the interleaving) and send back the outcome; None ends it.
    `actions`: the module whose `run(action, *args)` runs them (this one, or another test
    file's worker module)."""
    run_action = importlib.import_module(actions).run
    storage.open_database(url)
    conn.send(("ready", storage.__file__))
    while True:
        message = conn.recv()
        if message is None:
            break
        action, args, delay = message
        try:
            barrier.wait(timeout=60)
        except Exception as exc:  # noqa: BLE001 - a broken barrier: report it, keep serving
            conn.send(("error", f"barrier: {type(exc).__name__}"))
            continue
        if delay:
            time.sleep(delay)
        conn.send(run_action(action, *args))
    storage.close_database()
