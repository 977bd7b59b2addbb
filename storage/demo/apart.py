"""The demo's rows made in a child process while this one writes the rows made before it:
making them is Python, writing them is mostly the database's own work, so on two cores the
two go on at once. (A thread beside the writer was measured slower: the two fought over the
interpreter's lock; a process has a lock of its own.)"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

Batch = tuple[dict[Any, list[tuple]], int, int, str]  # rows per model, done, total, of what


def made_apart(batches: Callable[[], Iterator[Batch]]) -> Iterator[Batch]:
    """The batches of `batches()`, made in a forked child process and handed over one at a
    time through a pipe: the child waits while the pipe is full, so memory stays that of a
    batch or two in each process. Where a process cannot be forked, they are made here.

    The child uses nothing of the database (the caller read what it needs before) and leaves
    without closing what it inherited. A failure there is raised here."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - a system without fork
        yield from batches()
        return
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_send, args=(batches, sending, receiving), name="contracts-demo-rows", daemon=True
    )
    child.start()
    sending.close()
    try:
        while True:
            try:
                kind, value = receiving.recv()
            except EOFError:
                raise RuntimeError("the process making the demo rows stopped early") from None
            if kind == "error":
                raise value
            if kind == "done":
                return
            yield value
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()


def _send(
    batches: Callable[[], Iterator[Batch]], sending: Connection, receiving: Connection
) -> None:
    receiving.close()  # the writer's end: if the writer dies, sending fails and this stops
    try:
        for rows, done, total, what in batches():
            # as plain tuples: named ones take six times as long to pickle and unpickle
            plain = {model: list(map(tuple, made)) for model, made in rows.items()}
            sending.send(("batch", (plain, done, total, what)))
        sending.send(("done", None))
    except BaseException as exc:  # noqa: BLE001 - handed to the writer, raised there
        try:
            sending.send(("error", exc))
        except (OSError, ValueError):  # the writer is gone: nobody to tell
            pass
