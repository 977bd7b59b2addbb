"""Hand-written statements for the hot path (charging a case, the audit trail).

peewee spends longer building a statement than SQLite spends running it; the charge path
runs a handful of fixed statements, so they are written once here, with `?` placeholders
converted for the database in use. On PostgreSQL the hot statements are also prepared once
per connection (`prepare=True`), so the server plans them once, not on every charge.
Everything else uses peewee's query builder.
"""

from __future__ import annotations

import functools
import hashlib
import re
import weakref
from typing import Any

from .db import is_postgres
from .models import database

# The statements prepared on each open connection (forgotten with the connection).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=256)
def _convert(sql: str, param: str) -> str:
    return sql if param == "?" else sql.replace("?", param)


@functools.lru_cache(maxsize=64)
def _numbered(sql: str) -> tuple[str, str, int]:
    """(statement name, text with $1…$n, parameter count) for a `?` statement."""
    count = 0

    def number(_match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    text = re.sub(r"\?", number, sql)
    name = "contracts_" + hashlib.sha1(sql.encode()).hexdigest()[:16]
    return name, text, count


def execute(sql: str, params: tuple = (), *, prepare: bool = False) -> Any:
    """Run a statement; returns the cursor."""
    if prepare and is_postgres():
        return _execute_prepared(sql, params)
    return database.execute_sql(_convert(sql, database.obj.param), params)


def _execute_prepared(sql: str, params: tuple) -> Any:
    name, text, count = _numbered(sql)
    conn = database.connection()
    done = _prepared.setdefault(conn, set())
    if name not in done:
        database.execute_sql(f"PREPARE {name} AS {text}")
        done.add(name)
    placeholders = ", ".join(["%s"] * count)
    return database.execute_sql(
        f"EXECUTE {name} ({placeholders})" if count else f"EXECUTE {name}", params
    )


def rowcount(sql: str, params: tuple = ()) -> int:
    return execute(sql, params).rowcount


def one(sql: str, params: tuple = (), *, prepare: bool = False) -> Any:
    return execute(sql, params, prepare=prepare).fetchone()


def insert(sql: str, params: tuple = ()) -> int:
    """Run an INSERT and return the new row's id."""
    if is_postgres():
        return execute(sql + " RETURNING id", params).fetchone()[0]
    return execute(sql, params).lastrowid
