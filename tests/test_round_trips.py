"""Round trips, not just time (issue 13): how many statements the console sends to its
database for each thing a rep does, counted on the wire and kept at or below the figures
the README's performance section states. They do not vary with the machine, and once
PostgreSQL is on another host every extra round trip costs milliseconds.

PostgreSQL: requests counted by a proxy in front of the server (tests/helpers/wire.py).
SQLite: statements counted by sqlite3's trace callback (BEGIN and COMMIT included)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import storage
from tests.helpers import active_contract, make_world
from tests.helpers.console import console, press, settle, write
from tests.helpers.wire import Counter, WireProxy, sqlite_statements
from tui.first_load import FirstLoad
from tui.screens.contract import ContractScreen
from tui.screens.contracts import ContractsScreen
from tui.screens.forms import FormModal

README = Path(__file__).resolve().parent.parent / "README.md"
ACTIONS = ("first page", "filter keystroke", "tab switch", "open a contract", "record a case")


def readme_limits() -> dict[str, dict[str, int]]:
    """{action: {"sqlite": n, "postgres": n}} from the table after `<!-- round-trips -->`."""
    text = README.read_text().split("<!-- round-trips -->", 1)[1]
    limits = {}
    for row in re.findall(r"^\| ([^|]+?) \| (\d+) \| (\d+) \|", text, re.MULTILINE)[: len(ACTIONS)]:
        limits[row[0]] = {"sqlite": int(row[1]), "postgres": int(row[2])}
    assert list(limits) == list(ACTIONS), "the README's round-trip table names other actions"
    return limits


def two_connections_ready() -> None:
    """Both connections the console's pool keeps for its usual pace, open and each having
    read through the filter's index once, as after the console's first minute: a new
    connection's set-up (SQLite: four PRAGMAs, and FTS5 reading its configuration on the
    first search; PostgreSQL: a start-up) is then no step's, whichever step would have
    happened to open it."""
    both = threading.Barrier(2)

    def search() -> None:
        with storage.session():
            storage.count_contracts(text="Acm")
            both.wait(timeout=10)
            storage.count_contracts(text="Acm")

    threads = [threading.Thread(target=search) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def measure(url: str, counter) -> dict[str, int]:
    """What a rep does, counting the statements each step sends (`contracts` opens the
    database, then starts the console: the count starts there)."""
    counts: dict[str, int] = {}
    storage.open_database(url, pool=True)  # as `contracts` opens it for the console
    counter.take()
    # As `contracts` starts it: a thread sweeps and reads the first rows while it builds.
    async with console(url, (120, 36), first_load=FirstLoad()) as (pilot, app):
        counts["first page"] = counter.take()  # console() waited until start-up was done
        await asyncio.to_thread(two_connections_ready)
        counter.take()
        assert isinstance(app.screen, ContractsScreen)
        await press(pilot, "slash")
        await write(pilot, "Acm")
        await settle(pilot)
        counter.take()
        await write(pilot, "e")
        await settle(pilot)
        counts["filter keystroke"] = counter.take()
        assert app.screen.query_one("#filter").value == "Acme"
        await press(pilot, "escape")  # clears the filter
        await press(pilot, "escape")
        app.screen.query_one("#contracts").focus()
        await settle(pilot)
        counter.take()
        await press(pilot, "1")  # the Draft tab
        counts["tab switch"] = counter.take()
        await press(pilot, "3")  # back to Active
        counter.take()
        await press(pilot, "enter")
        counts["open a contract"] = counter.take()
        assert isinstance(app.screen, ContractScreen)
        await press(pilot, "r")
        assert isinstance(app.screen, FormModal)
        counter.take()  # opening the form asks nothing of the database
        await write(pilot, "Printer jam")
        await pilot.press("tab")
        await write(pilot, "new toner")
        await press(pilot, "enter")
        counts["record a case"] = counter.take()
        assert app.said("charged 1 case to")
    return counts


def desk() -> str:
    make_world()
    number = active_contract()
    active_contract(customer="Globex")
    storage.close_database()  # opened again through the counter
    return number


@contextlib.contextmanager
def counted(url: str, monkeypatch) -> Iterator[tuple[str, Counter]]:
    """The URL to open instead of `url`, and what counts the statements sent through it:
    on PostgreSQL a proxy counting requests on the wire, on SQLite sqlite3's trace callback."""
    if url.startswith("postgres"):
        with WireProxy(url) as proxy:
            yield proxy.url, proxy.counter
    else:
        with sqlite_statements(monkeypatch) as counter:
            yield url, counter


async def test_each_action_sends_no_more_statements_than_the_readme_says(db_url, monkeypatch):
    url = db_url
    backend = "postgres" if url.startswith("postgres") else "sqlite"
    number = desk()
    with counted(url, monkeypatch) as (through, counter):
        counts = await measure(through, counter)
    storage.open_database(url)
    assert storage.show(number).lines[0].used == 1  # the case really was recorded
    limits = readme_limits()
    over = {a: (counts[a], limits[a][backend]) for a in ACTIONS if counts[a] > limits[a][backend]}
    assert not over, f"{backend}: measured {counts}; over the README's figure: {over}"


def test_opening_a_database_asks_what_it_needs_in_one_statement(db_url, monkeypatch):
    """`contracts check` and the console open the database before anything else: the
    schema version, the business zone and (PostgreSQL) the server's clock and the role come
    in one statement, one round trip once connected (they were four)."""
    desk()
    set_up = "(" if db_url.startswith("postgres") else "PRAGMA"  # the start-up, the PRAGMAs
    with counted(db_url, monkeypatch) as (through, counter):
        storage.open_database(through)
        seen = [s for s in counter.seen if not s.startswith(set_up)]
    assert len(seen) == 1, seen
    assert storage.show("CNR-000001").number == "CNR-000001"  # and it is open
    storage.close_database()


def _statements_of_check(url: str, query: str, monkeypatch) -> tuple[int, storage.CheckResult]:
    """The statements `check` sends once the database is open, and its answer."""
    storage.close_database()
    with counted(url, monkeypatch) as (through, counter):
        storage.open_database(through)
        counter.take()
        result = storage.check(query)
        count = counter.take()
    storage.close_database()
    storage.open_database(url)
    return count, result


def test_check_asks_no_more_of_a_customer_with_four_contracts_than_of_one(db_url, monkeypatch):
    """A phone system's `check` reads a customer's contracts, their lines, the lines' cases
    and the contracts' names in one statement each, however many contracts (it read three
    statements more for each contract: 16 for four contracts, against 7 for one)."""
    make_world()
    active_contract(customer="Acme Corp")
    for _ in range(4):
        active_contract(customer="Globex")
    one, acme = _statements_of_check(db_url, "Acme Corp", monkeypatch)
    four, globex = _statements_of_check(db_url, "Globex", monkeypatch)
    assert (len(acme.contracts), len(globex.contracts)) == (1, 4)
    assert acme.entitled and globex.entitled
    assert [c.customer for c in globex.contracts] == ["Globex"] * 4
    assert four == one == 7, (one, four)
