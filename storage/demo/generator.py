"""The generator: templates, and contracts (alone or in chains of renewals) with their lines;
the customers are made in customers.py, the use of each line (cases and the ledger) in usage.py.

Every draw comes from a seeded `Dice`, in a fixed order: one for the customers and templates,
one for each chunk of contracts (chunks.py), which may be made in other processes (apart.py).
The same seed and the same today give the same rows, however many processes make them. Ids
are assigned here (`next_id` reads where each table ends)."""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, NamedTuple

from ..clock import today
from ..db import is_postgres, no_cycle_collection
from ..lifecycle import _search_text
from ..lookup import contract_number
from ..models import (
    AuditEvent,
    Base,
    Contract,
    Customer,
    Line,
    Template,
    tuples,
)
from .apart import made_in_order
from .chunks import PLACED, chunk_bounds, placed
from .contacts import Contacts
from .customers import Client, CustomerMaking
from .days import DAY, ISO, add_months, iso, make_clock, month_start, stamp
from .dice import Dice
from .rows import COLUMNS, AuditRow, ContractRow, LineRow, TemplateRow, maker
from .usage import FIRST_LEVELS, LineUse
from .words import (
    CANCEL_REASONS,
    CASE_VOLUMES,
    CONTRACT_SITES,
    LINE_KINDS,
    SUPERVISORS,
    TEMPLATE_WEIGHTS,
    TEMPLATES,
    TIME_INCREMENT,
    TIME_MINIMUM,
    TIME_VOLUMES,
)
from .writing import (
    Progress,
    Statement,
    copied_behind,
    next_id,
    prepared,
    sqlite_variable_limit,
)

WHO = "demo"  # the audit trail's "who" for everything the generator writes

new_line, new_audit, new_contract = maker(LineRow), maker(AuditRow), maker(ContractRow)
# json.dumps(..., sort_keys=True) without making an encoder for every call
_json = json.JSONEncoder(sort_keys=True).encode

# fmt: off
STATUS_WEIGHTS = {"draft": 4, "invoiced": 6, "active": 70, "on_hold": 3, "canceled": 5,
                  "expired": 10}
FIRST_STATUSES = ("active", "expired", "canceled", "on_hold", "invoiced", "draft")
CHAIN_CHANCE = {"draft": 0.4, "invoiced": 0.4, "active": 0.15, "on_hold": 0.1,
                "canceled": 0.1, "expired": 0.1}
TERMS = (12, 12, 12, 12, 12, 12, 6, 24, 3)  # months
LINES_PER_CONTRACT = (1, 2, 2, 3, 3, 3, 4, 4, 5, 5)  # about 3 on average (weights 10:20:30:20:20)
STATUSES = tuple(STATUS_WEIGHTS)
STATUS_CUMULATIVE = list(accumulate(STATUS_WEIGHTS.values()))
# fmt: on


class Offer(NamedTuple):
    """A generated template, as the contracts made from it copy it."""

    id: int
    name: str
    kind: str
    billing: str
    hours: str
    increment: int | None
    minimum: int | None
    volume: int | None


class LineSpec(NamedTuple):
    """What a line sells; the renewals of a contract copy it. The offsets (days from the
    contract's start) are None for a line that runs the whole term."""

    title: str
    product: str
    total: int | None
    price: int
    discount: int
    start_off: int | None
    end_off: int | None


class Heading(NamedTuple):
    """A contract's own values, drawn before its lines."""

    number: str
    title: str
    customer: Client
    bill_to: int
    created: int  # a moment
    owner: str


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
    id: int
    customer: int  # its index in the filler's customers
    template: Offer

    def __init__(self, status: str, term: int, start: int, end: int) -> None:
        self.status, self.term, self.start, self.end = status, term, start, end  # days: ordinals
        self.cancel_day: int | None = None
        self.hold_day: int | None = None
        self.origin: _Contract | None = None  # the _Contract this one renews
        self.renewed = False
        self.lines: list[int] = []  # ids of the lines a renewal copies, by their positions


