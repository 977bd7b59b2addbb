"""Realistic demo data for an empty database: `contracts demo [--contracts N] [--seed S]`.

`fill` writes customers, templates, contracts in all six statuses, their lines at every
level of use, cases (resolved, open, canceled, some reopened) and the ledger behind them,
so that `verify()` finds nothing and `sweep` has nothing to do as of `clock.today()`.

It is built for size (100,000 contracts, about two million rows, in under 30 seconds on
SQLite): rows are generated as plain tuples with ids assigned here and written batch by
batch inside one transaction, with multi-row INSERTs on SQLite and COPY on PostgreSQL;
afterwards PostgreSQL's id sequences are moved past the rows written so later inserts never
collide. The same seed and the same today give the same data.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import random
import sqlite3
import time
from bisect import bisect
from contextlib import contextmanager
from itertools import accumulate, chain

from .amounts import charge_for, format_amount
from .clock import today
from .db import is_postgres, writes
from .errors import InvalidInput, Refused
from .lifecycle import _search_text
from .lookup import case_number, contract_number
from .models import AuditEvent, Case, Contract, Customer, Line, Template, UsageEntry, database
from .people import SUPERVISOR_ONLY, require

MAX_CONTRACTS = 10_000_000
BATCH_CONTRACTS = 2_000  # contracts generated and written per batch (and progress step)
DAY = 86_400
WHO = "demo"  # the audit trail's "who" for everything the generator writes

# --- word lists -------------------------------------------------------------------------
# fmt: off

NAME_WORDS = (
    "Northwind", "Southbay", "Westfield", "Eastgate", "Brightwater", "Redwood", "Stonebridge",
    "Oakridge", "Clearview", "Riverside", "Lakeside", "Highland", "Greenfield", "Ironwood",
    "Kingsley", "Ashford", "Bellmont", "Crestline", "Fairhaven", "Goldcrest", "Harborview",
    "Juniper", "Larkspur", "Meridian", "Norwood", "Pinecrest", "Quarry Hill", "Rosewood",
    "Sterling", "Thornbury", "Upland", "Vantage", "Willowbrook", "Yardley", "Zenith",
)
NAME_ADJECTIVES = (
    "Blue", "Silver", "Golden", "Red", "Green", "North", "South", "East", "West", "Old", "New",
    "Bright", "Swift", "Grand", "Royal", "Coastal", "Summit", "Pine", "Maple", "Cedar",
)
NAME_NOUNS = (
    "Harbor", "Peak", "River", "Valley", "Bridge", "Stone", "Field", "Ridge", "Lake", "Forest",
    "Mill", "Gate", "Point", "Bay", "Hill", "Crest", "Rock", "Meadow", "Spring", "Star",
)
INDUSTRIES = (
    "Logistics", "Clinics", "Foods", "Pharma", "Hotels", "Dental", "Motors", "Textiles",
    "Insurance", "Bank", "Media", "Retail", "Energy", "Solar", "Labs", "Software", "Systems",
    "Engineering", "Construction", "Architects", "Law Partners", "Accounting", "Travel",
    "Airways", "Shipping", "Freight", "Bakeries", "Breweries", "Farms", "Dairy", "Printing",
    "Publishing", "Schools", "College", "Hospital", "Pharmacies", "Telecom", "Networks",
    "Security", "Consulting",
)
NAME_SUFFIXES = ("", " Group", " Ltd", " Inc", " & Co", " Holdings", " S.L.", " GmbH")
NAME_REGIONS = ("", " Iberia", " Nordic", " Benelux", " Americas", " Asia Pacific")
MAIL_BOXES = ("support", "it", "helpdesk", "info", "ops", "servicedesk")
PHONE_PREFIXES = ("+34 91", "+34 93", "+44 20", "+49 30", "+33 1", "+1 212", "+1 415", "+31 20")

# name, abbreviation, allotment type, billing, volume (cases or minutes), hours, description
TEMPLATES = (
    ("Phone Support Basic", "PHONEB", "cases", "quarterly", 8,
     "Mon-Fri 09:00-17:00 Europe/Madrid", "Phone support during office hours, per case."),
    ("Phone Support Plus", "PHONEP", "cases", "monthly", 12,
     "Mon-Fri 08:00-20:00 Europe/London", "Extended-hours phone and e-mail support."),
    ("Remote Assistance", "REMOTE", "cases", "bimonthly", 5,
     "Mon-Fri 08:00-18:00 Asia/Tokyo", "Remote desktop assistance, per incident."),
    ("Incident Pack", "INCPACK", "cases", "annually", 10,
     "24x7", "A yearly pack of incidents, any time of day."),
    ("Developer Hours", "DEVHRS", "time", "monthly", 1200,
     "Mon-Fri 08:00-18:00 Europe/Madrid", "Developer time, billed in 15-minute steps."),
    ("Consulting Bank", "CONSULT", "time", "semiannually", 2400,
     "Mon-Fri 09:00-17:00 America/New_York", "A bank of consulting hours."),
    ("Onsite Engineer", "ONSITE", "time", "quarterly", 960,
     "Mon-Sat 07:00-19:00 Europe/Berlin", "An engineer at the customer's site."),
    ("Premium Cover", "PREMIUM", "coverage", "annually", None,
     "24x7", "Unlimited cases around the clock."),
    ("Business Hours Cover", "BIZCOVER", "coverage", "bimonthly", None,
     "Mon-Fri 08:00-18:00 Europe/Madrid", "Unlimited cases during office hours."),
)
TEMPLATE_WEIGHTS = (14, 10, 8, 8, 14, 6, 8, 10, 8)
TIME_INCREMENT, TIME_MINIMUM = 15, 30

# (title, product) per allotment type
LINE_KINDS = {
    "cases": (
        ("Phone support", "Helpdesk L1"), ("E-mail support", "Helpdesk L1"),
        ("Remote incident handling", "Helpdesk L2"), ("Printer and peripherals", "Field L1"),
        ("Network incidents", "NetOps"), ("Account and password requests", "Helpdesk L1"),
        ("ERP application support", "Apps L2"),
    ),
    "time": (
        ("Developer hours", "Dev team"), ("Consulting", "Advisory"),
        ("Onsite engineering", "Field L2"), ("Database administration", "DBA"),
        ("Security review", "SecOps"), ("Training sessions", "Academy"),
    ),
    "coverage": (
        ("Server coverage", "Datacenter"), ("Network coverage", "NetOps"),
        ("Workstation coverage", "Field L1"), ("Cloud services coverage", "CloudOps"),
        ("Point-of-sale coverage", "Retail L2"), ("Telephony coverage", "Voice"),
    ),
}
CASE_VOLUMES = (5, 5, 8, 10, 10, 12)
TIME_VOLUMES = (600, 600, 960, 1200, 2400)  # 10h, 16h, 20h, 40h
TIME_CHUNKS = (30, 60, 90, 120, 180, 240, 240, 360, 480, 480)
SPENT = (15, 20, 30, 45, 60, 90)  # minutes noted on cases of other lines
CONTRACT_SITES = ("HQ", "Warehouse", "Head office", "Branch network", "Plant 2", "Data centre",
                  "Retail stores", "Call centre")
CASE_TITLES = (
    "Printer offline in accounting", "VPN drops every hour", "Password reset for new hire",
    "E-mail not syncing on phone", "Laptop will not boot", "Slow file server",
    "Invoice run fails at month end", "Wi-Fi dead zone in meeting room", "Backup job failed",
    "Certificate expired on web shop", "Scanner sends blank pages", "Disk almost full on DB01",
    "Cannot log in to ERP", "Phone system drops calls", "Outlook crashes on start",
    "Shared calendar missing", "Firewall blocks supplier portal", "Label printer misaligned",
    "New user accounts for interns", "Report export times out", "Monitor flickers",
    "Point-of-sale terminal frozen", "Upgrade to new software version", "Data restore request",
    "Website down after update", "Replace failed RAID disk", "Mailbox quota exceeded",
    "License key rejected", "Access to shared folder", "Time clock not recording",
)
RESOLUTIONS = (
    "Restarted the service; working again.", "Replaced the cable.", "Reset the password.",
    "Updated the driver.", "Restored from last night's backup.", "Reconfigured the VPN client.",
    "Cleared the queue and reprinted.", "Applied the vendor patch.", "Freed disk space.",
    "Renewed the certificate.", "Explained the workaround to the user.", "Replaced the unit.",
)
CANCEL_REASONS = (
    "customer closed the site", "moved to a competitor", "budget cut", "merged into another contract",
    "service no longer needed", "company acquired",
)
REPS = ("agarcia", "bmartin", "cjohnson", "dlee", "efernandez", "fmuller", "grossi", "hkim",
        "ilopez", "jnovak")
SUPERVISORS = ("mlopez", "kwong", "sdubois")

STATUS_WEIGHTS = {"draft": 4, "invoiced": 6, "active": 70, "on_hold": 3, "canceled": 5,
                  "expired": 10}
FIRST_STATUSES = ("active", "expired", "canceled", "on_hold", "invoiced", "draft")
CHAIN_CHANCE = {"draft": 0.4, "invoiced": 0.4, "active": 0.15, "on_hold": 0.1,
                "canceled": 0.1, "expired": 0.1}
TERMS = (12, 12, 12, 12, 12, 12, 6, 24, 3)  # months
LINES_PER_CONTRACT = (1, 2, 2, 3, 3, 3, 4, 4, 5, 5)  # about 3 on average (weights 10:20:30:20:20)
LEVELS = ("fresh", "low", "half", "high", "nearly", "exhausted", "overage")
LEVEL_WEIGHTS = (  # by how much of the line's time has passed: <20 %, <60 %, more
    (55, 38, 5, 1, 1, 0, 0),
    (25, 35, 22, 9, 4, 4, 1),
    (15, 30, 25, 12, 8, 8, 2),
)
STATUSES = tuple(STATUS_WEIGHTS)
STATUS_CUMULATIVE = list(accumulate(STATUS_WEIGHTS.values()))
LEVEL_CUMULATIVE = [list(accumulate(weights)) for weights in LEVEL_WEIGHTS]
FIRST_LEVELS = ["exhausted", "overage", "nearly", "half", "fresh", "overage"]

# --- columns written, in the order of the generated tuples -----------------------------

COLUMNS = {
    Customer: ("id", "name", "name_key", "email", "phone", "created"),
    Template: ("id", "name", "abbr", "allotment_type", "billing", "volume", "hours", "increment",
               "minimum", "description", "created", "modified"),
    Contract: ("id", "number", "title", "customer", "bill_to", "template", "allotment_type",
               "billing", "hours", "increment", "minimum", "start", "end", "billing_start",
               "billing_end", "status", "cancel_date", "cancel_reason", "origin", "origin_kind",
               "search", "owner", "created", "modified", "version"),
    Line: ("id", "contract", "position", "title", "product", "start", "end", "total", "used",
           "price", "discount", "status", "renewed_from", "created"),
    Case: ("id", "number", "customer", "title", "line", "status", "opened", "opened_by",
           "resolved_at", "resolved_on", "resolved_by", "resolution", "spent", "charged"),
    UsageEntry: ("id", "line", "case", "amount", "kind", "who", "at", "note"),
    AuditEvent: ("id", "entity", "ref", "action", "who", "at", "changes"),
}
COUNT_NAMES = {Customer: "customers", Template: "templates", Contract: "contracts", Line: "lines",
               Case: "cases", UsageEntry: "ledger", AuditEvent: "audit"}
# fmt: on


def fill(contracts: int = 200, seed: int = 1, progress=None) -> dict:
    """Fill an empty database with `contracts` demo contracts and everything around them.

    `progress(done, total, what)` is called as the work goes (done and total in contracts).
    Returns the rows written per table ("customers", "templates", "contracts", "lines",
    "cases", "ledger", "audit"), their sum ("rows") and the seconds taken ("seconds").
    Refused when the database already holds contracts; nothing is changed then."""
    if isinstance(contracts, bool) or not isinstance(contracts, int):
        raise InvalidInput(f"the number of contracts '{contracts}' is not a whole number.")
    if contracts < 1 or contracts > MAX_CONTRACTS:
        raise InvalidInput(f"the number of contracts must be between 1 and {MAX_CONTRACTS:,}.")
    started = time.perf_counter()
    with _bulk_load():
        counts = _fill(contracts, seed, progress)
    # Fresh statistics, so the planner picks the indexes that page the lists.
    database.execute_sql("ANALYZE")
    counts["rows"] = sum(counts.values())
    counts["seconds"] = round(time.perf_counter() - started, 3)
    return counts


@contextmanager
def _bulk_load():
    """On SQLite, while filling: no fsync per commit, a larger page cache, and foreign keys
    not looked up row by row (the generator's ids are consistent by construction; the tests
    check them with `PRAGMA foreign_key_check`, and PostgreSQL checks every row anyway).
    One transaction holds the whole fill, so a crash loses only the fill."""
    if is_postgres() or database.in_transaction():
        yield
        return
    saved = {
        name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("synchronous", "cache_size", "foreign_keys")
    }
    database.execute_sql("PRAGMA synchronous = NORMAL")
    database.execute_sql("PRAGMA cache_size = -262144")  # 256 MiB
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        for name, value in saved.items():
            database.execute_sql(f"PRAGMA {name} = {int(value)}")


@writes
def _fill(contracts: int, seed: int, progress) -> dict:
    require(SUPERVISOR_ONLY, "fill the database with demo data")
    if is_postgres():
        database.execute_sql('LOCK TABLE "contract" IN SHARE ROW EXCLUSIVE MODE')
    held = Contract.select().count()
    if held:
        raise Refused(
            f"the database already holds {held:,} contract{'s' if held != 1 else ''}; "
            "demo data goes only into an empty database."
        )
    filler = _Filler(contracts, seed, progress)
    with _indexes_rebuilt_after():
        filler.run()
    _advance_sequences()
    return {COUNT_NAMES[model]: n for model, n in filler.counts.items()}


@contextmanager
def _indexes_rebuilt_after():
    """On SQLite, drop the indexes of the tables being filled and build them again at the
    end (a third faster than updating them row by row; the unique ones check the data again).
    Inside the fill's transaction: readers keep seeing the old state, a failure undoes it.
    Not on PostgreSQL: there DROP INDEX would lock readers out of those tables for the whole
    fill, and it gained little (the per-row foreign-key checks cost more than the indexes)."""
    if is_postgres():
        yield
        return
    tables = [model._meta.table_name for model in COLUMNS]
    marks = ", ".join("?" * len(tables))
    indexes = database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tables,
    ).fetchall()
    for name, _sql in indexes:
        database.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        database.execute_sql(sql)


class _Dice(random.Random):
    """random.Random with cheaper integer draws (a few million are needed); seeded, so the
    same seed still gives the same data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, n: int) -> int:
        return int(self.random() * n)

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def weighted(self, items, cumulative):
        """One of `items`, by cumulative weights (itertools.accumulate of the weights)."""
        return items[bisect(cumulative, self.random() * cumulative[-1])]


