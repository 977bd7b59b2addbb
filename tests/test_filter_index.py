"""The contract filter reads a substring index (SQLite: FTS5 trigrams, PostgreSQL: pg_trgm
GIN) for text of three characters or more, on both databases: a change is found at once, the
results are exactly those of `search LIKE '%text%'`, and an upgraded database is indexed."""

from __future__ import annotations

import pendulum
import pytest

import storage
from storage import search_index
from storage.models import database
from tests.helpers import make_world, upgraded_from
from tests.helpers.world import TODAY

SPECIAL_TITLES = [
    "50% off support",
    "500 off support",
    "a_b desk",
    "axb desk",
    'say "hi" desk',
    "o'neil care",
    "back\\slash care",
    "x OR y NOT z*",
    "(paren) ^caret",
]


def numbers(text: str, status: str | None = None) -> list[str]:
    return [row.number for row in storage.list_contracts(status, text=text, limit=None)]


def shown(text: str) -> tuple[list[str], int, int]:
    """What the console shows for a filter: the rows, the count, and the 'all' tab's count."""
    return numbers(text), storage.count_contracts(text=text), storage.status_counts(text)["all"]


def contracts(*titles: str, customer: str = "Acme Corp") -> list[str]:
    return [
        storage.new_contract(customer, "Phone Support", "2026-01-01", "2026-12-31", title=title)
        for title in titles
    ]


def by_substring(text: str) -> list[str]:
    """The contracts whose number, customer or title hold `text`, found by Python."""
    needle = " ".join(text.split()).casefold()
    return [
        row.number
        for row in storage.list_contracts(limit=None)
        if needle in " ".join(f"{row.number} {row.customer} {row.title}".split()).casefold()
    ]


def test_a_contract_is_found_at_once_when_created_renamed_and_deleted(db_url):
    make_world()
    (number,) = contracts("Lighthouse keeping")
    contracts("Harbor dredging", customer="Globex")
    assert shown("hthou") == ([number], 1, 1)
    storage.edit_contract(number, title="Harbor watch")
    assert shown("hthou") == ([], 0, 0)
    assert shown("or wat") == ([number], 1, 1)
    assert len(numbers("harbor")) == 2
    storage.edit_customer("Acme Corp", new_name="Zenith Works")
    assert shown("acme") == ([], 0, 0)
    assert shown("ZENITH w") == ([number], 1, 1)
    assert numbers("zenith", status="draft") == [number]
    storage.delete(number)
    assert shown("zenith") == ([], 0, 0)
    assert len(numbers("harbor")) == 1
    _index_matches_the_table()


def _index_matches_the_table() -> None:
    """SQLite: FTS5's own check that the index holds exactly the contracts' search texts."""
    if not storage.db.is_postgres():
        table = search_index.TABLE
        database.execute_sql(
            f'INSERT INTO "{table}" ("{table}", rank) VALUES (\'integrity-check\', 1)'
        )


@pytest.mark.parametrize(
    "text",
    [
        "50% off",
        "0%",
        "a_b",
        "_b ",
        'say "hi"',
        '"hi"',
        '"',
        "o'neil",
        "'ne",
        "\\sl",
        "k\\s",
        "or y",
        "not z*",
        "(paren)",
        "^ca",
        " OFF  SUPPORT ",
    ],
)
def test_typed_characters_are_taken_literally(db_url, text):
    make_world()
    contracts(*SPECIAL_TITLES)
    found = numbers(text)
    assert found == by_substring(text)
    assert found  # each text is in one title at least
    assert len(found) < len(SPECIAL_TITLES)  # and not in every one (no wildcard)


@pytest.mark.parametrize("text", ["a", "B", "sk", "%", "_", "c-", "", "   "])
def test_one_or_two_characters_still_filter(db_url, text):
    make_world()
    contracts(*SPECIAL_TITLES)
    contracts("Bakery", customer="Globex")
    assert numbers(text) == by_substring(text)
    assert storage.count_contracts(text=text) == len(by_substring(text))


def test_the_filter_finds_what_like_finds_by_number_customer_and_title(db_url):
    make_world()
    made = contracts(*SPECIAL_TITLES) + contracts("Phone desk", "Cover", customer="Globex")
    for text in [made[0], made[-1][-4:], "acme c", "globex", "desk", "ort", "Globex Cov", "zzz"]:
        assert shown(text)[0] == by_substring(text), text
        assert shown(text)[1:] == (len(by_substring(text)),) * 2, text
    backwards = storage.list_contracts(text="desk", descending=True, limit=2, offset=1)
    assert [row.number for row in backwards] == by_substring("desk")[::-1][1:3]
    by_title = storage.list_contracts(text="desk", order="title", limit=None)
    assert [row.title for row in by_title] == sorted(row.title for row in by_title)


def _drop_index() -> None:
    """The database as schema 5 left it: no substring index."""
    if storage.db.is_postgres():
        database.execute_sql(f'DROP INDEX "{search_index.TRIGRAM_INDEX}"')
        return
    database.execute_sql(f'DROP TABLE "{search_index.TABLE}"')
    for name in ("contract_fts_insert", "contract_fts_update", "contract_fts_delete"):
        database.execute_sql(f'DROP TRIGGER "{name}"')


