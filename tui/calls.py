"""Running storage functions off the UI thread and getting the answer back as a message.

Every screen and widget that reads or writes the database mixes in `StorageCalls` and calls
`self.call_storage(storage.something, arg, then=self.show_it)`. The function runs in a thread
worker inside `with storage.session():`; its result (or the refusal) comes back to the UI
thread as a message, so the console never blocks and never shows a traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.worker import Worker, get_current_worker

import storage


class StorageDone(Message, bubble=False):
    """A storage call finished; `callback(value)` runs on the UI thread."""

    def __init__(self, callback: Callable[[Any], Any] | None, value: Any) -> None:
        super().__init__()
        self.callback = callback
        self.value = value


class StorageFailed(Message, bubble=False):
    """A storage call was refused or the database could not be reached."""

    def __init__(self, callback: Callable[[Exception], Any] | None, error: Exception) -> None:
        super().__init__()
        self.callback = callback
        self.error = error


def error_text(error: Exception) -> str:
    """The one sentence a person at the terminal reads for a failure."""
    if isinstance(error, (storage.Refused, storage.DatabaseUnavailable)):
        return str(error)
    return f"unexpected error ({type(error).__name__}): {error}"


def show_error(node, error: Exception) -> None:
    """Notify an error: the engine's sentence, never a traceback."""
    title = "Database" if isinstance(error, storage.DatabaseUnavailable) else ""
    if isinstance(error, storage.PermissionRefused):
        title = "Not allowed"
    node.app.notify(error_text(error), title=title, severity="error", markup=False, timeout=8)


class StorageCalls:
    """Mixin for widgets and screens that call storage."""

    def call_storage(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], Any] | None = None,
        failed: Callable[[Exception], Any] | None = None,
        group: str = "storage",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker:
        """Run `fn(*args, **kwargs)` in a thread worker; report back with a message.

        With `exclusive`, an earlier call in the same group is cancelled and its answer dropped.
        Without `failed`, a refusal is shown as an error notification.
        """

        def work() -> None:
            worker = get_current_worker()
            try:
                with storage.session():
                    value = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, never raised
                if not isinstance(exc, (storage.Refused, storage.DatabaseUnavailable)):
                    self.log.error(traceback.format_exc())  # type: ignore[attr-defined]
                if not worker.is_cancelled:
                    self.post_message(StorageFailed(failed, exc))  # type: ignore[attr-defined]
                return
            if not worker.is_cancelled:
                self.post_message(StorageDone(then, value))  # type: ignore[attr-defined]

        return self.run_worker(  # type: ignore[attr-defined]
            work, thread=True, group=group, exclusive=exclusive, exit_on_error=False
        )

    def on_storage_done(self, message: StorageDone) -> None:
        message.stop()
        if message.callback is None:
            return
        try:
            message.callback(message.value)
        except Exception as exc:  # noqa: BLE001 - a display bug must not end the console
            self.log.error(traceback.format_exc())  # type: ignore[attr-defined]
            show_error(self, exc)

    def on_storage_failed(self, message: StorageFailed) -> None:
        message.stop()
        try:
            if message.callback is None:
                show_error(self, message.error)
            else:
                message.callback(message.error)
        except Exception as exc:  # noqa: BLE001
            self.log.error(traceback.format_exc())  # type: ignore[attr-defined]
            show_error(self, exc)
