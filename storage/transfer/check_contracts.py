"""Checking the contracts and lines of an import (see checking.py): numbers kept or given,
the customer and template each names, the status with its dates, and each line's terms and
what it had used so far."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pendulum

from ..allotments import allotment as allotment_kind
from ..amounts import parse_money
from ..catalog import check_hours
from ..errors import InvalidInput
from ..lifecycle import _search_text
from ..lookup import MAX_ID, contract_number, line_ref
from ..models import LINE_STATUSES, STATUSES, AuditEvent, Base, Case, Contract, Line, tuples
from ..text import quoted
from .checking import FAILED, Plan, Row, _billing, _duration, one_of
from .reading import Record

_CNR = re.compile(r"^\s*CNR-?0*(\d{1,12})\s*$", re.IGNORECASE)
ORIGIN_KINDS = ("renewal", "copy")


class Numbers:
    """The numbers of one kind (CNR-… or CAS-…): kept when a row gives one, else given after
    every number the database ever handed out and every number the file keeps (never reused)."""

    def __init__(self, model: type[Base], prefix: str, first_free: int) -> None:
        self.model, self.prefix, self.first_free = model, prefix, first_free
        self.pattern = re.compile(rf"^\s*{prefix}-?0*(\d{{1,12}})\s*$", re.IGNORECASE)
        self.kept: set[int] = set()
        self.given = 0

    def keep(self, row: Row, column: str, text: str) -> int | None:
        number = int(self.pattern.match(text).group(1))  # type: ignore[union-attr]
        shown = f"{self.prefix}-{number:06d}"
        if number < 1 or number > MAX_ID:
            row.problem(column, f"{shown} is outside the numbers this database can hold.")
        elif number in self.kept:
            row.problem(column, f"{shown} appears twice in the file.")
        elif number < self.first_free:
            present = self.model.select().where(self.model._meta.primary_key == number).exists()
            row.problem(
                column,
                f"{shown} is already in the database (was this file imported before?)."
                if present
                else f"{shown} was given before in this database and numbers are never reused; "
                "leave the number empty to have a new one given.",
            )
        else:
            self.kept.add(number)
            return number
        return None

    def give(self) -> int:
        start = max(self.first_free, max(self.kept, default=0) + 1)
        self.given += 1
        return start + self.given - 1


def contract_key(text: str) -> str:
    """How a contract is named in the file: its number (written CNR-000123) or the file's
    own reference for it."""
    match = _CNR.match(text)
    return contract_number(int(match.group(1))) if match else text.strip()


@dataclass
class ContractPlan:
    key: str
    place: str
    id: int  # 0 until numbered
    customer: tuple[int, str]  # (id, name)
    kind: str
    status: str
    start: pendulum.Date
    end: pendulum.Date
    template: tuple
    values: dict[str, Any]
    origin: str
    positions: set[int] = field(default_factory=set)


class ContractChecks(Plan):
    """The plan, with the checks of contracts and lines."""

    contracts: dict[str, ContractPlan]
    lines: dict[str, LinePlan]

    def start_contracts(self) -> None:
        self.contract_numbers = Numbers(Contract, "CNR", self.next_id(Contract))
        self.case_numbers = Numbers(Case, "CAS", self.next_id(Case))
        self.contracts, self.lines = {}, {}
        self.renewals: list[tuple[int, str, str]] = []  # (row index, line renewed, place)
        self.line_refs: dict[str, LinePlan] = {}  # a line as a cell names it
        self.failed: set[str] = set()  # what had a problem of its own: not reported again
        self.references: dict[str, str] = {}  # the file's own references -> numbers given
        self.imported: dict[str, str] | None = None  # references imported before -> numbers

    def _imported_before(
        self, row: Row, number: str, customer: tuple[int, str], values: dict[str, Any]
    ) -> None:
        """Refuse a contract an earlier import brought in already: by the file's own
        reference (kept in the audit trail), or, with no number at all, by its customer,
        title and dates (a kept number is refused by Numbers)."""
        if number and not _CNR.match(number):
            if self.imported is None:
                self.imported = _imported_references()
            if number in self.imported:
                row.problem(
                    "number", f"'{quoted(number)}' was imported before, as {self.imported[number]}."
                )
        elif not number and customer[0] in self.db_customers and values["start"]:
            same = (
                Contract.select(Contract.number)
                .where(
                    (Contract.customer == customer[0])
                    & (Contract.title == values["title"])
                    & (Contract.start == values["start"])
                    & (Contract.end == values["end"])
                )
                .scalar()
            )
            if same:
                row.problem(
                    "number",
                    f"{same} has the same customer, title and dates (was this file imported before?).",
                )

    def _named_customer(self, row: Row, column: str) -> tuple[int, str] | None:
        name = row.text(column)
        if not name:
            return None
        found = self.customers.get(" ".join(name.split()).casefold())
        if found is None:
            row.problem(
                column, f"there is no customer named '{quoted(name)}' in the file or the database."
            )
            return None
        if found[2] == FAILED:  # its own row's problem was reported
            row.ok = False
            return None
        return found[0], found[1]

    def contract(self, record: Record) -> None:
        row = Row(self, record)
        number = row.text("number")
        key = record.values.get("_key") or contract_key(number) or f"#{record.place}"
        cid = 0
        if _CNR.match(number):
            cid = self.contract_numbers.keep(row, "number", number) or 0
        elif key in self.contracts:
            row.problem("number", f"the reference '{quoted(number)}' appears twice in the file.")
        customer = self._named_customer(row, "customer") or (0, "")
        if not row.text("customer"):
            row.problem("customer", "the customer is empty.")
        bill_to = self._named_customer(row, "bill_to") or customer
        name = row.text("template")
        template = self.templates.get(name) or self.templates.get(
            self.abbr_names.get(name.upper(), "")
        )
        if name and template is None:
            row.problem(
                "template",
                f"there is no template named '{quoted(name)}' in the file or the database.",
            )
        elif template is not None and template[-1] == FAILED:  # its own row's was reported
            row.ok, template = False, None
        values = self._contract_values(row, template, customer)
        self._imported_before(row, number, customer, values)
        if not row.ok or template is None:
            self.failed.add(key)
            return
        values["bill_to"] = bill_to[0]
        self.contracts[key] = ContractPlan(
            key,
            record.place,
            cid,
            customer,
            values["allotment_type"],
            values["status"],
            values["start"],
            values["end"],
            template,
            values,
            row.text("origin"),
        )

    def _contract_values(
        self, row: Row, template: tuple | None, customer: tuple[int, str]
    ) -> dict[str, Any]:
        """The contract's own columns, checked; defaults from its template and the import."""
        t = template or (0, "", "cases", "monthly", "24x7", None, None, None)
        kind = row.read("allotment_type", lambda x: allotment_kind(x).name, t[2]) or t[2]
        status = row.read("status", _status)
        start, end = row.day("start"), row.day("end")
        if start and end and end < start:
            row.problem("end", f"the contract cannot end ({end}) before it starts ({start}).")
        b_start, b_end = row.day("billing_start", start), row.day("billing_end", end)
        given = row.text("billing_start") or row.text("billing_end")
        if b_start and b_end and b_end < b_start and given:
            row.problem(
                "billing_end", f"billing cannot end ({b_end}) before it starts ({b_start})."
            )
        cancel = row.day("cancel_date")
        if status == "canceled" and cancel is None and not row.text("cancel_date"):
            row.problem("cancel_date", "a canceled contract needs the date its service ended.")
        elif status != "canceled" and cancel is not None:
            row.problem(
                "cancel_date", f"only a canceled contract has a cancel date; this one is {status}."
            )
        elif cancel and start and end and not start <= cancel <= end:
            row.problem(
                "cancel_date",
                f"the cancel date {cancel} lies outside the contract's dates {start}..{end}.",
            )
        reason = row.free("cancel_reason", "cancel reason", 500) or None
        if status == "canceled" and not reason:
            reason = "canceled before the import"
        origin_kind = row.read("origin_kind", _origin_kind) or (
            "renewal" if row.text("origin") else None
        )
        steps = [row.read(c, _duration(c)) for c in ("increment", "minimum")]
        created = row.moment("created", self.stamp)
        return {
            "title": row.name("title", "title", required=False) or f"{t[1]} for {customer[1]}",
            "allotment_type": kind,
            "billing": row.read("billing", _billing, t[3]) or t[3],
            "hours": row.read("hours", check_hours, t[4]) or t[4],
            "increment": steps[0] if row.text("increment") else t[5],
            "minimum": steps[1] if row.text("minimum") else t[6],
            "start": start,
            "end": end,
            "billing_start": b_start,
            "billing_end": b_end,
            "status": status,
            "cancel_date": cancel,
            "cancel_reason": reason,
            "origin_kind": origin_kind,
            "owner": row.name("owner", "owner", required=False) or self.who,
            "created": created,
            "modified": row.moment("modified", created),
            "version": row.read("version", _version, 1) or 1,
        }

    def finish_contracts(self) -> None:
        """Numbers for the contracts that had none; each origin found; the rows built."""
        for plan in self.contracts.values():
            if not plan.id:
                plan.id = self.contract_numbers.give()
        elsewhere = {
            int(_CNR.match(p.origin).group(1))  # type: ignore[union-attr]
            for p in self.contracts.values()
            if _CNR.match(p.origin) and contract_key(p.origin) not in self.contracts
        }
        known = set()
        for chunk in range(0, len(elsewhere), 500):
            ids = sorted(elsewhere)[chunk : chunk + 500]
            known |= {
                i for (i,) in tuples(Contract.select(Contract.id).where(Contract.id.in_(ids)))
            }
        for plan in self.contracts.values():
            self._contract_row(plan, known)

    def _contract_row(self, plan: ContractPlan, known: set[int]) -> None:
        v = plan.values
        origin = None
        if plan.origin:
            key = contract_key(plan.origin)
            match = _CNR.match(plan.origin)
            if key in self.contracts:
                origin = self.contracts[key].id
            elif match and int(match.group(1)) in known:
                origin = int(match.group(1))
            else:
                self.problem(
                    plan.place,
                    "origin",
                    f"there is no contract '{quoted(plan.origin)}' in the file or the database.",
                )
                return
            if origin == plan.id:
                self.problem(plan.place, "origin", "a contract cannot renew or copy itself.")
                return
        number = contract_number(plan.id)
        self.add(
            Contract,
            (
                plan.id,
                number,
                v["title"],
                plan.customer[0],
                v["bill_to"],
                plan.template[0],
                plan.kind,
                v["billing"],
                v["hours"],
                v["increment"],
                v["minimum"],
                day(plan.start),
                day(plan.end),
                day(v["billing_start"]),
                day(v["billing_end"]),
                plan.status,
                day(v["cancel_date"]),
                v["cancel_reason"],
                origin,
                v["origin_kind"] if origin else None,
                _search_text(number, plan.customer[1], v["title"]),
                v["owner"],
                v["created"],
                v["modified"],
                v["version"],
            ),
        )
        reference = (
            {} if plan.key == number or plan.key.startswith("#") else {"reference": plan.key}
        )
        self.audit("contract", number, {"status": plan.status, **reference})
        self.count("contracts")
        if reference:
            self.references[plan.key] = number

    # lines

    def line_of(self, row: Row, column: str) -> LinePlan | None:
        """The line a cell names (`CNR-000123/2`, or the file's reference of its contract and
        the position); None, with a problem, when the file has no such line. A line whose
        own row had a problem is not reported again."""
        text = row.text(column)
        known = self.line_refs.get(text)
        if known is not None:
            return known
        contract, _, position = text.rpartition("/")
        key = f"{contract_key(contract)}/{position.strip()}"
        plan = self.contracts.get(contract_key(contract))
        if plan is not None:
            key = line_ref(plan.id, int(position)) if position.strip().isdigit() else key
        found = self.lines.get(key)
        if found is None and contract_key(contract) not in self.failed and key not in self.failed:
            row.problem(
                column,
                f"there is no line '{quoted(text)}' in the file; write it like CNR-000123/1.",
            )
        if found is None:
            row.ok = False
        else:
            self.line_refs[text] = found
        return found

    def line(self, record: Record) -> None:
        row = Row(self, record)
        key = contract_key(row.text("contract"))
        plan = self.contracts.get(key)
        if plan is None:
            if key and key not in self.failed:
                row.problem(
                    "contract",
                    f"there is no contract '{quoted(key)}' in the file (a line comes with its contract).",
                )
            self.failed.add(f"{key}/{row.text('position')}")
            return
        position = row.read("position", _position) or max(plan.positions, default=0) + 1
        if position in plan.positions:
            row.problem("position", f"{plan.key} has two lines at position {position}.")
        title = row.name("title", "line title")
        product = row.name("product", "product", required=False)
        start, end = row.day("start", plan.start), row.day("end", plan.end)
        if start and end and not plan.start <= start <= end <= plan.end:
            row.problem(
                "start",
                f"the line's dates {start}..{end} must lie within the contract's {plan.start}..{plan.end}.",
            )
        total, used, price, discount = self._line_amounts(row, plan)
        status = row.read("status", _line_status, "existing")
        created = row.moment("created", self.stamp)
        if not row.ok:
            self.failed.add(f"{plan.key}/{position}")
            return
        lid = self.new_id(Line)
        plan.positions.add(position)
        ref = line_ref(plan.id, position)
        self.lines[ref] = LinePlan(
            lid, record.place, plan.kind, used, plan.customer[0], plan, total
        )
        if row.text("renews"):
            self.renewals.append((len(self.rows.get(Line, [])), row.text("renews"), record.place))
        self.add(
            Line,
            (
                lid,
                plan.id,
                position,
                title,
                product,
                start.isoformat(),
                end.isoformat(),
                total,
                used,
                price,
                discount,
                status,
                None,
                created,
            ),
        )
        self.count("lines")

    def _line_amounts(self, row: Row, plan: ContractPlan) -> tuple[int | None, int, int, int]:
        """(total, used so far, price, discount) of a line, checked."""
        kind = allotment_kind(plan.kind)
        total = row.amount("total", plan.kind, plan.template[7]) if kind.metered else None
        if kind.metered and total is None and not row.text("total"):
            row.problem(
                "total", f"a {kind.name} line needs its total (and its template gives none)."
            )
        elif not kind.metered and row.text("total"):
            row.problem("total", f"a {kind.name} line has no total: it covers unlimited cases.")
        used = row.amount("used", plan.kind, 0) or 0
        if used and plan.status == "draft":
            row.problem("used", "a draft cannot have been used yet; its lines' used must be 0.")
        price = row.read("price", lambda t: parse_money(t, "the price"), 0) or 0
        discount = row.read("discount", lambda t: parse_money(t, "the discount"), 0) or 0
        if discount > price:
            row.problem("discount", "the discount is larger than the price.")
        return total, used, price, discount

    def finish_lines(self) -> None:
        """The line each renewing line renews: in the file, or already in the database."""
        rows = self.rows.get(Line, [])
        for index, text, place in self.renewals:
            contract, _, position = text.rpartition("/")
            key = contract_key(contract)
            plan = self.contracts.get(key)
            renewed = None
            if plan is not None and position.strip().isdigit():
                found = self.lines.get(line_ref(plan.id, int(position)))
                renewed = found.id if found else None
            elif (match := _CNR.match(contract)) and position.strip().isdigit():
                renewed = (
                    Line.select(Line.id)
                    .where(
                        (Line.contract == int(match.group(1))) & (Line.position == int(position))
                    )
                    .scalar()
                )
            if renewed is None:
                self.problem(
                    place,
                    "renews",
                    f"there is no line '{quoted(text)}' in the file or the database.",
                )
                continue
            rows[index] = (*rows[index][:12], renewed, rows[index][13])


