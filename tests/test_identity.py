"""SPEC §8: who acts is the process's operating-system user, never LOGNAME or USER.

maria is the supervisor. The real login of this process is not maria; it runs the command
line with LOGNAME, USER, LOGIN and USERNAME all saying maria. That changes nothing: what
maria alone may do is refused, and what the real login may do is recorded under its name.
"""

from __future__ import annotations

import json
import os
import pwd

import pytest

import storage
from storage.clock import real_today
from storage.models import AuditEvent, User
from tests.helpers import dump, make_world
from tests.helpers.process import contracts, python

REAL = pwd.getpwuid(os.geteuid()).pw_name
CLAIMING_MARIA = {"LOGNAME": "maria", "USER": "maria", "LOGIN": "maria", "USERNAME": "maria"}


def _users() -> list[tuple[str, str]]:
    return [(u.login, u.role) for u in User.select().order_by(User.login)]


def _audit_since(last_id: int) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.id > last_id).order_by(AuditEvent.id))


def _last_audit_id() -> int:
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    return last.id if last else 0


@pytest.fixture
def maria_supervises(db_url):
    """A running contract of Acme Corp; maria is the only user, a supervisor."""
    assert REAL != "maria", "these tests need a process that does not run as maria"
    make_world()
    storage.clock.freeze(None)  # the real clock again
    day = real_today()
    number = storage.new_contract(
        "Acme Corp", "Phone Support", str(day.subtract(days=30)), str(day.add(days=300))
    )
    storage.add_line(number, "Support", price="1200")
    storage.invoice(number)
    with storage.acting_as("maria"):
        storage.add_user("maria", "supervisor")
    assert _users() == [("maria", "supervisor")]
    return db_url, number


def _assert_refused(ran, role_word: str) -> None:
    assert ran.code == 2, (ran.code, ran.stdout, ran.stderr)
    assert ran.stdout == ""
    lines = ran.stderr.splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("contracts: "), ran.stderr
    assert role_word in lines[0], ran.stderr


def test_claiming_the_supervisors_name_cannot_add_a_supervisor(maria_supervises):
    url, _number = maria_supervises
    before, last = dump(), _last_audit_id()
    ran = contracts(url, "user add tom --role supervisor", env=CLAIMING_MARIA)
    _assert_refused(ran, "supervisor")
    assert REAL in ran.stderr and "maria" not in ran.stderr  # it names the real login
    assert _users() == [("maria", "supervisor")]
    assert dump() == before
    assert _audit_since(last) == []


def test_claiming_the_supervisors_name_cannot_hold_a_contract(maria_supervises):
    url, number = maria_supervises
    before, last = dump(), _last_audit_id()
    ran = contracts(url, f"hold {number}", env=CLAIMING_MARIA)
    _assert_refused(ran, "supervisor")
    assert storage.show(number).status == "active"
    assert dump() == before
    assert _audit_since(last) == []


def test_an_allowed_write_is_recorded_under_the_real_login_not_logname(maria_supervises):
    url, _number = maria_supervises
    with storage.acting_as("maria"):
        storage.add_user(REAL, "rep")
    last = _last_audit_id()
    ran = contracts(
        url, "case open --customer 'Acme Corp' --title 'Who opened me'", env=CLAIMING_MARIA
    )
    assert ran.code == 0, ran.stderr
    case = ran.stdout.strip()
    assert case.startswith("CAS-")
    events = _audit_since(last)
    assert [(e.entity, e.ref, e.action) for e in events] == [("case", case, "open")]
    assert [e.who for e in events] == [REAL]
    assert storage.show_case(case).opened_by == REAL


def test_current_login_and_info_ignore_logname(db_url):
    assert REAL != "maria"
    shown = python("import storage; print(storage.current_login())", env=CLAIMING_MARIA)
    assert shown.strip() == REAL
    ran = contracts(db_url, "info --json", env=CLAIMING_MARIA)
    assert ran.code == 0, ran.stderr
    assert json.loads(ran.stdout)["login"] == REAL
