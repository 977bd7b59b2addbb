"""What every data screen shares: loading off the UI thread and live refresh."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual.screen import Screen

from ..calls import StorageCalls

PaletteCommand = tuple[str, str, Callable[[], Any]]


class DataScreen(StorageCalls, Screen):
    """A screen showing database data. `reload()` fetches it again (off the UI thread).

    The app calls `data_changed()` when another process (or this one) wrote something:
    the screen on top reloads at once, the ones below when they are shown again.
    """

    TITLE_TEXT = ""
    stale = False

    def reload(self) -> None:  # pragma: no cover - every screen overrides it
        raise NotImplementedError

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
