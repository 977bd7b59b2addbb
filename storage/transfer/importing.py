"""`contracts import`: the whole file checked first (every problem collected, nothing
written when there is one), then every row written in one transaction, in bulk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..db import is_postgres, no_cycle_collection, read_snapshot, reads, writes
from ..demo.rows import COLUMNS as ROWS_WRITTEN
from ..errors import InvalidInput
from ..models import AuditEvent, Base, Contract, DayOff, database
from ..people import SUPERVISOR_ONLY, db_role, require
from .check_use import UseChecks
from .checking import MAX_PROBLEMS
from .columns import KINDS
from .reading import records

Progress = Callable[[int, int, str], object]  # progress(done, total, what); total 0: unknown
STEP = 10_000  # rows between two reports of progress
WRITE_ORDER: tuple[type[Base], ...] = tuple(ROWS_WRITTEN)  # customers first, audit last
AUDIT_COLUMNS = ("id", "entity", "ref", "action", "who", "at", "changes", "db_user")


class ImportRefused(InvalidInput):
    """The file has problems (`problems`, one sentence each); nothing was written."""

    def __init__(self, problems: list[str], more: int = 0) -> None:
        n = len(problems) + more
        super().__init__(f"{n:,} problem{'s' if n != 1 else ''} in the file; nothing was imported.")
        self.problems = problems
        self.more = more


ImportPlan = UseChecks  # the plan with the checks of every kind


def _build(paths: list[str], fmt: str | None, who: str, progress: Progress | None) -> ImportPlan:
    plan = ImportPlan(who, ", ".join(paths))
    per_kind = records(paths, fmt, plan.problems)  # the files' own problems go there too
    plan.load_catalog()
    plan.start_contracts()
    plan.start_cases()
    check = {
        "customers": plan.customer,
        "templates": plan.template,
        "contracts": plan.contract,
        "lines": plan.line,
        "cases": plan.case,
        "ledger": plan.entry,
    }
    finish = {
        "contracts": plan.finish_contracts,
        "lines": plan.finish_lines,
        "cases": plan.finish_cases,
    }
    read = 0
    for kind in KINDS:
        for stream in per_kind[kind]:
            for record in stream:
                check[kind](record)
                read += 1
                if progress is not None and read % STEP == 0:
                    progress(read, 0, "rows checked")
        if kind in finish:
            finish[kind]()
    plan.finish_use()
    if not read and not plan.problems:
        plan.problem(plan.source, None, "the file holds no rows to import.")
    return plan


def _refuse_problems(plan: ImportPlan) -> None:
    if plan.problems:
        raise ImportRefused(plan.problems, plan.more_problems)


def _summary(plan: ImportPlan) -> dict[str, Any]:
    counts = {kind: plan.counts.get(kind, 0) for kind in (*KINDS, "opening balances")}
    return {"counts": counts, "references": dict(plan.references)}


@reads
def check_import(
    paths: list[str], fmt: str | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """`--dry-run`: check the file and say what an import would create; writes nothing.
    ImportRefused (every problem) when the file has any."""
    from ..people import current_login

    with read_snapshot():
        plan = _build(paths, fmt, current_login(), progress)
    _refuse_problems(plan)
    return _summary(plan)


def import_file(
    paths: list[str], fmt: str | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Import customers, templates, contracts with their lines, cases and the ledger from
    CSV files (a folder of them) or one JSON document: all of it, or (ImportRefused, every
    problem listed) nothing. Supervisors only. Returns what was created."""
    from ..demo.writing import bulk_load

    with bulk_load():
        summary = _import(paths, fmt, progress)
    if sum(summary["counts"].values()) > STEP:
        database.execute_sql("ANALYZE")  # fresh statistics for the pages of the lists
    return summary


@writes
def _import(paths: list[str], fmt: str | None, progress: Progress | None) -> dict[str, Any]:
    from ..demo.writing import advance_sequences, indexes_rebuilt_after

    who = require(SUPERVISOR_ONLY, "import contracts")
    if is_postgres():  # the ids are taken here: no other writer may take them meanwhile
        locked: tuple[type[Base], ...] = (*WRITE_ORDER, DayOff)
        tables = ", ".join(f'"{m._meta.table_name}"' for m in locked)
        database.execute_sql(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    with no_cycle_collection():  # millions of rows, no cycles among them (see demo)
        plan = _build(paths, fmt, who, progress)
        _refuse_problems(plan)
        empty = not Contract.select().exists()
        if empty and not is_postgres():
            with indexes_rebuilt_after():
                _write(plan, progress)
        else:
            _write(plan, progress)
    advance_sequences()
    return _summary(plan)


def _write(plan: ImportPlan, progress: Progress | None) -> None:
    from ..demo.writing import insert

    postgres = is_postgres()
    total = sum(len(rows) for rows in plan.rows.values())
    done = 0
    role = db_role()
    for model in WRITE_ORDER:
        rows = plan.rows.get(model, [])
        columns = AUDIT_COLUMNS if model is AuditEvent else None
        for start in range(0, len(rows), 20_000):
            chunk = rows[start : start + 20_000]
            if model is AuditEvent:
                chunk = [(*row, role) for row in chunk]
            insert(model, chunk, postgres, columns)
            done += len(chunk)
            if progress is not None:
                progress(done, total, "rows written")
    if plan.days_off:
        DayOff.insert_many(plan.days_off, fields=[DayOff.template, DayOff.day]).execute()


__all__ = ["MAX_PROBLEMS", "ImportRefused", "check_import", "import_file"]
