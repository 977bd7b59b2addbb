"""The contract screen's line forms: recording a resolved case, adding and editing a line,
adjusting its use, canceling it. `LineActions` holds the screen's line actions; the screen
(contract.py) keeps the layout, the loading and the bindings."""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text

import storage
from storage.amounts import parse_allotment, parse_money

from ..format import amount
from .forms import Field, FormModal, time_spent_field


def left_sentence(line) -> str:
    """What is left on a line, in words: `6/10 cases left`, `37h 30m of 40h left`."""
    if line.allotment_type == "coverage":
        return f"covered without limit ({line.used_text} so far)"
    if line.overage:
        return f"nothing left; {amount(line.overage, line.allotment_type)} over the allotment"
    if line.allotment_type == "time":
        return f"{amount(line.remaining, 'time')} of {amount(line.total, 'time')} left"
    return f"{line.remaining}/{line.total} cases left"


class RecordCaseModal(FormModal):
    """Record a resolved case on one line; an exhausted line offers the supervisor override."""

    def __init__(self, line, *, then_show: str | None = None) -> None:
        fields = [
            Field("title", "Case title", required=True, placeholder="what the customer asked")
        ]
        if line.allotment_type == "time":
            fields.append(time_spent_field(True, note="charged after the template's rounding"))
        fields.append(Field("resolution", "Resolution", placeholder="how it was solved"))
        fields.append(
            Field(
                "override",
                "Override",
                flag=True,
                hidden=True,
                placeholder="charge beyond the allotment (supervisor)",
                note="the excess is recorded as overage, billed at the line's rate",
            )
        )
        ref = line.ref

        def submit(values: dict[str, Any]):
            case = storage.resolve(
                ref,
                values["title"],
                spent=values.get("spent") or None,
                resolution=values["resolution"] or None,
                override=values["override"],
            )
            number = then_show or ref.split("/")[0]
            return case, storage.show(number), storage.outside_hours_notice(ref)

        intro = Text()
        intro.append(f"{line.ref}", style="bold")
        intro.append(f"  {line.title}\n")
        intro.append(left_sentence(line).capitalize())
        warning = f"Not usable now: {line.reason}" if line.reason else ""
        super().__init__(
            "Record a resolved case",
            fields,
            submit,
            intro=intro,
            warning=warning,
            submit_label="Record",
        )
        self.line = line

    def _done(self, result) -> None:
        """Recording outside the service hours is allowed, and said; the screens get
        (case, contract)."""
        case, info, late = result
        if late:
            self.app.notify(late, title="Outside service hours", severity="warning", markup=False)
        super()._done((case, info))

    def show_refusal(self, error: Exception) -> None:
        super().show_refusal(error)
        if str(error).startswith("allotment exhausted") and self._field("override").hidden:
            self.reveal("override")


class LineActions:
    """The line actions of ContractScreen (it provides number, info, selected_line,
    _after_form and confirm)."""

    def _line_fields(self, line=None) -> list[Field]:
        """The terms of a line, empty for a new one or filled with `line`'s."""
        info = self.info
        kind = info.allotment_type

        def amount(value):
            if value is None:
                return ""
            return storage.format_minutes(value) if kind == "time" else str(value)

        def money(cents):
            return "" if line is None else f"{cents / 100:.2f}"

        fields = [
            Field("title", "Line title", line.title if line else "", required=True),
            Field(
                "product", "Product", line.product if line else "", placeholder="product or service"
            ),
        ]
        if kind != "coverage":
            example = "40h" if kind == "time" else "10"
            fields.append(
                Field(
                    "allotment",
                    "Allotment",
                    amount(line.total) if line else "",
                    placeholder=f"e.g. {example}; empty: the template's volume",
                    check=partial(parse_allotment, allotment_type=kind),
                )
            )
        fields += [
            Field(
                "price",
                "Price",
                money(line.price_cents if line else 0),
                placeholder="e.g. 1200 or 1200.50",
                check=partial(parse_money, what="price"),
            ),
            Field(
                "discount",
                "Discount",
                money(line.discount_cents if line else 0),
                placeholder="e.g. 100",
                check=partial(parse_money, what="discount"),
            ),
            Field(
                "start",
                "Start",
                str(line.start) if line else "",
                placeholder=f"{info.start} (the contract's)",
                check=partial(storage.parse_date, what="line start"),
            ),
            Field(
                "end",
                "End",
                str(line.end) if line else "",
                placeholder=f"{info.end} (the contract's)",
                check=partial(storage.parse_date, what="line end"),
            ),
        ]
        return fields

    def action_edit_line(self) -> None:
        line = self.selected_line
        if line is None:
            self.notify(f"{self.number} has no lines to edit.", severity="error", markup=False)
            return

        def submit(values):
            return storage.edit_line(
                line.ref,
                title=values["title"],
                product=values["product"],
                allotment=values.get("allotment") or None,
                price=values["price"] or None,
                discount=values["discount"] or None,
                start=values["start"] or None,
                end=values["end"] or None,
            )

        self.app.push_screen(
            FormModal(
                f"Edit line {line.ref}",
                self._line_fields(line),
                submit,
                intro="Only a draft's lines can be edited.",
                submit_label="Save line",
            ),
            self._after_form(f"Line {line.ref} saved."),
        )

    def action_add_line(self) -> None:
        info = self.info
        number = self.number
        fields = self._line_fields()

        def submit(values):
            return storage.add_line(
                number,
                values["title"],
                product=values["product"],
                allotment=values.get("allotment") or None,
                price=values["price"] or None,
                discount=values["discount"] or None,
                start=values["start"] or None,
                end=values["end"] or None,
            )

        intro = (
            "A fresh allotment on this contract."
            if info.status == "draft"
            else f"{number} is {storage.status_words(info.status)}: the new line starts fresh."
        )
        self.app.push_screen(
            FormModal(
                f"Add a line to {number}", fields, submit, intro=intro, submit_label="Add line"
            ),
            self._after_form("Line {result} added."),
        )

    def action_adjust(self) -> None:
        line = self.selected_line
        if line is None or line.allotment_type == "coverage":
            what = "has no lines" if line is None else f"line {line.ref} covers unlimited cases"
            self.notify(f"Nothing to adjust: {what}.", severity="error", markup=False)
            return
        example = "-30m or +1h" if line.allotment_type == "time" else "-1 or +2"

        def submit(values):
            return storage.adjust(line.ref, values["amount"], values["note"])

        self.app.push_screen(
            FormModal(
                f"Adjust use of {line.ref}",
                [
                    Field("amount", "Change", required=True, placeholder=example),
                    Field("note", "Why", required=True, placeholder="kept in the ledger"),
                ],
                submit,
                intro=f"{line.title}: {line.used_text} used. A supervisor's correction is a "
                "new ledger entry; nothing is edited.",
                submit_label="Adjust",
            ),
            self._after_form(f"Use of {line.ref} adjusted."),
        )

    def action_cancel_line(self) -> None:
        line = self.selected_line
        if line is None:
            return
        self.confirm(
            f"Cancel line {line.ref}",
            f"Stop all further charges to {line.ref} ({line.title})? This cannot be undone.",
            partial(storage.cancel_line, line.ref),
            "Cancel line",
            self._after_form(f"Line {line.ref} canceled."),
        )
