"""The audit trail of a contract (with its lines), a line, a case or a customer, newest
first: what `contracts audit REF` prints. The selected change is shown in full below."""

from __future__ import annotations

import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

import storage

from ..format import local_stamp
from ..widgets.bars import KeyFooter, TitleBar
from ..widgets.key_table import Col, Cols, KeyTable
from .base import DataScreen

SHOWN = 200


def changes_text(changes) -> str:
    """`status: active → on_hold, reason: late payment`: the changes of one event, from the
    stored JSON (or the object it encodes)."""
    if isinstance(changes, str):
        try:
            changes = json.loads(changes) if changes else {}
        except ValueError:
            return changes
    if not isinstance(changes, dict):
        return str(changes)
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{name}: {_value(value[0])} → {_value(value[1])}")
        else:
            parts.append(f"{name}: {_value(value)}")
    return ", ".join(parts)


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def who_text(event) -> str:
    return f"{event.who} (as {event.db_user})" if event.db_user else event.who


class AuditScreen(DataScreen):
    """The history of one thing (`ref`: CNR-…, CNR-…/N, CAS-… or a customer's name)."""

    TITLE_TEXT = "History"
    AUTO_FOCUS = "#events"
    DEFAULT_CSS = """
    AuditScreen #event { height: auto; max-height: 5; padding: 0 1; background: $boost; }
    """

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.events: list = []

    def compose(self) -> ComposeResult:
        yield TitleBar(f"History of {self.ref}")
        yield KeyTable(
            [
                Cols.when,
                Col("who", "Who", 8),
                Col("action", "Action", 8),
                Col("ref", "Of", 12),
                Col("changes", "Changes", 10, flex=1),
            ],
            id="events",
        )
        yield Static("", id="event")
        yield KeyFooter()

    def reload(self) -> None:
        self.load(storage.audit_trail, self.ref, limit=SHOWN, then=self._loaded)

    def _loaded(self, events: list) -> None:
        self.events = events
        count = f"{len(events):,} change{'s' if len(events) != 1 else ''}"
        if len(events) >= SHOWN:
            count = f"the newest {SHOWN}"
        if not events:
            count = "no changes recorded"
        self.query_one(TitleBar).set_title(f"History of {self.ref} · {count}")
        self.query_one("#events", KeyTable).fill(
            [
                (
                    str(i),
                    [
                        local_stamp(e.at),
                        who_text(e),
                        e.action,
                        e.ref,
                        changes_text(e.changes),
                    ],
                )
                for i, e in enumerate(events)
            ]
        )
        self._show_selected()

    @on(KeyTable.RowHighlighted, "#events")
    def _show_selected(self, event=None) -> None:
        key = self.query_one("#events", KeyTable).selected_key
        box = self.query_one("#event", Static)
        if key is None:
            box.update(Text("No changes recorded.", style="bright_black"))
            return
        e = self.events[int(key)]
        text = Text()
        text.append(f"{local_stamp(e.at)}  {who_text(e)}  {e.action} {e.entity} {e.ref}\n")
        text.append(changes_text(e.changes) or "no details", style="bold")
        box.update(text)
