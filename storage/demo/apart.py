"""The demo's chunks of contracts (chunks.py) made side by side in other processes while this
one writes: making rows is Python and takes most of a fill's time, on one processor; a
thread beside the writer would only contend for the interpreter's lock, a process has a
lock of its own.

PROCESSES forked processes (two at most, never more than the processors), each making every
PROCESSES-th chunk. A process tells how many rows of each table its chunk holds, is told
where the chunk's ids start (once the chunks before are counted), and hands over the
statements that write it (writing.prepared) one by one, packed by marshal: the multi-row
INSERTs' values on SQLite, the CSV a COPY reads on PostgreSQL, so this process does little
but hand them to the database. A thread here answers the counts; the writer reads each
chunk from the process that made it, in order, a statement at a time, and a process waits
to hand over its chunk until the writer reads it: each holds one chunk at a time, this one
a statement or two. (Whole chunks received at once made this process's memory grow with
the count: freed pieces of many megabytes left its heap in holes.)

A failure in a process is raised in the writer, and a process that stops without a word is
reported in one sentence; a failure anywhere stops every process. A process stops by itself
when the writer dies (its pipes close). A single chunk, or a single processor, is made here,
chunk after chunk, with the same data."""

from __future__ import annotations

import marshal
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from ..errors import Refused
from ..models import Base
from .chunks import PLACED, chunk_count
from .rows import COLUMNS
from .writing import Statement

if TYPE_CHECKING:
    from .generator import Filler

PROCESSES = min(2, os.cpu_count() or 1)  # making chunks; fewer than 2: made here
TABLES = list(COLUMNS)  # the tables by their place in messages

# what the writer takes: a chunk's place, its statements, its rows per table
Made = tuple[int, Iterable[Statement], dict[type[Base], int]]


class ProcessStopped(Refused):
    """A process making the demo's rows stopped without saying why (killed, out of memory):
    the fill is undone, and its message is the sentence for the person at the terminal (a
    Refused, as Conflict is: nothing was changed, and the command line says it, exit 2)."""


@contextmanager
def made_in_order(filler: Filler, at: dict[type[Base], int]) -> Iterator[Iterator[Made]]:
    """The chunks of `filler`'s contracts, in order, their ids starting at `at` (the first id
    of each table of chunks.PLACED); made in other processes when there are several chunks
    and processors (and processes can be forked). On leaving, no process is left."""
    chunks = chunk_count(filler.total)
    processes = min(PROCESSES, chunks)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield _made_here(filler, chunks, at)
        return
    apart = _Apart(filler, chunks, processes, at)
    try:
        yield apart.in_order()
    finally:
        apart.close()


def _made_here(filler: Filler, chunks: int, at: dict[type[Base], int]) -> Iterator[Made]:
    for chunk in range(chunks):
        rows = filler.make_chunk(chunk)
        counts = {model: len(made) for model, made in rows.items()}
        statements = list(filler.statements(rows, at))
        yield chunk, statements, counts
        at = {model: start + counts[model] for model, start in at.items()}