# --- dates and moments as plain numbers ---------------------------------------------------


class _DayText(dict):
    """ISO text of a day (by ordinal), made once per day on first use."""

    def __init__(self, suffix: str = ""):
        super().__init__()
        self.suffix = suffix

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = dt.date.fromordinal(ordinal).isoformat() + self.suffix
        return text


_ISO = _DayText()  # "2026-06-15"
_DAY_PREFIX = _DayText(" ")  # "2026-06-15 ", the day part of a stored moment
_CLOCK: list[str] = []  # "HH:MM:SS" for every second of a day, made by the first fill


def _iso(ordinal: int) -> str:
    return _ISO[ordinal]


def _stamp(seconds: int) -> str:
    """A moment (seconds since day 1 of the proleptic calendar) as stored: naive UTC text."""
    return _DAY_PREFIX[seconds // DAY] + _CLOCK[seconds % DAY]


def _add_months(ordinal: int, months: int) -> int:
    day = dt.date.fromordinal(ordinal)
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last)).toordinal()


def _month_start(ordinal: int) -> int:
    day = dt.date.fromordinal(ordinal)
    return ordinal - day.day + 1


def _spent_for(charged: int, increment: int | None, minimum: int | None, rng) -> int:
    """Minutes a rep might have typed for a time charge of `charged` minutes."""
    if minimum and charged <= minimum:
        return rng.randint(max(1, minimum - 20), minimum)
    if increment and increment > 1:
        return charged - rng.randrange(increment)
    return charged


