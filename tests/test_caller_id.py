"""Caller ID (issue 11, item 2; SPEC §2 "Customer", §6 `check`): a customer found by phone
number or e-mail address; numbers stored as E.164 with the database's default region; an
unknown address at a known customer's domain offered as a candidate, never as a match."""

from __future__ import annotations

import json

import pytest

import storage
from storage.models import CustomerEmail, CustomerPhone, SchemaVersion, Setting, database
from tests.helpers.world import active_contract, make_world, refused

SPELLINGS = ["+34 911 23 45 67", "0034911234567", "911 234 567"]


@pytest.fixture
def world(db_url):
    """Acme Corp (ops@acme.test, +34 911 23 45 67) with an active contract; region ES."""
    make_world()
    storage.set_phone_region("ES")
    storage.edit_customer("Acme Corp", add_phones=["+34 911 23 45 67"])
    active_contract()
    return db_url


def refused_edit(name: str, match: str, **changes) -> str:
    """storage.edit_customer(name, **changes) refused with `match`; nothing changed."""
    return refused(storage.edit_customer, name, match=match, **changes)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_number_finds_the_customer(world, spelling):
    result = storage.check(spelling)
    assert (result.customer, result.entitled, result.matched_by) == ("Acme Corp", True, "phone")


def test_numbers_are_stored_once_in_e164(world):
    storage.add_customer("Globex Two", phone=["932 000 000", "+44 20 7946 0000"])
    stored = {row.number for row in CustomerPhone.select()}
    assert stored == {"+34911234567", "+34932000000", "+442079460000"}
    info = storage.list_customers(text="globex two")[0]
    assert info.phones == ["+34 932 00 00 00", "+44 20 7946 0000"]
    assert info.phone == "+34 932 00 00 00"


def test_an_unknown_number_is_not_covered_and_says_which_number(world):
    result = storage.check("912 000 000")
    assert (result.entitled, result.customer) == (False, None)
    assert result.reason == "no customer has the phone number +34 912 00 00 00."


@pytest.mark.parametrize("number", ["12345", "+34 12", "0034 000 000 000"])
def test_an_invalid_number_is_refused_with_one_sentence(world, number):
    with pytest.raises(storage.InvalidInput, match="is not a valid phone number") as info:
        storage.check(number)
    assert "\n" not in str(info.value)
    refused(storage.add_customer, "Newco", phone=number, match="is not a valid phone number")
    refused_edit("Globex", "is not a valid phone number", add_phones=[number])


def test_without_a_region_a_national_number_needs_its_country_code(db_url):
    make_world()
    Setting.delete().where(Setting.name == "phone_region").execute()  # as in a UTC database
    assert "phone_region" not in storage.current_settings()
    refused(storage.add_customer, "Newco", phone="911 234 567", match="has no country code")
    storage.add_customer("Newco", phone="+34 911 234 567")
    assert storage.check("+34911234567").customer == "Newco"
    storage.add_customer("Globex Two", phone="0044 20 7946 0000")  # 00: as most countries
    assert storage.check("+44 20 7946 0000").customer == "Globex Two"


def test_a_number_belongs_to_one_customer_only(world):
    message = refused(storage.add_customer, "Newco", phone="0034911234567", match="already belongs")
    assert message == "the phone number +34 911 23 45 67 already belongs to Acme Corp."
    refused_edit("Globex", "already belongs", add_phones=["911 234 567"])
    refused_edit("Acme Corp", "Acme Corp already has the phone number", add_phones=["+34911234567"])


def test_an_address_belongs_to_one_customer_only_whatever_its_case(world):
    message = refused(storage.add_customer, "Newco", email="OPS@Acme.Test", match="already")
    assert message == "the address ops@acme.test already belongs to Acme Corp."
    refused_edit("Globex", "already", add_emails=["Ops@acme.test"])


def test_email_matches_whatever_its_case(world):
    for query in ("ops@acme.test", "OPS@ACME.TEST", "mailto:Ops@Acme.test"):
        result = storage.check(query)
        assert (result.customer, result.entitled, result.matched_by) == (
            "Acme Corp",
            True,
            "email",
        )


def test_an_unknown_address_at_a_known_domain_is_a_candidate_not_a_match(world):
    result = storage.check("bob@ACME.test")
    assert (result.entitled, result.customer, result.candidates) == (False, None, ["Acme Corp"])
    assert result.reason == (
        "no customer has the address bob@ACME.test; the domain acme.test belongs to Acme Corp."
    )
    nobody = storage.check("bob@nowhere.test")
    assert (nobody.candidates, nobody.reason) == (
        [],
        "no customer has the address bob@nowhere.test.",
    )


