"""SPEC §4: a write whose outcome is unknown is never applied twice (PostgreSQL only).

A TCP proxy sits between storage and the PostgreSQL server. Armed, it cuts the connection
at one statement: *after* it (the server gets the statement and commits, its reply never
reaches the client) or *before* it (the server never gets it). The write must be retried on
a new connection, find its idempotency key when it was committed, and return the first
result; applied exactly once either way. The proxy counts its cuts, so a test cannot pass
without the cut having happened.

SQLite runs in-process: there is no connection to lose.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from urllib.parse import urlparse

import pytest

import storage
from storage.models import AuditEvent, Case, UsageEntry, WriteKey
from tests.helpers import active_contract, make_world
from tests.helpers.postgres import _reset_postgres, require_postgres
from tests.helpers.wire import Proxy

pytestmark = pytest.mark.slow

_SPECIAL_REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: the server answers "N"


class CuttingProxy(Proxy):
    """127.0.0.1:<port> → the PostgreSQL server, reading the client's simple-protocol queries.

    `arm(pattern, when)` cuts the next connection that runs a statement whose text contains
    `pattern` (for `EXECUTE name`, the text the name was PREPAREd with; a PREPARE itself runs
    nothing and never triggers). `when="after"`: the statement reaches the server, the
    server's reply is swallowed, then both sockets are closed. `when="before"`: the statement
    is dropped and both sockets closed. One cut per arming."""

    def __init__(self, url: str):
        self.prepared: dict[str, bytes] = {}  # statement name → its text (same on every conn)
        self.armed: tuple[bytes, str] | None = None
        self.cuts: list[tuple[str, bytes]] = []  # (when, the statement cut at)
        super().__init__(url)

    def arm(self, pattern: bytes, when: str) -> None:
        assert when in ("after", "before")
        with self.lock:
            self.armed = (pattern, when)

    # -- plumbing ---------------------------------------------------------------------

    def serve(self, client: socket.socket, server: socket.socket) -> None:
        link = {"client": client, "server": server, "mute": False, "replied": threading.Event()}
        threading.Thread(target=self._client_to_server, args=(link,), daemon=True).start()
        threading.Thread(target=self._server_to_client, args=(link,), daemon=True).start()

    @staticmethod
    def _read_exactly(sock: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _statement_text(self, query: bytes) -> bytes | None:
        """The text a simple query runs, or None for a PREPARE (it runs nothing)."""
        text = query.rstrip(b"\0").strip()
        prepare = re.match(rb"PREPARE\s+(\w+)\s+AS\s+(.*)", text, re.DOTALL | re.IGNORECASE)
        if prepare:
            with self.lock:
                self.prepared[prepare.group(1).decode()] = prepare.group(2)
            return None
        execute = re.match(rb"EXECUTE\s+(\w+)", text, re.IGNORECASE)
        if execute:
            with self.lock:
                return self.prepared.get(execute.group(1).decode(), text)
        return text

    def _client_to_server(self, link: dict) -> None:
        client, server = link["client"], link["server"]
        try:
            # The start-up packets have no type byte: length, then code.
            while True:
                head = self._read_exactly(client, 8)
                (length, code) = struct.unpack("!ii", head)
                body = self._read_exactly(client, length - 8)
                server.sendall(head + body)
                if code not in _SPECIAL_REQUESTS:
                    break
            while True:
                kind = self._read_exactly(client, 1)
                (length,) = struct.unpack("!i", self._read_exactly(client, 4))
                body = self._read_exactly(client, length - 4)
                message = kind + struct.pack("!i", length) + body
                if kind == b"Q" and self._should_cut(body):
                    self._cut(link, message, body)
                    return
                server.sendall(message)
        except (ConnectionError, OSError):
            self._shut(link)

    def _should_cut(self, body: bytes) -> bool:
        text = self._statement_text(body)
        with self.lock:
            return self.armed is not None and text is not None and self.armed[0] in text

    def _cut(self, link: dict, message: bytes, body: bytes) -> None:
        with self.lock:
            _pattern, when = self.armed
            self.armed = None
        if when == "after":
            link["mute"] = True  # from now on the server's bytes are swallowed
            link["server"].sendall(message)
            link["replied"].wait(5)  # the server has answered: the statement has run
            time.sleep(0.05)
        with self.lock:
            self.cuts.append((when, body[:60]))
        self._shut(link)

    def _server_to_client(self, link: dict) -> None:
        client, server = link["client"], link["server"]
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if link["mute"]:
                    link["replied"].set()
                    continue
                client.sendall(data)
        except OSError:
            pass
        self._shut(link)

    @staticmethod
    def _shut(link: dict) -> None:
        for sock in (link["client"], link["server"]):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass


@pytest.fixture
def proxy():
    """storage opened on this run's PostgreSQL test database through a CuttingProxy."""
    url = require_postgres()
    _reset_postgres(url)
    storage.close_database()
    parsed = urlparse(url)
    proxy = CuttingProxy(url)
    # Plain text on the wire, so the proxy can read the statements.
    via = parsed._replace(
        netloc=f"{parsed.username or 'postgres'}@127.0.0.1:{proxy.port}",
        query="sslmode=disable",
    ).geturl()
    storage.open_database(via)
    storage.set_today(None)
    yield proxy
    storage.set_today(None)
    storage.close_database()
    proxy.close()


