"""The audit trail: every change to a contract, line, template, case, customer or user."""

from __future__ import annotations

import datetime as dt
import json

from . import sql
from .clock import now_utc
from .models import AuditEvent


def _plain(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def encode(changes: dict | None) -> str:
    return json.dumps({k: _plain(v) for k, v in (changes or {}).items()}, sort_keys=True)


INSERT = 'INSERT INTO "audit_event" (entity, ref, action, who, at, changes, db_user) '


def record(entity: str, ref: str, action: str, who: str, changes: dict | None = None) -> None:
    """One event; `who` is the login, and the database role is kept beside it when it
    says more (a PostgreSQL login of a rep's own)."""
    from .people import db_role

    sql.execute(
        INSERT + "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (entity, ref, action, who, AuditEvent.at.db_value(now_utc()), encode(changes), db_role()),
    )


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [_plain(before.get(k)), _plain(v)] for k, v in after.items() if before.get(k) != v}
