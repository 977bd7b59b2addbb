"""Hand-written statements for the hot path (charging a case, the audit trail).

peewee spends longer building a statement than SQLite spends running it; the charge path
runs a handful of fixed statements, so they are written once here, with `?` placeholders
converted for the database in use. Everything else uses peewee's query builder.
"""

from __future__ import annotations

import functools

import peewee as pw

from .models import database


@functools.lru_cache(maxsize=256)
def _convert(sql: str, param: str) -> str:
    return sql if param == "?" else sql.replace("?", param)


def _sql(sql: str) -> str:
    return _convert(sql, database.obj.param)


def execute(sql: str, params: tuple = ()):
    """Run a statement; returns the cursor."""
    return database.execute_sql(_sql(sql), params)


def rowcount(sql: str, params: tuple = ()) -> int:
    return execute(sql, params).rowcount


def one(sql: str, params: tuple = ()):
    return execute(sql, params).fetchone()


def insert(sql: str, params: tuple = ()) -> int:
    """Run an INSERT and return the new row's id."""
    if isinstance(database.obj, pw.PostgresqlDatabase):
        return execute(sql + " RETURNING id", params).fetchone()[0]
    return execute(sql, params).lastrowid


def is_postgres() -> bool:
    return isinstance(database.obj, pw.PostgresqlDatabase)
