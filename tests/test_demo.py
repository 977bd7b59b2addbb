"""`contracts demo`: realistic data in every status that keeps every invariant, on both
databases. (How fast it is, is measured by running it, not here.)"""

from __future__ import annotations

import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pendulum
import pytest

import storage
from storage import demo
from storage.amounts import charge_for
from storage.catalog import check_hours
from storage.demo import apart, chunks, writing
from storage.demo.contacts import mail_domain
from storage.demo.customers import NAME_SPACE, customer_name
from storage.demo.generator import Filler
from storage.demo.rows import CustomerRow
from storage.lifecycle import _search_text
from storage.models import AuditEvent, Case, Contract, Customer, Line, Template, UsageEntry
from tests.helpers import dump, process, sql

TODAY = pendulum.Date(2026, 6, 15)


def _children() -> set[int]:
    """The processes this one started that are still there (Linux)."""
    pids = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as listed:
            pids.update(int(pid) for pid in listed.read().split())
    return pids


@pytest.fixture
def filled(db_url):
    """200 demo contracts as of TODAY; yields what fill returned."""
    storage.clock.freeze(TODAY)
    yield demo.fill(200, seed=1)


def all_contracts():
    return [storage.show(row.number) for row in storage.list_contracts(limit=None)]


def level(line) -> str:
    if line.used == 0:
        return "fresh"
    if line.used > line.total:
        return "overage"
    if line.used == line.total:
        return "exhausted"
    share = line.used / line.total
    if share >= 0.8:
        return "nearly exhausted"
    if 0.4 <= share <= 0.6:
        return "half"
    return "other"


def test_fill_gives_every_status_and_keeps_every_invariant(filled):
    counts = storage.status_counts()
    assert all(counts[status] > 0 for status in storage.STATUSES), counts
    assert counts["all"] == 200
    assert counts["active"] > counts["all"] / 2  # the bulk is active
    assert storage.verify() == []
    # statuses agree with the dates as of today, but for one invoiced contract whose start has
    # come (left for the attention list)
    (unswept,) = storage.needs_attention(sections=["not_started"]).sections[0].entries
    storage.sweep()
    assert storage.sweep_needed() is False
    assert storage.show(unswept.contract).status == "active"
    summary = storage.database_summary()
    assert {k: filled[k] for k in summary} == summary
    assert filled["rows"] == sum(v for k, v in filled.items() if k not in ("rows", "seconds"))
    assert filled["seconds"] > 0
    assert 50 <= summary["customers"] <= 80  # about one customer per three contracts
    assert 500 <= summary["lines"] <= 700  # about three lines per contract


def test_customers_and_templates_look_real(filled):
    customers = storage.list_customers()
    names = [c.name for c in customers]
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n.split()) >= 2 and n[0].isupper() for n in names), names[:5]
    assert sum(c.email is not None for c in customers) > len(customers) / 2
    assert sum(c.phone is not None for c in customers) > len(customers) / 2
    assert all(c.contracts >= 1 for c in customers)  # everyone has a contract
    templates = storage.list_templates()
    assert {t.allotment_type for t in templates} == {"cases", "time", "coverage"}
    assert {t.billing for t in templates} == set(storage.BILLING_FREQUENCIES)
    assert all(
        (t.increment, t.minimum) == (15, 30) for t in templates if t.allotment_type == "time"
    )
    assert "24x7" in {t.hours for t in templates}
    assert "Mon-Fri 08:00-18:00 Europe/Madrid" in {t.hours for t in templates}
    assert all(check_hours(t.hours) == t.hours for t in templates)


