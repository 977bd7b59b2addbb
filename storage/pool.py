"""Connections kept open between the console's calls (issue 13).

The console runs each storage call in a worker thread inside `storage.session()`, and
peewee's connections are per thread: without a pool every call opened a connection of its
own (four PRAGMAs on SQLite; on PostgreSQL a start-up, a server process and the prepared
statements of storage/sql.py prepared again). With one, a session that ends hands its
connection back and the next call, in whatever thread, takes it.

Only the console pools (`open_database(..., pool=True)`): `contracts check` makes one call
and exits, and importing playhouse.pool would cost its start-up some 2 ms.

A connection handed out is one a new connection would have been as good as:
- alive. A PostgreSQL server that closes a connection (a restart, `pg_terminate_backend`)
  says so and hangs up, so the socket of an idle connection has something to read: such a
  connection is dropped at check-out, without a round trip (peewee's own check sends
  `SELECT 1` every time). One cut after that check fails the statement like any cut, and
  `reads` and `writes` (storage/db.py) reopen and retry as they always have.
- outside any transaction. One left open is rolled back at check-in (peewee does it), and a
  connection whose state is unknown is closed; so is one `writes` or `reads` gave up on.
- set up as a new one: PRAGMAs (SQLite) and the lock timeout (PostgreSQL) are set when it
  opens and nothing changes them; a read-only transaction is read-only for that transaction
  only (`SET TRANSACTION`); who is acting and the server's clock were read once at open, as
  before, for every connection.
"""

from __future__ import annotations

import contextlib
import select
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # peewee's type stubs stop at peewee: a pool is checked as what it pools
    from peewee import PostgresqlDatabase as PooledPostgresqlDatabase
    from peewee import SqliteDatabase as PooledSqliteDatabase
else:
    from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

# No cap on the connections in use: the console's workers are a handful at most (the first
# load, the poll, a list, the filter), and a cap could only make a call wait, or fail, where
# it did not before.
MAX_CONNECTIONS = None
# Idle connections kept: the most calls the console runs at once (a list's counts and its
# page, the filter, the poll), so that its usual pace never opens one; what a rarer burst
# opened beyond that is closed when it comes back. A console left alone holds up to three
# server connections (two in the tests' scenario), not one as before: a few idle server
# processes per rep.
KEEP_IDLE = 3
# A connection is replaced once it is five minutes old (at check-out or check-in): two round
# trips every five minutes cost nothing, and a connection never sits unused for longer than
# firewalls and NAT gateways commonly keep an idle TCP connection (one dropped silently
# would hang a statement until TCP gives up).
STALE_AFTER_S = 300


class _Keeping:
    """What both pools share: how many idle connections they keep, and that one found dead
    is closed, not just forgotten."""

    _connections: list

    def _dead(self, conn: Any) -> bool:
        return super()._is_closed(conn)  # type: ignore[misc]  # the driver's own check

    def _is_closed(self, conn: Any) -> bool:
        if not self._dead(conn):
            return False
        with contextlib.suppress(Exception):
            conn.close()
        return True

    def _can_reuse(self, conn: Any) -> bool:
        if not super()._can_reuse(conn):  # type: ignore[misc]  # rolls an open transaction back
            return False
        return len(self._connections) < KEEP_IDLE


class PooledSqlite(_Keeping, PooledSqliteDatabase):
    def __init__(self, path: str, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(
            path,
            max_connections=MAX_CONNECTIONS,
            stale_timeout=STALE_AFTER_S,
            check_same_thread=False,  # one thread at a time: the one that checked it out
            **kwargs,
        )
        self._timeout = timeout  # sqlite3's wait for a busy database (the pool's is unused)


class PooledPostgres(_Keeping, PooledPostgresqlDatabase):
    def __init__(self, name: str | None, **kwargs: Any) -> None:
        super().__init__(
            name, max_connections=MAX_CONNECTIONS, stale_timeout=STALE_AFTER_S, **kwargs
        )

    def _dead(self, conn: Any) -> bool:
        from psycopg2.extensions import TRANSACTION_STATUS_IDLE

        try:
            if conn.closed or conn.get_transaction_status() != TRANSACTION_STATUS_IDLE:
                return True
            waiting = select.poll()
            waiting.register(conn.fileno(), select.POLLIN)
            readable = waiting.poll(0)
        except Exception:  # noqa: BLE001 - whatever went wrong, a new connection will do
            return True
        return bool(readable)  # nothing is owed to an idle connection: the server hung up
