"""Modal forms: one line per field, inline validation, the engine's refusal shown in place.

The first field has focus; tab moves on; ctrl+s (or enter in the last field) submits; escape
cancels. The submit function runs in a thread worker; the modal closes with its result, or
stays open showing the refusal sentence, having changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Checkbox, Input, Label, Select, Static

import storage

from ..calls import StorageCalls, error_text
from ..widgets.bars import KeyFooter
from ..widgets.suggest import CustomerSuggester


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    required: bool = False
    check: Callable[[str], Any] | None = None  # raises storage.Refused with the sentence
    suggestions: Sequence[str] | Suggester = ()
    note: str = ""  # a hint shown under the field while it has no error
    flag: bool = False  # a checkbox (space toggles it)
    hidden: bool = False  # shown later, e.g. after a refusal
    options: Sequence[str] = field(default_factory=tuple)  # the only values: a choice list


def time_spent_field(required: bool, note: str = "") -> Field:
    """The time a case took, checked as it is typed (required for a time line)."""
    return Field(
        "spent",
        "Time spent",
        required=required,
        check=partial(storage.parse_duration, what="time spent"),
        placeholder="45m, 1h30m, 1.5h or minutes" if required else "optional: 45m, 1h30m",
        note=note,
    )


def resolve_case_form(
    case: Any, intro: str, *, warning: str = "", ask_line: bool = False, notice: bool = True
) -> FormModal:
    """The form that resolves an open case (a CaseInfo): its time spent (first, and required,
    when the line's allotment rounds time), its resolution and, with `ask_line`, a line to
    charge it to. Its result is the notice saying what was charged (storage.resolved_notice),
    or, without `notice`, the case's number."""
    rounded = bool(case.allotment_type) and storage.allotment(case.allotment_type).rounded
    spent = time_spent_field(required=rounded)
    resolution = Field("resolution", "Resolution", placeholder="how it was solved")
    fields = [Field("line", "Line", placeholder="CNR-…/N to charge (optional)")] if ask_line else []
    fields += [spent, resolution] if rounded else [resolution, spent]
    number = case.number

    def submit(values: dict[str, Any]) -> str:
        storage.resolve_case(
            number,
            spent=values["spent"] or None,
            resolution=values["resolution"] or None,
            line=values.get("line") or None,
        )
        return storage.resolved_notice(number) if notice else number

    return FormModal(
        f"Resolve {number}", fields, submit, intro=intro, warning=warning, submit_label="Resolve"
    )


def choice_field(name: str, label: str, value: str, options: Sequence[str]) -> Field:
    """One of a fixed list (billing, allotment type, role): a choice list, `value` chosen."""
    return Field(name, label, value, required=True, options=options)


def customer_field(value: str = "", **more: Any) -> Field:
    """A customer's name, required; the names in the database are suggested as it is typed."""
    return Field(
        "customer", "Customer", value, required=True, suggestions=CustomerSuggester(), **more
    )


def date_field(name: str, label: str, value: str, what: str, **more: Any) -> Field:
    """A date, checked as it is typed; refusals name it as `what` ("start date")."""
    return Field(name, label, value, check=partial(storage.parse_date, what=what), **more)


def term_fields(start: object, end: object) -> list[Field]:
    """A contract's start and end, both required."""
    return [
        date_field("start", "Start", str(start), "start date", required=True),
        date_field("end", "End", str(end), "end date", required=True),
    ]


def money_field(name: str, label: str, value: str, placeholder: str) -> Field:
    """An amount in money (`1200` or `1200.50`); refusals name it as the field's name."""
    from storage.amounts import parse_money

    return Field(name, label, value, placeholder=placeholder, check=partial(parse_money, what=name))


class FieldInput(Input):
    DEFAULT_CSS = """
    FieldInput { height: 1; border: none; padding: 0 1; width: 1fr; background: $boost; }
    FieldInput:focus { border: none; background: $primary 30%; }
    FieldInput.-bad { background: $error 25%; }
    """

    def on_mount(self) -> None:
        if not getattr(self.app, "cursor_blink", True):
            self.cursor_blink = False


class FieldCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox where space toggles and enter submits the form (it may be the last field)."""

    DEFAULT_CSS = """
    FieldCheckbox { height: 1; border: none; padding: 0 1; width: 1fr; background: $boost; }
    FieldCheckbox:focus { border: none; background: $primary 30%; }
    """
    BINDINGS: ClassVar = [Binding("space", "toggle_button", "Toggle", show=False)]


class FieldSelect(Select):
    """A choice among a field's options: enter opens the list, the arrows pick."""

    DEFAULT_CSS = """
    FieldSelect { width: 1fr; }
    FieldSelect > SelectCurrent { background: $boost; padding: 0 1; }
    FieldSelect:focus > SelectCurrent { background: $primary 30%; }
    """


class FormModal(StorageCalls, ModalScreen):
    """A titled form; `submit(values)` runs off the UI thread; dismisses with its result."""

    DEFAULT_CSS = """
    FormModal { align: center middle; background: $background 60%; }
    FormModal > #box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; border-title-style: bold; background: $surface;
        padding: 0 1;
    }
    FormModal #intro { color: $text; margin-bottom: 1; }
    FormModal #warning { color: $warning; }
    FormModal .row { height: 1; }
    FormModal .row-label { width: 16; color: $text-muted; }
    FormModal .row-note { height: auto; padding-left: 16; color: $text-muted; }
    FormModal .row-note.-error { color: $error; }
    FormModal #error { color: $error; text-style: bold; margin-top: 1; height: auto; }
    FormModal #hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "submit", "Save", priority=True, id="form.submit"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        submit: Callable[[dict[str, Any]], Any],
        *,
        intro: str | Text = "",
        warning: str = "",
        submit_label: str = "Save",
        cancel_label: str = "Cancel",
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.submit_fn = submit
        self.intro = intro
        self.warning = warning
        self.submit_label = submit_label
        self.cancel_label = cancel_label
        self._name_keys()
        self.busy = False
        self.error_message = ""  # the refusal shown in the form (tests read it)

    SUBMIT_KEY = "ctrl+s"  # the submit key the footer shows

    def _name_keys(self) -> None:
        """The footer names what the keys do in this form: `ctrl+s Cancel contract  esc
        Keep it`. (Each screen holds its own copy of its class's bindings.)"""
        keys = self._bindings.key_to_bindings
        ordered = {self.SUBMIT_KEY: keys.pop(self.SUBMIT_KEY), **keys}  # shown before esc
        keys.clear()
        keys.update(ordered)
        for key, bindings in list(keys.items()):
            if bindings[0].action == "submit":
                named = {
                    "description": self.submit_label,
                    "show": key == self.SUBMIT_KEY,
                    "key_display": "ctrl+s" if key == "ctrl+s" else None,  # not `^s`
                }
                keys[key] = [replace(b, **named) for b in bindings]
            elif key == "escape":
                keys[key] = [replace(b, description=self.cancel_label) for b in bindings]

    # ---------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        with Vertical(id="box") as box:
            box.border_title = self.form_title
            if self.intro:
                yield Static(
                    self.intro if isinstance(self.intro, Text) else Text(self.intro), id="intro"
                )
            if self.warning:
                yield Static(Text(self.warning), id="warning")
            for f in self.fields:
                with Horizontal(classes="row", id=f"row-{f.name}"):
                    yield Label(Text(f.label), classes="row-label")
                    if f.flag:
                        yield FieldCheckbox(
                            f.placeholder or "",
                            value=f.value == "yes",
                            id=f"field-{f.name}",
                            compact=True,
                        )
                    elif f.options:
                        yield FieldSelect(
                            [(option, option) for option in f.options],
                            value=f.value if f.value in f.options else f.options[0],
                            allow_blank=False,
                            id=f"field-{f.name}",
                            compact=True,
                        )
                    else:
                        suggester = f.suggestions
                        if not isinstance(suggester, Suggester):
                            suggester = (
                                SuggestFromList(suggester, case_sensitive=False)
                                if suggester
                                else None
                            )
                        yield FieldInput(
                            value=f.value,
                            placeholder=f.placeholder,
                            id=f"field-{f.name}",
                            suggester=suggester,
                            compact=True,
                        )
                yield Static(Text(f.note), classes="row-note", id=f"note-{f.name}")
            yield Static("", id="error")
            keys = "enter" if not self.fields else "ctrl+s or enter on the last field"
            hint = f"{keys}: {self.submit_label.lower()} · esc: {self.cancel_label.lower()}"
            yield Static(Text(hint), id="hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        for f in self.fields:
            if f.hidden:
                self._show_field(f.name, False)
            if not f.note:
                self.query_one(f"#note-{f.name}").display = False
        self.query_one("#error").display = False
        first = self._visible_widgets()
        if first:
            first[0].focus()

    def _show_field(self, name: str, show: bool) -> None:
        self.query_one(f"#row-{name}").display = show
        note = self.query_one(f"#note-{name}")
        f = self._field(name)
        note.display = show and bool(f.note)

    def reveal(self, name: str) -> None:
        """Show a hidden field (e.g. an override offered after a refusal)."""
        f = self._field(name)
        f.hidden = False
        self._show_field(name, True)

    def _field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def _visible_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.hidden]

    def _visible_widgets(self) -> list:
        return [self.query_one(f"#field-{f.name}") for f in self._visible_fields()]

    def widget(self, name: str):
        return self.query_one(f"#field-{name}")

    # ------------------------------------------------------------- validation

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widget(f.name)
            if f.flag:
                out[f.name] = bool(w.value) and not f.hidden
            elif f.options:
                out[f.name] = str(w.value)
            else:
                out[f.name] = w.value.strip()
        return out

    def problem(self, f: Field, value: str) -> str | None:
        if f.flag or f.hidden:
            return None
        if not value:
            return f"{f.label.lower()} is needed." if f.required else None
        if f.options and value not in f.options:
            return f"'{value}' is not one of {', '.join(f.options)}."
        if f.check is not None:
            try:
                f.check(value)
            except storage.Refused as exc:
                return str(exc)
        return None

    def _show_problem(self, f: Field, problem: str | None) -> None:
        note = self.query_one(f"#note-{f.name}", Static)
        widget = self.widget(f.name)
        widget.set_class(bool(problem), "-bad")
        note.set_class(bool(problem), "-error")
        text = problem or f.note
        note.update(Text(text))
        note.display = bool(text) and not f.hidden

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        f = next((f for f in self.fields if f.name == name), None)
        if f is None:
            return
        self._show_problem(f, self.problem(f, event.value.strip()))
        self.query_one("#error").display = False
        self.error_message = ""

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        widgets = self._visible_widgets()
        if widgets and event.input is widgets[-1]:
            self.action_submit()
        else:
            self.focus_next()

    def key_enter(self) -> None:
        """Enter on a checkbox (or in a form without fields) submits."""
        if not self._visible_fields() or isinstance(self.focused, FieldCheckbox):
            self.action_submit()

    # ----------------------------------------------------------------- submit

    def action_submit(self) -> None:
        if self.busy:
            return
        values = self.values()
        first_bad = None
        for f in self._visible_fields():
            problem = self.problem(f, values[f.name] if not f.flag else "")
            self._show_problem(f, problem)
            if problem and first_bad is None:
                first_bad = f
        if first_bad is not None:
            self.widget(first_bad.name).focus()
            return
        self.busy = True
        self.call_storage(
            self.submit_fn, values, then=self._done, failed=self._refused, group="submit"
        )

    def _done(self, result: Any) -> None:
        self.busy = False
        self.dismiss(result)

    def _refused(self, error: Exception) -> None:
        self.busy = False
        self.show_refusal(error)

    def show_refusal(self, error: Exception) -> None:
        self.error_message = error_text(error)
        box = self.query_one("#error", Static)
        box.update(Text(self.error_message))
        box.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(FormModal):
    """A question with no fields: enter or y does it, escape or n does not."""

    BINDINGS: ClassVar = [
        Binding("enter", "submit", "Yes", id="confirm.enter"),
        Binding("y", "submit", "Yes", show=False, id="confirm.yes"),
        Binding("n", "cancel", "No", show=False, id="confirm.no"),
    ]
    SUBMIT_KEY = "enter"

    def __init__(
        self,
        title: str,
        question: str | Text,
        action: Callable[[], Any],
        submit_label: str = "Yes",
        cancel_label: str = "Keep it",
    ) -> None:
        def run(_values: dict[str, Any]) -> Any:
            result = action()
            return True if result is None else result  # None would read as "not done"

        super().__init__(
            title, [], run, intro=question, submit_label=submit_label, cancel_label=cancel_label
        )