@pytest.mark.slow
def test_lines_are_used_at_every_level(filled):
    contracts = all_contracts()
    levels = {}
    for info in contracts:
        assert 1 <= len(info.lines) <= 5
        for line in info.lines:
            if info.status in ("draft", "invoiced"):
                assert line.used == 0 and line.cases == 0  # nothing charged before the start
            if line.allotment_type != "coverage":
                levels.setdefault(level(line), []).append((info, line))
    assert {"fresh", "half", "nearly exhausted", "exhausted", "overage"} <= set(levels)
    # an overage is a supervisor's override, billed at the line's rate
    for info, line in levels["overage"]:
        entries = [e for e in storage.ledger(info.number) if e.line == line.ref]
        overrides = [e for e in entries if e.kind == "override"]
        assert overrides and all(e.who != "demo" for e in overrides)
        assert overrides[-1].note.startswith("overage ")
        assert line.overage == line.used - line.total
    # coverage lines count their cases and decrement nothing
    covered = [x for info in contracts for x in info.lines if x.allotment_type == "coverage"]
    assert covered and all(x.used == 0 and x.total is None for x in covered)
    assert any(x.cases > 0 for x in covered)
    # a rep sees usable active lines with something left
    active = [x for info in contracts if info.status == "active" for x in info.lines]
    assert any(x.usable and (x.remaining is None or x.remaining > 0) for x in active)


def test_cases_have_a_history_in_the_ledger(filled):
    for status in ("resolved", "open", "canceled"):
        assert storage.list_cases(status=status, limit=None), status
    # resolved, reopened and resolved again: charge, reversal, charge, and charged once
    history: dict[int, list[str]] = {}
    for case_id, kind in (
        UsageEntry.select(UsageEntry.case, UsageEntry.kind)
        .where(UsageEntry.case.is_null(False))
        .order_by(UsageEntry.id)
        .tuples()
    ):
        history.setdefault(case_id, []).append(kind)
    again = [cid for cid, kinds in history.items() if kinds == ["charge", "reversal", "charge"]]
    assert again
    case = Case.get_by_id(again[0])
    assert case.status == "resolved"
    assert sum(e.amount for e in case.usage) == case.charged
    # time cases are charged by the billing increment and minimum
    timed = (
        Case.select(Case.spent, Case.charged)
        .join(Line)
        .join(Contract)
        .where((Contract.allotment_type == "time") & (Case.status == "resolved"))
        .tuples()
    )
    assert timed and all(charged == charge_for(spent, 15, 30) for spent, charged in timed)


def test_rows_mean_what_the_model_says(filled, db_url):
    day = storage.today()
    customers = {c.id: c for c in Customer.select()}
    templates = {t.id: t for t in Template.select()}
    contracts = {c.id: c for c in Contract.select()}
    lines = {x.id: x for x in Line.select()}
    for c in contracts.values():
        assert c.number == f"CNR-{c.id:06d}"
        assert c.search == _search_text(c.number, customers[c.customer_id].name, c.title)
        assert c.start <= c.end and (c.billing_start, c.billing_end) == (c.start, c.end)
        template = templates[c.template_id]
        assert (c.allotment_type, c.billing, c.hours) == (
            template.allotment_type,
            template.billing,
            template.hours,
        )
        if c.status == "canceled":
            assert c.cancel_reason and c.start <= c.cancel_date <= min(c.end, day)
        else:
            assert c.cancel_date is None and c.cancel_reason is None
        if c.origin_id is not None:  # a renewal starts the day after the term it renews
            origin = contracts[c.origin_id]
            assert c.origin_kind == "renewal" and origin.end.add(days=1) == c.start
            assert origin.customer_id == c.customer_id
    renewals: dict[int, int] = {}
    for line in lines.values():
        if line.renewed_from_id is not None:
            old = lines[line.renewed_from_id]
            assert old.status == "renewed"
            assert contracts[line.contract_id].origin_id == old.contract_id
            renewals[old.id] = renewals.get(old.id, 0) + 1
    renewed = [x.id for x in lines.values() if x.status == "renewed"]
    assert renewed and all(renewals.get(x) == 1 for x in renewed)
    for case in Case.select():
        assert case.number == f"CAS-{case.id:06d}"
        if case.line_id is not None:
            line = lines[case.line_id]
            assert contracts[line.contract_id].customer_id == case.customer_id
            if case.status == "resolved":
                assert line.start <= case.resolved_on <= min(line.end, day)
        if case.status == "resolved":
            assert case.opened <= case.resolved_at
            assert case.resolved_at.date() == case.resolved_on
    creates = {
        ref
        for (ref,) in AuditEvent.select(AuditEvent.ref)
        .where(
            (AuditEvent.entity == "contract")
            & (AuditEvent.action == "create")
            & (AuditEvent.who == "demo")
        )
        .tuples()
    }
    assert creates == {c.number for c in Contract.select(Contract.number)}
    if db_url.startswith("sqlite"):  # filled with foreign keys unchecked: check them now
        assert sql("PRAGMA foreign_key_check") == []


