"""The statuses of a contract and the actions between them (SPEC §3), as two tables.

A new status is one `Status` row; a new contract action is one `Transition` row (and its
function in lifecycle). The engine refuses with `refusal(...)`, and the faces ask the same
function for their "why not" messages, so both always say the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPERVISOR_ONLY = "supervisor"
LISTED = "listed"
BY_DATES = "by dates"  # invoiced before the start, active within the dates, expired after


@dataclass(frozen=True)
class Status:
    """A contract status: its stored name and how a sentence and a tab show it."""

    name: str
    words: str  # in a sentence: "CNR-000001 is {words}"
    label: str  # a tab or a column: "On hold"


STATUSES: tuple[Status, ...] = (
    Status("draft", "a draft", "Draft"),
    Status("invoiced", "invoiced", "Invoiced"),
    Status("active", "active", "Active"),
    Status("on_hold", "on hold", "On hold"),
    Status("canceled", "canceled", "Canceled"),
    Status("expired", "expired", "Expired"),
)
BY_NAME = {s.name: s for s in STATUSES}
STATUS_NAMES = tuple(s.name for s in STATUSES)
ANY_BUT_DRAFT = tuple(n for n in STATUS_NAMES if n != "draft")


def words(status: str) -> str:
    return BY_NAME[status].words


def label(status: str) -> str:
    return BY_NAME[status].label if status in BY_NAME else status.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Transition:
    """An action on a contract: the statuses it is allowed from, the status it leads to
    (None: stays; BY_DATES: where the dates say), who may do it, and its words."""

    action: str
    allowed_from: tuple[str, ...]
    to: str | None
    role: str  # SUPERVISOR_ONLY, LISTED, or "" for what the dates do by themselves
    words: str  # "cannot {words} CNR-…"
    doing: str = ""  # "only a supervisor may {doing}" (default: "{words} contracts")
    by_user: bool = True  # offered to people (not date-driven, not the charge rule)

    @property
    def may(self) -> str:
        return self.doing or f"{self.words} contracts"


_TABLE = (
    Transition("edit", ("draft",), None, LISTED, "edit"),
    Transition("delete", ("draft",), None, SUPERVISOR_ONLY, "delete"),
    Transition(
        "add_line",
        ("draft", "invoiced", "active", "on_hold"),
        None,
        LISTED,
        "add a line",
        doing="add lines to contracts",
    ),
    Transition("edit_line", ("draft",), None, LISTED, "edit a line", doing="edit contract lines"),
    Transition("invoice", ("draft",), BY_DATES, SUPERVISOR_ONLY, "invoice"),
    Transition("hold", ("invoiced", "active"), "on_hold", SUPERVISOR_ONLY, "hold"),
    Transition("release", ("on_hold",), BY_DATES, SUPERVISOR_ONLY, "release"),
    Transition("cancel", ("invoiced", "active", "on_hold"), "canceled", SUPERVISOR_ONLY, "cancel"),
    Transition("renew", ANY_BUT_DRAFT, None, SUPERVISOR_ONLY, "renew"),
    Transition("copy", STATUS_NAMES, None, LISTED, "copy"),
    Transition(
        "cancel_line",
        ("invoiced", "active", "on_hold"),
        None,
        SUPERVISOR_ONLY,
        "cancel a line",
        doing="cancel contract lines",
    ),
    Transition("charge", ("active",), None, LISTED, "charge a case", by_user=False),
    # date-driven, stored by sweep
    Transition("activate", ("invoiced",), "active", "", "activate", by_user=False),
    Transition("expire", ("invoiced", "active", "on_hold"), "expired", "", "expire", by_user=False),
)
TRANSITIONS: dict[str, Transition] = {t.action: t for t in _TABLE}
USER_ACTIONS = tuple(t.action for t in _TABLE if t.by_user)


def allowed(status: str, action: str) -> bool:
    return status in TRANSITIONS[action].allowed_from


def allowed_actions(status: str) -> list[str]:
    """The user actions allowed from a status, in words."""
    return [TRANSITIONS[a].words for a in USER_ACTIONS if allowed(status, a)]


def refusal(status: str, action: str, number: str) -> str | None:
    """Why `action` may not be done to contract `number` in `status`, or None when it may:
    the status named, and what is allowed from it."""
    if allowed(status, action):
        return None
    options = allowed_actions(status)
    return (
        f"cannot {TRANSITIONS[action].words} {number}: it is {words(status)}; "
        f"from {words(status)} you can {', '.join(options) if options else 'do nothing'}."
    )


# the names the faces use (storage.status_words, storage.STATUS_TABLE)
status_words = words
status_label = label
STATUS_TABLE = STATUSES