def test_upgrading_a_schema_5_database_indexes_its_contracts(db_url):
    make_world()
    made = contracts("Lighthouse keeping", "Harbor watch")
    _drop_index()
    upgraded_from(db_url, 5)
    assert _plan_uses_index("hthou")
    assert numbers("hthou") == [made[0]]
    (later,) = contracts("Lighthouse again")
    storage.edit_contract(made[1], title="Lighthouse too")
    assert numbers("hthou") == [made[0], made[1], later]


def _plan_uses_index(text: str) -> bool:
    from storage.reports import _filtered

    query = _filtered(None, text, None)[0]
    sql, params = query.sql()
    if storage.db.is_postgres():
        with database.atomic():
            database.execute_sql("SET LOCAL enable_seqscan = off")
            plan = database.execute_sql("EXPLAIN " + sql, params).fetchall()
        return search_index.TRIGRAM_INDEX in str(plan)
    plan = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "VIRTUAL TABLE INDEX" in str(plan)  # the FTS table, the one virtual table


def test_the_filter_reads_the_index_for_three_characters_or_more(db_url):
    make_world()
    contracts(*SPECIAL_TITLES)
    assert _plan_uses_index("off")
    assert _plan_uses_index('say "hi"')
    assert not _plan_uses_index("of")  # two characters: LIKE, the table read as before
    if storage.db.is_postgres():  # pg_trgm narrows by letters and digits, three in a row
        assert _plan_uses_index("-0557") and not _plan_uses_index("& c")


def test_without_the_right_to_create_pg_trgm_the_database_is_made_and_filters(tmp_path):
    """A PostgreSQL role that may not CREATE EXTENSION still gets a database: without the
    trigram index, the filter reads as before."""
    from urllib.parse import urlparse

    from tests.helpers.postgres import _pg_connect, require_postgres

    parsed = urlparse(require_postgres())
    name = f"{parsed.path.lstrip('/')}_noext"
    admin = _pg_connect()
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE ROLE "{name}" LOGIN')
        cur.execute(f'CREATE DATABASE "{name}"')
    inside = _pg_connect(name)
    inside.autocommit = True
    with inside.cursor() as cur:
        cur.execute(f'GRANT CREATE ON SCHEMA public TO "{name}"')
    inside.close()
    try:
        host = f"{parsed.hostname}:{parsed.port or 5432}"
        storage.open_database(f"postgresql://{name}@{host}/{name}")
        assert storage.db.schema_version() == storage.db.SCHEMA_VERSION
        assert search_index.TRIGRAM_INDEX not in {i.name for i in database.get_indexes("contract")}
        make_world()
        made = contracts(*SPECIAL_TITLES)
        assert numbers("50% off") == [made[0]]
        assert numbers("desk") == made[2:5]
    finally:
        storage.close_database()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE "{name}"')
            cur.execute(f'DROP ROLE "{name}"')
        admin.close()


def test_demo_data_is_indexed_and_kept_in_step_afterwards(db_url):
    """The demo builds the index at the end of its bulk load, then changes keep it in step."""
    from storage import demo

    make_world()
    demo.fill(40)
    rows = storage.list_contracts(limit=None)
    for text in [rows[7].number, rows[3].customer[2:9], rows[5].title[-6:], "ser", "qqq"]:
        assert shown(text)[0] == by_substring(text), text
    assert _plan_uses_index("ser")
    (later,) = contracts("Lighthouse keeping")
    assert numbers("hthou") == [later]
    _index_matches_the_table()


def test_counts_per_status_are_the_lengths_of_the_lists(db_url):
    """The tabs' counts, with and without a text, are the rows each tab lists, whatever the
    stored state says: an on-hold contract past its end and an unswept one count by date."""
    from storage.models import STATUSES
    from tests.helpers import contract_between, contract_in

    make_world()
    for status in ("draft", "invoiced", "active", "on_hold", "canceled", "expired"):
        contract_in(status)
    day = pendulum.Date
    contract_between("2026-01-01", "2026-03-31", day(2025, 12, 1))  # stored invoiced: expired
    contract_between("2026-06-01", "2026-12-31", day(2026, 5, 1))  # stored invoiced: active
    held = contract_between("2025-06-01", "2026-05-31", day(2025, 6, 1), customer="Globex")
    storage.clock.freeze(day(2026, 5, 1))
    storage.hold(held)
    storage.clock.freeze(TODAY)  # held, and past its end: expired
    for text in (None, "phone", "globex", "ph"):
        counts = storage.status_counts(text)
        listed = {s: len(storage.list_contracts(s, text, limit=None)) for s in STATUSES}
        assert {s: counts[s] for s in STATUSES} == listed, text
        assert counts["all"] == len(storage.list_contracts("all", text, limit=None)) > 0
    assert storage.status_counts(None)["expired"] == 3