def test_every_index_agrees_with_its_table_after_a_fill_in_chunks(sqlite_url, monkeypatch):
    """The indexes kept in step while filling and those built again at the end, and the
    filter's substring index (built with a larger buffer, then set back), hold every row."""
    storage.clock.freeze(TODAY)
    monkeypatch.setattr(chunks, "CHUNK_CONTRACTS", 50)
    monkeypatch.setattr(apart, "PROCESSES", 2)
    demo.fill(330, seed=3)
    assert sql("PRAGMA integrity_check") == [("ok",)]
    sql("INSERT INTO contract_fts (contract_fts) VALUES ('integrity-check')")  # raises if not
    assert sql("SELECT v FROM contract_fts_config WHERE k = 'hashsize'") == [(1024 * 1024,)]
    assert len(storage.list_contracts(limit=None, text="cnr-0001")) == 100


def test_sqlite_settings_are_restored_after_the_fill(sqlite_url):
    def settings():
        return [
            sql(f"PRAGMA {name}")[0][0]
            for name in ("synchronous", "foreign_keys", "cache_size", "journal_mode", "threads")
        ]

    before = settings()
    demo.fill(5)
    assert settings() == before and before[1] == 1 and before[3] == "wal"
    index_sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    indexes = sql(index_sql)
    storage.open_database(sqlite_url.replace("contracts.db", "empty.db"))
    assert sql(index_sql) == indexes  # rebuilt as they were


def test_the_same_seed_gives_the_same_data(db_url, tmp_path):
    storage.clock.freeze(TODAY)
    demo.fill(60, seed=7)
    first = dump()
    storage.open_database(f"sqlite:///{tmp_path / 'again.db'}")
    demo.fill(60, seed=7)
    assert dump() == first
    storage.open_database(f"sqlite:///{tmp_path / 'other.db'}")
    demo.fill(60, seed=8)
    assert dump()["contract"] != first["contract"]


def test_a_second_fill_is_refused_and_changes_nothing(filled):
    before = dump()
    with pytest.raises(storage.Refused, match="already holds 200 contracts"):
        demo.fill(10)
    assert dump() == before


def test_work_goes_on_after_the_fill(filled):
    assert (
        storage.new_contract(
            storage.list_customers(limit=1)[0].name, "Premium Cover", "2026-07-01", "2027-06-30"
        )
        == "CNR-000201"
    )
    # a rep charges an active line that has allotment left
    last_case = Case.select().order_by(Case.id.desc()).first().id
    day = storage.today()
    candidates = (
        Line.select(Contract.number)
        .join(Contract)
        .where(
            (Contract.status == "active")
            & (Contract.allotment_type == "cases")
            & (Line.status == "existing")
            & (Line.used < Line.total)
            & (Line.start <= day)
            & (Line.end >= day)
        )
        .order_by(Line.id)
        .tuples()
    )
    info = storage.show(candidates.first()[0])
    line = next(x for x in info.lines if x.usable and x.remaining > 0)
    number = storage.resolve(line.ref, "Printer jam")
    assert number == f"CAS-{last_case + 1:06d}"
    after = next(x for x in storage.show(info.number).lines if x.ref == line.ref)
    assert after.used == line.used + 1
    storage.reopen_case(number)
    assert storage.verify() == []
    # the one invoiced contract left unswept on purpose (for the attention list) is stored
    assert storage.sweep() == {"activated": 1, "expired": 0, "lines_expired": 0}


