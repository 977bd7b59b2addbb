"""The `contracts` console: a keyboard-driven Textual app over the storage layer (SPEC §5).

`run(db_url)` opens the database and runs the app; a thread applies the date-driven changes
(sweep) and reads the first page meanwhile (`FirstLoad`). The app itself never opens the
database: tests open it, then build `ContractsApp(url)`.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

import storage

from .calls import StorageCalls
from .screens.base import DataScreen
from .screens.contracts import ContractsScreen, FirstLoad

POLL_SECONDS = 1.0


class DataChanged(Message, bubble=False):
    """The poller read the change marker (and today's date)."""

    def __init__(self, marker: int | None, day, error: str | None = None) -> None:
        super().__init__()
        self.marker, self.day, self.error = marker, day, error


class ContractsApp(StorageCalls, App):
    """Contracts by status, one contract's lines and cases, checks, cases, customers, templates."""

    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    TITLE = "contracts"
    ALLOW_IN_MAXIMIZED_VIEW = "KeyFooter"
    BINDINGS: ClassVar = [
        Binding("c", "check", "Check", id="app.check"),
        Binding("s", "cases", "Cases", show=False, id="app.cases"),
        Binding("u", "customers", "Customers", show=False, id="app.customers"),
        Binding("t", "templates", "Templates", show=False, id="app.templates"),
        Binding(
            "exclamation_mark",
            "attention",
            "Attention",
            key_display="!",
            show=False,
            id="app.attention",
        ),
        Binding("U", "users", "Users", show=False, id="app.users"),
        Binding("question_mark", "keys", "Keys", key_display="?", id="app.keys"),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        db_url: str = "",
        *,
        poll_seconds: float = POLL_SECONDS,
        cursor_blink: bool = True,
        notice: str | None = None,
        safety_net: bool = True,
        first_load: FirstLoad | None = None,
    ) -> None:
        super().__init__()
        self.first_load = first_load
        self._first_read = first_load  # its change marker is the poller's first baseline
        self.safety_net = safety_net
        self.db_url = db_url
        self.poll_seconds = poll_seconds
        self.cursor_blink = cursor_blink
        self.notice = notice
        self.marker: int | None = None
        self.day = storage.today()
        self.db_error: str | None = None

    async def run_action(self, action, default_namespace=None) -> bool:
        """Every key and palette command runs here: a fault in one is logged and shown, and
        the rep carries on (tests turn this safety net off so that a fault fails them)."""
        try:
            return await super().run_action(action, default_namespace)
        except Exception as error:
            if not self.safety_net:
                raise
            where = log_fault(error)
            self.notify(
                f"unexpected error ({type(error).__name__}): {error}. Details are in {where}.",
                title="Console fault",
                severity="error",
                markup=False,
                timeout=15,
            )
            return True

    def get_default_screen(self) -> Screen:
        first, self.first_load = self.first_load, None
        return ContractsScreen(first)

    def on_mount(self) -> None:
        if self.notice:
            self.notify(self.notice, severity="warning", markup=False, timeout=10)
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.poll_changes)
            if self._first_read is None:  # else the first load read the baseline
                self.poll_changes()

    # ----------------------------------------------------------- live refresh

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def poll_changes(self) -> None:
        """Read the change marker; apply the day's date-driven changes after midnight."""
        try:
            with storage.session():
                day = storage.today()
                if day != self.day:
                    storage.sweep_if_due()
                marker = storage.change_marker()
        except (storage.DatabaseUnavailable, storage.Refused) as exc:
            self.post_message(DataChanged(None, None, str(exc)))
            return
        self.post_message(DataChanged(marker, day))

    def on_data_changed(self, message: DataChanged) -> None:
        if message.error:
            if self.db_error is None:
                self.notify(
                    message.error, title="Database", severity="error", markup=False, timeout=10
                )
            self.db_error = message.error
            return
        if self.db_error is not None:
            self.db_error = None
            self.notify("The database answers again.", title="Database")
        if self.marker is None and self._first_read is not None:
            self.marker, self._first_read = self._first_read.marker, None
        changed = message.day != self.day or (
            self.marker is not None and message.marker != self.marker
        )
        self.marker, self.day = message.marker, message.day
        if changed:
            self.data_changed()

    def data_changed(self) -> None:
        """Reload the data screen on view now; the ones below when they are shown again."""
        visible = True
        for screen in reversed(self.screen_stack):
            if isinstance(screen, DataScreen):
                screen.data_changed(visible)
                visible = False

    # ------------------------------------------------------------- navigation

    def _open(self, cls, *args) -> Screen:
        """Show a screen of this kind: the one already open, or a new one."""
        if isinstance(self.screen, cls):
            return self.screen
        for screen in self.screen_stack:
            if type(screen) is cls:
                while self.screen is not screen:
                    self.pop_screen()
                return screen
        screen = cls(*args)
        self.push_screen(screen)
        return screen

    def action_check(self) -> None:
        from .screens.check import CheckScreen

        screen = self._open(CheckScreen)
        if screen.is_mounted:
            screen.action_focus_query()

    def action_cases(self) -> None:
        from .screens.cases import CasesScreen

        self._open(CasesScreen)

    def action_customers(self) -> None:
        from .screens.catalog import CustomersScreen

        self._open(CustomersScreen)

    def action_templates(self) -> None:
        from .screens.catalog import TemplatesScreen

        self._open(TemplatesScreen)

    def action_attention(self) -> None:
        from .screens.attention import AttentionScreen

        self._open(AttentionScreen)

    def action_users(self) -> None:
        from .screens.users import UsersScreen

        self._open(UsersScreen)

    def action_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def show_customer_contracts(self, name: str) -> None:
        """One customer's contracts, over the screen it was asked from (escape goes back)."""
        self.push_screen(ContractsScreen(customer=name))

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.screen_stack) > 1
        return True

    # -------------------------------------------------------- keys and palette

    def key_sections(self, screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
        """The keys of a screen: the ones it answers now, those it will in another state,
        and the ones that work everywhere."""
        here: list[tuple[str, str]] = []
        everywhere: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        active = screen.active_bindings
        for active_binding in active.values():
            binding = active_binding.binding
            if not binding.id or not binding.description:
                continue  # Textual's own bindings (tab, copy…) are summed up under "Moving"
            row = (self.get_key_display(binding), binding.description)
            if row in seen:
                continue
            seen.add(row)
            (everywhere if active_binding.node is self else here).append(row)
        later: list[tuple[str, str]] = []
        for binding in Binding.make_bindings(getattr(type(screen), "BINDINGS", [])):
            if not binding.id or not binding.description:
                continue
            row = (self.get_key_display(binding), binding.description)
            if row not in seen and (row[0], row[1] + " (not now)") not in later:
                later.append((row[0], row[1] + " (not now)"))
        sections = [("This screen", here)]
        if later:
            sections.append(("In another state", later))
        sections.append(("Everywhere", everywhere))
        return sections

    def action_keys(self) -> None:
        from .screens.keys import KeysScreen

        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss()
            return
        title = getattr(self.screen, "TITLE_TEXT", "") or type(self.screen).__name__
        self.push_screen(KeysScreen(title.replace("Screen", ""), self.key_sections(self.screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every key of the screen, the screens, and extra commands."""
        yield SystemCommand("Contracts", "The contract list (home)", self.action_home)
        yield SystemCommand("Check coverage", "Is a customer covered? (c)", self.action_check)
        yield SystemCommand("Cases", "Open and resolved cases (s)", self.action_cases)
        yield SystemCommand("Customers", "List, add and edit customers (u)", self.action_customers)
        yield SystemCommand(
            "Templates", "List, add and edit contract templates (t)", self.action_templates
        )
        yield SystemCommand(
            "Attention",
            "What needs attention: thresholds, run-outs, endings (!)",
            self.action_attention,
        )
        yield SystemCommand("Users", "Users and their roles (U)", self.action_users)
        yield SystemCommand("Keys", "Every key of this screen (?)", self.action_keys)
        seen = {
            "Check",
            "Cases",
            "Customers",
            "Templates",
            "Attention",
            "Users",
            "Keys",
            "Back",
            "Quit",
        }
        for active_binding in screen.active_bindings.values():
            binding = active_binding.binding
            title = binding.tooltip or binding.description
            if (
                not binding.id
                or not title
                or not active_binding.enabled
                or title in seen
                or active_binding.node is self
            ):
                continue
            seen.add(title)
            yield SystemCommand(
                title,
                f"key {self.get_key_display(binding)}",
                partial(self.run_action, binding.action, active_binding.node),
            )
        if isinstance(screen, DataScreen):
            for title, help_text, callback in screen.palette_commands():
                yield SystemCommand(title, help_text, callback)
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Quit"):
                yield command
        yield SystemCommand("Quit", "Leave the console (q)", self.exit)


def log_fault(error: Exception) -> str:
    """Append the traceback of a console fault to a log file; returns where it went."""
    import datetime as dt
    import traceback

    try:
        from platformdirs import user_state_dir

        folder = Path(user_state_dir("contracts", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "console.log"
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')}\n")
            log.write("".join(traceback.format_exception(error)))
        return str(path)
    except OSError:
        return "no log (the state folder is not writable)"


def run(db_url: str) -> None:
    """Open the database and run the console; the date-driven changes (sweep) and the first
    page are read in a thread while the console starts."""
    # The modules imported so far live as long as the process: the garbage collector need
    # not walk them again and again while the console starts (some 20 ms of its start-up).
    gc.freeze()
    try:
        storage.open_database(db_url, pool=True)  # its workers' calls reuse connections
    except storage.DatabaseUnavailable as exc:
        print(f"contracts: {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    ContractsApp(db_url, first_load=FirstLoad()).run()
