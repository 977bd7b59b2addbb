"""Every pair of catalog actions that can meet on the same object, raced by real processes:
customers' phone numbers and e-mail addresses (a number or an address belongs to one
customer only), a template's days off, and the database's settings.

Built as tests/test_races.py (on the racers and databases of tests/helpers/races.py): for each pair
and each database, ROUNDS rounds in objects of their own (new customers, a new template, a
new date, the settings emptied), two worker processes released together by a barrier, and
once per pair the same starting state applied serially, A;B and B;A, in-process. A round
passes when neither racer met an error and every refusal is storage's own sentence (never a
database's constraint text), and the outcomes and the final state equal those of one serial
order; storage.verify() finds nothing new once the pair is done.

The state compared: the round's customers (who exists, their numbers and addresses), the
template's days off, the settings, and the audit trail the round wrote (in order, without
who and when): a race must not leave a history that no serial order writes.
"""

from __future__ import annotations

import json
import uuid

import pytest

import storage
from storage.models import AuditEvent, Customer, Setting
from tests import race_workers_catalog as workers
from tests.helpers.races import Pair, arena_on, race_tests

pytestmark = pytest.mark.slow

SETTINGS = ("phone_region", "threshold_warn", "threshold_alert", "ending_within")


# ---------------------------------------------------------------- starting states


def _name() -> str:
    return f"Race {uuid.uuid4().hex[:10]}"


def _setup_customers(with_phone: bool = False):
    def setup(ctx):
        for name in ctx["customers"]:
            storage.add_customer(name)
        if with_phone:
            storage.edit_customer(ctx["customers"][0], add_phones=ctx["phone"])

    return setup


def _setup_template(with_day: bool = False):
    def setup(ctx):
        storage.add_template(
            ctx["template"], abbr=ctx["abbr"], allotment="coverage", billing="monthly"
        )
        if with_day:
            storage.add_days_off(ctx["template"], ctx["day"])

    return setup


def _setup_settings(ctx):
    """No attention thresholds, no phone region: the first time anyone sets them."""
    _setup_customers()(ctx)
    Setting.delete().where(Setting.name.in_(SETTINGS)).execute()
    storage.set_zone(ctx["zones"][2])


def _setup_settings_set(ctx):
    """Every setting set once already: a change replaces a value someone chose."""
    _setup_settings(ctx)
    storage.set_attention("50,85", "20")
    storage.set_phone_region("FR")


SETUPS = {
    "no_customers": lambda ctx: None,
    "customers": _setup_customers(),
    "first_has_phone": _setup_customers(with_phone=True),
    "template": _setup_template(),
    "template_day_off": _setup_template(with_day=True),
    "settings_unset": _setup_settings,
    "settings_set": _setup_settings_set,
}


def build(setup: str, round_no: int) -> dict:
    """A fresh starting state of the given kind, in objects of its own; returns its ctx."""
    tag = uuid.uuid4().hex[:6]
    # A number and an address of their own each round: 912 xx xx xx in Madrid.
    digits = int(tag, 16) % 1000000
    ctx = {
        "tag": tag,
        "customers": [_name(), _name()],
        "new": [_name(), _name()],
        "phone": f"+34 912 {digits:06d}",
        "local_phone": f"912 {digits:06d}",  # read as Spanish only in region ES
        "emails": [f"Ops.{tag}@Race.test", f"ops.{tag}@race.TEST"],
        "template": f"Race Days {tag}",
        "abbr": f"D{tag[:6]}".upper(),
        "day": f"{2030 + round_no % 50}-{1 + digits % 12:02d}-{1 + digits % 28:02d}",
        "thresholds": ["60,80", "70,95"],
        "within": ["14", "45"],
        "regions": ["ES", "GB"],
        "zones": ["Europe/Madrid", "Europe/London", "UTC"],
    }
    ctx["phone_e164"], ctx["phone_shown"] = storage.caller_id.phone_number(ctx["phone"], None)
    SETUPS[setup](ctx)
    ctx["audit_from"] = (
        AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar() or 0
    )
    return ctx


# ---------------------------------------------------------------- the pairs


