"""Console and check timings (issue 4), with their baselines measured in the same run.

Not a test (pytest does not collect it). Run it on a database, e.g. the demo of 100,000:

    contracts --db sqlite:///demo100k.db demo --contracts 100000
    python tests/console_timing.py --db sqlite:///demo100k.db [--runs 5]

It prints, as medians over the runs:
- first paint: a whole process from start until the first page of contracts is painted
  (80x24, headless), against a bare Textual app that shows a 40-row DataTable. The console
  is started as the `contracts` script starts it (tui.main), only headless;
- resident memory at that moment, for both; and the console's after paging down the All
  tab through 10,000 rows and back up (`pagedown`/`pageup`, as a person pages);
- a filter keystroke to the updated table, and a status-tab switch to the updated table
  (in one process, driven like a person types): each timed key is delivered as the
  terminal delivers it, and its time ends when the new rows have been painted. Pilot's
  `press` and `pause` are not inside the timing: each waits for the process to be idle in
  20 ms slices, which added 40-60 ms to every key that no person sees;
- `!` to the attention screen with its first section painted (in one process);
- `contracts check` by a customer's name, phone number and e-mail address, and `contracts
  attention`, as whole processes, against `python -c` opening the same database (sqlite3;
  on PostgreSQL psycopg2, connecting) and running one query (not with --latency-ms).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.abc
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --- the child processes ---------------------------------------------------------------


class _WhenImported(importlib.abc.MetaPathFinder):
    """Calls `then(module)` right after `name` is imported, wherever the import happens."""

    def __init__(self, name: str, then) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            self.then(module)

        spec.loader.exec_module = exec_module
        return spec


def child_contracts(url: str) -> None:
    """The console as the `contracts` script starts it (tui.main, tui.cli, tui.app.run), but
    headless at 80x24; reports when the first page of contracts is painted."""

    def instrument(console) -> None:
        from tui.screens.contracts import ContractsScreen

        run = console.ContractsApp.run

        def run_headless(app, *args, **kwargs):
            timer = None

            def painted():
                print(f"PAINTED {_rss_kib()}", flush=True)
                app.exit()

            def watch():
                screen = app.screen
                if isinstance(screen, ContractsScreen) and screen.table.row_at(0) is not None:
                    timer.stop()
                    app.call_after_refresh(painted)

            async def start():
                nonlocal timer
                timer = app.set_interval(0.002, watch)

            app.call_later(start)
            return run(app, *args, **{**kwargs, "headless": True, "size": (80, 24)})

        console.ContractsApp.run = run_headless

    sys.meta_path.insert(0, _WhenImported("tui.app", instrument))
    sys.argv = ["contracts", "--db", url]
    from tui.main import main as contracts

    contracts()


def child_bare() -> None:
    """The baseline: a bare Textual app showing a 40-row table."""
    from textual.app import App
    from textual.widgets import DataTable

    class Bare(App):
        def compose(self):
            yield DataTable()

        def on_mount(self):
            table = self.query_one(DataTable)
            table.add_columns("Number", "Title", "Customer", "End", "Remaining", "Days")
            for i in range(40):
                table.add_row(
                    f"CNR-{i:06d}",
                    f"Contract {i}",
                    f"Customer {i}",
                    "2026-12-31",
                    "7/10 cases",
                    str(i),
                )
            self.call_after_refresh(self.painted)

        def painted(self):
            print(f"PAINTED {_rss_kib()}", flush=True)
            self.exit()

    Bare().run(headless=True, size=(80, 24))


def _first_paint(kind: str, url: str) -> tuple[float, int]:
    args = [sys.executable, __file__, "--child", kind, "--db", url]
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    for line in proc.stdout:
        if line.startswith("PAINTED"):
            break
    elapsed = time.perf_counter() - started
    proc.wait()
    if not line.startswith("PAINTED"):
        raise SystemExit(f"the {kind} child did not report its first paint")
    return elapsed, int(line.split()[1])


# --- interactions in one process ---------------------------------------------------------


async def _interactions(url: str, rounds: int) -> tuple[list[float], list[float]]:
    """Each timed key is delivered as a terminal delivers it (a Key event, no Pilot waiting
    around it); its time ends when the screen has been repainted with the new list's rows.
    Between keys the console settles (not timed)."""
    from textual import events

    import storage
    from tui.app import ContractsApp

    storage.open_database(url)
    app = ContractsApp(url, cursor_blink=False, poll_seconds=0)
    filter_ms, tab_ms = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.table
        drawn = 0  # the latest load of the list whose rows the table has drawn

        def render_line(y: int, render=table.render_line):
            nonlocal drawn
            if table.row_count == 0 or table.row_at(0) is not None:
                drawn = table._generation
            return render(y)

        table.render_line = render_line  # called while the screen composes a frame

        async def shown(generation: int) -> None:
            """Until a frame shows a newer list than `generation` (a frame is composed in one
            go, so when this wakes up the frame with the new rows is complete)."""
            while drawn <= generation:
                await asyncio.sleep(0.001)

        async def timed(key: str, character: str | None) -> float:
            await pilot.pause()  # the console is idle before the key
            generation = table._generation
            started = time.perf_counter()
            app._driver.send_message(events.Key(key, character))
            await shown(generation)
            return (time.perf_counter() - started) * 1000

        await shown(0)
        for _ in range(rounds):
            await pilot.press("slash")
            for ch in "pine":  # each keystroke until the table shows its matches
                filter_ms.append(await timed(ch, ch))
            for _ in "pine":
                generation = table._generation
                await pilot.press("backspace")
            await shown(generation)
            await pilot.press("escape")
            for key in ("2", "3", "6", "7", "3"):  # invoiced, active, expired, all, active
                tab_ms.append(await timed(key, key))
    return filter_ms, tab_ms


async def _workers_done(app) -> None:
    """Until no worker of the console runs: one cancelled counts as done (a newer load of
    the same screen replaced it, as when the start-up sweep's write reloads the screen on
    top while it reads); one that failed stops the measurement."""
    from textual.worker import WorkerCancelled

    while running := [w for w in app.workers if not w.is_finished]:
        for outcome in await asyncio.gather(*(w.wait() for w in running), return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, WorkerCancelled):
                raise outcome


async def _paging_memory(url: str, rows: int = 10_000) -> tuple[int, int, int, float]:
    """Resident memory (KiB) of the console at first paint, after paging down the All tab
    through `rows` rows, and after paging back up to the first; and the seconds it took.
    Paged with `pagedown`/`pageup` as a person would (the table fetches pages of 100 rows
    as the cursor reaches them and lets go of the ones far behind)."""
    from textual import events

    import storage
    from tui.app import ContractsApp

    storage.open_database(url)
    app = ContractsApp(url, cursor_blink=False, poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.table
        while table.row_at(0) is None:
            await pilot.pause(0.01)
        await pilot.press("7")  # the All tab
        await _workers_done(app)
        await pilot.pause(0.05)
        painted = _rss_kib()
        started = time.perf_counter()
        target = min(rows, table.row_count - 1)

        async def page(key: str, done) -> None:
            while not done():
                for _ in range(10):  # as a terminal delivers them: no wait around each
                    app._driver.send_message(events.Key(key, None))
                await pilot.pause()
            await _workers_done(app)

        await page("pagedown", lambda: table.cursor >= target)
        down = _rss_kib()
        await page("pageup", lambda: table.cursor == 0)
        return painted, down, _rss_kib(), time.perf_counter() - started


# --- contracts check against one query -------------------------------------------------


def _whole(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def _baseline(url: str, query: str, value: str) -> list[str]:
    """`python -c` that opens the database and runs one `query` with `value`: sqlite3 for an
    SQLite file, psycopg2 (connect included) for PostgreSQL."""
    if url.startswith("sqlite:///"):
        connect = f"import sqlite3; c = sqlite3.connect({url[len('sqlite:///') :]!r})"
        run = f"print(c.execute({query!r}, ({value!r},)).fetchall())"
    else:
        connect = f"import psycopg2; c = psycopg2.connect({url!r}).cursor()"
        run = f"c.execute({query.replace('?', '%s')!r}, ({value!r},)); print(c.fetchall())"
    return [sys.executable, "-c", f"{connect}; {run}"]


def _first_value(url: str, sql: str):
    """The first column of the first row `sql` gives, or None."""
    if url.startswith("sqlite:///"):
        import sqlite3

        found = sqlite3.connect(url[len("sqlite:///") :])
        row = found.execute(sql).fetchone()
    else:
        import psycopg2

        found = psycopg2.connect(url)
        cursor = found.cursor()
        cursor.execute(sql)
        row = cursor.fetchone()
    found.close()
    return row[0] if row else None


def _paired(ours_args: list[str], url: str, query: str, value: str, runs: int):
    """Whole-process times of `ours_args` and of the one-query baseline (`_baseline`), in
    turn (after one warm-up each)."""
    baseline = _baseline(url, query, value)
    ours, base = [], []
    _whole(ours_args), _whole(baseline)  # warm-up
    for _ in range(runs):
        ours.append(_whole(ours_args))
        base.append(_whole(baseline))
    return ours, base


def _check_times(url: str, runs: int) -> list[tuple[str, list[float], list[float]]]:
    """`contracts check` by a customer's name, phone number (E.164, as a phone system sends
    it) and e-mail address, each against its one-query baseline."""
    import storage

    storage.open_database(url)
    customer = storage.list_contracts("active", limit=1)[0].customer
    storage.close_database()
    phone = _first_value(url, "SELECT number FROM customer_phone ORDER BY id LIMIT 1")
    email = _first_value(url, "SELECT address FROM customer_email ORDER BY id LIMIT 1")
    by_name = (
        "SELECT c.number, l.total, l.used FROM contract c JOIN line l ON l.contract_id = c.id "
        "JOIN customer u ON u.id = c.customer_id WHERE u.name_key = ? AND c.status = 'active'"
    )
    by_contact = (
        "SELECT c.number, l.total, l.used FROM contract c JOIN line l ON l.contract_id = c.id "
        "JOIN {table} k ON k.customer_id = c.customer_id WHERE k.{column} = ? "
        "AND c.status = 'active'"
    )
    cases = [(f"'{customer}'", customer, by_name, customer.casefold())]
    if phone:
        query = by_contact.format(table="customer_phone", column="number")
        cases.append((f"phone {phone}", phone, query, phone))
    if email:
        query = by_contact.format(table="customer_email", column="address_key")
        cases.append((f"e-mail {email}", email, query, email.lower()))
    contracts = [str(Path(sys.executable).with_name("contracts")), "--db", url, "check"]
    return [
        (label, *_paired([*contracts, text], url, query, value, runs))
        for label, text, query, value in cases
    ]


def _attention_times(url: str, runs: int) -> tuple[list[float], list[float]]:
    """`contracts attention` (every section, all entries) as a whole process, against the
    one-query baseline of `check`: the lines past the lower threshold."""
    query = (
        "SELECT l.contract_id, l.position, l.used, l.total FROM line l "
        "WHERE l.total > 0 AND l.used * 100 >= l.total * ?"
    )
    contracts = [str(Path(sys.executable).with_name("contracts")), "--db", url, "attention"]
    return _paired(contracts, url, query, "75", runs)


async def _attention_paint(url: str, rounds: int) -> tuple[list[float], list[float]]:
    """`!` to the attention screen with its first section painted (the others may still be
    read), and as a baseline `?` to the keys screen painted, in one process; between
    rounds the screen is left and the console settles."""
    from textual import events

    import storage
    from tui.app import ContractsApp
    from tui.screens.attention import AttentionScreen
    from tui.screens.keys import KeysScreen

    storage.open_database(url)
    app = ContractsApp(url, cursor_blink=False, poll_seconds=0)
    attention, keys = [], []

    async def timed(key: str, character: str, ready) -> float:
        await _workers_done(app)
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        app._driver.send_message(events.Key(key, character))
        while not ready(app.screen):
            await asyncio.sleep(0.001)
        painted = asyncio.Event()
        app.call_after_refresh(painted.set)
        await painted.wait()
        return (time.perf_counter() - started) * 1000

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        for _ in range(rounds):
            ready = lambda s: isinstance(s, AttentionScreen) and s.sections
            attention.append(await timed("exclamation_mark", "!", ready))
            await _workers_done(app)
            await pilot.press("escape")
            keys.append(await timed("question_mark", "?", lambda s: isinstance(s, KeysScreen)))
            await pilot.press("escape")
    return attention, keys


def _print_keys(url: str, runs: int) -> None:
    """The filter keystrokes, each key of `pine` apart, and the tab switches."""
    filter_ms, tab_ms = asyncio.run(_interactions(url, runs))
    for i, key in enumerate("pine"):
        each = filter_ms[i::4]
        print(
            f"filter key {i + 1} {'pine'[: i + 1]!r:7} {statistics.median(each):7.1f} ms "
            f"median, {min(each):.1f}-{max(each):.1f} ms"
        )
    print(
        f"filter keystroke {statistics.median(filter_ms):7.1f} ms median, "
        f"{max(filter_ms):.1f} ms max (target <= 100 ms)"
    )
    print(
        f"tab switch       {statistics.median(tab_ms):7.1f} ms median, {max(tab_ms):.1f} ms max "
        "(target <= 100 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///path.db (a demo database)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="PostgreSQL only: reach the server through a proxy that holds each request "
        "this long, as a server on another host would (tests/helpers/wire.py)",
    )
    parser.add_argument(
        "--keys",
        action="store_true",
        help="only the filter keystrokes (each of `pine` apart) and the tab switches",
    )
    parser.add_argument("--child", choices=["contracts", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "contracts":
        return child_contracts(args.db)
    if args.child == "bare":
        return child_bare()

    if args.latency_ms:
        if not args.db.startswith("postgres"):
            parser.error("--latency-ms needs a postgresql:// database")
        sys.path.insert(0, str(ROOT))
        from tests.helpers.wire import WireProxy

        proxy = WireProxy(args.db, delay=args.latency_ms / 1000)
        print(f"through a proxy adding {args.latency_ms:g} ms to each round trip")
        args.db = proxy.url
    med = statistics.median
    print(f"database: {args.db}; {args.runs} runs each, medians")
    if args.keys:
        return _print_keys(args.db, args.runs)
    _first_paint("bare", args.db), _first_paint("contracts", args.db)  # warm the caches
    ours, bare = [], []
    for i in range(args.runs):
        bare.append(_first_paint("bare", args.db))
        ours.append(_first_paint("contracts", args.db))
        print(
            f"  first paint run {i + 1}: contracts {ours[-1][0]:.3f}s, bare {bare[-1][0]:.3f}s",
            file=sys.stderr,
        )
    o_t, b_t = med(t for t, _ in ours), med(t for t, _ in bare)
    o_m, b_m = med(m for _, m in ours) / 1024, med(m for _, m in bare) / 1024
    print(
        f"first paint      contracts {o_t * 1000:7.0f} ms   bare Textual {b_t * 1000:7.0f} ms"
        f"   ratio {o_t / b_t:.2f} (target <= 1.3)"
    )
    print(
        f"memory at paint  contracts {o_m:7.1f} MiB  bare Textual {b_m:7.1f} MiB"
        f"   (target <= 100 MiB)"
    )
    filter_ms, tab_ms = asyncio.run(_interactions(args.db, args.runs))
    print(
        f"filter keystroke {med(filter_ms):7.1f} ms median, {max(filter_ms):.1f} ms max over "
        f"{len(filter_ms)} keystrokes (target <= 100 ms)"
    )
    print(
        f"tab switch       {med(tab_ms):7.1f} ms median, {max(tab_ms):.1f} ms max over "
        f"{len(tab_ms)} switches (target <= 100 ms)"
    )
    painted, down, back, seconds = asyncio.run(_paging_memory(args.db))
    print(
        f"console memory   {painted / 1024:7.1f} MiB at first paint, {down / 1024:.1f} MiB "
        f"after paging down 10,000 rows, {back / 1024:.1f} MiB back at the first "
        f"({seconds:.1f} s of paging; target <= 100 MiB)"
    )
    paint_ms, keys_ms = asyncio.run(_attention_paint(args.db, args.runs))
    print(
        f"attention screen {med(paint_ms):7.1f} ms median, {max(paint_ms):.1f} ms max from `!` "
        f"to its first section painted (target <= 300 ms); `?` to the keys screen "
        f"{med(keys_ms):.1f} ms"
    )
    if not args.latency_ms:  # whole processes: each would need a proxy of its own
        for label, c_ours, c_base in _check_times(args.db, args.runs):
            print(
                f"check {label}  contracts {med(c_ours) * 1000:5.0f} ms   python -c + one "
                f"query {med(c_base) * 1000:5.0f} ms   ratio {med(c_ours) / med(c_base):.2f} "
                "(target <= 5)"
            )
        a_ours, a_base = _attention_times(args.db, args.runs)
        print(
            f"attention        contracts {med(a_ours) * 1000:5.0f} ms   python -c + one "
            f"query {med(a_base) * 1000:5.0f} ms   (target <= 1000 ms at 100,000 contracts)"
        )
    return None


if __name__ == "__main__":
    main()