def test_progress_is_reported_through_every_phase(db_url):
    storage.clock.freeze(TODAY)
    calls = []
    demo.fill(30, progress=lambda done, total, what: calls.append((done, total, what)))
    phases = {}  # what (its first word): the counts told, in order
    for done, total, what in calls:
        phases.setdefault(what.split()[0], []).append((done, total))
    keys = [] if db_url.startswith("sqlite") else ["keys"]  # foreign keys: PostgreSQL's only
    # the filter's substring index is built once, after the rows (a phase of its own)
    assert list(phases) == ["customers", "contracts", "search", "indexes", *keys, "statistics"]
    assert phases["search"] == [(0, 1)]
    assert phases["customers"][0] == (0, 10) and phases["customers"][-1] == (10, 10)
    assert phases["contracts"][0] == (0, 30) and phases["contracts"][-1] == (30, 30)
    assert phases["statistics"] == [(0, 1), (1, 1)]
    for counts in phases.values():
        assert [done for done, _t in counts] == sorted(done for done, _t in counts)
    built = [what for _d, _t, what in calls if what.startswith("indexes (building ")]
    total = phases["indexes"][-1][1]
    assert len(built) == total > 10 and phases["indexes"][-1] == (total, total)
    assert "indexes (building contract_status_search)" in built
    if not keys:  # SQLite keeps the indexes whose keys come in order in step instead
        assert "indexes (building contract_number)" not in built
    if keys:
        checked = [what for _d, _t, what in calls if what.startswith("keys (checking ")]
        total = phases["keys"][-1][1]
        assert len(checked) == total > 5 and phases["keys"][-1] == (total, total)


def test_a_database_with_its_own_customers_and_templates(db_url):
    """Names already taken are left alone; numbers ever handed out are not reused."""
    storage.clock.freeze(TODAY)
    storage.add_customer("Acme Corp")
    storage.add_template("Premium Cover", abbr="PREMIUM", allotment="coverage", billing="monthly")
    draft = storage.new_contract("Acme Corp", "Premium Cover", "2026-07-01", "2027-06-30")
    storage.delete(draft)
    demo.fill(12)
    assert storage.verify() == []
    assert storage.get_template("Premium Cover").billing == "monthly"  # untouched
    assert storage.get_template("Premium Cover (demo)").allotment_type == "coverage"
    numbers = [row.number for row in storage.list_contracts(limit=None)]
    assert draft == "CNR-000001" and numbers[0] == "CNR-000002" and len(numbers) == 12


def test_nonsense_counts_are_refused(db_url):
    for bad in (0, -5, "ten", True):
        with pytest.raises(storage.InvalidInput):
            demo.fill(bad)
    assert storage.database_summary()["contracts"] == 0


def test_every_attention_section_has_entries(filled):
    """… and each is the same read with the others (most read apart, on connections of
    their own), alone, and inside a transaction (where all are read on this one)."""
    found = storage.needs_attention()
    assert {s.section: bool(s.entries) for s in found.sections} == dict.fromkeys(
        storage.attention.SECTIONS, True
    )
    for each in found.sections:
        assert storage.needs_attention(sections=[each.section]).sections == [each]
    with storage.models.database.atomic():
        assert storage.needs_attention() == found


def test_no_two_draws_name_the_same_customer_nor_the_same_domain():
    """What lets the generator remember the names it made by their draws alone."""
    names = [customer_name(draw) for draw in range(NAME_SPACE)]
    assert len({name.casefold() for name in names}) == NAME_SPACE
    assert len({mail_domain(name) for name in names}) == NAME_SPACE


def test_a_fill_beside_another_connection_keeps_the_log(sqlite_url, tmp_path):
    """Another connection has the file open: the fill stays in the write-ahead log (it
    cannot leave it then) and the other connection reads the data once it is committed."""
    storage.clock.freeze(TODAY)
    other = sqlite3.connect(tmp_path / "contracts.db")
    assert other.execute("SELECT COUNT(*) FROM contract").fetchone() == (0,)
    demo.fill(20)
    assert other.execute("SELECT COUNT(*) FROM contract").fetchone() == (20,)
    other.close()
    assert sql("PRAGMA journal_mode") == [("wal",)]
    assert storage.verify() == []


@pytest.mark.slow
def test_a_write_that_fails_midway_is_raised_and_nothing_is_written(db_url, monkeypatch):
    """On PostgreSQL each batch or chunk is copied by a thread while the next is made
    (writing.copied_behind): a failure there reaches the fill, which leaves nothing behind,
    threads and processes making chunks included; on SQLite the rows are written in place
    and fail the same way."""
    storage.clock.freeze(TODAY)
    monkeypatch.setattr(chunks, "CHUNK_CONTRACTS", 100)
    monkeypatch.setattr(apart, "PROCESSES", 2)
    real, calls = writing.put, []

    def failing(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 5:  # customers, templates, two chunks of contracts went in
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "put", failing)
    before = _children()
    with pytest.raises(RuntimeError, match="the disk is full"):
        demo.fill(600)
    assert len(calls) == 5
    assert storage.database_summary()["contracts"] == 0 and storage.verify() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("contracts-demo")]
    assert _children() == before
    monkeypatch.undo()
    assert demo.fill(20)["contracts"] == 20


