"""The contract screen's line forms: recording a resolved case, adding and editing a line,
adjusting its use, canceling it. `LineActions` holds the screen's line actions; the screen
(contract.py) keeps the layout, the loading and the bindings."""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text

import storage

from .forms import Field, FormModal, date_field, money_field, time_spent_field


def rate_text(line) -> str:
    """The net price per case, or per hour of a time line; nothing when unmetered."""
    kind = line.kind
    if not line.total or not kind.metered:
        return ""
    return storage.format_money(round(line.net_price_cents * kind.priced_units / line.total))


def line_terms(line, width: int, money: bool = True) -> Text:
    """A line's terms in one line, or two when `width` is short: `#2 Spring · 2026-03-01 →
    2026-05-31 · price 1,000.00 − 200.00 · net 800.00 · 200.00 per case` (without the
    prices when the table shows them)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"#{line.position} {line.title}", style="bold")
    text.append(f"  ·  {line.start} → {line.end}")
    if not money:
        return text
    parts = [f"price {storage.format_money(line.price_cents)}"]
    if line.discount_cents:
        parts[0] += f" − {storage.format_money(line.discount_cents)}"
    parts.append(f"net {storage.format_money(line.net_price_cents)}")
    if rate_text(line):
        parts.append(f"{rate_text(line)} per {line.kind.priced_per}")
    money = "  ·  ".join(parts)
    one_line = text.cell_len + 5 + len(money) <= width
    text.append("  ·  " if one_line else "\n")
    text.append(money)
    return text


def _as_typed(line) -> dict[str, str]:
    """A line's terms as its form shows them; all empty for a new line."""
    if line is None:
        return dict.fromkeys(("title", "product", "price", "discount", "start", "end"), "")
    return {
        "title": line.title,
        "product": line.product,
        "price": f"{line.price_cents / 100:.2f}",
        "discount": f"{line.discount_cents / 100:.2f}",
        "start": str(line.start),
        "end": str(line.end),
    }


def _from_typed(values: dict[str, Any]) -> dict[str, Any]:
    """The line form's values as storage.add_line and edit_line take them (title aside):
    a field left empty is None, the template's or the contract's."""
    return {
        "product": values["product"],
        "allotment": values.get("allotment") or None,
        "price": values["price"] or None,
        "discount": values["discount"] or None,
        "start": values["start"] or None,
        "end": values["end"] or None,
    }


class RecordCaseModal(FormModal):
    """Record a resolved case on one line; an exhausted line offers the supervisor override."""

    def __init__(self, line, *, then_show: str | None = None) -> None:
        fields = [
            Field("title", "Case title", required=True, placeholder="what the customer asked")
        ]
        if line.kind.rounded:
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
            # late: said as a warning; the contract as shown after, read with the notice
            notice, late, info = storage.resolution_and_contract(case, number)
            return case, info, notice, late

        intro = Text()
        intro.append(f"{line.ref}", style="bold")
        intro.append(f"  {line.title}\n")
        intro.append(line.left_sentence.capitalize())
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

    def show_refusal(self, error: Exception) -> None:
        super().show_refusal(error)
        if str(error).startswith("allotment exhausted") and self._field("override").hidden:
            self.reveal("override")


def record_case(screen, line, number: str, show=None) -> None:
    """Record a resolved case on `line` of the contract `number` from `screen`; then say
    that the case was recorded (a warning when it came late) and `show(info)` the contract
    as it is now (read with the case: not read again), or else reload the screen."""

    def recorded(result) -> None:
        if result is None:
            return
        _case, info, notice, late = result
        severity = "warning" if late else "information"
        screen.notify(notice, title="Case recorded", severity=severity, markup=False)
        if show is not None:
            show(info)
        else:
            screen.reload()

    screen.app.push_screen(RecordCaseModal(line, then_show=number), recorded)


class LineActions:
    """The line actions of ContractScreen (it provides number, info, selected_line,
    after and confirm)."""

    def action_record(self) -> None:
        line = self.selected_line
        if line is None:
            return
        record_case(self, line, self.number, show=self.reload)

    def _line_fields(self, line=None) -> list[Field]:
        """The terms of a line, empty for a new one or filled with `line`'s."""
        info = self.info
        kind = storage.allotment(info.allotment_type)
        typed = _as_typed(line)
        fields = [
            Field("title", "Line title", typed["title"], required=True),
            Field("product", "Product", typed["product"], placeholder="product or service"),
        ]
        if kind.metered:
            fields.append(
                Field(
                    "allotment",
                    "Allotment",
                    kind.format(line.total) if line else "",
                    placeholder=f"e.g. {kind.example}; empty: the template's volume",
                    check=kind.parse_total,
                )
            )
        fields += [
            money_field("price", "Price", typed["price"], "e.g. 1200 or 1200.50"),
            money_field("discount", "Discount", typed["discount"], "e.g. 100"),
        ]
        for key, day in (("start", info.start), ("end", info.end)):  # empty: the contract's
            placeholder = f"{day} (the contract's)"
            fields.append(
                date_field(key, key.title(), typed[key], f"line {key}", placeholder=placeholder)
            )
        return fields

    def action_edit_line(self) -> None:
        line = self.selected_line
        if line is None:
            self.notify(f"{self.number} has no lines to edit.", severity="error", markup=False)
            return

        def submit(values):
            return storage.edit_line(line.ref, title=values["title"], **_from_typed(values))

        self.form(
            f"Edit line {line.ref}",
            self._line_fields(line),
            submit,
            intro="Only a draft's lines can be edited.",
            submit_label="Save line",
            then=self.after(f"Line {line.ref} saved."),
        )

    def action_add_line(self) -> None:
        info = self.info
        number = self.number
        fields = self._line_fields()

        def submit(values):
            return storage.add_line(number, values["title"], **_from_typed(values))

        intro = (
            "A fresh allotment on this contract."
            if info.status == "draft"
            else f"{number} is {storage.status_words(info.status)}: the new line starts fresh."
        )
        self.form(
            f"Add a line to {number}",
            fields,
            submit,
            intro=intro,
            submit_label="Add line",
            then=self.after("Line {result} added.", "#lines"),
        )

    def action_adjust(self) -> None:
        line = self.selected_line
        if line is None or not line.kind.metered:
            what = "has no lines" if line is None else f"line {line.ref} covers unlimited cases"
            self.notify(f"Nothing to adjust: {what}.", severity="error", markup=False)
            return
        example = line.kind.change_example

        def submit(values):
            storage.adjust(line.ref, values["amount"], values["note"])
            return storage.adjusted_notice(line.ref, values["amount"].strip())

        self.form(
            f"Adjust use of {line.ref}",
            [
                Field("amount", "Change", required=True, placeholder=example),
                Field("note", "Why", required=True, placeholder="kept in the ledger"),
            ],
            submit,
            intro=f"{line.title}: {line.used_text}. A supervisor's correction is a "
            "new ledger entry; nothing is edited.",
            submit_label="Adjust",
            then=self.after("{result}"),
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
            self.after(f"Line {line.ref} canceled."),
        )