# --- the generator ----------------------------------------------------------------------


class _Contract:
    """One contract being generated: its dates, status and what limits its charges."""

    __slots__ = (
        "cancel_day",
        "customer",
        "end",
        "hold_day",
        "id",
        "lines",
        "origin",
        "renewed",
        "start",
        "status",
        "template",
        "term",
    )

    def __init__(self, status, term, start, end):
        self.status, self.term, self.start, self.end = status, term, start, end
        self.cancel_day = self.hold_day = None
        self.origin = None  # the _Contract this one renews
        self.renewed = False
        self.lines = []  # ids of the lines a renewal copies, by the renewal's positions


class _Filler:
    def __init__(self, contracts: int, seed: int, progress):
        self.total = contracts
        self.rng = _Dice(seed)
        if not _CLOCK:
            _CLOCK.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))
        self.progress = progress
        self.today = today().toordinal()
        self.yesterday_end = self.today * DAY - 1 - 6 * 3600  # 18:00 the day before
        self.postgres = is_postgres()
        self.rows = {model: [] for model in COLUMNS}
        self.counts = {model: 0 for model in COLUMNS}
        self.next_id = {model: _next_id(model) for model in COLUMNS}
        self.first_contract = self.next_id[Contract]
        self.statuses = list(FIRST_STATUSES)
        self.levels = list(FIRST_LEVELS)
        self.reopens = 2  # the first resolved cases are reopened and resolved again
        # what the user already has: generated names avoid it
        self.taken_names = {key for (key,) in Customer.select(Customer.name_key).tuples()}
        self.taken_templates = (
            {name for (name,) in Template.select(Template.name).tuples()},
            {abbr for (abbr,) in Template.select(Template.abbr).tuples()},
        )

    # ids and rows

    def _id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _audit(self, entity, ref, action, at, changes) -> None:
        self.rows[AuditEvent].append(
            (
                self._id(AuditEvent),
                entity,
                ref,
                action,
                WHO,
                _stamp(at),
                json.dumps(changes, sort_keys=True),
            )
        )

    def take_batch(self) -> dict:
        batch, self.rows = self.rows, {model: [] for model in COLUMNS}
        return batch

    # the whole run

    def batches(self):
        """The rows to write, batch by batch: (rows per model, contracts made so far)."""
        self.make_customers()
        self.make_templates()
        yield self.take_batch(), 0
        last = self.first_contract + self.total
        done = 0
        while self.next_id[Contract] < last:
            self.make_chain(last - self.next_id[Contract])
            made = self.next_id[Contract] - self.first_contract
            if made - done >= BATCH_CONTRACTS or made == self.total:
                done = made
                yield self.take_batch(), done

    def run(self) -> None:
        """Generate and write batch by batch (a generating thread beside the writing one
        was measured slower: the two fight over the interpreter lock)."""
        self.report(0, "contracts")
        for batch, done in self.batches():
            for model, rows in batch.items():
                if rows:
                    _insert(model, rows, self.postgres)
                    self.counts[model] += len(rows)
            self.report(done, "contracts")

    def report(self, done: int, what: str) -> None:
        if self.progress is not None:
            self.progress(done, self.total, what)

    def make_customers(self) -> None:
        rng = self.rng
        n = max(5, self.total // 3)
        taken = set(self.taken_names)
        prefixes = list(NAME_WORDS) + [f"{a} {b}" for a in NAME_ADJECTIVES for b in NAME_NOUNS]
        space = len(prefixes) * len(INDUSTRIES)
        for extra in (1, len(NAME_SUFFIXES), len(NAME_REGIONS)):
            space *= extra
            if space >= 2 * (n + len(taken)):
                break
        picks = rng.sample(range(space), min(space, n + len(taken)))
        self.customers = []  # (id, name)
        for index in picks:
            index, prefix = divmod(index, len(prefixes))
            index, industry = divmod(index, len(INDUSTRIES))
            index, suffix = divmod(index, len(NAME_SUFFIXES))
            region = index % len(NAME_REGIONS)
            base = f"{prefixes[prefix]} {INDUSTRIES[industry]}"
            name = base + NAME_REGIONS[region] + NAME_SUFFIXES[suffix]
            key = name.casefold()
            if key in taken:
                continue
            taken.add(key)
            cid = self._id(Customer)
            created = (self.today - rng.randint(3000, 3600)) * DAY + rng.randint(28800, 64800)
            slug = "".join(ch for ch in base.lower() if ch.isalnum() or ch == " ").replace(" ", "-")
            email = f"{rng.choice(MAIL_BOXES)}@{slug}.example" if rng.random() < 0.9 else None
            phone = (
                f"{rng.choice(PHONE_PREFIXES)} 555 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
                if rng.random() < 0.85
                else None
            )
            self.rows[Customer].append((cid, name, key, email, phone, _stamp(created)))
            self._audit("customer", name, "add", created, {"email": email, "phone": phone})
            self.customers.append((cid, name))
            if len(self.customers) == n:
                break
        # every customer gets a contract before any gets a second
        self.customer_order = list(range(len(self.customers)))
        rng.shuffle(self.customer_order)

    def make_templates(self) -> None:
        rng = self.rng
        names, abbrs = self.taken_templates
        self.templates, weights = [], []
        for number, (name, abbr, kind, billing, volume, hours, text) in enumerate(TEMPLATES, 1):
            if name in names or abbr in abbrs:  # a template of the user's own: keep it
                name, abbr = f"{name} (demo)", f"DEMO{number}"
                if name in names or abbr in abbrs:
                    continue
            tid = self._id(Template)
            increment, minimum = (TIME_INCREMENT, TIME_MINIMUM) if kind == "time" else (None, None)
            created = (self.today - rng.randint(3700, 3800)) * DAY + rng.randint(28800, 64800)
            self.rows[Template].append(
                (
                    tid,
                    name,
                    abbr,
                    kind,
                    billing,
                    volume,
                    hours,
                    increment,
                    minimum,
                    text,
                    _stamp(created),
                    _stamp(created),
                )
            )
            self._audit(
                "template",
                name,
                "add",
                created,
                {
                    "abbr": abbr,
                    "allotment_type": kind,
                    "billing": billing,
                    "volume": volume,
                    "hours": hours,
                    "increment": increment,
                    "minimum": minimum,
                },
            )
            self.templates.append((tid, name, kind, billing, hours, increment, minimum, volume))
            weights.append(TEMPLATE_WEIGHTS[number - 1])
        self.template_weights = list(accumulate(weights))

    # contracts

    def pick_status(self) -> str:
        if self.statuses:
            return self.statuses.pop(0)
        return self.rng.weighted(STATUSES, STATUS_CUMULATIVE)

    def dates_for(self, status: str) -> _Contract:
        """Dates that agree with the status as of today (what sweep would leave)."""
        rng, today = self.rng, self.today
        term = rng.choice(TERMS)
        this_month = _month_start(today)
        if status in ("active", "on_hold"):
            start = _add_months(this_month, -rng.randrange(term))
            if rng.random() < 0.25:
                start = min(today, start + rng.randrange(28))
        elif status == "invoiced":
            start = _add_months(this_month, rng.randint(1, 3))
        elif status == "draft":
            start = _add_months(this_month, rng.randint(0, 3))
        elif status == "canceled":
            start = _add_months(this_month, -rng.randint(1, term + 6))
        else:  # expired
            start = _add_months(this_month, -rng.randint(term, term + 24))
        end = _add_months(start, term) - 1
        contract = _Contract(status, term, start, end)
        if status == "canceled":
            contract.cancel_day = rng.randint(start, min(end, today - 1))
        elif status == "on_hold" and start < today:
            contract.hold_day = rng.randint(start, today - 1)
        return contract

    def make_chain(self, slots: int) -> None:
        """One contract, sometimes with the earlier terms it renews (oldest written first)."""
        rng = self.rng
        showcase = bool(self.statuses)  # the first six, one per status, stand alone
        last = self.dates_for(self.pick_status())
        chain = [last]
        if slots > 1 and not showcase and rng.random() < CHAIN_CHANCE[last.status]:
            length = 3 if slots > 2 and rng.random() < 0.2 else 2
            while len(chain) < length:
                later = chain[0]
                start, end = _add_months(later.start, -later.term), later.start - 1
                if end < self.today:
                    earlier = _Contract("expired", later.term, start, end)
                elif start <= self.today:
                    earlier = _Contract("active", later.term, start, end)
                else:
                    break
                earlier.renewed = True
                later.origin = earlier
                chain.insert(0, earlier)
        order = self.customer_order
        index = order.pop() if order else rng.randrange(len(self.customers))
        template = rng.weighted(self.templates, self.template_weights)
        specs = self.line_specs(template, chain[0])
        for contract in chain:
            contract.customer = index
            contract.template = template
            specs = self.write_contract(contract, specs)

    def line_specs(self, template, contract: _Contract) -> list:
        """What the first contract of a chain sells: (title, product, total, price, discount,
        start offset or None, end offset or None); renewals copy it."""
        rng = self.rng
        kind, volume = template[2], template[7]
        count = rng.choice(LINES_PER_CONTRACT)
        kinds = rng.sample(LINE_KINDS[kind], min(count, len(LINE_KINDS[kind])))
        while len(kinds) < count:
            kinds.append(rng.choice(LINE_KINDS[kind]))
        days = contract.end - contract.start + 1
        specs = []
        for title, product in kinds:
            if kind == "cases":
                total = volume if rng.random() < 0.5 else rng.choice(CASE_VOLUMES)
                price = total * rng.choice((45, 60, 75, 90, 120)) * 100
            elif kind == "time":
                total = volume if rng.random() < 0.5 else rng.choice(TIME_VOLUMES)
                price = total // 60 * rng.choice((60, 80, 95, 110, 150)) * 100
            else:
                total = None
                price = rng.choice((1200, 2400, 3600, 6000, 9000, 18000)) * 100
            discount = price * rng.choice((5, 10, 15)) // 100 if rng.random() < 0.2 else 0
            start_off = end_off = None
            if days > 60 and rng.random() < 0.12:
                if rng.random() < 0.5:  # added later in the term
                    start_off = rng.randint(14, days // 2)
                else:  # a shorter service inside the term
                    end_off = rng.randint(days // 2, days - 14)
            specs.append((title, product, total, price, discount, start_off, end_off))
        return specs

    def write_contract(self, contract: _Contract, specs: list) -> list:
        """The contract row, its lines with their use, cases and ledger; returns the specs
        its renewal copies (lines not canceled)."""
        rng = self.rng
        cid = contract.id = self._id(Contract)
        number = contract_number(cid)
        customer_id, customer_name = self.customers[contract.customer]
        tid, tname, kind, billing, hours, increment, minimum, _volume = contract.template
        status = contract.status
        if rng.random() < 0.55:
            title = f"{tname} for {customer_name}"
        elif rng.random() < 0.5:
            title = f"{tname} {dt.date.fromordinal(contract.start).year}"
        else:
            title = f"{rng.choice(CONTRACT_SITES)} {tname.lower()}"
        bill_to = customer_id
        if rng.random() < 0.06:
            bill_to = self.customers[rng.randrange(len(self.customers))][0]
        created_day = min(self.today - 1, contract.start - rng.randint(5, 40))
        if contract.origin is not None:
            created_day = min(self.today - 1, max(created_day, contract.origin.start))
        if status == "draft":
            created_day = max(created_day, self.today - rng.randint(1, 20))
        created = created_day * DAY + rng.randint(28800, 64800)
        owner = rng.choice(SUPERVISORS)

        # lines, their use and their cases
        limit = {
            "active": self.today - 1,
            "on_hold": contract.hold_day,
            "canceled": contract.cancel_day,
            "expired": contract.end,
        }.get(status)
        if limit is not None:
            limit = min(limit, self.today - 1)
        renewal_specs, renewal_lines = [], []  # what a renewal of this contract copies
        line_cancels = 0
        for position, spec in enumerate(specs, 1):
            title_l, product, total, price, discount, start_off, end_off = spec
            l_start = contract.start + start_off if start_off is not None else contract.start
            l_end = contract.start + end_off if end_off is not None else contract.end
            l_start, l_end = min(l_start, contract.end), min(max(l_end, l_start), contract.end)
            lid = self._id(Line)
            window_end = limit
            cancel = status != "draft" and rng.random() < 0.04
            if cancel and not (contract.renewed and position == 1):
                l_status = "canceled"
                line_cancels += 1
                if window_end is not None and window_end >= l_start:
                    window_end = rng.randint(l_start, min(l_end, window_end))
            else:
                renewal_specs.append(spec)
                renewal_lines.append(lid)
                if contract.renewed:
                    l_status = "renewed"
                elif status != "draft" and l_end < self.today:
                    l_status = "expired"
                else:
                    l_status = "existing"
            renewed_from = None
            if contract.origin is not None:
                renewed_from = contract.origin.lines[position - 1]
            used = 0
            if window_end is not None:
                window_end = min(window_end, l_end)
                if window_end >= l_start:
                    used = self.use_line(
                        lid,
                        kind,
                        total,
                        l_start,
                        l_end,
                        window_end,
                        customer_id,
                        increment,
                        minimum,
                        status == "active" and l_status == "existing",
                    )
            self.rows[Line].append(
                (
                    lid,
                    cid,
                    position,
                    title_l,
                    product,
                    _iso(l_start),
                    _iso(l_end),
                    total,
                    used,
                    price,
                    discount,
                    l_status,
                    renewed_from,
                    _stamp(created),
                )
            )
            contract.lines.append(lid)
        all_lines, contract.lines = contract.lines, renewal_lines

        self.other_cases(contract, all_lines, customer_id, limit)

        version = 1 + len(specs) + line_cancels
        modified = created
        cancel_date = cancel_reason = None
        if status != "draft":
            version += 1  # invoiced
            modified = max(modified, min(contract.start, self.today - 1) * DAY + 32400)
        if status == "on_hold":
            version += 1
            modified = max(modified, (contract.hold_day or self.today - 1) * DAY + 36000)
        elif status == "canceled":
            version += 1
            cancel_date, cancel_reason = _iso(contract.cancel_day), rng.choice(CANCEL_REASONS)
            modified = max(modified, contract.cancel_day * DAY + 36000)
        elif status == "expired":
            version += 1
            modified = max(modified, (contract.end + 1) * DAY + 3600)
        if contract.renewed:
            version += 1
        modified = min(modified, self.yesterday_end)
        origin = contract.origin.id if contract.origin is not None else None
        self.rows[Contract].append(
            (
                cid,
                number,
                title,
                customer_id,
                bill_to,
                tid,
                kind,
                billing,
                hours,
                increment,
                minimum,
                _iso(contract.start),
                _iso(contract.end),
                _iso(contract.start),
                _iso(contract.end),
                status,
                cancel_date,
                cancel_reason,
                origin,
                "renewal" if origin else None,
                _search_text(number, customer_name, title),
                owner,
                _stamp(created),
                _stamp(max(modified, created)),
                version,
            )
        )
        self._audit(
            "contract",
            number,
            "create",
            created,
            {
                "customer": customer_name,
                "template": tname,
                "start": _iso(contract.start),
                "end": _iso(contract.end),
                "title": title,
                **({"renews": contract_number(origin)} if origin else {}),
            },
        )
        if status == "on_hold":
            self._audit("contract", number, "hold", modified, {"status": ["active", "on_hold"]})
        elif status == "canceled":
            self._audit(
                "contract",
                number,
                "cancel",
                modified,
                {
                    "status": ["active", "canceled"],
                    "cancel_date": cancel_date,
                    "reason": cancel_reason,
                },
            )
        return renewal_specs

    # use of a line: cases and the ledger

    def target_use(self, kind: str, total: int | None, level: str) -> list[int]:
        """The amounts of the resolved cases that bring a line to `level`."""
        rng = self.rng
        if kind == "coverage":
            low, high = {"fresh": (0, 0), "low": (0, 2), "half": (1, 3)}.get(level, (2, 5))
            return [0] * rng.randint(low, high)
        if level == "fresh":
            return []
        if level == "nearly":
            if kind == "cases":
                used = total - max(1, round(total * rng.uniform(0.02, 0.1)))
            else:
                used = total - 15 * rng.randint(2, max(2, total // 150))
        elif level == "exhausted":
            used = total
        elif level == "overage":
            used = total + (rng.randint(1, 3) if kind == "cases" else 15 * rng.randint(2, 12))
        else:
            low, high = {"low": (0.1, 0.35), "half": (0.4, 0.6), "high": (0.65, 0.85)}[level]
            used = total * rng.uniform(low, high)
            used = round(used) if kind == "cases" else round(used / 15) * 15
        if kind == "cases":
            return [1] * max(1, used)
        used = max(TIME_MINIMUM, used)
        parts = []
        while used > 480:
            chunk = rng.choice(TIME_CHUNKS)
            if used - chunk < 30:
                chunk = used - 30
            parts.append(chunk)
            used -= chunk
        if used >= 60 and rng.random() < 0.5:
            first = 15 * rng.randint(2, used // 15 - 2)
            parts.append(first)
            used -= first
        parts.append(used)
        return parts

    def pick_level(self, l_start, l_end, window_end, forced: bool) -> str:
        if forced and self.levels:
            return self.levels.pop(0)
        passed = (window_end - l_start + 1) / (l_end - l_start + 1)
        weights = LEVEL_CUMULATIVE[0 if passed < 0.2 else 1 if passed < 0.6 else 2]
        return self.rng.weighted(LEVELS, weights)

    def use_line(
        self,
        lid,
        kind,
        total,
        l_start,
        l_end,
        window_end,
        customer_id,
        increment,
        minimum,
        usable: bool,
    ) -> int:
        """Resolved (and reopened) cases on the line between its start and `window_end`;
        returns the line's `used`, which equals the sum of the ledger entries written."""
        rng = self.rng
        rnd = rng.random
        level = self.pick_level(l_start, l_end, window_end, usable and kind != "coverage")
        amounts = self.target_use(kind, total, level)
        span = window_end - l_start + 1
        days = sorted(l_start + int(rnd() * span) for _ in amounts)
        day_prefix, clock = _DAY_PREFIX, _CLOCK
        events = []  # (moment, case id, amount, "charge" or "reversal", who, case row)
        cases = []  # rows as lists: who resolved is known once the ledger is
        case_id = self.next_id[Case]
        for amount, day in zip(amounts, days):
            resolved = day * DAY + 28800 + int(rnd() * 36000)
            opened = resolved - 900 - int(rnd() * 171900)
            if kind == "time":
                spent = _spent_for(amount, increment, minimum, rng)
            elif rnd() < 0.4:
                spent = SPENT[int(rnd() * len(SPENT))]
            else:
                spent = None
            rep = REPS[int(rnd() * len(REPS))]
            row = [
                case_id,
                f"CAS-{case_id:06d}",
                customer_id,
                CASE_TITLES[int(rnd() * len(CASE_TITLES))],
                lid,
                "resolved",
                day_prefix[opened // DAY] + clock[opened % DAY],
                rep,
                day_prefix[day] + clock[resolved % DAY],
                _ISO[day],
                rep,
                RESOLUTIONS[int(rnd() * len(RESOLUTIONS))],
                spent,
                amount,
            ]
            cases.append(row)
            first = opened + (resolved - opened) // 3
            if (self.reopens or rnd() < 0.03) and first // DAY >= l_start:
                # resolved once (for less time), reopened, resolved again: charged once
                self.reopens = max(0, self.reopens - 1)
                earlier = amount
                if kind == "time" and amount > max(minimum or 0, 30):
                    earlier = charge_for(max(1, spent - 30), increment, minimum)
                events.append((first, case_id, earlier, "charge", rep, row))
                events.append(
                    (
                        first + (resolved - opened) // 3,
                        case_id,
                        -earlier,
                        "reversal",
                        rng.choice(REPS),
                        row,
                    )
                )
            events.append((resolved, case_id, amount, "charge", rep, row))
            case_id += 1
        self.next_id[Case] = case_id
        if usable and level not in ("exhausted", "overage") and rnd() < 0.1:
            self.open_case(
                lid, kind, l_start, window_end, customer_id, increment, minimum, events, cases
            )
        events.sort()
        used = 0
        entry_id = self.next_id[UsageEntry]
        ledger = self.rows[UsageEntry]
        for moment, case_id, amount, entry_kind, who, row in events:
            note = ""
            if entry_kind == "reversal":
                note = f"{row[1]} reopened"
            else:
                if total is not None and used + amount > total:
                    entry_kind, who = "override", rng.choice(SUPERVISORS)
                    note = f"overage {format_amount(used + amount - total, kind)}"
                if row[5] == "resolved":
                    row[10] = who  # the last charge is the one that stands
            used += amount
            at = day_prefix[moment // DAY] + clock[moment % DAY]
            ledger.append((entry_id, lid, case_id, amount, entry_kind, who, at, note))
            entry_id += 1
        self.next_id[UsageEntry] = entry_id
        self.rows[Case].extend(map(tuple, cases))
        return used

    def open_case(
        self, lid, kind, l_start, window_end, customer_id, increment, minimum, events, cases
    ) -> None:
        """A case still open on a usable line; a few were resolved once and reopened."""
        rng = self.rng
        case_id = self._id(Case)
        opened = max(l_start * DAY, self.yesterday_end - rng.randint(3600, 3 * DAY))
        rep = rng.choice(REPS)
        row = [
            case_id,
            case_number(case_id),
            customer_id,
            rng.choice(CASE_TITLES),
            lid,
            "open",
            _stamp(opened),
            rep,
            None,
            None,
            None,
            None,
            None,
            0,
        ]
        cases.append(row)
        if rng.random() < 0.25 and opened + 7200 < self.yesterday_end:
            amount = {"cases": 1, "coverage": 0}.get(kind)
            if amount is None:
                amount = charge_for(rng.choice(TIME_CHUNKS), increment, minimum)
            charged = opened + rng.randint(600, 3600)
            if charged // DAY <= window_end:
                events.append((charged, case_id, amount, "charge", rep, row))
                events.append(
                    (
                        charged + rng.randint(600, 3000),
                        case_id,
                        -amount,
                        "reversal",
                        rng.choice(REPS),
                        row,
                    )
                )

    def other_cases(self, contract: _Contract, lines: list, customer_id: int, limit) -> None:
        """Cases that charge nothing: canceled ones, and some resolved with no line."""
        rng = self.rng
        if limit is None or limit < contract.start:
            return
        if rng.random() < 0.06:
            case_id = self._id(Case)
            opened = rng.randint(contract.start, limit) * DAY + rng.randint(28800, 64800)
            line = rng.choice(lines) if rng.random() < 0.6 else None
            self.rows[Case].append(
                (
                    case_id,
                    case_number(case_id),
                    customer_id,
                    rng.choice(CASE_TITLES),
                    line,
                    "canceled",
                    _stamp(opened),
                    rng.choice(REPS),
                    None,
                    None,
                    None,
                    None,
                    None,
                    0,
                )
            )
        if rng.random() < 0.04:
            case_id = self._id(Case)
            day = rng.randint(contract.start, limit)
            resolved = day * DAY + rng.randint(28800, 64800)
            rep = rng.choice(REPS)
            self.rows[Case].append(
                (
                    case_id,
                    case_number(case_id),
                    customer_id,
                    rng.choice(CASE_TITLES),
                    None,
                    "resolved",
                    _stamp(resolved - rng.randint(900, DAY)),
                    rep,
                    _stamp(resolved),
                    _iso(day),
                    rep,
                    rng.choice(RESOLUTIONS),
                    None,
                    0,
                )
            )


# --- writing -------------------------------------------------------------------------------


def _columns(model) -> list[str]:
    return [model._meta.fields[name].column_name for name in COLUMNS[model]]


def _insert(model, rows: list, postgres: bool) -> None:
    """Write rows (tuples in COLUMNS order): COPY on PostgreSQL; on SQLite multi-row INSERTs,
    as many rows per statement as its limit on bound variables allows (at most 500)."""
    table = model._meta.table_name
    columns = ", ".join(f'"{c}"' for c in _columns(model))
    cursor = database.cursor()
    if postgres:
        text = io.StringIO("".join(["\t".join(map(_copy_text, row)) + "\n" for row in rows]))
        cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', text)
        return
    width = len(COLUMNS[model])
    per_statement = max(1, min(500, _sqlite_variable_limit() // width))
    one = "(" + ", ".join("?" * width) + ")"
    sql = f'INSERT INTO "{table}" ({columns}) VALUES '
    full = sql + ", ".join([one] * per_statement)
    whole = len(rows) - len(rows) % per_statement
    for i in range(0, whole, per_statement):
        cursor.execute(full, list(chain.from_iterable(rows[i : i + per_statement])))
    if whole < len(rows):
        rest = rows[whole:]
        cursor.execute(sql + ", ".join([one] * len(rest)), list(chain.from_iterable(rest)))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def _sqlite_variable_limit() -> int:
    connection = database.connection()
    try:
        return connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # pragma: no cover - Python before 3.11
        return 999


def _next_id(model) -> int:
    """The first id free for `model`: past every row and, for the never-reused numbers of
    contracts and cases, past every id the sequence ever handed out."""
    table = model._meta.table_name
    highest = database.execute_sql(f'SELECT MAX("id") FROM "{table}"').fetchone()[0] or 0
    if model in (Contract, Case):
        if is_postgres():
            row = database.execute_sql(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))", (f'"{table}"',)
            ).fetchone()
        else:
            row = database.execute_sql(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
            ).fetchone()
        highest = max(highest, (row[0] or 0) if row else 0)
    return highest + 1


def _advance_sequences() -> None:
    """After explicit ids, PostgreSQL's sequences must move past them (SQLite's
    sqlite_sequence follows explicit ids by itself)."""
    if not is_postgres():
        return
    for model in COLUMNS:
        table = model._meta.table_name
        database.execute_sql(
            f'SELECT setval(pg_get_serial_sequence(%s, \'id\'), MAX("id")) FROM "{table}" '
            'HAVING MAX("id") IS NOT NULL',
            (f'"{table}"',),
        )
