"""SPEC §8 and issue 8: roles that hold (the last supervisor, a first supervisor who is not
you, lines added to billed contracts, sweep by hand), the database role in the audit trail,
and `verify` that never cries wolf while charges run."""

from __future__ import annotations

import multiprocessing

import pytest

import storage
from storage.models import AuditEvent, User, database
from tests import workers
from tests.helpers import TODAY, active_contract, contract_in, dump, make_world, refused
from tests.helpers.postgres import PG_ADMIN_URL, _pg_connect


def _users():
    return [(u.login, u.role) for u in User.select().order_by(User.login)]


def test_the_last_supervisor_cannot_be_removed_or_demoted_while_others_are_listed(db_url):
    make_world()
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor")
        storage.add_user("rita", "rep")
        refused(
            storage.remove_user,
            "sam",
            match="sam is the last supervisor and other users are listed; make another "
            "user a supervisor first.",
        )
        refused(storage.add_user, "sam", "rep", match="sam is the last supervisor")
        storage.add_user("tina", "supervisor")
        storage.remove_user("sam")  # another supervisor remains
    assert _users() == [("rita", "rep"), ("tina", "supervisor")]


def test_the_only_user_may_step_down_and_permissions_turn_off(db_url):
    make_world()
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor")
        storage.remove_user("sam")
    assert _users() == []


def test_a_first_supervisor_who_is_not_you_needs_confirmation(db_url):
    make_world()
    with storage.acting_as("rita"):
        storage.add_user("rita", "rep")
        message = refused(storage.add_user, "tom", "supervisor", match="tom would be the first")
        assert "you (rita) will be a rep" in message and "--yes" in message
        storage.add_user("tom", "supervisor", confirm=True)
    assert _users() == [("rita", "rep"), ("tom", "supervisor")]
    with storage.acting_as("tom"):  # yourself as the first supervisor needs no confirmation
        storage.remove_user("rita")
        storage.remove_user("tom")
        storage.add_user("tom", "supervisor")
    assert _users() == [("tom", "supervisor")]


def test_a_line_on_a_billed_contract_is_a_supervisors_action(db_url):
    make_world()
    number = active_contract()
    draft = contract_in("draft")
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor", confirm=True)
        storage.add_user("rita", "rep")
    with storage.acting_as("rita"):
        refused(
            storage.add_line,
            number,
            "Huge",
            allotment="1000000000",
            match="only a supervisor may add lines to a contract that is no longer a draft; "
            "rita is a rep.",
        )
        assert storage.add_line(draft, "Extra", allotment="5") == f"{draft}/2"
    with storage.acting_as("sam"):
        assert storage.add_line(number, "Extra", allotment="5") == f"{number}/2"


def test_sweep_by_hand_is_a_listed_users_action_and_the_automatic_one_says_sweep(db_url):
    make_world()
    number = contract_in("invoiced")  # starts 2026-09-01
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor", confirm=True)
    storage.clock.freeze(TODAY.add(months=3))
    with storage.acting_as("nobody"):
        refused(storage.sweep, True, match="only listed users (rep or supervisor) may sweep")
        assert storage.sweep_if_due() == {"activated": 1, "expired": 0, "lines_expired": 0}
    event = AuditEvent.select().where(AuditEvent.action == "activate").get()
    assert (event.ref, event.who) == (number, "sweep")


def test_the_database_role_is_recorded_beside_the_login(db_url, tmp_path):
    """A rep with a PostgreSQL login of their own: the audit names the login and the role."""
    if not db_url.startswith("postgresql"):
        make_world()
        storage.open_database(db_url)
        assert AuditEvent.select().where(AuditEvent.db_user.is_null(False)).count() == 0
        return
    from urllib.parse import urlparse

    make_world()
    name = urlparse(db_url).path.lstrip("/")
    admin = _pg_connect(name)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS contracts_test_rita")
        cur.execute("CREATE ROLE contracts_test_rita LOGIN")
        cur.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO contracts_test_rita")
        cur.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO contracts_test_rita")
    try:
        parsed = urlparse(PG_ADMIN_URL)
        rita_url = parsed._replace(
            netloc=f"contracts_test_rita@{parsed.hostname}:{parsed.port or 5432}", path="/" + name
        ).geturl()
        storage.open_database(rita_url)
        storage.open_case("Acme Corp", "Printer jam")
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
        assert (event.action, event.who, event.db_user) == (
            "open",
            storage.current_login(),
            "contracts_test_rita",
        )
        assert storage.audit_trail(event.ref)[0].db_user == "contracts_test_rita"
        storage.close_database()
    finally:
        with admin.cursor() as cur:
            cur.execute("REASSIGN OWNED BY contracts_test_rita TO postgres")
            cur.execute("DROP OWNED BY contracts_test_rita")
            cur.execute("DROP ROLE contracts_test_rita")
        admin.close()
        storage.open_database(db_url)


@pytest.mark.slow
def test_verify_never_reports_a_violation_while_charges_run(db_url):
    """verify reads one snapshot: with four processes charging, resolving and reopening,
    every run of verify finds nothing (before, most runs did)."""
    make_world()
    number = active_contract(allotment="400")
    storage.close_database()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pending = pool.starmap_async(
            workers.mixed_work, [(db_url, number, 60, f"rep{i}", str(TODAY), i) for i in range(2)]
        )
        storage.open_database(db_url)
        runs = 0
        while not pending.ready() or runs < 5:
            assert storage.verify() == []
            runs += 1
        results = pending.get()
    assert [r["other"] for r in results] == [[], []]
    assert sum(r["charged"] for r in results) > 0
    assert runs >= 5
    assert database.is_closed() is False
    before = dump()
    assert storage.verify() == [] and dump() == before


@pytest.mark.slow
@pytest.mark.parametrize(
    "first,second",
    [
        (("sam", "remove", "tina"), ("tina", "remove", "sam")),  # each removes the other
        (("sam", "rep", "tina"), ("tina", "rep", "sam")),  # each demotes the other
        (("sam", "remove", "tina"), ("tina", "rep", "sam")),
    ],
)
def test_two_supervisors_racing_never_leave_reps_without_one(db_url, first, second):
    """Two real processes, the two last supervisors, each taking the other's role away at
    the same moment: exactly one wins, the other gets the ordinary refusal."""
    make_world()
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor")
        storage.add_user("tina", "supervisor")
        storage.add_user("rita", "rep")
    storage.close_database()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            outcomes = pool.starmap(
                workers.user_change, [(db_url, *first, barrier), (db_url, *second, barrier)]
            )
    storage.open_database(db_url)
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    refusal = next(o for o in outcomes if o.startswith("refused"))
    assert "is the last supervisor and other users are listed" in refusal or (
        "only a supervisor may manage users" in refusal
    ), refusal
    supervisors = [login for login, role in _users() if role == "supervisor"]
    assert len(supervisors) == 1 and ("rita", "rep") in _users()
