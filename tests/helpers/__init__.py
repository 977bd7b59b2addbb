"""Helpers shared by the test modules (no test module imports another).

world     a small world made through storage: make_world, active_contract, contract_in, TODAY,
          ago, dump, refused and more (re-exported here: `from tests.helpers import make_world`)
cli       the `contracts` command through click (`Contracts`) and its own small world
console   the console driven headless by Pilot: console, settle, press, write, show, open_contract
process   the `contracts` command as a real process
postgres  the test run's own PostgreSQL database
"""

from tests.helpers.world import (
    TODAY,
    active_contract,
    ago,
    charged_on,
    contract_between,
    contract_in,
    draft_invoiced_held_canceled,
    dump,
    make_world,
    office_hours_contract,
    refused,
    sql,
    tables_changed,
    upgraded_from,
)

__all__ = [
    "TODAY",
    "active_contract",
    "ago",
    "charged_on",
    "contract_between",
    "contract_in",
    "draft_invoiced_held_canceled",
    "dump",
    "make_world",
    "office_hours_contract",
    "refused",
    "sql",
    "tables_changed",
    "upgraded_from",
]
