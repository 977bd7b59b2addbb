"""Several real processes charge the same lines at once: never an overdraw, never a lock error."""

from __future__ import annotations

import multiprocessing

import pytest

import storage
from tests import workers
from tests.helpers import TODAY, active_contract, make_world

pytestmark = pytest.mark.slow

PROCESSES = 4


def in_processes(db_url: str, fn, argsets) -> list[dict]:
    """`fn(db_url, *args)` for each of `argsets`, each in its own process and all at once, while
    this process's connection is closed; asserts no process met an error other than those
    counted."""
    storage.close_database()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(argsets)) as pool:
        results = pool.starmap(fn, [(db_url, *args) for args in argsets])
    storage.open_database(db_url)
    assert [r["other"] for r in results] == [[]] * len(argsets)
    return results


def test_processes_never_overdraw_a_cases_line(db_url):
    make_world()
    number = active_contract(allotment="60")
    racers = [(f"{number}/1", 25, None, f"rep{i}", str(TODAY)) for i in range(PROCESSES)]
    results = in_processes(db_url, workers.charge_many, racers)
    assert sum(r["charged"] for r in results) == 60
    assert sum(r["exhausted"] for r in results) == PROCESSES * 25 - 60
    line = storage.show(number).lines[0]
    assert (line.used, line.remaining, line.overage) == (60, 0, 0)
    assert storage.verify() == []


def test_processes_never_overdraw_a_time_line(db_url):
    make_world()
    storage.add_template("Consulting", abbr="CONS", allotment="time", billing="monthly")
    number = active_contract("Consulting", allotment="10h")
    racers = [(f"{number}/1", 15, "45m", f"rep{i}", str(TODAY)) for i in range(PROCESSES)]
    results = in_processes(db_url, workers.charge_many, racers)
    charged = sum(r["charged"] for r in results)
    assert charged == 600 // 45  # 13 cases of 45 minutes fit in 10 hours
    assert storage.show(number).lines[0].used == charged * 45
    assert storage.verify() == []


def test_mixed_charges_reopens_holds_and_releases_keep_the_ledger_true(db_url):
    make_world()
    number = active_contract(allotment="40")
    racers = [(number, 40, f"rep{i}", str(TODAY), i) for i in range(PROCESSES)]
    results = in_processes(db_url, workers.mixed_work, racers)
    line = storage.show(number).lines[0]
    net = sum(r["charged"] - r["reopened"] for r in results)
    assert line.used == net <= 40
    assert storage.verify() == []