def test_a_write_that_fails_in_the_last_batch_is_raised_on_leaving(db_url):
    """No batch follows the last to raise its failure: leaving copied_behind does."""
    storage.add_customer("Acme Corp")
    acme = Customer.get().id
    twice = CustomerRow(acme, "Acme Again", "acme again", "2026-01-01 00:00:00")
    postgres = storage.db.is_postgres()
    with (
        pytest.raises(Exception, match="(?i)unique|duplicate"),
        storage.models.database.atomic(),
        writing.copied_behind(postgres) as write,
    ):
        write(writing.prepared(Customer, [twice], postgres))
    assert [c.name for c in storage.list_customers()] == ["Acme Corp"]


def test_chunks_made_by_other_processes_give_the_same_data(db_url, tmp_path, monkeypatch):
    """Contracts made in chunks by two processes while this one writes them are the rows one
    process makes alone, chunk after chunk: each chunk has dice of its own, and its lines,
    cases, ledger entries and audit events take their ids once the chunks before are counted
    (the fill alone on SQLite, whichever database the fill apart went to)."""
    storage.clock.freeze(TODAY)
    monkeypatch.setattr(chunks, "CHUNK_CONTRACTS", 50)
    monkeypatch.setattr(apart, "PROCESSES", 2)

    def not_here(*_args):
        raise AssertionError("made here, not by other processes")

    with monkeypatch.context() as patched:
        patched.setattr(apart, "_made_here", not_here)
        made = demo.fill(330, seed=5)
    apart_dump = dump()
    assert storage.verify() == [] and made["contracts"] == 330
    monkeypatch.setattr(apart, "PROCESSES", 1)
    storage.open_database(f"sqlite:///{tmp_path / 'alone.db'}")
    alone = demo.fill(330, seed=5)
    assert {k: v for k, v in alone.items() if k != "seconds"} == {
        k: v for k, v in made.items() if k != "seconds"
    }
    assert dump() == apart_dump


def _fails_in_chunk(monkeypatch, chunk: int, how) -> None:
    """The process making `chunk` fails there, as `how(chunk)` does."""
    real = Filler.make_chunk

    def make_chunk(self, place):
        if place == chunk:
            how(place)
        return real(self, place)

    monkeypatch.setattr(Filler, "make_chunk", make_chunk)


def _no_more_dice(chunk):
    raise RuntimeError(f"no more dice in chunk {chunk}")


def _killed(_chunk):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (_no_more_dice, "no more dice in chunk 3"),
        (_killed, ("a process making the demo's contracts was killed (signal 9) before it "
                   "was done; nothing was written.")),
    ],
)  # fmt: skip
def test_a_process_making_contracts_that_fails_leaves_nothing(db_url, monkeypatch, how, said):
    """A process making a chunk fails (an error, told to the writer; or killed, without a
    word): the fill raises it, writes nothing, and leaves no process nor thread behind."""
    storage.clock.freeze(TODAY)
    monkeypatch.setattr(chunks, "CHUNK_CONTRACTS", 50)
    monkeypatch.setattr(apart, "PROCESSES", 2)
    _fails_in_chunk(monkeypatch, 3, how)
    before = _children()
    with pytest.raises(Exception) as failed:
        demo.fill(400)
    assert str(failed.value) == said
    assert storage.database_summary()["contracts"] == 0 and storage.verify() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("contracts-demo")]
    assert _children() == before
    monkeypatch.undo()
    assert demo.fill(20)["contracts"] == 20 and storage.verify() == []


# a demo in chunks of 50 contracts made by two processes (a real fill's hold 5,000)
_CHUNKS_OF_50 = (
    "from storage.demo import apart, chunks; chunks.CHUNK_CONTRACTS = 50; apart.PROCESSES = 2"
)


