"""What every data screen shares: loading off the UI thread and live refresh."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual import on
from textual.screen import Screen
from textual.widgets import Input

from ..calls import StorageCalls

PaletteCommand = tuple[str, str, Callable[[], Any]]


def filter_binding(scope: str):
    """`/` moves to the list's filter, with the id `{scope}.filter`."""
    from textual.binding import Binding

    return Binding("slash", "focus_filter", "Filter", key_display="/", id=f"{scope}.filter")


def tab_bindings(tabs, scope: str, tooltip: str) -> list:
    """`1`, `2`, … for the tabs `[(key, label), …]` of a screen: `show_tab(key)`, with ids
    `{scope}.tab.{key}` and the tooltip `tooltip.format(label=label.lower())`; the footer
    shows them as one group, `1234 Tab`."""
    from textual.binding import Binding

    group = Binding.Group("Tab", compact=True)
    return [
        Binding(
            str(i),
            f"show_tab('{key}')",
            label,
            tooltip=tooltip.format(label=label.lower()),
            id=f"{scope}.tab.{key}",
            group=group,
        )
        for i, (key, label) in enumerate(tabs, start=1)
    ]


class DataScreen(StorageCalls, Screen):
    """A screen showing database data. `reload()` fetches it again (off the UI thread).

    The app calls `data_changed()` when another process (or this one) wrote something:
    the screen on top reloads at once, the ones below when they are shown again.
    """

    TITLE_TEXT = ""
    LOAD_ON_MOUNT = True  # False: the screen's own on_mount decides when to load
    stale = False

    def on_mount(self) -> None:
        if self.LOAD_ON_MOUNT:
            self.reload()

    def confirm(
        self, title: str, question: str, call, label: str, then=None, keep: str = "Keep it"
    ) -> None:
        """Ask before an action that cannot be undone; `call` runs on the confirm key, and
        `then(result)` after (None when the user kept things as they were). The footer
        names both: `enter {label}  esc {keep}`."""
        from .forms import ConfirmModal

        modal = ConfirmModal(title, question, call, submit_label=label, cancel_label=keep)
        self.app.push_screen(modal, then)

    def form(self, title: str, fields, submit, then=None, **options: Any) -> None:
        """Open a form (FormModal, with its `options`: intro, warning, submit_label…);
        `submit(values)` runs on ctrl+s, and `then(result)` after (None when the user
        canceled)."""
        from .forms import FormModal

        self.app.push_screen(FormModal(title, fields, submit, **options), then)

    def after(self, message: str = "", select: str = "", key: Callable[[Any], str] = str):
        """The `then` of a form or a confirmation. Unless the user kept things as they were
        (None): say `message` (`{result}` is the result), select the row `key(result)` in
        the table `select` (now, or once the reload lists it), and reload."""
        from ..widgets.key_table import KeyTable

        def callback(result) -> None:
            if result is None:
                return
            if message:
                self.notify(message.format(result=result), markup=False)
            if select:
                self.query_one(select, KeyTable).select_key(key(result))
            self.reload()

        return callback

    def reload(self) -> None:  # pragma: no cover - every screen overrides it
        raise NotImplementedError

    def load(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], Any],
        failed: Callable[[Exception], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Fetch the screen's data off the UI thread (`reload` calls it); `then(data)` shows
        it. A newer load cancels an older one, whose answer is dropped."""
        self.call_storage(
            fn, *args, then=then, failed=failed, group="load", exclusive=True, **kwargs
        )

    def load_failed(self, error: Exception) -> None:
        """The `failed` of a screen about one thing (a contract, a case): say why; when the
        thing is gone (deleted meanwhile), close the screen."""
        import storage

        from ..calls import show_error

        show_error(self, error)
        if isinstance(error, storage.NotFound) and self.app.screen is self:
            self.dismiss()

    def data_changed(self, visible: bool) -> None:
        if visible:
            self.reload()
        else:
            self.stale = True

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No key acts before the screen is built (keys typed ahead while it opens)."""
        return self.is_mounted

    def palette_commands(self) -> Iterable[PaletteCommand]:
        """Extra commands for the palette, beyond this screen's keys."""
        return ()

    def action_leave_filter(self) -> None:
        """Down (or enter) in a filter field moves to the list below it."""
        self.focus_next()


class FilteredScreen(DataScreen):
    """A list with a `/` filter above it: the list reloads a moment after typing stops,
    and enter (or down) in the filter moves to the list, applying what was typed."""

    FILTER_DELAY = 0.15
    LIST_SELECTOR = ""  # the list that takes the focus from the filter

    text = ""
    _timer = None

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.FILTER_DELAY, self._apply_filter)

    def _apply_filter(self) -> None:
        self._timer = None
        text = " ".join(self.query_one("#filter", Input).value.split())
        if text != self.text:
            self.text = text
            self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_leave_filter()

    def action_leave_filter(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._apply_filter()
        self.query_one(self.LIST_SELECTOR).focus()
