"""Bad input on the command line: one sentence on stderr, exit 2, nothing changed.

Dates, amounts, numbers and database URLs the product cannot use, and arguments that are
not valid UTF-8; on SQLite and PostgreSQL where the database could answer differently.
"""

from __future__ import annotations

import pytest

from tests.test_cli import Contracts, active_contract, make_world


@pytest.fixture
def run(db_url) -> Contracts:
    return Contracts(db_url)


@pytest.fixture
def lite(sqlite_url) -> Contracts:
    return Contracts(sqlite_url)


# --- money: a comma only between thousands -------------------------------------------------


@pytest.mark.parametrize(
    "price,cents",
    [("1200", 120000), ("1,200.50", 120050), ("12,345,678", 1234567800), ("0.5", 50)],
)
def test_a_price_with_thousands_separators(lite, price, cents):
    make_world(lite)
    number = active_contract(lite)
    ref = lite.out(f"line add {number} --title Extra --price {price}", today="2026-06-15")
    assert lite.json(f"show {number}")["lines"][1]["price_cents"] == cents, ref


@pytest.mark.parametrize("price", ["1200,50", "1,2000", ",1200", "1200,", "12,34,567", "1,,200"])
def test_a_comma_anywhere_else_is_refused(lite, price):
    make_world(lite)
    number = active_contract(lite)
    lite.refused(
        f"line add {number} --title Extra --price {price}",
        match=f"price '{price}' is not an amount",
        today="2026-06-15",
    )