def test_several_customers_at_one_domain_are_all_candidates(world):
    storage.edit_customer("Globex", add_emails=["desk@acme.test"])
    result = storage.check("someone@acme.test")
    assert result.candidates == ["Acme Corp", "Globex"]
    assert result.reason.endswith("the domain acme.test is used by Acme Corp and Globex.")


def test_names_and_contract_numbers_still_work(world):
    assert storage.check("acme").matched_by == "name"
    assert storage.check("CNR-000001").matched_by == "contract"
    storage.add_customer("Route 66 Diner")
    assert storage.check("Route 66").customer == "Route 66 Diner"


def test_edit_adds_removes_and_replaces_numbers_and_addresses(world):
    storage.edit_customer(
        "Acme Corp",
        add_phones=["+44 20 7946 0000"],
        add_emails=["desk@acme.test"],
        remove_emails=["OPS@acme.test"],
    )
    info = storage.list_customers(text="acme")[0]
    assert (info.phones, info.emails) == (
        ["+34 911 23 45 67", "+44 20 7946 0000"],
        ["desk@acme.test"],
    )
    assert storage.check("ops@acme.test").customer is None
    storage.edit_customer("Acme Corp", phone="911 234 567, 932 000 000", email="")
    info = storage.list_customers(text="acme")[0]
    assert (info.phones, info.emails) == (["+34 911 23 45 67", "+34 932 00 00 00"], [])
    no_number = "Acme Corp has no phone number +44 20 7946 0000."
    refused_edit("Acme Corp", no_number, remove_phones=["+44 20 7946 0000"])


def test_a_refused_edit_changes_none_of_the_numbers(world):
    storage.add_customer("Globex Two", phone="+44 20 7946 0000")
    both = ["932 000 000", "+44 20 7946 0000"]  # the first is fine, the second not
    refused_edit("Acme Corp", "already belongs to Globex Two", add_phones=both)


def test_the_default_region_is_a_supervisors_setting(world):
    refused(storage.set_phone_region, "XX", match="'XX' is not a phone region")
    assert storage.set_phone_region("gb") == "GB"
    assert storage.current_settings()["phone_region"] == "GB"
    assert storage.check("020 7946 0001").reason.startswith("no customer has the phone number +44")
    assert storage.check("+34 911 23 45 67").customer == "Acme Corp"  # stored numbers stay


def test_migration_3_moves_each_customers_email_and_phone(db_url):
    """A schema-2 database (one email and one phone column on the customer) upgraded by
    `init`: the values move to the new tables; what cannot move is in the audit trail."""
    storage.set_phone_region("ES")
    database.drop_tables([CustomerPhone, CustomerEmail])
    database.execute_sql('ALTER TABLE "customer" ADD COLUMN email VARCHAR(255)')
    database.execute_sql('ALTER TABLE "customer" ADD COLUMN phone VARCHAR(255)')
    rows = [
        ("Acme Corp", "Ops@Acme.test", "+34 911 23 45 67"),
        ("Globex", None, "911 234 567"),  # the same number as Acme's: kept for Acme only
        ("Initech", "help@initech.test", "call me"),  # not a number
        ("Umbrella", None, None),
    ]
    marks = ", ".join([database.obj.param] * 4)
    for name, email, phone in rows:
        database.execute_sql(
            'INSERT INTO "customer" (name, name_key, email, phone, created) '
            f"VALUES ({marks}, '2026-01-01 00:00:00')",
            (name, name.casefold(), email, phone),
        )
    SchemaVersion.update(version=2).execute()
    storage.close_database()
    with pytest.raises(storage.DatabaseUnavailable, match="run `contracts init`"):
        storage.open_database(db_url)
    storage.open_database(db_url, upgrade=True)
    assert storage.db.schema_version() == storage.db.SCHEMA_VERSION
    by_name = {c.name: (c.emails, c.phones) for c in storage.list_customers()}
    assert by_name == {
        "Acme Corp": (["Ops@Acme.test"], ["+34 911 23 45 67"]),
        "Globex": ([], []),
        "Initech": (["help@initech.test"], []),
        "Umbrella": ([], []),
    }
    columns = {c.name for c in database.get_columns("customer")}
    assert not {"email", "phone"} & columns
    left_out = {
        (e.ref, json.loads(e.changes)["why"][:40])
        for e in storage.audit_trail()
        if e.action == "migrate"
    }
    assert left_out == {
        ("Globex", "it already belongs to another customer"),
        ("Initech", "'call me' is not a valid phone number."),
    }
    assert storage.check("ops@acme.test").customer == "Acme Corp"


