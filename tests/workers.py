"""Functions run in separate processes by the concurrency and crash tests."""

from __future__ import annotations

import storage


def charge_many(
    url: str, ref: str, attempts: int, spent: str | None, login: str, today: str
) -> dict:
    """Try to charge `attempts` cases to one line; count what happened to each attempt."""
    storage.open_database(url)
    storage.clock.freeze(storage.parse_date(today))
    outcome = {"charged": 0, "exhausted": 0, "other": []}
    with storage.acting_as(login):
        for i in range(attempts):
            try:
                storage.resolve(ref, f"{login} call {i}", spent=spent)
                outcome["charged"] += 1
            except storage.Refused as exc:
                if "allotment exhausted" in str(exc):
                    outcome["exhausted"] += 1
                else:
                    outcome["other"].append(str(exc))
            except storage.DatabaseUnavailable as exc:
                outcome["other"].append(f"unavailable: {exc}")
    storage.close_database()
    return outcome


def _random_rounds(
    url: str, login: str, seed: int, rounds: int, outcome: dict, step, today: str | None = None
) -> dict:
    """`step(rng, i, mine)` `rounds` times as `login` (`mine`: what the worker made so far,
    for it to pick from), on `today` when given; a refusal or an unavailable database is
    counted in `outcome`."""
    import random

    rng = random.Random(seed)
    storage.open_database(url)
    if today:
        storage.clock.freeze(storage.parse_date(today))
    mine: list[str] = []
    with storage.acting_as(login):
        for i in range(rounds):
            try:
                step(rng, i, mine)
            except storage.Refused:
                outcome["refused"] += 1
            except storage.DatabaseUnavailable as exc:
                outcome["other"].append(f"unavailable: {exc}")
    storage.close_database()
    return outcome


def mixed_work(url: str, number: str, rounds: int, login: str, today: str, seed: int) -> dict:
    """Charges, reopens, holds and releases interleaved on one contract."""
    outcome = {"charged": 0, "reopened": 0, "refused": 0, "other": []}

    def step(rng, i: int, mine: list[str]) -> None:
        roll = rng.random()
        if roll < 0.55:
            mine.append(storage.resolve(f"{number}/1", f"{login} {i}"))
            outcome["charged"] += 1
        elif roll < 0.8 and mine:
            storage.reopen_case(mine.pop(rng.randrange(len(mine))))
            outcome["reopened"] += 1
        elif roll < 0.9:
            storage.hold(number)
        else:
            storage.release(number)

    return _random_rounds(url, login, seed, rounds, outcome, step, today)


def status_changes(url: str, shared: list[str], rounds: int, login: str, seed: int) -> dict:
    """New drafts (all of the same dates), invoiced, deleted, and holds, releases and
    cancels of the `shared` contracts, at random: what moves the counts per status."""
    outcome: dict = {"done": 0, "refused": 0, "other": []}

    def step(rng, i: int, mine: list[str]) -> None:
        roll = rng.random()
        if roll < 0.3 or not mine:
            mine.append(
                storage.new_contract("Acme Corp", "Phone Support", "2026-01-01", "2026-12-31")
            )
            storage.add_line(mine[-1], f"Line {i}", price="100")
        elif roll < 0.45:
            storage.invoice(mine.pop())
        elif roll < 0.55:
            storage.delete(mine.pop())
        else:
            action = rng.choice([storage.hold, storage.release, storage.release])
            if roll > 0.95:
                storage.cancel(rng.choice(shared), "2026-12-01", "moved")
            else:
                action(rng.choice(shared))
        outcome["done"] += 1

    return _random_rounds(url, login, seed, rounds, outcome, step)


def charge_and_report(url: str, refs: list[str], today: str) -> None:
    """Charge forever, printing each case number once the charge is committed (crash test)."""
    import sys

    storage.open_database(url)
    storage.clock.freeze(storage.parse_date(today))
    i = 0
    while True:
        ref = refs[i % len(refs)]
        i += 1
        try:
            number = storage.resolve(ref, f"crash test {i}")
        except storage.Refused:
            continue
        sys.stdout.write(number + "\n")
        sys.stdout.flush()


def user_change(url: str, acting: str, action: str, login: str, barrier) -> str:
    """One change to the users, released together with another process by `barrier`."""
    storage.open_database(url)
    try:
        with storage.acting_as(acting):
            barrier.wait(10)
            try:
                if action == "remove":
                    storage.remove_user(login)
                else:
                    storage.add_user(login, action)
                return "ok"
            except storage.Refused as exc:
                return f"refused: {exc}"
            except storage.DatabaseUnavailable as exc:
                return f"unavailable: {exc}"
    finally:
        storage.close_database()
