"""contracts' storage: the database and every rule of the domain. No Textual, no click.

The faces (console and command line) call these functions and read the plain values they
return (storage.views); they never build a query or open a transaction themselves.

Submodules are imported when a name from them is first used, so that `contracts check`
loads only what a check needs. The names are declared under `if TYPE_CHECKING:` too (which
never runs), so type checkers and editors see them; tests/test_types.py keeps the two
lists equal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

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
    "ALLOTMENTS": "allotments",
    "ALLOTMENT_TYPES": "allotments",
    "allotment": "allotments",
    "format_minutes": "amounts",
    "format_money": "amounts",
    "parse_date": "amounts",
    "parse_duration": "amounts",
    "billing_schedule": "billing",
    "billing_report": "bills",
    "billing_window": "bills",
    "BillingTotals": "bills",
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
    "charge_refusal": "charge_rule",
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
    "no_cycle_collection": "db",
    "check": "entitlement",
    "CHECK_MATCHES": "entitlement",
    "adjusted_notice": "notices",
    "reopened_notice": "notices",
    "resolved_notice": "notices",
    "resolution_notice": "notices",
    "resolution_and_contract": "notices",
    "outside_hours_notice": "entitlement",
    "add_days_off": "days_off",
    "remove_days_off": "days_off",
    "list_days_off": "days_off",
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
    "renewal_start": "renewal",
    "renewal_title": "renewal",
    "sweep": "by_dates",
    "sweep_needed": "by_dates",
    "sweep_if_due": "by_dates",
    "BILLING_FREQUENCIES": "models",
    "STATUSES": "models",
    "ROLES": "models",
    "acting_as": "people",
    "current_login": "people",
    "refusals": "people",
    "current_settings": "settings",
    "set_zone": "settings",
    "set_phone_region": "settings",
    "check_region": "caller_id",
    "check_zone": "settings",
    "attention_settings": "settings",
    "set_attention": "settings",
    "needs_attention": "attention",
    "line_burn": "forecast",
    "audit_trail": "reports",
    "change_marker": "reports",
    "count_cases": "reports",
    "count_contracts": "reports",
    "database_summary": "reports",
    "ledger": "reports",
    "list_cases": "reports",
    "list_contracts": "reports",
    "show": "reports",
    "show_case": "reports",
    "status_counts": "reports",
    "verify": "verify",
    "export_csv": "transfer",
    "export_json": "transfer",
    "export_kinds": "transfer",
    "check_import": "transfer",
    "import_file": "transfer",
    "import_header": "transfer",
    "ImportRefused": "transfer",
    "case_detail": "details",
    "contract_detail": "details",
    "template_detail": "details",
    "user_admin_refusal": "details",
}

if TYPE_CHECKING:  # the lazy names, for type checkers and editors (nothing runs here)
    from .allotments import ALLOTMENT_TYPES, ALLOTMENTS, allotment
    from .amounts import (
        format_minutes,
        format_money,
        parse_date,
        parse_duration,
    )
    from .attention import needs_attention
    from .billing import billing_schedule
    from .bills import BillingTotals, billing_report, billing_window
    from .by_dates import sweep, sweep_if_due, sweep_needed
    from .caller_id import check_region
    from .catalog import (
        add_customer,
        add_template,
        add_user,
        check_hours,
        edit_customer,
        edit_template,
        get_template,
        list_customers,
        list_templates,
        list_users,
        remove_user,
    )
    from .charge_rule import charge_refusal
    from .charging import (
        adjust,
        cancel_case,
        open_case,
        reopen_case,
        resolve,
        resolve_case,
    )
    from .clock import set_today, today
    from .days_off import add_days_off, list_days_off, remove_days_off
    from .db import (
        close_database,
        default_url,
        describe,
        migrate,
        no_cycle_collection,
        open_database,
        session,
    )
    from .details import case_detail, contract_detail, template_detail, user_admin_refusal
    from .entitlement import CHECK_MATCHES, check, outside_hours_notice
    from .forecast import line_burn
    from .lifecycle import (
        add_line,
        cancel,
        cancel_line,
        copy,
        delete,
        edit_contract,
        edit_line,
        hold,
        invoice,
        new_contract,
        release,
        renew,
    )
    from .models import BILLING_FREQUENCIES, ROLES, STATUSES
    from .notices import (
        adjusted_notice,
        reopened_notice,
        resolution_and_contract,
        resolution_notice,
        resolved_notice,
    )
    from .people import acting_as, current_login, refusals
    from .renewal import renewal_start, renewal_title
    from .reports import (
        audit_trail,
        change_marker,
        count_cases,
        count_contracts,
        database_summary,
        ledger,
        list_cases,
        list_contracts,
        show,
        show_case,
        status_counts,
    )
    from .settings import (
        attention_settings,
        check_zone,
        current_settings,
        set_attention,
        set_phone_region,
        set_zone,
    )
    from .statuses import (
        STATUS_TABLE,
        TRANSITIONS,
        allowed_actions,
        refusal,
        status_label,
        status_words,
    )
    from .transfer import (
        ImportRefused,
        check_import,
        export_csv,
        export_json,
        export_kinds,
        import_file,
        import_header,
    )
    from .verify import verify


def __getattr__(name: str) -> object:
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


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


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