CHARGE = b'WITH g AS (UPDATE "line"'  # the one statement of a charge on PostgreSQL


def _counts(line_id=None) -> tuple[int, int, int]:
    """(cases, ledger entries, write keys)."""
    return Case.select().count(), UsageEntry.select().count(), WriteKey.select().count()


def charged_once(proxy, when: str, number: str, case: str) -> None:
    """The statement was cut once, `when` ("before" it reached the server or "after" its
    reply was lost), and the charge counts once: one case, one ledger entry, the line used
    1, the case resolved, storage.verify() clean."""
    assert [cut for cut, _ in proxy.cuts] == [when]
    assert _counts()[:2] == (1, 1)
    assert storage.show(number).lines[0].used == 1
    assert storage.show_case(case).status == "resolved"
    assert storage.verify() == []


def test_a_charge_whose_reply_is_lost_returns_the_first_case_and_charges_once(proxy):
    make_world()
    number = active_contract()
    before = proxy.connections
    proxy.arm(CHARGE, "after")
    case = storage.resolve(f"{number}/1", "Reply lost after commit")
    charged_once(proxy, "after", number, case)
    assert proxy.connections > before  # the retry came over a new connection
    assert case == "CAS-000001"


def test_a_charge_cut_before_the_server_got_it_is_applied_once(proxy):
    make_world()
    number = active_contract()
    proxy.arm(CHARGE, "before")
    case = storage.resolve(f"{number}/1", "Cut before it was sent")
    charged_once(proxy, "before", number, case)


def test_a_hold_whose_commit_reply_is_lost_is_applied_once(proxy):
    make_world()
    number = active_contract()
    audits = AuditEvent.select().count()
    proxy.arm(b"COMMIT", "after")
    storage.hold(number)
    assert [when for when, _ in proxy.cuts] == ["after"]
    assert storage.show(number).status == "on_hold"
    assert AuditEvent.select().count() == audits + 1  # one "hold" event, not two
    assert storage.verify() == []


# "after": its commit's reply is lost (it returns the first result; a second run would be
# refused, the case no longer open); "before": the transaction is cut before its commit
@pytest.mark.parametrize("when", ["after", "before"])
def test_resolving_an_open_case_whose_commit_is_cut_is_applied_once(proxy, when):
    make_world()
    number = active_contract()
    case = storage.open_case("Acme Corp", "Printer jam", line=f"{number}/1")
    proxy.arm(b"COMMIT", when)
    assert storage.resolve_case(case) == 1
    charged_once(proxy, when, number, case)
