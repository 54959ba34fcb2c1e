"""The footer: the most important keys that apply right now, as many as fit.

Textual's footer lays every shown binding out in one row and lets the rest run
off the right edge, under the command palette key. This one picks keys in
priority order while they fit and leaves the others to the help screen and the
command palette, which list every key.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Cells around a compact key's text: the space between key and description,
#: and the key's right margin (Textual's compact footer CSS).
KEY_EXTRA = 2

#: Cells the command palette key takes besides its text: its left border.
PALETTE_EXTRA = 1


def key_width(key_display: str, description: str) -> int:
    """Cells a key takes in the compact footer, margin included."""
    return cell_len(key_display) + cell_len(description) + KEY_EXTRA


def fitting(widths: Sequence[tuple[str, int]], room: int) -> set[str]:
    """The leading actions of `widths` (in priority order) that fit in `room`."""
    chosen: set[str] = set()
    for action, width in widths:
        if width > room:
            break
        room -= width
        chosen.add(action)
    return chosen


class PriorityFooter(Footer):
    """A compact footer showing the keys that fit, most important first.

    The keys keep the order of the bindings; `priority` (actions, most
    important first) decides which stay when not all of them fit. Actions it
    does not name come last, in binding order. Binding groups are not combined.
    """

    def __init__(self, priority: Sequence[str], **kwargs: object) -> None:
        super().__init__(compact=True, **kwargs)  # type: ignore[arg-type]
        self.priority = tuple(priority)
        self._composed_width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        app = self.app
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                shown.setdefault(binding.action, (binding, enabled, tooltip))
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            palette = active.get(app.COMMAND_PALETTE_BINDING)

        self._composed_width = width = self.size.width
        room = width
        if palette is not None:
            binding = palette[1]
            text = app.get_key_display(binding) + " " + binding.description
            room -= cell_len(text) + PALETTE_EXTRA
        rank = {action: i for i, action in enumerate(self.priority)}
        ordered = sorted(shown, key=lambda a: rank.get(a, len(rank)))
        widths = [
            (a, key_width(app.get_key_display(shown[a][0]), shown[a][0].description))
            for a in ordered
        ]
        chosen = fitting(widths, room)

        for action, (binding, enabled, tooltip) in shown.items():
            if action in chosen:
                yield FooterKey(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=tooltip,
                ).data_bind(compact=Footer.compact)
        if palette is not None:
            _, binding, enabled, tooltip = palette
            yield FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        """Choose the keys again for the new width."""
        if self._bindings_ready and event.size.width != self._composed_width:
            self.call_after_refresh(self.recompose)