PAIRS = [
    # one number, one address: one customer only (side 0 and side 1 are two customers)
    Pair("add_customer_phone", "add_customer_phone", "no_customers"),  # two new, same number
    Pair("add_customer_email", "add_customer_email", "no_customers"),  # same address, cases
    Pair("add_phone", "add_phone", "customers"),  # two customers each add the same number
    Pair("add_email", "add_email", "customers"),  # the same address in another case
    Pair("add_customer_phone", "add_phone", "customers"),  # a new one and an old one
    # one customer's own number
    Pair("add_phone_here", "add_phone_here", "customers"),
    Pair("add_phone_here", "remove_phone", "customers"),  # the removal only after the add
    Pair("add_phone_here", "remove_phone", "first_has_phone"),  # the add only after it
    Pair("remove_phone", "remove_phone", "first_has_phone"),
    Pair("add_phone", "remove_phone", "first_has_phone"),  # the other one's, once it's free
    # a template's days off
    Pair("add_day_off", "add_day_off", "template"),
    Pair("add_day_off", "remove_day_off", "template"),
    Pair("add_day_off", "remove_day_off", "template_day_off"),
    Pair("remove_day_off", "remove_day_off", "template_day_off"),
    # the database's settings, the first time they are set and later
    Pair("set_attention", "set_attention", "settings_unset"),
    Pair("set_phone_region", "set_phone_region", "settings_unset"),
    Pair("set_phone_region", "add_local_phone", "settings_unset"),  # ES, then it reads
    Pair("set_zone", "set_zone", "settings_unset"),  # the zone is always set
    Pair("set_attention", "set_attention", "settings_set"),
    Pair("set_phone_region", "set_phone_region", "settings_set"),
]


# ---------------------------------------------------------------- the normalised state


def _names(ctx: dict) -> dict[str, str]:
    """The round's own names, number, date and tag by their part in the round."""
    return {
        **{name: f"c{i}" for i, name in enumerate(ctx["customers"])},
        **{name: f"n{i}" for i, name in enumerate(ctx["new"])},
        ctx["phone_shown"]: "phone",
        ctx["phone_e164"]: "phone",
        ctx["day"]: "day",
        ctx["tag"]: "tag",
        ctx["abbr"]: "abbr",
    }


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else repr(value)


def _plain(value, names: dict[str, str]):
    """A value with the round's names, tags and dates replaced by their part in it."""
    text = json.dumps(value, default=_text, sort_keys=True)
    for name, part in sorted(names.items(), key=lambda item: -len(item[0])):
        text = text.replace(name, f"<{part}>")
    return json.loads(text)


def snapshot(ctx: dict) -> dict:
    names = _names(ctx)
    customers = {}
    for name, part in sorted(names.items(), key=lambda item: -len(item[0])):
        row = Customer.get_or_none(Customer.name == name)
        if row is not None:
            info = storage.list_customers(name)[0]
            customers[part] = {"phones": info.phones, "emails": info.emails}
    days = []
    if any(t.name == ctx["template"] for t in storage.list_templates()):
        days = [str(d) for d in storage.list_days_off(ctx["template"])]
    settings = {k: v for k, v in storage.current_settings().items() if k in {*SETTINGS, "zone"}}
    audit = [
        (e.entity, e.ref, e.action, json.loads(e.changes))
        for e in AuditEvent.select()
        .where(AuditEvent.id > ctx["audit_from"])
        .order_by(AuditEvent.id)
    ]
    return _plain(
        {"customers": customers, "days": days, "settings": settings, "audit": audit}, names
    )


def normalise(outcome: tuple, ctx: dict) -> tuple:
    """An outcome as comparable between runs; a refusal keeps only the fact."""
    if outcome[0] != "ok":
        return (outcome[0],)
    return ("ok", _plain(outcome[1], _names(ctx)))


# ---------------------------------------------------------------- the racers


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def arena(request, tmp_path_factory):
    yield from arena_on(request, tmp_path_factory, workers=workers.__name__, sided=True)


# ---------------------------------------------------------------- the test


def observe(pair: Pair, raw_a: tuple, raw_b: tuple, ctx: dict) -> tuple:
    """(the outcomes, normalised, and the round's normalised state)."""
    return (normalise(raw_a, ctx), normalise(raw_b, ctx)), snapshot(ctx)


test_race, test_the_pairs_cover_every_action = race_tests(PAIRS, build, observe, workers.ACTIONS)