class Filler(CustomerMaking, LineUse):
    def __init__(self, contracts: int, seed: int, progress: Progress | None) -> None:
        self.total = contracts
        self.seed = seed
        self.rng = Dice(seed)  # the customers' and templates'; each chunk has its own
        make_clock()
        self.progress = progress
        self.today = today().toordinal()
        self.yesterday_end = self.today * DAY - 1 - 6 * 3600  # 18:00 the day before
        self.postgres = is_postgres()
        # what the statements are made with, read here: the chunks may be made elsewhere
        self.variables = None if self.postgres else sqlite_variable_limit()
        self.rows = {model: [] for model in COLUMNS}
        self.counts = {model: 0 for model in COLUMNS}
        self.next_id = {model: next_id(model) for model in COLUMNS}
        self.first_contract = self.next_id[Contract]
        # what the user already has: generated names avoid it
        self.taken_names = {key for (key,) in tuples(Customer.select(Customer.name_key))}
        self.taken_templates = (
            {name for (name,) in tuples(Template.select(Template.name))},
            {abbr for (abbr,) in tuples(Template.select(Template.abbr))},
        )
        self.contacts = Contacts(self.rng)

    # ids and rows

    def _id(self, model: type[Base]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _audit(self, entity: str, ref: str, action: str, at: int, changes: dict[str, Any]) -> None:
        self.rows[AuditEvent].append(
            new_audit(
                (
                    self._id(AuditEvent),
                    entity,
                    ref,
                    action,
                    WHO,
                    stamp(at),
                    _json(changes),
                )
            )
        )

    def take_batch(self) -> dict[type[Base], list[Any]]:
        batch, self.rows = self.rows, {model: [] for model in COLUMNS}
        return batch

    def statements(
        self, rows: dict[type[Base], list[Any]], at: dict[type[Base], int] | None = None
    ) -> Iterator[Statement]:
        """The statements that write `rows` (writing.prepared), table by table, each table's
        rows let go once its statements are made; a chunk's rows with their ids placed to
        start at `at` (chunks.placed)."""
        for model in list(rows):
            made = rows.pop(model)
            if at is not None:
                made = placed(model, made, at)
            yield from prepared(model, made, self.postgres, variables=self.variables)

    # the whole run

    def first_batches(self) -> Iterator[tuple[dict[type[Base], list[Any]], int, int, str]]:
        """The customers, batch by batch, then the templates: (rows per model, how many of
        how many made so far, and of what: "customers", then "contracts" for none yet)."""
        for made, goal in self.make_customers():
            yield self.take_batch(), made, goal, "customers"
        self.make_templates()
        yield self.take_batch(), 0, self.total, "contracts"

    def run(self) -> None:
        """Generate and write: the customers and templates batch by batch, then the contracts
        chunk by chunk (chunks.py), made in other processes when there are several chunks
        and processors (apart.py), each let go once written; on PostgreSQL each lot is
        copied by a thread while the next is made or received (writing.copied_behind; on
        SQLite a writing thread was measured slower: the two fought over the interpreter's
        lock). Progress is told as each batch or chunk is handed over."""
        with no_cycle_collection():
            with copied_behind(self.postgres) as write:
                for batch, done, total, what in self.first_batches():
                    for model, rows in batch.items():
                        self.counts[model] += len(rows)
                    write(list(self.statements(batch)))
                    del batch
                    self.report(done, total, what)
            # the thread that copied them is done: other processes may be forked now
            at = {model: self.next_id[model] for model in PLACED}
            with made_in_order(self, at) as chunks, copied_behind(self.postgres) as write:
                for chunk, statements, counts in chunks:
                    for model, count in counts.items():
                        self.counts[model] += count
                    write(statements)
                    self.report(chunk_bounds(chunk, self.total)[1], self.total, "contracts")

    def make_chunk(self, chunk: int) -> dict[type[Base], list[Any]]:
        """The rows of the contracts of `chunk` (chunks.py), drawn from dice of its own;
        the lines, cases, ledger entries and audit events numbered from 0 (chunks.placed
        moves them). The first chunk shows everything off: its first six contracts are one
        per status, its first lines used at set levels, its first cases reopened, and its
        second invoiced contract started but left unswept."""
        start, end = chunk_bounds(chunk, self.total)
        first = chunk == 0
        self.rng = Dice(f"{self.seed} {chunk}")
        self.statuses = list(FIRST_STATUSES) if first else []
        self.levels = list(FIRST_LEVELS) if first else []
        self.reopens = 2 if first else 0  # resolved cases to reopen and resolve again
        self.invoiced = 0 if first else 2  # past the second: none left unswept
        # every customer gets a contract: the customers are shared out among the chunks as
        # the contracts are, and a chunk gives each of its share one before it picks any at
        # random (it makes at least a third as many chains as it has contracts, and there
        # are a third as many customers)
        low, high = (len(self.customers) * place // self.total for place in (start, end))
        self.customer_order = array("q", range(low, high))
        self.rng.shuffle(self.customer_order)
        for model in PLACED:
            self.next_id[model] = 0
        self.next_id[Contract] = self.first_contract + start
        last = self.first_contract + end
        while self.next_id[Contract] < last:
            self.make_chain(last - self.next_id[Contract])
        return self.take_batch()

    def report(self, done: int, total: int, what: str) -> None:
        if self.progress is not None:
            self.progress(done, total, what)

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
            row = TemplateRow(
                id=tid,
                name=name,
                abbr=abbr,
                allotment_type=kind,
                billing=billing,
                volume=volume,
                hours=hours,
                increment=increment,
                minimum=minimum,
                description=text,
                created=stamp(created),
                modified=stamp(created),
            )
            self.rows[Template].append(row)
            fields = (
                "abbr",
                "allotment_type",
                "billing",
                "volume",
                "hours",
                "increment",
                "minimum",
            )
            changes = {field: getattr(row, field) for field in fields}
            self._audit("template", name, "add", created, changes)
            self.templates.append(
                Offer(tid, name, kind, billing, hours, increment, minimum, volume)
            )
            weights.append(TEMPLATE_WEIGHTS[number - 1])
        self.template_weights = list(accumulate(weights))

    # contracts

    def pick_status(self) -> str:
        if self.statuses:
            return self.statuses.pop(0)
        return self.rng.weighted(STATUSES, STATUS_CUMULATIVE)

    def dates_for(self, status: str) -> _Contract:
        """Dates that agree with the status as of today (what sweep would leave), but for the
        second invoiced contract: it started 3 days ago and is still stored as invoiced."""
        rng, today = self.rng, self.today
        term = rng.choice(TERMS)
        this_month = month_start(today)
        if status in ("active", "on_hold"):
            start = add_months(this_month, -rng.randrange(term))
            if rng.random() < 0.25:
                start = min(today, start + rng.randrange(28))
        elif status == "invoiced":
            start = add_months(this_month, rng.randint(1, 3))
            self.invoiced += 1
            if self.invoiced == 2:  # started 3 days ago; sweep has not stored it yet
                start = today - 3
        elif status == "draft":
            start = add_months(this_month, rng.randint(0, 3))
        elif status == "canceled":
            start = add_months(this_month, -rng.randint(1, term + 6))
        else:  # expired
            start = add_months(this_month, -rng.randint(term, term + 24))
        end = add_months(start, term) - 1
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
                start, end = add_months(later.start, -later.term), later.start - 1
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

    def line_specs(self, template: Offer, contract: _Contract) -> list[LineSpec]:
        """What the first contract of a chain sells; renewals copy it."""
        rng = self.rng
        kind, volume = template.kind, template.volume
        count = rng.choice(LINES_PER_CONTRACT)
        kinds = rng.sample(LINE_KINDS[kind], min(count, len(LINE_KINDS[kind])))
        while len(kinds) < count:
            kinds.append(rng.choice(LINE_KINDS[kind]))
        days = contract.end - contract.start + 1
        specs = []
        for title, product in kinds:
            if kind == "cases":
                assert volume is not None  # the demo's case and time templates have one
                total = volume if rng.random() < 0.5 else rng.choice(CASE_VOLUMES)
                price = total * rng.choice((45, 60, 75, 90, 120)) * 100
            elif kind == "time":
                assert volume is not None
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
            specs.append(LineSpec(title, product, total, price, discount, start_off, end_off))
        return specs

    def write_contract(self, contract: _Contract, specs: list[LineSpec]) -> list[LineSpec]:
        """The contract row, its lines with their use, cases and ledger; returns the specs
        its renewal copies (lines not canceled)."""
        contract.id = self._id(Contract)
        head = self.heading(contract)
        limit = self.use_limit(contract)
        all_lines, renewal_specs, contract.lines = self.write_lines(contract, specs, head, limit)
        self.other_cases(contract, all_lines, head.customer.id, limit)
        self.write_contract_row(contract, head, len(specs), len(specs) - len(renewal_specs))
        return renewal_specs

    def heading(self, contract: _Contract) -> Heading:
        rng = self.rng
        customer = self.customers[contract.customer]
        tname = contract.template.name
        if rng.random() < 0.55:
            title = f"{tname} for {customer.name}"
        elif rng.random() < 0.5:
            title = f"{tname} {dt.date.fromordinal(contract.start).year}"
        else:
            title = f"{rng.choice(CONTRACT_SITES)} {tname.lower()}"
        bill_to = customer.id
        if rng.random() < 0.06:
            bill_to = self.customers.id_of(rng.randrange(len(self.customers)))
        created_day = min(self.today - 1, contract.start - rng.randint(5, 40))
        if contract.origin is not None:
            created_day = min(self.today - 1, max(created_day, contract.origin.start))
        if contract.status == "draft":
            created_day = max(created_day, self.today - rng.randint(1, 20))
        created = created_day * DAY + rng.randint(28800, 64800)
        owner = rng.choice(SUPERVISORS)
        return Heading(contract_number(contract.id), title, customer, bill_to, created, owner)

    def use_limit(self, contract: _Contract) -> int | None:
        """The last day the contract's lines were used (None: not used at all)."""
        limit = {
            "active": self.today - 1,
            "on_hold": contract.hold_day,
            "canceled": contract.cancel_day,
            "expired": contract.end,
        }.get(contract.status)
        return None if limit is None else min(limit, self.today - 1)

    def write_lines(
        self, contract: _Contract, specs: list[LineSpec], head: Heading, limit: int | None
    ) -> tuple[list[int], list[LineSpec], list[int]]:
        """The lines with their use: (every line id, the specs and the line ids a renewal
        copies)."""
        rng, status, template = self.rng, contract.status, contract.template
        all_lines, renewal_specs, renewal_lines = [], [], []
        created, lines = stamp(head.created), self.rows[Line]
        for position, spec in enumerate(specs, 1):
            start_off, end_off = spec.start_off, spec.end_off
            l_start = contract.start + start_off if start_off is not None else contract.start
            l_end = contract.start + end_off if end_off is not None else contract.end
            l_start, l_end = min(l_start, contract.end), min(max(l_end, l_start), contract.end)
            lid = self._id(Line)
            window_end = limit
            cancel = status != "draft" and rng.random() < 0.04
            if cancel and not (contract.renewed and position == 1):
                l_status = "canceled"
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
            origin = contract.origin
            renewed_from = origin.lines[position - 1] if origin is not None else None
            statuses = (status, l_status)
            used = self.use_until(
                lid, template, spec.total, head.customer.id, statuses, (l_start, l_end), window_end
            )
            lines.append(
                new_line(
                    (
                        lid,
                        contract.id,
                        position,
                        spec.title,
                        spec.product,
                        ISO[l_start],
                        ISO[l_end],
                        spec.total,
                        used,
                        spec.price,
                        spec.discount,
                        l_status,
                        renewed_from,
                        created,
                    )
                )
            )
            all_lines.append(lid)
        return all_lines, renewal_specs, renewal_lines

    def history(self, contract: _Contract, created: int, changes: int) -> tuple[int, int]:
        """The contract's version and its last change (a moment), from the changes it went
        through: its lines added or canceled, invoiced, held, canceled, expired, renewed."""
        status = contract.status
        version, modified = 1 + changes, created
        if status != "draft":
            version += 1  # invoiced
            modified = max(modified, min(contract.start, self.today - 1) * DAY + 32400)
        if status == "on_hold":
            version += 1
            modified = max(modified, (contract.hold_day or self.today - 1) * DAY + 36000)
        elif status == "canceled":
            assert contract.cancel_day is not None  # drawn for every canceled contract
            version += 1
            modified = max(modified, contract.cancel_day * DAY + 36000)
        elif status == "expired":
            version += 1
            modified = max(modified, (contract.end + 1) * DAY + 3600)
        if contract.renewed:
            version += 1
        return version, min(modified, self.yesterday_end)

    def write_contract_row(
        self, contract: _Contract, head: Heading, lines: int, canceled: int
    ) -> None:
        status, template, number = contract.status, contract.template, head.number
        version, modified = self.history(contract, head.created, lines + canceled)
        cancel_date = cancel_reason = None
        if status == "canceled":
            assert contract.cancel_day is not None
            cancel_date, cancel_reason = iso(contract.cancel_day), self.rng.choice(CANCEL_REASONS)
        origin = contract.origin.id if contract.origin is not None else None
        self.rows[Contract].append(
            ContractRow(
                id=contract.id,
                number=number,
                title=head.title,
                customer=head.customer.id,
                bill_to=head.bill_to,
                template=template.id,
                allotment_type=template.kind,
                billing=template.billing,
                hours=template.hours,
                increment=template.increment,
                minimum=template.minimum,
                start=iso(contract.start),
                end=iso(contract.end),
                billing_start=iso(contract.start),
                billing_end=iso(contract.end),
                status=status,
                cancel_date=cancel_date,
                cancel_reason=cancel_reason,
                origin=origin,
                origin_kind="renewal" if origin else None,
                search=_search_text(number, head.customer.name, head.title),
                owner=head.owner,
                created=stamp(head.created),
                modified=stamp(max(modified, head.created)),
                version=version,
            )
        )
        values = {
            "customer": head.customer.name,
            "template": template.name,
            "start": iso(contract.start),
            "end": iso(contract.end),
            "title": head.title,
            **({"renews": contract_number(origin)} if origin else {}),
        }
        self._audit("contract", number, "create", head.created, values)
        if status == "on_hold":
            self._audit("contract", number, "hold", modified, {"status": ["active", "on_hold"]})
        elif status == "canceled":
            changes = {
                "status": ["active", "canceled"],
                "cancel_date": cancel_date,
                "reason": cancel_reason,
            }
            self._audit("contract", number, "cancel", modified, changes)
