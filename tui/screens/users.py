"""Users and their roles (SPEC §8), for supervisors: list, add, change a role, remove.

The rules are storage's: the last supervisor stays while others are listed, a first
supervisor who is not you is confirmed first. Anyone else reads why they may not."""

from __future__ import annotations

from functools import partial
from operator import attrgetter
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

import storage

from ..widgets.bars import KeyFooter, TitleBar
from ..widgets.key_table import Col, KeyTable
from .base import DataScreen
from .forms import Field, choice_field

NO_USERS = (
    "No users are listed: everyone may do everything. The first supervisor added turns "
    "permissions on."
)


def _load():
    return storage.user_admin_refusal(), storage.list_users(), storage.current_login()


class NeedsYes:
    """A change the engine wants confirmed: its sentence, and the call that confirms it."""

    def __init__(self, question: str, call) -> None:
        self.question, self.call = question, call


def _add_or_confirm(login: str, role: str):
    """Add the user (or change their role); a first supervisor who is not you comes back as
    a question instead."""
    try:
        return storage.add_user(login, role)
    except storage.NeedsConfirmation as exc:
        question = str(exc).replace(" (--yes)", "")
        return NeedsYes(question, partial(storage.add_user, login, role, confirm=True))


class UsersScreen(DataScreen):
    TITLE_TEXT = "Users"
    AUTO_FOCUS = "#users"
    DEFAULT_CSS = """
    UsersScreen #users-note { height: auto; padding: 0 1; margin: 1 0; }
    UsersScreen #users-note.-refused { color: $error; text-style: bold; }
    """
    BINDINGS: ClassVar = [
        Binding("n", "add", "Add user", id="users.add"),
        Binding("r", "change_role", "Change role", id="users.role"),
        Binding("d", "remove", "Remove", tooltip="Remove the selected user", id="users.remove"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.refusal: str | None = None
        self.loaded = False
        self.users: list = []
        self.me = ""

    def compose(self) -> ComposeResult:
        yield TitleBar("Users")
        yield Static("", id="users-note")
        yield KeyTable([Col("login", "Login", 16, flex=1), Col("role", "Role", 12)], id="users")
        yield KeyFooter()

    def reload(self) -> None:
        self.load(_load, then=self._loaded)

    def _loaded(self, data) -> None:
        self.refusal, users, self.me = data
        self.loaded = True
        self.users = [] if self.refusal else users
        note = self.query_one("#users-note", Static)
        note.set_class(bool(self.refusal), "-refused")
        table = self.query_one("#users", KeyTable)
        table.display = not self.refusal
        if self.refusal:
            self.query_one(TitleBar).set_title("Users")
            note.update(Text(f"{self.refusal[0].upper()}{self.refusal[1:]}"))
        else:
            self.query_one(TitleBar).set_title(f"Users · {len(users)}")
            note.update(Text(NO_USERS if not users else f"You are {self.me}."))
            rows = [
                (u.login, [u.login + (" (you)" if u.login == self.me else ""), u.role])
                for u in users
            ]
            table.fill(rows)
        self.refresh_bindings()

    @property
    def selected(self):
        key = self.query_one("#users", KeyTable).selected_key
        return next((u for u in self.users if u.login == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return False
        if action in ("add", "change_role", "remove"):
            if not self.loaded or self.refusal:
                return False
            return action == "add" or self.selected is not None
        return True

    # ---------------------------------------------------------------- actions

    def _done(self, message: str):
        """After adding a user or changing a role: say so and select them; a first
        supervisor who is not you is asked to be confirmed first."""
        after = self.after(message, "#users", attrgetter("login"))

        def callback(result) -> None:
            if isinstance(result, NeedsYes):
                self.confirm(
                    "Make the first supervisor", result.question, result.call, "Confirm", callback
                )
            else:
                after(result)

        return callback

    def action_add(self) -> None:
        def submit(values):
            return _add_or_confirm(values["login"], values["role"])

        fields = [
            Field("login", "Login", required=True, placeholder="their login on this machine"),
            choice_field("role", "Role", "rep", storage.ROLES),
        ]
        self.form(
            "Add a user",
            fields,
            submit,
            submit_label="Add user",
            then=self._done("{result.login} added as a {result.role}."),
        )

    def action_change_role(self) -> None:
        user = self.selected
        if user is None:
            return
        role = "rep" if user.role == "supervisor" else "supervisor"
        self.confirm(
            f"Change {user.login}'s role",
            f"Make {user.login} a {role} (now a {user.role})?",
            partial(_add_or_confirm, user.login, role),
            f"Make {role}",
            self._done("{result.login} is now a {result.role}."),
        )

    def action_remove(self) -> None:
        user = self.selected
        if user is None:
            return
        self.confirm(
            f"Remove {user.login}",
            f"Remove {user.login} ({user.role}) from the users?",
            partial(storage.remove_user, user.login),
            "Remove",
            self.after(f"{user.login} removed."),
        )
