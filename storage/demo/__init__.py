"""Realistic demo data for an empty database: `contracts demo [--contracts N] [--seed S]`.

`fill` writes customers, templates, contracts in all six statuses, their lines at every
level of use, cases (resolved, open, canceled, some reopened) and the ledger behind them,
so that `verify()` finds nothing and `sweep` has nothing to do as of `clock.today()` but
store one contract's start (left as invoiced on purpose: the attention list shows it). Some
lines are past the attention thresholds, run out before their end, carry overage or open
cases while used up, held or canceled.

It is built for size (100,000 contracts, about two million rows, in under 20 seconds on
SQLite): rows are generated as named tuples with ids assigned here, the contracts in chunks
that two processes make side by side while this one writes them (chunks.py, apart.py), all
of it inside one transaction, with multi-row INSERTs on SQLite and COPY (CSV) on PostgreSQL,
the tables' indexes (and PostgreSQL's foreign keys) dropped meanwhile and made again at the
end, but on SQLite those whose keys come in the order written (writing.KEPT_IN_STEP);
afterwards PostgreSQL's id sequences are moved past the rows written so later inserts
never collide. The same seed and the same today give the same data, however many processes
make it. The memory of each process does not grow with the count: a batch or a chunk is let
go once written, customers are remembered by the draws that named them, and SQLite's page
cache is bounded (writing.CACHE_KIB). `progress` hears of every phase: customers, contracts,
the search index, each index built again, each of PostgreSQL's foreign keys checked again,
and the statistics (ANALYZE).

- words.py: the vocabulary (names, templates, line kinds, case titles, reps);
- rows.py: one named record per table written;
- customers.py: the customers, named without repeats;
- generator.py and usage.py: contracts and their lines; the cases and ledger that use them;
- chunks.py: the chunks the contracts are made in, each numbering its rows from 0;
- apart.py: the processes that make the chunks, and the writer's side of them;
- writing.py: the bulk writers.
"""

from __future__ import annotations

import time

from .. import search_index
from ..db import is_postgres, writes
from ..errors import InvalidInput, Refused
from ..models import Contract, database
from ..people import SUPERVISOR_ONLY, require
from .apart import ProcessStopped
from .generator import Filler
from .rows import COUNT_NAMES
from .writing import KEPT_IN_STEP, Progress, advance_sequences, bulk_load, indexes_rebuilt_after

MAX_CONTRACTS = 10_000_000

__all__ = ["MAX_CONTRACTS", "ProcessStopped", "fill"]


def fill(contracts: int = 200, seed: int = 1, progress: Progress | None = None) -> dict[str, float]:
    """Fill an empty database with `contracts` demo contracts and everything around them.

    `progress(done, total, what)` is called as the work goes: `what` names the phase
    ("customers", "contracts", "search index", "indexes (building NAME)" then "indexes", on
    PostgreSQL "keys (checking NAME)" then "keys", "statistics").
    Returns the rows written per table ("customers", "templates", "contracts", "lines",
    "cases", "ledger", "audit"), their sum ("rows") and the seconds taken ("seconds").
    Refused when the database already holds contracts; nothing is changed then. A process
    making contracts that stops without a word (killed) raises ProcessStopped, whose message
    says so; any failure leaves nothing written and no process behind."""
    if isinstance(contracts, bool) or not isinstance(contracts, int):
        raise InvalidInput(f"the number of contracts '{contracts}' is not a whole number.")
    if contracts < 1 or contracts > MAX_CONTRACTS:
        raise InvalidInput(f"the number of contracts must be between 1 and {MAX_CONTRACTS:,}.")
    started = time.perf_counter()
    with bulk_load():
        counts = _fill(contracts, seed, progress)
    # Fresh statistics, so the planner picks the indexes that page the lists.
    if progress is not None:
        progress(0, 1, "statistics (ANALYZE)")
    database.execute_sql("ANALYZE")
    if progress is not None:
        progress(1, 1, "statistics")
    counts["rows"] = sum(counts.values())
    counts["seconds"] = round(time.perf_counter() - started, 3)
    return counts


@writes
def _fill(contracts: int, seed: int, progress: Progress | None) -> dict[str, float]:
    require(SUPERVISOR_ONLY, "fill the database with demo data")
    if is_postgres():
        database.execute_sql('LOCK TABLE "contract" IN SHARE ROW EXCLUSIVE MODE')
    held = Contract.select().count()
    if held:
        raise Refused(
            f"the database already holds {held:,} contract{'s' if held != 1 else ''}; "
            "demo data goes only into an empty database."
        )
    filler = Filler(contracts, seed, progress)
    with indexes_rebuilt_after(progress, KEPT_IN_STEP):
        # the filter's substring index is built once, at the end (a phase of its own)
        search_index.built_after(filler.run, lambda _what: filler.report(0, 1, "search index"))
    advance_sequences()
    return {COUNT_NAMES[model]: n for model, n in filler.counts.items()}