def test_a_new_database_takes_the_region_of_its_zone(tmp_path):
    storage.db.initial_zone = "Europe/Madrid"
    try:
        storage.open_database(f"sqlite:///{tmp_path / 'madrid.db'}")
        assert storage.current_settings()["phone_region"] == "ES"
    finally:
        storage.db.initial_zone = None
        storage.close_database()


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli(run):
    """`contracts` with Acme Corp (two numbers, two addresses) under contract; region ES."""
    from tests.helpers.cli import active_contract as contract_by_cli
    from tests.helpers.cli import make_world as world_by_cli

    run("settings --phone-region es")
    world_by_cli(run)
    run("customer edit 'Acme Corp' --add-phone '+34 911 23 45 67' --add-phone '932 000 000'")
    run("customer edit 'Acme Corp' --add-email Desk@Acme.test")
    contract_by_cli(run)
    return run


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_check_by_phone_on_the_command_line(cli, spelling):
    answer = cli.json(f"check '{spelling}'", today="2026-06-15")
    assert (answer["customer"], answer["entitled"], answer["matched_by"]) == (
        "Acme Corp",
        True,
        "phone",
    )
    assert cli.out(f"check '{spelling}'", today="2026-06-15").startswith("Acme Corp is covered")


def test_check_exit_codes_for_unknown_invalid_and_candidates(cli):
    unknown = cli("check '912 000 000'", code=1)
    assert (
        unknown.stdout.strip() == "NOT covered: no customer has the phone number +34 912 00 00 00."
    )
    cli.refused("check 12345", match="'12345' is not a valid phone number")
    answer = json.loads(cli("check bob@ACME.TEST --json", code=1).stdout)
    assert (answer["entitled"], answer["customer"], answer["candidates"]) == (
        False,
        None,
        ["Acme Corp"],
    )
    plain = cli("check bob@acme.test", code=1).stdout.strip()
    assert plain == (
        "NOT covered: no customer has the address bob@acme.test; "
        "the domain acme.test belongs to Acme Corp."
    )
    assert cli.json("check DESK@acme.test", today="2026-06-15")["entitled"] is True


def test_customer_add_and_edit_take_several_numbers_and_addresses(cli):
    cli("customer add Initech --phone '+44 20 7946 0000' --phone 933000000 --email a@initech.test")
    cli("customer edit Initech --remove-phone 933000000 --add-email B@initech.test")
    initech = next(c for c in cli.json("customer list") if c["name"] == "Initech")
    assert (initech["phones"], initech["emails"]) == (
        ["+44 20 7946 0000"],
        ["a@initech.test", "B@initech.test"],
    )
    listed = cli.out("customer list --filter acme")
    assert "+34 911 23 45 67, +34 932 00 00 00" in listed


def test_duplicates_are_refused_on_the_command_line_and_nothing_changes(cli):
    cli.refused(
        "customer add Newco --email new@newco.test --phone 0034911234567",
        match="the phone number +34 911 23 45 67 already belongs to Acme Corp.",
    )
    cli.refused(
        "customer edit Globex --add-email OPS@ACME.TEST", match="already belongs to Acme Corp"
    )
    cli.refused("customer add Newco --phone 'call me'", match="is not a valid phone number")


def test_the_phone_region_in_settings_and_info(cli):
    assert "Default phone region: ES" in cli.out("info")
    assert cli.json("info")["phone_region"] == "ES"
    cli.refused("settings --phone-region Spain", match="is not a phone region")
    assert cli.out("settings --phone-region gb").startswith("Default phone region is now GB")
    assert "phone_region: GB" in cli.out("settings")


def test_demo_customers_are_found_by_their_number_and_address(db_url):
    from storage.demo import fill

    fill(30)
    customers = [c for c in storage.list_customers() if c.phones and c.emails]
    assert len(customers) >= 5
    for customer in customers[:5]:
        assert storage.check(customer.phones[0]).customer == customer.name
        assert storage.check(customer.emails[0].upper()).customer == customer.name


def test_a_renamed_customer_keeps_numbers_addresses_and_contracts(world):
    storage.edit_customer("Acme Corp", new_name="Acme Iberia")
    assert storage.check("911 234 567").customer == "Acme Iberia"
    assert storage.check("ops@acme.test").customer == "Acme Iberia"
    assert [c.customer for c in storage.list_contracts(text="iberia")] == ["Acme Iberia"]
    refused_edit("Acme Iberia", "nothing to", phone="+34 911 23 45 67")
    refused_edit("Acme Iberia", "already exists", new_name="GLOBEX")
