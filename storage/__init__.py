"""contracts' storage: the database and every rule of the domain. No Textual, no click.

The faces (console and command line) call these functions and read the plain values they
return (storage.views); they never build a query or open a transaction themselves.

Submodules are imported when a name from them is first used, so that `contracts check`
loads only what a check needs.
"""

from __future__ import annotations

import importlib

from .errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidInput,
    NeedsConfirmation,
    NotFound,
    PermissionRefused,
    Refused,
)

_WHERE = {
    "format_amount": "amounts",
    "format_minutes": "amounts",
    "format_money": "amounts",
    "format_remaining": "amounts",
    "parse_date": "amounts",
    "parse_duration": "amounts",
    "billing_schedule": "billing",
    "add_customer": "catalog",
    "add_template": "catalog",
    "add_user": "catalog",
    "check_hours": "catalog",
    "edit_customer": "catalog",
    "edit_template": "catalog",
    "get_template": "catalog",
    "list_customers": "catalog",
    "list_templates": "catalog",
    "list_users": "catalog",
    "remove_user": "catalog",
    "adjust": "charging",
    "cancel_case": "charging",
    "charge_refusal": "charging",
    "open_case": "charging",
    "reopen_case": "charging",
    "resolve": "charging",
    "resolve_case": "charging",
    "set_today": "clock",
    "today": "clock",
    "close_database": "db",
    "default_url": "db",
    "describe": "db",
    "migrate": "db",
    "open_database": "db",
    "session": "db",
    "check": "entitlement",
    "TRANSITIONS": "statuses",
    "refusal": "statuses",
    "status_words": "statuses",
    "status_label": "statuses",
    "STATUS_TABLE": "statuses",
    "add_line": "lifecycle",
    "allowed_actions": "statuses",
    "cancel": "lifecycle",
    "cancel_line": "lifecycle",
    "copy": "lifecycle",
    "delete": "lifecycle",
    "edit_contract": "lifecycle",
    "edit_line": "lifecycle",
    "hold": "lifecycle",
    "invoice": "lifecycle",
    "new_contract": "lifecycle",
    "release": "lifecycle",
    "renew": "lifecycle",
    "sweep": "by_dates",
    "sweep_needed": "by_dates",
    "sweep_if_due": "by_dates",
    "ALLOTMENT_TYPES": "models",
    "BILLING_FREQUENCIES": "models",
    "STATUSES": "models",
    "acting_as": "people",
    "current_login": "people",
    "current_settings": "settings",
    "set_zone": "settings",
    "set_phone_region": "settings",
    "check_region": "caller_id",
    "check_zone": "settings",
    "audit_trail": "reports",
    "change_marker": "reports",
    "count_contracts": "reports",
    "database_summary": "reports",
    "ledger": "reports",
    "list_cases": "reports",
    "list_contracts": "reports",
    "show": "reports",
    "show_case": "reports",
    "status_counts": "reports",
    "verify": "verify",
}


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        try:
            return importlib.import_module(f"{__name__}.{name}")  # storage.db, storage.demo…
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'storage' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [  # noqa: PLE0604 - the lazily imported names, and the errors
    *_WHERE,
    "Conflict",
    "DatabaseUnavailable",
    "InvalidInput",
    "NeedsConfirmation",
    "NotFound",
    "PermissionRefused",
    "Refused",
]
