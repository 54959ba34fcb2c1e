"""Dialogs and the problems panel used when editing a flow.

Each dialog is a `ModalScreen` that returns its answer through `dismiss` (None
when cancelled with Escape), so the editing actions read as "ask, then act".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from edaviz.core.diagnostics import Diagnostic
from edaviz.core.graph import NodeKey

T = TypeVar("T")

#: Most entries a pick list shows at once; typing narrows them down.
MAX_PICKS = 200

_DIALOG_CSS = """
    align: center middle;

    & > Vertical {
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    & .dialog-title { text-style: bold; padding-bottom: 1; width: 1fr; }
    & .dialog-error { color: $error; height: auto; }
    & .dialog-buttons { height: auto; align-horizontal: right; padding-top: 1; }
    & .dialog-buttons Button { margin-left: 1; min-width: 10; }
    & OptionList { height: auto; max-height: 16; }
    & .field-label { padding-top: 1; color: $foreground-muted; }
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; `check` returns an error message or None."""

    DEFAULT_CSS = f"TextPrompt {{{_DIALOG_CSS}}}"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        placeholder: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt_title, classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", classes="dialog-error", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter accepts the text when it passes the check."""
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(problem)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """A question with a few buttons; returns the chosen button's name."""

    DEFAULT_CSS = f"ChoiceScreen {{{_DIALOG_CSS}}}"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        choices: Sequence[tuple[str, str, str]],
    ) -> None:
        """`choices` are (name, label, variant) with a Button variant such as
        "primary", "error" or "default"; the first one gets the focus."""
        super().__init__()
        self.choice_title = title
        self.message = message
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.choice_title, classes="dialog-title")
            yield Static(self.message, id="choice-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for name, label, variant in self.choices:
                    yield Button(label, variant=variant, id=f"choice-{name}")

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.choices[0][0]}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button answers the question."""
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class PickScreen(ModalScreen[T | None], Generic[T]):
    """Pick one entry from a list; typing filters it."""

    DEFAULT_CSS = f"PickScreen {{{_DIALOG_CSS}}}"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, entries: Sequence[tuple[str, T]]) -> None:
        super().__init__()
        self.pick_title = title
        self.entries = list(entries)
        self.shown: list[tuple[str, T]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.pick_title, classes="dialog-title")
            yield Input(placeholder="type to filter", id="pick-filter")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        needle = query.strip().lower()
        self.shown = [e for e in self.entries if needle in e[0].lower()][:MAX_PICKS]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text(label)) for label, _ in self.shown])
        if self.shown:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        """Narrow the list as the user types."""
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter picks the highlighted entry."""
        event.stop()
        index = self.query_one(OptionList).highlighted
        if self.shown:
            self.dismiss(self.shown[index or 0][1])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click (or Enter in the list) picks that entry."""
        event.stop()
        self.dismiss(self.shown[event.option_index][1])

    def key_down(self) -> None:
        """Down arrow moves the highlight while typing."""
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        """Up arrow moves the highlight while typing."""
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class FieldsForm(ModalScreen[dict[str, str] | None]):
    """Edit a node's fields; returns every field's text (None when cancelled)."""

    DEFAULT_CSS = f"FieldsForm {{{_DIALOG_CSS}}}"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Apply", show=False),
    ]

    #: Hints shown under the field name.
    HINTS = {
        "topic": "empty: the event id",
        "group": "empty: the handler id",
        "partitions": "used when edaviz creates the topic",
        "schema": "path relative to the flow file",
    }

    def __init__(self, title: str, values: dict[str, str]) -> None:
        super().__init__()
        self.form_title = title
        self.values = dict(values)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.form_title, classes="dialog-title")
            for name, value in self.values.items():
                hint = self.HINTS.get(name)
                label = f"{name}  ({hint})" if hint else name
                yield Label(label, classes="field-label")
                yield Input(
                    value,
                    id=f"field-{name}",
                    type="integer" if name == "partitions" else "text",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="form-apply")
                yield Button("Cancel", id="form-cancel")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def result(self) -> dict[str, str]:
        """The text of every field: as typed, trimmed; a field left alone keeps
        its value exactly (a multi-line description would lose its last line
        break to the trim, and Apply must not change what was not touched)."""
        result = {}
        for name, before in self.values.items():
            typed = self.query_one(f"#field-{name}", Input).value
            result[name] = before if typed == before else typed.strip()
        return result

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any field applies the form."""
        event.stop()
        self.dismiss(self.result())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Apply or Cancel."""
        event.stop()
        self.dismiss(self.result() if event.button.id == "form-apply" else None)

    def action_save(self) -> None:
        """Apply the form."""
        self.dismiss(self.result())

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)


class ProblemsPanel(OptionList):
    """The flow's errors and warnings, one per line; picking one with a node
    selects that node. Hidden while the flow has no problems."""

    DEFAULT_CSS = """
    ProblemsPanel {
        height: auto;
        max-height: 8;
        border: none;
        border-top: solid $error 60%;
        padding: 0 1;
        display: none;
    }
    ProblemsPanel:focus {
        border: none;
        border-top: solid $error;
    }
    ProblemsPanel.-shown { display: block; }
    """

    class Picked(Message):
        """The user picked a problem that points at a node."""

        def __init__(self, node: NodeKey) -> None:
            super().__init__()
            self.node = node

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)
        self.diagnostics: list[Diagnostic] = []
        self.hidden_by_user = False

    def show(self, diagnostics: list[Diagnostic]) -> None:
        """List `diagnostics`; shown when there are any (unless hidden by hand)."""
        self.diagnostics = list(diagnostics)
        self.clear_options()
        for diagnostic in self.diagnostics:
            style = "bold red" if diagnostic.is_error else "yellow"
            line = Text()
            line.append(f"{diagnostic.line}:{diagnostic.col} ", style="dim")
            line.append(diagnostic.severity, style=style)
            line.append(f" {diagnostic.message}")
            self.add_option(Option(line))
        if self.diagnostics:
            self.highlighted = 0
        self.set_class(bool(self.diagnostics) and not self.hidden_by_user, "-shown")

    def toggle(self) -> None:
        """Show or hide the panel by hand."""
        self.hidden_by_user = self.has_class("-shown")
        self.set_class(not self.hidden_by_user and bool(self.diagnostics), "-shown")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Picking a problem selects the node at fault."""
        event.stop()
        diagnostic = self.diagnostics[event.option_index]
        if diagnostic.node is not None:
            self.post_message(self.Picked(NodeKey(*diagnostic.node)))
