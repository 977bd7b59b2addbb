"""contracts' storage: the database and every rule of the domain. No Textual, no click.

The faces (console and command line) call these functions and read the plain values they
return (storage.views); they never build a query or open a transaction themselves.
"""

from .amounts import (
    format_amount,
    format_minutes,
    format_money,
    format_remaining,
    parse_date,
    parse_duration,
)
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
from .charging import (
    adjust,
    cancel_case,
    charge_refusal,
    open_case,
    reopen_case,
    resolve,
    resolve_case,
)
from .clock import set_today, today
from .db import close_database, default_url, describe, migrate, open_database, session
from .errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    PermissionRefused,
    Refused,
)
from .lifecycle import (
    TRANSITIONS,
    add_line,
    allowed_actions,
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
    sweep,
    sweep_needed,
)
from .models import ALLOTMENT_TYPES, BILLING_FREQUENCIES, STATUSES
from .people import acting_as, current_login
from .reports import (
    audit_trail,
    billing_schedule,
    change_marker,
    check,
    count_contracts,
    database_summary,
    ledger,
    list_cases,
    list_contracts,
    show,
    show_case,
    status_counts,
    verify,
)

__all__ = [name for name in dir() if not name.startswith("_")]
