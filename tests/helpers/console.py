"""The console driven headless by Textual's Pilot, as a rep uses it: in an async test,
`async with console(url) as (pilot, app):` holds the keys pressed and what they show, against
the real app on a fresh database connection."""

from __future__ import annotations

import asyncio
import contextlib
import time
from unittest import mock

import pytest
from textual.widgets import Input
from textual.worker import WorkerError

import storage
from storage import db
from tui.app import ContractsApp
from tui.screens.contract import ContractScreen


@contextlib.contextmanager
def quick_slices():
    """Pilot waits for the CPU to idle in slices of 20 ms after every key; 5 ms slices make
    these tests about a third faster. `settle()` still waits for every storage call."""
    import textual._wait

    # Stays: speed only (nothing waits on it), and Textual has no public setting for it.
    with mock.patch.object(textual._wait, "SLEEP_GRANULARITY", 0.005):
        yield


def pooled(url: str) -> None:
    """The database opened as `contracts` opens it for the console (tui/app.py run()): its
    workers' calls reuse connections. A database a fixture opened without the pool is opened
    again with it."""
    from playhouse.pool import PooledDatabase

    if not isinstance(storage.models.database.obj, PooledDatabase):
        db.open_database(url, pool=True)


@pytest.fixture(autouse=True)
def quick_pilot():
    """Quick slices for a test module that drives Pilot itself (`console()` has them)."""
    with quick_slices():
        yield


class ConsoleApp(ContractsApp):
    """The real app, remembering every notification it showed."""

    def __init__(self, url: str, **kwargs) -> None:
        kwargs.setdefault("poll_seconds", 0)
        kwargs.setdefault("safety_net", False)  # a fault fails the test
        super().__init__(url, cursor_blink=False, **kwargs)
        self.notes: list[tuple[str, str]] = []

    def notify(self, message, *, severity="information", **kwargs):
        self.notes.append((severity, str(message)))
        return super().notify(message, severity=severity, **kwargs)

    def said(self, fragment: str, severity: str | None = None) -> bool:
        return any(
            fragment in text and (severity is None or sev == severity) for sev, text in self.notes
        )


class Seeded(dict):
    """A database a test filled: what it made, by name (`world["cases"]`: a contract number),
    and where it is (`world.url`)."""

    def __init__(self, url: str, made: dict[str, str]) -> None:
        super().__init__(made)
        self.url = url


@contextlib.asynccontextmanager
async def console(url: str, size=(80, 24), *, contract: str | None = None, **kwargs):
    """A fresh console on `url`, loaded and, given a `contract`, showing it: yields
    `(pilot, app)`; the app has quit when the block ends, so checks through storage after it
    see what the console left."""
    pooled(url)
    app = ConsoleApp(url, **kwargs)
    with quick_slices():
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            if contract:
                await open_contract(pilot, contract)
            yield pilot, app


async def settle(pilot, timeout: float = 5.0) -> None:
    """Wait until every storage call the console started has reported back (and the
    callbacks they caused have had their turn): Textual's `app.workers.wait_for_complete()`,
    again for the calls those callbacks start, until two idle turns find none running.
    The poller (group "poll") is left alone; a call that fails or is cancelled is done."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        await pilot.pause()  # messages and callbacks run; a worker just made starts
        busy = [
            w for w in app.workers if not w.is_finished and not w.is_cancelled and w.group != "poll"
        ]
        if not busy:
            quiet += 1
            continue
        quiet = 0
        with contextlib.suppress(WorkerError, TimeoutError):  # failed, cancelled, not started
            await asyncio.wait_for(
                app.workers.wait_for_complete(busy), max(deadline - time.monotonic(), 0.01)
            )


async def write(pilot, text: str) -> None:
    """Type `text` into the focused field at once (pressing each key is slow in Pilot;
    tests that need the real keys press them)."""
    field = pilot.app.focused
    assert isinstance(field, Input), field
    field.insert_text_at_cursor(text)
    await pilot.pause()


async def fill(pilot, *values: str) -> None:
    """Type each value into a field of the form, from the focused one on, tab between them."""
    for i, value in enumerate(values):
        if i:
            await pilot.press("tab")
        await write(pilot, value)


async def press(pilot, *keys: str, wait: float = 0.0) -> None:
    await pilot.press(*keys)
    if wait:
        await pilot.pause(wait)
    await settle(pilot)


async def show(pilot, screen) -> None:
    """Push `screen` the quick way and wait until it has loaded what it shows."""
    pilot.app.push_screen(screen)
    await settle(pilot)


async def open_contract(pilot, number: str) -> None:
    """Open a contract the quick way (the keys to get there are tested above)."""
    await show(pilot, ContractScreen(number))
    assert pilot.app.screen.number == number
