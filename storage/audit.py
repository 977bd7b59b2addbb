"""The audit trail: every change to a contract, line, template, case, customer or user."""

from __future__ import annotations

import datetime as dt
import json

from .clock import now_utc
from .models import AuditEvent


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def record(entity: str, ref: str, action: str, who: str, changes: dict | None = None) -> None:
    AuditEvent.create(
        entity=entity,
        ref=ref,
        action=action,
        who=who,
        at=now_utc(),
        changes=json.dumps({k: _plain(v) for k, v in (changes or {}).items()}, sort_keys=True),
    )


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [_plain(before.get(k)), _plain(v)] for k, v in after.items() if before.get(k) != v}
