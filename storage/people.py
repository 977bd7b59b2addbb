"""Who is acting (the operating-system login) and what their role lets them do (SPEC §8)."""

from __future__ import annotations

import functools
import os
import pwd
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import PermissionRefused
from .models import User
from .statuses import LISTED, SUPERVISOR_ONLY, TRANSITIONS, USER_ACTIONS, refusal

_acting: str | None = None
_db_role: str | None = None  # the PostgreSQL role the process is connected as

# What each role may do once a supervisor exists (LISTED, SUPERVISOR_ONLY: the levels of
# the transitions table). Reading needs no role.


def current_login() -> str:
    return _acting or _os_login()


@functools.cache
def _os_login() -> str:
    """The login of the process's user, from the user database: never LOGNAME or USER,
    which anyone can set to any name."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no name for this uid (a container, say)
        return f"uid{uid}"


def set_db_role(role: str | None) -> None:
    global _db_role
    _db_role = role


def db_role() -> str | None:
    """The database role, recorded beside the login when it differs from it (PostgreSQL)."""
    if _db_role is None or _db_role == current_login():
        return None
    return _db_role


@contextmanager
def acting_as(login: str) -> Iterator[None]:
    """Act as another login (tests and the benchmark; the faces always use the real one)."""
    global _acting
    previous, _acting = _acting, login
    try:
        yield
    finally:
        _acting = previous


def role_of(login: str) -> str | None:
    row = User.select(User.role).where(User.login == login).first()
    return row.role if row else None


def permissions_apply() -> bool:
    """With no supervisor configured, everyone may do everything (one person on a laptop)."""
    return User.select().where(User.role == "supervisor").exists()


# (whether permissions apply, the login's role): two columns any statement can carry
STANDING_COLUMNS = (
    "EXISTS (SELECT 1 FROM \"user\" WHERE role = 'supervisor'), "
    '(SELECT role FROM "user" WHERE login = ?)'
)


def _standing(login: str) -> tuple[bool, str | None]:
    from . import sql

    applies, role = sql.one(f"SELECT {STANDING_COLUMNS}", (login,), prepare=True)
    return bool(applies), role


def require(level: str, doing: str, standing: tuple[bool, str | None] | None = None) -> str:
    """Refuse unless the acting login may do this; returns the login for the audit trail.

    `standing` is what STANDING_COLUMNS read for the current login, when a statement that
    was run anyway carried them (the charge path); otherwise they are read here."""
    login = current_login()
    applies, role = standing if standing is not None else _standing(login)
    if not applies:
        return login
    if level == SUPERVISOR_ONLY and role != "supervisor":
        raise PermissionRefused(
            f"only a supervisor may {doing}; {login} is "
            f"{'a ' + role if role else 'not a listed user'}."
        )
    if level == LISTED and role is None:
        raise PermissionRefused(
            f"only listed users (rep or supervisor) may {doing}; {login} may only read."
        )
    return login


# What the faces offer beyond the transitions table, with the level each needs and the
# words of its refusal (charging.resolve and lifecycle.add_line require the same).
RESOLVE_CASES = (LISTED, "resolve cases")
ADJUST_USE = (SUPERVISOR_ONLY, "adjust a line's use")
BILLED_LINES = (SUPERVISOR_ONLY, "add lines to a contract that is no longer a draft")
MANAGE_USERS = (SUPERVISOR_ONLY, "manage users")


def role_refusal(
    level: str, doing: str, standing: tuple[bool, str | None] | None = None
) -> str | None:
    """require's sentence when the acting login may not do this, else None."""
    try:
        require(level, doing, standing)
    except PermissionRefused as exc:
        return str(exc)
    return None


def extra_role(action: str, status: str) -> tuple[str, str] | None:
    """The role an action needs in this status beyond the transitions table's, and the words
    of its refusal: adding a line to a contract no longer a draft changes what the customer
    is entitled to (BILLED_LINES)."""
    return BILLED_LINES if action == "add_line" and status != "draft" else None


def refusals(status: str, number: str) -> dict[str, str]:
    """Why the acting login may not do each action on contract `number` in `status`: first
    its role (require's sentence), then the status (refusal's). The actions it may do are
    absent. Keys: the user actions of the transitions table, "charge" (resolving a case on
    one of its lines) and "adjust"."""
    standing = _standing(current_login())
    out: dict[str, str] = {}
    for action in USER_ACTIONS:
        level, doing = TRANSITIONS[action].role, TRANSITIONS[action].may
        why = role_refusal(level, doing, standing) or refusal(status, action, number)
        extra = extra_role(action, status)
        if not why and extra:
            why = role_refusal(*extra, standing)
        if why:
            out[action] = why
    for action, (level, doing) in (("charge", RESOLVE_CASES), ("adjust", ADJUST_USE)):
        why = role_refusal(level, doing, standing)
        if why:
            out[action] = why
    return out
