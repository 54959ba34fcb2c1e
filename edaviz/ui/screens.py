"""Modal screens: the help text and the find-a-node prompt."""

from __future__ import annotations

from importlib.resources import files

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Markdown, OptionList
from textual.widgets.option_list import Option

from edaviz.core.graph import NodeKey

#: Most matches listed by the find prompt.
MAX_MATCHES = 50


def help_text() -> str:
    """The help screen's Markdown, shipped beside this module."""
    return files("edaviz.ui").joinpath("help.md").read_text(encoding="utf-8")


class HelpScreen(ModalScreen[None]):
    """Key bindings, colours and modes."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(help_text())


def match_nodes(nodes: list[NodeKey], query: str) -> list[NodeKey]:
    """Nodes whose id contains the query (case-insensitive); prefixes first."""
    needle = query.strip().lower()
    found = [n for n in nodes if needle in n.id.lower()]
    return sorted(found, key=lambda n: (not n.id.lower().startswith(needle), n.id))


class FindScreen(ModalScreen[NodeKey | None]):
    """Type part of a name, pick a node with Enter."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, nodes: list[NodeKey]) -> None:
        super().__init__()
        self.nodes = nodes
        self.matches: list[NodeKey] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="find-box"):
            yield Input(placeholder="find a node by name", id="find-input")
            yield OptionList(id="find-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """List the matches as the name is typed."""
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter picks the highlighted match (the first one by default)."""
        options = self.query_one(OptionList)
        index = options.highlighted or 0
        self.dismiss(self.matches[index] if self.matches else None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click or Enter on a listed node picks it."""
        self.dismiss(self.matches[event.option_index])

    def key_down(self) -> None:
        """Move the highlight without leaving the input."""
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        """Move the highlight without leaving the input."""
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)

    def _fill(self, query: str) -> None:
        self.matches = match_nodes(self.nodes, query)[:MAX_MATCHES]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(Text(f"{'◯' if n.kind == 'event' else '□'} {n.id}  ({n.kind})"))
            for n in self.matches
        )
        if self.matches:
            options.highlighted = 0
