"""Checking the cases and the ledger of an import (see checking.py), and what each line had
used before it: whatever its ledger rows and charged cases do not explain enters the ledger
as one `opening balance` entry, so that used = the sum of the ledger, as `verify` requires."""

from __future__ import annotations

from dataclasses import dataclass

from ..allotments import allotment as allotment_kind
from ..amounts import charge_for
from ..forecast import stored_day
from ..models import CASE_STATUSES, Case, UsageEntry
from ..text import quoted
from .check_contracts import ContractChecks, LinePlan
from .checking import Row, one_of
from .columns import LEDGER_KINDS, OPENING, amount
from .reading import Record

SUPERVISED = ("override", "adjustment", OPENING)  # kinds that may take a line past its total


@dataclass(slots=True)
class CasePlan:
    place: str
    values: list  # the row, its id None until numbered
    line: LinePlan | None
    status: str
    charged: int
    ledger: int = 0
    entries: int = 0
    outstanding: int = 0  # charges (and overrides) less reversals


class UseChecks(ContractChecks):
    """The plan, with the checks of contracts and lines, and of cases and the ledger."""

    def start_cases(self) -> None:
        self.cases: dict[str, CasePlan] = {}
        self.unnumbered: list[CasePlan] = []

    def case(self, record: Record) -> None:
        row = Row(self, record)
        number, cid = row.text("number"), None
        if number and self.case_numbers.pattern.match(number):
            cid = self.case_numbers.keep(row, "number", number)
        elif number:
            row.problem(
                "number",
                f"'{quoted(number)}' is not a case number; write it like CAS-000123 or leave it empty.",
            )
        customer = self._named_customer(row, "customer")
        if customer is None and not row.text("customer"):
            row.problem("customer", "the customer is empty.")
        title = row.name("title", "case title")
        line = self.line_of(row, "line") if row.text("line") else None
        if line is not None and customer is not None and line.customer != customer[0]:
            row.problem(
                "line",
                "the line belongs to another customer's contract; a case is charged only to its own customer's lines.",
            )
        status = row.read("status", _case_status)
        opened = row.moment("opened", self.stamp)
        resolved = status == "resolved"
        resolved_at = (
            row.moment("resolved_at", opened) if resolved or row.text("resolved_at") else None
        )
        resolved_on = row.day("resolved_on") or (stored_day(resolved_at) if resolved_at else None)
        spent = row.amount("spent", "time")
        charged = self._charged(row, line, status, spent) if line or not row.text("line") else 0
        if not row.ok or customer is None or status is None:
            self.failed.add(f"CAS-{cid:06d}" if cid else number)
            return
        values = [
            cid,
            None,
            customer[0],
            title,
            line.id if line else None,
            status,
            opened,
            row.name("opened_by", "opened by", required=False) or self.who,
            resolved_at,
            resolved_on.isoformat() if resolved_on else None,
            row.name("resolved_by", "resolved by", required=False)
            or (self.who if resolved else None),
            row.free("resolution", "resolution") or None,
            spent,
            charged,
        ]
        plan = CasePlan(record.place, values, line, status, charged)
        if cid:
            self.cases[f"CAS-{cid:06d}"] = plan
        else:
            self.unnumbered.append(plan)
        self.count("cases")

    def _charged(
        self, row: Row, line: LinePlan | None, status: str | None, spent: int | None
    ) -> int:
        """What the case charged its line: as the file says, else what resolving it charges."""
        if line is None:
            if row.text("charged") and row.amount("charged", "cases"):
                row.problem("charged", "a case on no line charged nothing.")
            return 0
        kind = allotment_kind(line.kind)
        default = 0
        if status == "resolved":
            terms = line.contract.values
            default = (
                kind.per_case
                if kind.per_case is not None
                else charge_for(spent or 0, terms["increment"], terms["minimum"])
            )
        charged = row.amount("charged", line.kind, default) or 0
        if charged and status != "resolved":
            row.problem("charged", f"a {status} case holds no charge; only a resolved one does.")
        return charged

    def finish_cases(self) -> None:
        """Numbers for the cases that had none; the rows built."""
        for plan in [*self.cases.values(), *self.unnumbered]:
            if plan.values[0] is None:
                plan.values[0] = self.case_numbers.give()
            plan.values[1] = f"CAS-{plan.values[0]:06d}"
            self.audit("case", plan.values[1], {"status": plan.status})

    def entry(self, record: Record) -> None:
        row = Row(self, record)
        line = self.line_of(row, "line")
        text = row.text("case")
        case = (
            self.cases.get(f"CAS-{int(m.group(1)):06d}")
            if (m := self.case_numbers.pattern.match(text))
            else None
        )
        if text and case is None and text not in self.failed:
            row.problem("case", f"there is no case '{quoted(text)}' in the file.")
        elif case is not None and line is not None and case.line is not line:
            row.problem("case", "the case is on another line.")
        if line is None:  # reported already (or its own row was)
            return
        value = row.amount("amount", line.kind, signed=True)
        kind = row.read("kind", _ledger_kind)
        who = row.name("who", "who", required=False) or self.who
        at = row.moment("at", self.stamp)
        note = row.free("note", "note", 500)
        if not row.ok or value is None:
            return
        line.ledger += value
        line.supervised = line.supervised or kind in SUPERVISED
        if case is not None:
            case.ledger += value
            case.entries += 1
            case.outstanding += {"charge": 1, "override": 1, "reversal": -1}.get(kind or "", 0)
        self._entry(line, case, value, kind, who, at, note)

    def _entry(
        self,
        line: LinePlan,
        case: CasePlan | None,
        value: int,
        kind: str | None,
        who: str,
        at: str | None,
        note: str,
    ) -> None:
        case_id = case.values[0] if case is not None else None
        self.add(
            UsageEntry, (self.new_id(UsageEntry), line.id, case_id, value, kind, who, at, note)
        )
        self.count("opening balances" if kind == OPENING else "ledger")

    def finish_use(self) -> None:
        """What `verify` will check, checked now: each case's ledger against what it
        charged, and each line's use against its ledger, with its opening balance."""
        self._finish_case_use()
        self._finish_line_use()

    def _finish_case_use(self) -> None:
        """A charge for each resolved case the ledger rows leave out; each case's ledger
        against what it charged, and at most one charge standing."""
        for case in [*self.cases.values(), *self.unnumbered]:
            if case.status == "resolved" and case.charged and not case.entries and case.line:
                at, who = case.values[8], case.values[10]
                self._entry(
                    case.line, case, case.charged, "charge", who, at, "charged before the import"
                )
                case.line.ledger += case.charged
                case.ledger, case.outstanding = case.charged, 1
            if case.outstanding not in ((0, 1) if case.status == "resolved" else (0,)):
                self.problem(
                    case.place,
                    "status",
                    f"its ledger rows leave {case.outstanding} charges standing; a resolved case "
                    "may have one, a case in any other status none.",
                )
            expected = case.charged if case.status == "resolved" else 0
            if case.ledger != expected:
                kind = case.line.kind if case.line else "cases"
                self.problem(
                    case.place,
                    "charged",
                    f"it charged {amount(kind, expected) or 0} but its ledger rows sum to {amount(kind, case.ledger)}.",
                )
            self.add(Case, tuple(case.values))

    def _finish_line_use(self) -> None:
        """Each line's opening balance: what its ledger rows do not explain; use beyond the
        total needs an override, an adjustment or an opening balance behind it."""
        for line in self.lines.values():
            opening = line.used - line.ledger
            if opening < 0:
                self.problem(
                    line.place,
                    "used",
                    f"used {amount(line.kind, line.used)} is less than its ledger rows and charged cases ({amount(line.kind, line.ledger)}).",
                )
            elif opening > 0:
                note = f"used before the import from {self.source}"
                self._entry(line, None, opening, OPENING, self.who, self.stamp, note)
                line.supervised = True
            if line.total is not None and line.used > line.total and not line.supervised:
                over = amount(line.kind, line.used - line.total)
                self.problem(
                    line.place,
                    "used",
                    f"its ledger rows charge {over} beyond its total, and no override or adjustment among them allows it.",
                )


_case_status = one_of("case status", CASE_STATUSES)
_ledger_kind = one_of("kind", LEDGER_KINDS)
