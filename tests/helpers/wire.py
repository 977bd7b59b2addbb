"""Counting what the console sends to its database, and slowing it down as a network would.

- PostgreSQL: `WireProxy` is a TCP proxy in front of the server. It reads the client's side
  of the protocol and counts each request that waits for an answer (a simple Query, or the
  Sync that ends an extended-protocol exchange, and a new connection's start-up and its
  encryption request): one round trip each. With `delay` it holds
  every request that long before passing it on, as a server on another host would.
- SQLite: `sqlite_statements` counts the statements every connection of this process runs
  (sqlite3's trace callback); there is no network, so a statement is the unit.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Self
from urllib.parse import urlsplit, urlunsplit

# A client's first message may ask for encryption first; the proxy says no, so what follows
# can be read.
_SSL_REQUEST, _GSS_REQUEST = 80877103, 80877104


class Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.seen: list[str] = []

    def add(self, what: str) -> None:
        with self._lock:
            self.count += 1
            self.seen.append(what)

    def take(self) -> int:
        """The count since the last take (and start again from zero)."""
        with self._lock:
            count, self.count, self.seen = self.count, 0, []
            return count


class WireProxy:
    """`with WireProxy(url) as proxy:` serves `proxy.url`, the same database through the proxy."""

    def __init__(self, url: str, delay: float = 0.0) -> None:
        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.delay = delay
        self.counter = Counter()
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        user = f"{parts.username}@" if parts.username else ""
        self.url = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))
        self._closing = False

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._requests, args=(client, server), daemon=True).start()
            threading.Thread(target=_pump, args=(server, client), daemon=True).start()

    def _requests(self, client: socket.socket, server: socket.socket) -> None:
        """Client to server: the start-up messages, then typed messages, counted and held."""
        reader = _Reader(client)
        with contextlib.suppress(OSError, EOFError):
            while True:  # start-up: no type byte; encryption requests are answered "no"
                head = reader.exactly(8)
                length, code = struct.unpack("!ii", head)
                if code in (_SSL_REQUEST, _GSS_REQUEST):
                    self.counter.add("(encryption request)")  # a server would answer it
                    client.sendall(b"N")
                    continue
                self.counter.add("(connect: start-up and authentication)")
                server.sendall(head + reader.exactly(length - 8))
                break
            while True:
                kind = reader.exactly(1)
                length_bytes = reader.exactly(4)
                body = reader.exactly(struct.unpack("!i", length_bytes)[0] - 4)
                if kind in (b"Q", b"S"):
                    if self.delay:
                        time.sleep(self.delay)
                    self.counter.add(body[:60].decode(errors="replace") if kind == b"Q" else "sync")
                server.sendall(kind + length_bytes + body)
        _close(client, server)


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    _close(source, sink)


def _close(*socks: socket.socket) -> None:
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.close()


@contextlib.contextmanager
def sqlite_statements(monkeypatch) -> Iterator[Counter]:
    """Count every statement run by each SQLite connection opened while this is active."""
    import sqlite3

    counter = Counter()
    connect = sqlite3.connect

    def counting_connect(*args, **kwargs):
        conn = connect(*args, **kwargs)
        # Statements run by triggers are reported too, as "-- TRIGGER …": not sent by us.
        conn.set_trace_callback(lambda sql: None if sql.startswith("--") else counter.add(sql))
        return conn

    monkeypatch.setattr(sqlite3, "connect", counting_connect)
    yield counter
