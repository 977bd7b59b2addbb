"""The contract screen's lifecycle actions (SPEC §3): invoice, hold, release, cancel, renew,
copy, edit and delete. `LifecycleActions` holds them; the screen (contract.py) keeps the
layout, the loading and the bindings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.binding import Binding

import storage

from .forms import Field, customer_field, date_field, term_fields


@dataclass(frozen=True)
class Key:
    """One action key of the contract screen: the screen's action (`action_<action>`), what
    the footer says, and the engine's name for it (storage.TRANSITIONS, storage.refusals)
    when the engine decides whether it may run. A key that `says_why` tells, when its
    action may not run, the engine's reason instead. Adding an action to the screen is one
    row here and its `action_…` method."""

    key: str
    action: str
    label: str
    tooltip: str
    engine: str | None = None
    says_why: bool = True
    show: bool = True
    id: str | None = None


KEYS = [
    Key(
        "r",
        "resolve_case",
        "Resolve case",
        "Resolve the selected open case, charging its line",
        says_why=False,
    ),
    Key("r", "record", "Record case", "Record a resolved case on the selected line", "charge"),
    Key("i", "invoice", "Invoice", "Invoice this draft contract", "invoice"),
    Key("h", "hold", "Hold", "Put this contract on hold", "hold"),
    Key("h", "release", "Release", "Release this contract from hold", "release", says_why=False),
    Key("x", "cancel_contract", "Cancel", "Cancel this contract", "cancel", id="cancel"),
    Key("w", "renew", "Renew", "Renew this contract for the next term", "renew"),
    Key("n", "next_term", "Next term", "Open the contract that renews this one", says_why=False),
    Key("p", "previous_term", "Previous term", "Open the contract this one renews", says_why=False),
    Key("y", "copy", "Copy", "Copy this contract into a new draft", "copy", says_why=False),
    Key("e", "edit", "Edit", "Edit this draft (title, customer, dates)", "edit"),
    Key("a", "add_line", "Add line", "Add a line to this contract", "add_line"),
    Key(
        "m", "edit_line", "Edit line", "Change the selected line's terms (draft only)", "edit_line"
    ),
    Key("d", "delete", "Delete", "Delete this draft", "delete"),
    Key("l", "cancel_line", "Cancel line", "Cancel the selected line", "cancel_line", show=False),
    Key(
        "A",
        "adjust",
        "Adjust use",
        "Correct the selected line's use with a ledger entry (supervisors)",
        "adjust",
        show=False,
    ),
]

# The screen's actions the engine decides, by the engine's name for each.
LIFECYCLE = {k.action: k.engine for k in KEYS if k.engine is not None}


def key_bindings() -> list[Binding]:
    """The action keys, as the footer and `?` show them."""
    return [
        Binding(
            k.key,
            k.action,
            k.label,
            show=k.show,
            tooltip=k.tooltip,
            id=f"contract.{k.id or k.action}",
        )
        for k in KEYS
    ]


def why_bindings() -> list[Binding]:
    """The same keys when the contract's status (or the login) does not allow the action:
    they say why, at once. Listed after the others, so that they only answer when the
    action's own binding is not allowed."""
    return [Binding(k.key, f"why('{k.action}')", show=False) for k in KEYS if k.says_why]


def editable(info) -> dict[str, str]:
    """The fields of a draft the edit form changes, as typed."""
    return {
        "title": info.title,
        "customer": info.customer,
        "start": str(info.start),
        "end": str(info.end),
    }


def edit_submit(number: str, info):
    """The edit form's submit: what was typed, against the version last read. When someone
    else changed the draft meanwhile, say what they changed and take their version, so the
    next ctrl+s re-applies what was typed (fields left alone keep their change)."""
    before = editable(info)
    seen = {"version": info.version, "terms": before}  # the draft as last read

    def submit(values):
        changed = {k: v for k, v in values.items() if v != before[k]}  # what was typed
        if not changed:
            raise storage.InvalidInput("nothing changed; edit a field or press escape.")
        try:
            return storage.edit_contract(number, expected_version=seen["version"], **changed)
        except storage.Conflict:
            now = storage.show(number)
            theirs = editable(now)
            old = seen["terms"]
            what = [f"{k} {old[k]} → {v}" for k, v in theirs.items() if v != old[k]]
            seen.update(version=now.version, terms=theirs)
            raise storage.Conflict(
                f"{number} was changed by someone else while you edited it"
                f"{': ' + '; '.join(what) if what else ''}. What you typed is kept: "
                "ctrl+s saves it over their change, esc keeps theirs."
            ) from None

    return submit


