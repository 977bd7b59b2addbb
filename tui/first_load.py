"""What the console shows first, read in a thread while the console starts."""

from __future__ import annotations

import threading

import storage

PAGE_SIZE = 100  # rows the contract list fetches at a time
FIRST_ROWS = 40  # rows read before the console shows: a screenful (the rest of the page follows)


class FirstLoad:
    """The counts and the first rows of active contracts, read while the console starts.

    `run()` opens the database and starts this just before it builds the app: the thread
    reads the change marker, the counts and a screenful of rows while the main thread builds
    the screen, then applies the date-driven changes (sweep). The home screen shows them as it mounts (or as
    soon as they are in: "Loading…" until then), so the first page needs no round trip after
    the console is up; the rest of that page is fetched once it is painted."""

    status, text, order, descending = "active", "", "number", False

    def __init__(self) -> None:
        self._value: tuple[dict[str, int], list] | None = None
        self.marker: int | None = None  # the change marker before the page was read
        self._error: Exception | None = None
        self._done = threading.Event()
        self.thread = threading.Thread(target=self._read, name="contracts-first-load", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            with storage.session():
                # Read first: a write made after it, even before the first page is on
                # screen, moves the marker past this, and the poller reloads (app.py).
                self.marker = storage.change_marker()
                counts = storage.status_counts(None)
                rows = storage.list_contracts(
                    self.status,
                    None,
                    order=self.order,
                    descending=self.descending,
                    limit=FIRST_ROWS,
                )
            self._value = (counts, rows)
        except Exception as exc:  # noqa: BLE001 - the screen reports it like any failed load
            self._error = exc
        finally:
            self._done.set()
        # Then the automatic sweep: what the screen shows never waits for it (statuses are
        # computed from the dates), so a busy database only delays the stored statuses.
        try:
            with storage.session():
                storage.sweep_if_due()
        except Exception as exc:  # noqa: BLE001 - nothing shown depends on it: logged only
            from .app import log_fault

            log_fault(exc)

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self) -> FirstLoad:
        self._done.wait()
        return self

    def result(self) -> tuple[dict[str, int], list]:
        """The counts and the first page; raises what reading them raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value
