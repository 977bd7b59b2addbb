"""The charging benchmark behind `contracts bench`: several processes charge shared lines.

It fills a throw-away SQLite database (or uses the one it is explicitly given), runs the
workload in N processes, checks that exactly the allotment was granted and that `verify`
holds, and measures one process of the engine against the same transaction written by hand
with the `sqlite3` module. It prints nothing: `progress(text)` is called as it goes.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pendulum

from . import db
from .clock import today
from .people import acting_as, current_login


@dataclass
class Run:
    label: str
    processes: int
    attempts: int
    granted: int
    refused: int
    errors: list[str]
    seconds: float
    latencies_ms: list[float] = field(repr=False, default_factory=list)

    @property
    def charges_per_s(self) -> float:
        return self.granted / self.seconds if self.seconds else 0.0

    @property
    def attempts_per_s(self) -> float:
        return self.attempts / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class BenchResult:
    database: str
    workload: Run
    allotment: int
    used: int
    verify_problems: list[str]
    engine_single: Run | None = None
    baseline_single: Run | None = None

    @property
    def exact(self) -> bool:
        return self.used == self.allotment == self.workload.granted

    @property
    def single_ratio(self) -> float | None:
        if not (self.engine_single and self.baseline_single):
            return None
        return self.engine_single.charges_per_s / self.baseline_single.charges_per_s


def _prepare(lines: int, per_line: int, login: str) -> list[str]:
    """A bench customer and template, and `lines` active contracts of one line each."""
    from . import catalog, lifecycle

    tag = uuid.uuid4().hex[:6].upper()
    day = today()
    with acting_as(login):
        customer = catalog.add_customer(f"Bench customer {tag}").name
        template = catalog.add_template(
            f"Bench cases {tag}", abbr=f"B{tag}", allotment="cases", billing="annually"
        ).name
        refs = []
        for _ in range(lines):
            number = lifecycle.new_contract(
                customer,
                template,
                day.subtract(days=30),
                day.add(days=335),
                title="Charging benchmark",
            )
            refs.append(lifecycle.add_line(number, "Shared line", allotment=str(per_line)))
            lifecycle.invoice(number)
    return refs


def _worker(
    url: str,
    refs: list[str],
    attempts: int,
    offset: int,
    login: str,
    day: pendulum.Date,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """One process: charge `attempts` cases round-robin over the shared lines."""
    from . import charging, clock
    from .errors import DatabaseUnavailable, Refused

    db.open_database(url)
    clock.freeze(day)
    latencies, granted, refused, errors = [], 0, 0, []
    ready.put(os.getpid())
    go.wait()
    started = time.time()
    with acting_as(login):
        for i in range(attempts):
            ref = refs[(offset + i) % len(refs)]
            t0 = time.perf_counter()
            try:
                charging.resolve(ref, "Benchmark call")
                granted += 1
                latencies.append((time.perf_counter() - t0) * 1000)
            except Refused as exc:
                if "exhausted" in str(exc):
                    refused += 1
                else:
                    errors.append(str(exc))
            except DatabaseUnavailable as exc:
                errors.append(str(exc))
    results.put((started, time.time(), granted, refused, errors, latencies))
    db.close_database()


def _collect(queue: Any, procs: list[Any]) -> Any:
    """The next message from the workers; a worker that died is reported, not waited for."""
    import queue as queues

    while True:
        try:
            return queue.get(timeout=1)
        except queues.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for p in procs:
                    p.kill()
                raise RuntimeError(f"a benchmark process stopped with exit code {dead[0].exitcode}")


def _charge_in_processes(
    url: str, refs: list[str], attempts: int, processes: int, login: str, label: str
) -> Run:
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    per = [attempts // processes + (1 if i < attempts % processes else 0) for i in range(processes)]
    procs = [
        ctx.Process(
            target=_worker, args=(url, refs, per[i], i * 7, login, today(), ready, go, results)
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        _collect(ready, procs)
    go.set()
    outcomes = [_collect(results, procs) for _ in procs]
    for p in procs:
        p.join()
    start = min(o[0] for o in outcomes)
    end = max(o[1] for o in outcomes)
    return Run(
        label=label,
        processes=processes,
        attempts=attempts,
        granted=sum(o[2] for o in outcomes),
        refused=sum(o[3] for o in outcomes),
        errors=[e for o in outcomes for e in o[4]],
        seconds=end - start,
        latencies_ms=[x for o in outcomes for x in o[5]],
    )


def baseline_sqlite(path: str, transactions: int) -> Run:
    """The same transaction as a charge (guarded update, case, ledger entry) by hand."""
    con = sqlite3.connect(path, isolation_level=None, timeout=db.BUSY_TIMEOUT_S)
    con.execute("PRAGMA journal_mode=wal")
    con.execute(f"PRAGMA synchronous={db.SQLITE_SYNCHRONOUS}")
    con.execute("PRAGMA foreign_keys=1")
    line_id, customer_id = con.execute(
        'SELECT l.id, c.customer_id FROM "line" l JOIN "contract" c ON c.id = l.contract_id'
    ).fetchone()
    latencies = []
    granted = 0
    started = time.perf_counter()
    for _ in range(transactions):
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        updated = con.execute(
            'UPDATE "line" SET used = used + 1 WHERE id = ? AND used + 1 <= total', (line_id,)
        ).rowcount
        if updated:
            case_id = con.execute(
                'INSERT INTO "case" (customer_id, title, line_id, status, opened, opened_by, '
                "charged) VALUES (?, 'Benchmark call', ?, 'resolved', datetime('now'), 'bench', 1)",
                (customer_id, line_id),
            ).lastrowid
            con.execute(
                'INSERT INTO "usage_entry" (line_id, case_id, amount, kind, who, at, note) '
                "VALUES (?, ?, 1, 'charge', 'bench', datetime('now'), '')",
                (line_id, case_id),
            )
            granted += 1
        con.execute("COMMIT")
        latencies.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - started
    con.close()
    return Run(
        "hand-written sqlite3, 1 process", 1, transactions, granted, 0, [], seconds, latencies
    )


def _fresh_sqlite(folder: str, name: str) -> str:
    return "sqlite:///" + os.path.join(folder, name)


def run(
    url: str | None = None,
    workers: int = 4,
    charges: int = 4000,
    lines: int = 20,
    single: int = 1000,
    progress: Callable[[str], object] | None = None,
) -> BenchResult:
    """Run the benchmark; `url` None means a throw-away SQLite database in a temp folder."""
    say = progress or (lambda text: None)
    login = current_login()
    with tempfile.TemporaryDirectory(prefix="contracts-bench-") as folder:
        target = url or _fresh_sqlite(folder, "bench.db")
        lines = max(1, min(lines, charges))
        per_line = max(1, int(charges / lines * 0.9))  # more attempts than allotment
        say(f"preparing {lines} shared lines of {per_line} cases in {db.describe(target)}")
        db.open_database(target)
        refs = _prepare(lines, per_line, login)
        db.close_database()
        say(f"charging: {workers} processes, {charges} attempts")
        workload = _charge_in_processes(
            target, refs, charges, workers, login, f"engine, {workers} processes"
        )
        db.open_database(target)
        from . import reports
        from .verify import verify

        used = sum(reports.show(ref.split("/")[0]).lines[0].used for ref in refs)
        say("verifying the ledger")
        problems = verify()
        db.close_database()
        result = BenchResult(db.describe(target), workload, per_line * lines, used, problems)
        if single:
            say(f"one process: engine against hand-written sqlite3, {single} charges each")
            engine_url = _fresh_sqlite(folder, "engine.db")
            db.open_database(engine_url)
            engine_refs = _prepare(1, single, login)
            db.close_database()
            result.engine_single = _charge_in_processes(
                engine_url, engine_refs, single, 1, login, "engine, 1 process"
            )
            base_url = _fresh_sqlite(folder, "baseline.db")
            db.open_database(base_url)
            _prepare(1, single, login)
            db.close_database()
            result.baseline_single = baseline_sqlite(base_url[len("sqlite:///") :], single)
        if url:
            db.open_database(url)
    return result


__all__ = ["BenchResult", "Run", "run"]