def _demo_process(url: str, fails_in: int | None = None, wait: float = 0) -> subprocess.Popen:
    """`contracts --db URL demo --contracts 400` in chunks of 50 made by two processes, as
    a process in a session of its own; the process making chunk `fails_in` is killed there,
    and chunks from the fourth on each take `wait` seconds more."""
    code = f"""
import os, signal, time
{_CHUNKS_OF_50}
from storage.demo import generator
real = generator.Filler.make_chunk
def make_chunk(self, chunk):
    if chunk == {fails_in}:
        os.kill(os.getpid(), signal.SIGKILL)
    if chunk >= 3:
        time.sleep({wait})
    return real(self, chunk)
generator.Filler.make_chunk = make_chunk
from tui.main import main
main()
"""
    return subprocess.Popen(
        [sys.executable, "-c", code, "--db", url, "demo", "--contracts", "400"],
        cwd=process.ROOT,
        env=process.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _session_ended(session: int, within: float = 10) -> bool:
    """Whether every process of `session` (a process group) has ended within `within` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.killpg(session, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_a_process_killed_while_making_contracts_is_told_in_one_sentence(db_url):
    """`contracts demo` whose process making a chunk is killed: one sentence on stderr after
    the progress, exit code 2, nothing written, no process left behind."""
    fill = _demo_process(db_url, fails_in=3)
    _out, err = fill.communicate(timeout=120)
    assert fill.returncode == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "contracts: a process making the demo's contracts was killed (signal 9) before it was "
        "done; nothing was written."
    )
    assert _session_ended(fill.pid, within=0)
    assert storage.database_summary()["contracts"] == 0 and storage.verify() == []


def test_the_processes_making_contracts_stop_when_the_writer_dies(db_url):
    """The writer killed while other processes make its chunks: they stop by themselves
    (their pipes close), and the fill is rolled back."""
    fill = _demo_process(db_url, wait=0.3)
    assert fill.stderr is not None
    written = None
    for said in fill.stderr:
        done, what = said.split(maxsplit=1)
        if what.strip() == "contracts" and not done.startswith("0/"):
            written = done  # a chunk is written, others are being made
            break
    fill.send_signal(signal.SIGKILL)
    fill.wait()
    assert written is not None and written != "400/400"
    assert not _session_ended(fill.pid, within=0)  # the processes making chunks are there
    assert _session_ended(fill.pid)  # and stop by themselves
    fill.stderr.close()
    fill.stdout.close()  # type: ignore[union-attr]
    if db_url.startswith("sqlite"):
        storage.open_database(db_url)  # rolls the fill back (it left its journal)
    assert storage.database_summary()["contracts"] == 0 and storage.verify() == []


# `contracts` as a real process whose demo is made as _CHUNKS_OF_50 says
_IN_CHUNKS = f"{_CHUNKS_OF_50}; from tui.main import main; main()"
_CONTRACTS = {"here": ["-m", "tui.main"], "apart": ["-c", _IN_CHUNKS]}


def _at_once(url: str, *commands: str, made: str = "here") -> list[subprocess.CompletedProcess]:
    """`contracts --db URL COMMAND` for each command, as real processes started together;
    `made`: "apart" for a demo made in chunks by other processes (see _IN_CHUNKS)."""
    started = [
        subprocess.Popen(
            [sys.executable, *_CONTRACTS[made], "--db", url, *shlex.split(command)],
            cwd=process.ROOT,
            env=process.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    done = []
    for child, command in zip(started, commands, strict=True):
        out, err = child.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(command, child.returncode, out, err))
    return done


_EMPTY_ONLY = (
    "the database already holds {} contract{}; demo data goes only into an empty database."
)
_BUSY = "busy"  # SQLite: the fill writes the file without its log while no one else has it open


@pytest.mark.parametrize("made", ["here", "apart"])
def test_two_fills_at_once_write_one_demo(db_url, made):
    """The fill checks the database is empty, then writes (PostgreSQL: under a lock on the
    contracts; SQLite: as the one writer), its batches COPYed by a thread on PostgreSQL,
    its contracts made here or by other processes: of two fills started together one
    writes its 300 contracts, the other writes nothing and says why in one sentence."""
    command = "demo --contracts 300"
    first, second = _at_once(db_url, command, command, made=made)
    assert min(first.returncode, second.returncode) == 0
    loser = second if first.returncode == 0 else first
    assert loser.returncode != 0 and "Traceback" not in loser.stderr
    said = loser.stderr.strip().splitlines()
    assert len(said) == 1 and (_EMPTY_ONLY.format("300", "s") in said[0] or _BUSY in said[0])
    assert storage.database_summary()["contracts"] == 300 and storage.verify() == []


@pytest.mark.parametrize("made", ["here", "apart"])
def test_a_fill_and_a_contract_added_at_once_keep_the_rule_of_an_empty_database(db_url, made):
    """A contract added by hand while a fill starts (its contracts made here or by other
    processes): either it came first and the fill is refused, or the fill came first and
    the contract is added beside its 300."""
    storage.add_customer("Acme Corp")
    storage.add_template("Phone Support", abbr="PHONE", allotment="cases", billing="monthly")
    fill, added = _at_once(
        db_url,
        "demo --contracts 300",
        "new --customer 'Acme Corp' --template PHONE --start 2026-01-01 --end 2026-12-31",
        made=made,
    )
    assert added.returncode == 0, added.stderr
    contracts = storage.database_summary()["contracts"]
    if fill.returncode == 0:
        assert contracts == 301
    else:
        said = fill.stderr.strip().splitlines()
        assert said == [f"contracts: {_EMPTY_ONLY.format('1', '')}"] or _BUSY in said[0]
        assert contracts == 1
    assert storage.verify() == []


def test_a_fill_killed_halfway_leaves_the_database_as_it_was(sqlite_url, tmp_path):
    """SIGKILL once thousands of contracts are written into the file: the next opening rolls
    the fill back, indexes and all, and the demo can run again."""
    path = tmp_path / "contracts.db"
    storage.add_customer("Acme Corp")
    indexes = sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
    storage.close_database()  # the fill leaves the log only when it is alone with the file
    size = os.path.getsize(path)
    code = (
        "import storage; from storage import demo; "
        f"storage.open_database({sqlite_url!r}); "
        "demo.fill(20000, progress=lambda done, total, what: print(done, what, flush=True))"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for said in child.stdout:
        done, what = said.split(maxsplit=1)
        if what.startswith("contracts") and int(done) >= 10000:
            break
    grown = os.path.getsize(path)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert grown > size + 5_000_000  # written into the file itself, not into a log
    storage.open_database(sqlite_url)
    assert [c.name for c in storage.list_customers()] == ["Acme Corp"]
    assert storage.database_summary()["contracts"] == 0
    assert sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name") == indexes
    assert sql("PRAGMA journal_mode") == [("wal",)] and storage.verify() == []
    storage.clock.freeze(TODAY)
    assert demo.fill(20)["contracts"] == 20


def test_the_bulk_writer_keeps_empty_text_apart_from_nothing(db_url):
    """The writer the demo and the import share: COPY in CSV on PostgreSQL reads an empty
    value as NULL, so empty text, a comma, a quote, a tab and a new line must come back as
    written, and None as NULL (the empty case number and resolution are the ones at risk)."""
    from storage.db import is_postgres
    from storage.demo.writing import insert
    from storage.models import database

    storage.add_customer("Acme Corp")
    (customer,) = [row for (row,) in sql('SELECT "id" FROM "customer"')]
    odd = 'a, "quoted"\ttab\nline \\ back'
    rows = [
        (900, "", customer, odd, None, "resolved", "2026-06-01 10:00:00", "agarcia",
         "2026-06-01 11:00:00", "2026-06-01", "agarcia", "", None, 0),
        (901, None, customer, odd, None, "open", "2026-06-01 10:00:00", "", None, None, None,
         None, 15, 1),
    ]  # fmt: skip
    with database.atomic():
        insert(Case, rows[1:], is_postgres())  # in CSV
        insert(Case, rows[:1], is_postgres())  # empty text where NULL may be: in text
    read = sql(
        'SELECT "id", "number", "title", "opened_by", "resolution", "spent" FROM "case" '
        'ORDER BY "id"'
    )
    assert read == [(900, "", odd, "agarcia", "", None), (901, None, odd, "", None, 15)]