class _Apart:
    """The processes, the pipes to each (one to talk: its counts, where its chunk's ids
    start; one for the statements it made), and the thread that answers the counts."""

    def __init__(
        self, filler: Filler, chunks: int, processes: int, at: dict[type[Base], int]
    ) -> None:
        self.chunks = chunks
        self.finished = False
        self.failure: BaseException | None = None
        context = multiprocessing.get_context("fork")  # the filler as it is, customers made
        talks = [context.Pipe() for _ in range(processes)]
        data = [context.Pipe(duplex=False) for _ in range(processes)]
        self.talks = [here for here, _there in talks]
        self.data = [here for here, _there in data]
        ends = [end for pipe in talks + data for end in pipe]
        self.processes = []
        for number in range(processes):
            mine = (talks[number][1], data[number][1])
            process = context.Process(
                target=_make,
                args=(filler, range(number, chunks, processes), *mine, ends),
                name=f"contracts-demo-{number}",
                daemon=True,
            )
            process.start()
            self.processes.append(process)
        for _here, there in talks + data:
            there.close()  # the processes' ends: one that stops closes them
        start = [at[model] for model in PLACED]
        self.thread = threading.Thread(
            target=self._answer, args=(start,), name="contracts-demo-answer", daemon=True
        )
        self.thread.start()

    def in_order(self) -> Iterator[Made]:
        """Each chunk from the process that made it, in order: its rows per table, then its
        statements one by one as the writer takes them (so this process holds one at a
        time; the writer is done with a chunk before it asks for the next but one)."""
        for chunk in range(self.chunks):
            end = self.data[chunk % len(self.data)]
            counts = self._read(end.recv)
            yield chunk, self._statements(end), dict(zip(TABLES, counts, strict=True))
        self.finished = True

    def _statements(self, end: Connection) -> Iterator[Statement]:
        while piece := self._read(end.recv_bytes):
            yield marshal.loads(piece)

    def _read(self, receive: Callable[[], Any]) -> Any:
        try:
            return receive()
        except (EOFError, OSError):
            self.thread.join()  # it heard why, and stopped the other processes
            raise self.failure or ProcessStopped(_stopped(None)) from None

    def _answer(self, start: list[int]) -> None:
        """Tell each process where its chunk's ids start once the chunks before are counted,
        until every process is done. On a failure (told, or a process gone) every process is
        stopped: the writer, waiting for a chunk, hears it."""
        try:
            starts = [start]  # starts[c]: where the ids of chunk c start
            counted: dict[int, list[int]] = {}  # chunk: rows per table of PLACED
            asking: dict[int, Connection] = {}  # chunk: the process waiting for its start
            talking = list(self.talks)
            while talking:
                for end in wait(talking):
                    assert isinstance(end, Connection)
                    kind, chunk, value = self._hear(end)
                    if kind == "failed":
                        raise value
                    if kind == "done":
                        talking.remove(end)
                        continue
                    counted[chunk], asking[chunk] = value, end
                while len(starts) - 1 in counted:  # the start of the chunk after it is known
                    rows = counted.pop(len(starts) - 1)
                    starts.append([s + n for s, n in zip(starts[-1], rows, strict=True)])
                for chunk in [c for c in asking if c < len(starts)]:
                    asking.pop(chunk).send(starts[chunk])
        except BaseException as exc:  # noqa: BLE001 - raised by the writer
            self.failure = exc
            for process in self.processes:
                process.kill()

    def _hear(self, end: Connection) -> tuple[str, int, Any]:
        try:
            message: tuple[str, int, Any] = end.recv()
        except (EOFError, OSError):
            process = self.processes[self.talks.index(end)]
            process.join(1)
            raise ProcessStopped(_stopped(process.exitcode)) from None
        return message

    def close(self) -> None:
        """Stop every process (at once, unless every chunk was written) and the thread."""
        for process in self.processes:
            if self.finished:
                process.join(5)  # its last chunk handed over, it is leaving
            if process.is_alive():
                process.kill()
            process.join()
        self.thread.join()
        for end in self.talks + self.data:
            end.close()


def _stopped(exitcode: int | None) -> str:
    how = f"was killed (signal {-exitcode})" if exitcode and exitcode < 0 else "stopped"
    return f"a process making the demo's contracts {how} before it was done; nothing was written."


def _make(
    filler: Filler, chunks: range, talk: Connection, data: Connection, ends: list[Connection]
) -> None:
    """A process making `chunks`: for each, tell its rows per table, wait for where its ids
    start, hand over its statements one by one, packed by marshal, then an empty piece
    (waiting while the writer is behind). Stops on any failure, told to the writer if it is
    still there."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the writer hears ctrl-c and stops us
    for end in ends:
        if end is not talk and end is not data:
            end.close()  # the writer's ends, and the other processes' ones
    try:
        for chunk in chunks:
            rows = filler.make_chunk(chunk)
            counts = [len(rows[model]) for model in TABLES]
            talk.send(("counted", chunk, [len(rows[model]) for model in PLACED]))
            start = dict(zip(PLACED, talk.recv(), strict=True))
            data.send(counts)
            for statement in filler.statements(rows, start):
                data.send_bytes(marshal.dumps(statement))
            data.send_bytes(b"")
            del rows
        talk.send(("done", -1, None))
    except BaseException as exc:  # noqa: BLE001 - told to the writer
        try:
            talk.send(("failed", -1, exc))
        except Exception:  # noqa: BLE001 - the writer is gone, or the failure cannot be told
            try:
                talk.send(("failed", -1, RuntimeError(f"{type(exc).__name__}: {exc}")))
            except Exception:  # noqa: BLE001, S110 - the writer is gone: nobody to tell
                pass