@dataclass(slots=True)
class LinePlan:
    id: int
    place: str
    kind: str
    used: int
    customer: int
    contract: ContractPlan
    total: int | None = None
    ledger: int = 0  # the sum of its ledger rows so far
    supervised: bool = False  # an override, adjustment or opening balance among them


def _imported_references() -> dict[str, str]:
    """The file references earlier imports kept in the audit trail, and the numbers given."""
    query = AuditEvent.select(AuditEvent.ref, AuditEvent.changes).where(
        (AuditEvent.entity == "contract")
        & (AuditEvent.action == "import")
        & AuditEvent.changes.contains('"reference"')
    )
    found = {}
    for ref, changes in tuples(query):
        reference = json.loads(changes).get("reference")
        if reference:
            found[reference] = ref
    return found


def day(value: pendulum.Date | None) -> str | None:
    return value.isoformat() if value else None


def _status(text: str) -> str:
    value = text.strip().lower().replace(" ", "_")
    if value not in STATUSES:
        raise InvalidInput(f"status '{quoted(text)}' is not one of {', '.join(STATUSES)}.")
    return value


_line_status = one_of("line status", LINE_STATUSES)
_origin_kind = one_of("origin kind", ORIGIN_KINDS)


def _whole(text: str, what: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text) or int(text) < 1:
        raise InvalidInput(f"the {what} '{quoted(text)}' is not a whole number from 1 up.")
    return int(text)


def _position(text: str) -> int:
    return _whole(text, "position")


def _version(text: str) -> int:
    return _whole(text, "version")