class LifecycleActions:
    """The contract actions of ContractScreen (it provides number, info, _run, _open_new,
    after and confirm)."""

    def action_invoice(self) -> None:
        number, start = self.number, self.info.start
        done = (
            f"{number} invoiced and active at once."
            if start <= storage.today()
            else f"{number} invoiced; it becomes active on {start}."
        )
        self.confirm(
            f"Invoice {number}",
            f"Bill {number} to {self.info.bill_to}? Its dates and terms are locked from "
            "now on; it becomes active at once if it has already started.",
            partial(storage.invoice, number),
            "Invoice",
            self.after(done),
            keep="Not now",
        )

    def action_hold(self) -> None:
        self._run(
            storage.hold,
            self.number,
            done=f"{self.number} is on hold: no case can be charged to it.",
        )

    def action_release(self) -> None:
        self._run(storage.release, self.number, done=f"{self.number} released: it is {{result}}.")

    def action_cancel_contract(self) -> None:
        info = self.info
        day = min(max(storage.today(), info.start), info.end)
        number = self.number

        def submit(values):
            return storage.cancel(number, values["on"], values["reason"])

        self.form(
            f"Cancel {number}",
            [
                date_field(
                    "on",
                    "Cancel date",
                    str(day),
                    "cancel date",
                    required=True,
                    note=f"when service ends, between {info.start} and {info.end}",
                ),
                Field("reason", "Reason", required=True, placeholder="why it is canceled"),
            ],
            submit,
            intro=f"Cancel {number} of {info.customer}? This cannot be undone: no case can "
            "be charged to it afterwards.",
            submit_label="Cancel contract",
            cancel_label="Keep it",
            then=self.after(f"{number} canceled."),
        )

    def action_renew(self) -> None:
        info = self.info
        number = self.number
        start, today = storage.renewal_start(info.end), storage.today()
        fields = [
            date_field(
                "start",
                "Renewal start",
                str(start),
                "renewal start",
                required=True,
                note="the new term is as long as this one"
                if start >= today
                else "in the past (the day after the old end); or start today:",
            ),
            Field("include", "Canceled lines", flag=True, placeholder="copy canceled lines too"),
        ]
        if start < today:
            fields.insert(
                1, Field("today", "Start today", flag=True, placeholder=f"{today} instead")
            )

        def submit(values):
            begin = "today" if values.get("today") else values["start"]
            return storage.renew(number, start=begin, include_canceled=values["include"])

        title = storage.renewal_title(info.title, info.start, info.end, start)
        self.form(
            f"Renew {number}",
            fields,
            submit,
            intro=f"A new draft, '{title}', for the next term of {number}, with fresh "
            "allotments; this contract's lines become renewed.",
            submit_label="Renew",
            then=self._open_new(f"{number} renewed as {{result}} (a draft)."),
        )

    def action_next_term(self) -> None:
        """`n`: the contract's renewal; `p`: the contract it renews (back, if it is below)."""
        self.open_contract(self.info.renewed_by)

    def action_previous_term(self) -> None:
        self.open_contract(self.info.origin)

    def action_copy(self) -> None:
        number = self.number
        self.confirm(
            f"Copy {number}",
            f"Make a new draft with the dates and lines of {number} (fresh allotments)?",
            partial(storage.copy, number),
            "Copy",
            self._open_new(f"{number} copied as {{result}} (a draft)."),
            keep="Not now",
        )

    def action_edit(self) -> None:
        info = self.info
        number = self.number
        submit = edit_submit(number, info)
        self.form(
            f"Edit {number}",
            [
                Field("title", "Title", info.title, required=True),
                customer_field(info.customer),
                *term_fields(info.start, info.end),
            ],
            submit,
            intro="Only a draft can be edited. Lines that run with the contract follow "
            "its new dates.",
            then=self.after(f"{number} saved."),
        )

    def action_delete(self) -> None:
        number = self.number

        def deleted(result) -> None:
            if result is None:
                return
            self.notify(f"{number} deleted.", markup=False)
            self.dismiss()

        self.confirm(
            f"Delete {number}",
            f"Delete the draft {number} and its lines? This cannot be undone.",
            partial(storage.delete, number),
            "Delete",
            deleted,
        )
