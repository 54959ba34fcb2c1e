"""Editing flows from the graph view: key bindings and actions mixed into the app.

`EditingMixin` expects the app to provide `document` (a `FlowDocument`),
`selected_node` (reactive `NodeKey | None`), `graph_view` and `_set_title`, and to
lay the graph out again on `FlowEdited`. Every change goes through the document,
which refuses what it must (cycles, duplicate ids) with a message shown here.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Callable, Iterable
from typing import Any

from textual.app import SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from edaviz.core.atomic import Fingerprint
from edaviz.core.document import (
    CycleError,
    EditError,
    ExternalChangeConflict,
    FlowDocument,
    ReloadStatus,
    SaveRefused,
)
from edaviz.core.document_analysis import check_id
from edaviz.core.graph import NodeKey, event_key, handler_key
from edaviz.ui.editing_screens import (
    ChoiceScreen,
    FieldsForm,
    PickScreen,
    ProblemsPanel,
    TextPrompt,
)
from edaviz.ui.messages import FlowEdited

log = logging.getLogger(__name__)

#: Seconds between two looks at the flow file's size and mtime (a stat each).
WATCH_INTERVAL = 1.0

#: Mark in the title while there are unsaved edits.
DIRTY_MARK = "●"

Edge = tuple[str, str, str]
"""(handler id, event id, "consumes" | "produces")."""

#: Actions on the selected node: offered only while a node is selected.
NODE_ACTIONS = frozenset(
    {"rename", "delete_node", "connect", "disconnect", "edit_fields"}
)


#: Editors that open FILE:LINE given after `-g` (the VS Code family) or alone,
#: instead of the `+LINE FILE` that vi, Emacs, nano and most others take.
GOTO_EDITORS = frozenset({"code", "codium", "code-insiders", "cursor"})
COLON_EDITORS = frozenset({"subl", "hx", "helix", "zed"})


def editor_command(editor: str, path: str, line: int) -> list[str]:
    """The command that opens `path` at `line` in `editor` (a shell-quoted
    command line, as $VISUAL and $EDITOR hold)."""
    words = shlex.split(editor) or ["vi"]
    name = os.path.basename(words[0]).removesuffix(".exe")
    if name in GOTO_EDITORS:
        return [*words, "-g", f"{path}:{line}"]
    if name in COLON_EDITORS:
        return [*words, f"{path}:{line}"]
    return [*words, f"+{line}", path]


class EditingMixin:
    """Adds the flow-editing key bindings and `action_*` methods to the app."""

    BINDINGS: list = [
        Binding("a", "add_event", "Add event"),
        Binding("h", "add_handler", "Add handler"),
        Binding("r", "rename", "Rename"),
        Binding("d,delete", "delete_node", "Delete"),
        Binding("c", "connect", "Connect"),
        Binding("x", "disconnect", "Disconnect"),
        Binding("e", "edit_fields", "Edit"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("ctrl+y", "redo", "Redo"),
        Binding("ctrl+e", "open_editor", "$EDITOR", show=False),
        Binding("exclamation_mark", "toggle_problems", "Problems", show=False),
    ]

    # Provided by the app (see the module docstring).
    document: FlowDocument
    selected_node: NodeKey | None
    graph_view: Any
    notify: Callable[..., None]
    post_message: Callable[..., bool]
    push_screen: Callable[..., Any]
    query_one: Callable[..., Any]
    set_interval: Callable[..., Any]
    exit: Callable[..., None]
    suspend: Callable[..., Any]
    screen: Screen
    title: str

    # ------------------------------------------------------------ wiring

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer node edits with a selection, undo and redo with history.

        False hides the binding from the footer; the palette still lists all.
        """
        if action in NODE_ACTIONS:
            node = self.selected_node
            return node is not None and self.document.has_node(node)
        if action == "undo":
            return self.document.can_undo
        if action == "redo":
            return self.document.can_redo
        return super().check_action(action, parameters)  # type: ignore[misc]

    def on_mount(self) -> None:
        """Add the problems panel and start watching the file."""
        self._pending_selection: NodeKey | None = None
        self._conflict_seen: Fingerprint | None = None
        self._asking_conflict = False
        self._told_missing = False
        self.problems = ProblemsPanel(id="problems")
        self.screen.mount(self.problems, after=self.query_one("#main"))
        self._show_state()
        self.set_interval(WATCH_INTERVAL, self.check_file, name="watch-flow-file")

    def on_flow_edited(self, message: FlowEdited) -> None:
        """After the app laid the graph out again: selection, title, problems."""
        pending = self._pending_selection
        self._pending_selection = None
        graph = self.graph_view.graph
        if pending is not None and pending in graph and pending != self.selected_node:
            self.selected_node = pending
        self._show_state()

    def on_problems_panel_picked(self, message: ProblemsPanel.Picked) -> None:
        """A problem was picked in the panel: select the node at fault."""
        if message.node in self.graph_view.graph:
            self.selected_node = message.node

    def _show_state(self) -> None:
        """Title with the unsaved-changes mark, and the problems panel."""
        set_title = getattr(self, "_set_title", None)
        if callable(set_title):
            set_title()
        title = self.title.removeprefix(f"{DIRTY_MARK} ")
        self.title = f"{DIRTY_MARK} {title}" if self.document.dirty else title
        problems = getattr(self, "problems", None)
        if problems is not None:
            problems.show(self.document.diagnostics)

    def _changed(self, reason: str, select: NodeKey | None = None) -> None:
        """Tell the app the flow changed (it lays out again, then we select)."""
        self._pending_selection = select
        self.post_message(FlowEdited(reason=reason))

    def _edit(self, reason: str, edit: Callable[[], object]) -> bool:
        """Run one document edit; show a refusal instead of raising."""
        try:
            edit()
        except CycleError as refused:
            self._show_cycle(refused.cycle)
            self.notify(str(refused), title="Cycle refused", severity="error")
            return False
        except EditError as refused:
            self.notify(str(refused), title="Edit refused", severity="warning")
            return False
        log.debug("edit: %s", reason)
        if self.document.rewrote_layout:
            self.notify(
                "This file's layout could not be edited in place, so the whole "
                "file was written out again: comments and key order are kept, "
                "spacing and quoting may change. Ctrl+Z undoes it.",
                title="Layout rewritten",
                severity="warning",
            )
        return True

    def _show_cycle(self, cycle: list[NodeKey]) -> None:
        """Mark the nodes and existing edges of a refused cycle on the graph."""
        graph = self.graph_view.graph
        edges = {
            (u, v)
            for u, v in zip(cycle, cycle[1:], strict=False)
            if graph.has_edge(u, v)
        }
        self.graph_view.set_faults({n for n in cycle if n in graph}, edges)

    def _need_selection(self, verb: str) -> NodeKey | None:
        node = self.selected_node
        if node is None or not self.document.has_node(node):
            self.notify(f"Select a node to {verb} first.", title="Nothing selected")
            return None
        return node

    def _id_check(self, kind: str) -> Callable[[str], str | None]:
        """The prompt's check of a new id: the document's rules, said early."""
        flow = self.document.graph.flow
        taken = flow.handlers if kind == "handler" else flow.events
        a_kind = "a handler" if kind == "handler" else "an event"

        def check(value: str) -> str | None:
            try:
                check_id(value)
            except EditError as refused:
                return str(refused)
            if value in taken:
                return f"There is already {a_kind} named {value!r}."
            return None

        return check

    # ------------------------------------------------------------ adding

    def action_add_event(self) -> None:
        """Add an event; with a handler selected, the handler produces it."""
        selected = self.selected_node
        producer = selected.id if selected and selected.kind == "handler" else None
        title = "New event id"
        if producer:
            title += f" (produced by {producer})"

        def chosen(event_id: str | None) -> None:
            if event_id and self._edit(
                "add event",
                lambda: self.document.add_event(event_id, produced_by=producer),
            ):
                self._changed(f"added event {event_id}", event_key(event_id))

        self.push_screen(TextPrompt(title, check=self._id_check("event")), chosen)

    def action_add_handler(self) -> None:
        """Add a handler; with an event selected, the handler consumes it."""
        selected = self.selected_node
        consumes = [selected.id] if selected and selected.kind == "event" else []
        title = "New handler id"
        if consumes:
            title += f" (consumes {consumes[0]})"

        def chosen(handler_id: str | None) -> None:
            if handler_id and self._edit(
                "add handler",
                lambda: self.document.add_handler(handler_id, consumes=consumes),
            ):
                self._changed(f"added handler {handler_id}", handler_key(handler_id))

        self.push_screen(TextPrompt(title, check=self._id_check("handler")), chosen)

    # ------------------------------------------------------- rename/delete

    def action_rename(self) -> None:
        """Rename the selected node; consumes/produces references follow."""
        node = self._need_selection("rename")
        if node is None:
            return
        binding = "topic" if node.kind == "event" else "group"
        pinned = not self.document.field_values(node)[binding]

        def chosen(new_id: str | None) -> None:
            if not new_id or new_id == node.id:
                return
            if self._edit("rename", lambda: self.document.rename(node, new_id)):
                self._changed(f"renamed {node.id}", NodeKey(node.kind, new_id))
                if pinned:
                    self.notify(
                        f"Its {binding} stays {node.id!r}; press e to change it.",
                        title="Renamed",
                    )

        check = self._id_check(node.kind)
        prompt = TextPrompt(
            f"Rename {node.kind} {node.id}",
            node.id,
            check=lambda v: None if v == node.id else check(v),
        )
        self.push_screen(prompt, chosen)

    def action_delete_node(self) -> None:
        """Delete the selected node with its edges, after a confirmation."""
        node = self._need_selection("delete")
        if node is None:
            return
        removal = self.document.removal(node)

        def answered(choice: str | None) -> None:
            if choice == "delete" and self._edit(
                "delete", lambda: self.document.delete(node)
            ):
                self._changed(f"deleted {node.id}")
                self.selected_node = None

        dialog = ChoiceScreen(
            f"Delete {node.kind} {node.id}?",
            f"This removes {removal.describe()}.",
            [("delete", "Delete", "error"), ("cancel", "Cancel", "default")],
        )
        self.push_screen(dialog, answered)

    # -------------------------------------------------------- edges

    def _edges_of(self, node: NodeKey) -> list[Edge]:
        flow = self.document.graph.flow
        edges: list[Edge] = []
        for handler in flow.handlers.values():
            for kind, events in (
                ("consumes", handler.consumes),
                ("produces", handler.produces),
            ):
                for event_id in events:
                    if node in (handler_key(handler.id), event_key(event_id)):
                        edges.append((handler.id, event_id, kind))
        return edges

    @staticmethod
    def _edge_label(edge: Edge, node: NodeKey) -> str:
        handler_id, event_id, kind = edge
        if node.kind == "handler":
            return f"{kind} {event_id}"
        return f"{handler_id} {kind} {event_id}"

    def action_connect(self) -> None:
        """Make the selected handler consume or produce an event (or, for a
        selected event, pick the handler that consumes or produces it)."""
        node = self._need_selection("connect")
        if node is None:
            return
        flow = self.document.graph.flow
        existing = set(self._edges_of(node))
        if node.kind == "handler":
            candidates = [
                (node.id, event_id, kind)
                for kind in ("consumes", "produces")
                for event_id in flow.events
            ]
        else:
            candidates = [
                (handler_id, node.id, kind)
                for handler_id in flow.handlers
                for kind in ("consumes", "produces")
            ]
        entries = [
            (self._edge_label(edge, node), edge)
            for edge in candidates
            if edge not in existing
        ]
        if not entries:
            self.notify("Nothing left to connect.", title="Connect")
            return

        def picked(edge: Edge | None) -> None:
            if edge is not None and self._edit(
                "connect", lambda: self.document.connect(*edge)
            ):
                self._changed(f"connected {edge[0]} {edge[2]} {edge[1]}", node)

        self.push_screen(PickScreen(f"Connect {node.id}", entries), picked)

    def action_disconnect(self) -> None:
        """Remove one edge of the selected node."""
        node = self._need_selection("disconnect")
        if node is None:
            return
        entries = [(self._edge_label(e, node), e) for e in self._edges_of(node)]
        if not entries:
            self.notify(f"{node.id} has no edges.", title="Disconnect")
            return

        def picked(edge: Edge | None) -> None:
            if edge is not None and self._edit(
                "disconnect", lambda: self.document.disconnect(*edge)
            ):
                self._changed(f"disconnected {edge[0]} {edge[2]} {edge[1]}", node)

        self.push_screen(PickScreen(f"Disconnect from {node.id}", entries), picked)

    # -------------------------------------------------------- fields

    def action_edit_fields(self) -> None:
        """Edit the selected node's fields in a form."""
        node = self._need_selection("edit")
        if node is None:
            return
        values = self.document.field_values(node)

        def submitted(result: dict[str, str] | None) -> None:
            if result is None:
                return
            changed = {k: v for k, v in result.items() if v != values.get(k)}
            if changed and self._edit(
                "fields", lambda: self.document.set_fields(node, dict(changed))
            ):
                self._changed(f"edited {node.id}", node)

        self.push_screen(FieldsForm(f"{node.kind} {node.id}", values), submitted)

    # -------------------------------------------------------- undo

    def action_undo(self) -> None:
        """Undo the last edit."""
        label = self.document.undo()
        if label is None:
            self.notify("Nothing to undo.", title="Undo")
            return
        self.notify(f"Undone: {label}", title="Undo")
        self._changed(f"undo {label}", self.selected_node)

    def action_redo(self) -> None:
        """Redo the last undone edit."""
        label = self.document.redo()
        if label is None:
            self.notify("Nothing to redo.", title="Redo")
            return
        self.notify(f"Redone: {label}", title="Redo")
        self._changed(f"redo {label}", self.selected_node)

    # -------------------------------------------------------- saving

    def action_save(self) -> None:
        """Save the flow file (asks before replacing a valid file with errors)."""
        self._save()

    def _save(self, then: Callable[[], None] | None = None, **options: bool) -> None:
        doc = self.document
        try:
            doc.save(**options)
        except SaveRefused as refused:
            self._ask_invalid_save(str(refused), then)
            return
        except ExternalChangeConflict:
            self._ask_overwrite(then)
            return
        except OSError as error:
            self.notify(
                f"{doc.path} is unchanged: {error.strerror or error}",
                title="Save failed",
                severity="error",
            )
            return
        self.notify(
            f"Saved {doc.path.name} (previous version in {doc.backup_path.name})"
        )
        self._show_state()
        if then is not None:
            then()

    def _ask_invalid_save(self, reason: str, then: Callable[[], None] | None) -> None:
        def answered(choice: str | None) -> None:
            if choice == "draft":
                try:
                    path = self.document.save_draft()
                except OSError as error:
                    self.notify(
                        f"{self.document.draft_path} not written: "
                        f"{error.strerror or error}",
                        title="Save failed",
                        severity="error",
                    )
                    return
                self.notify(f"Draft saved as {path.name}", title="Draft")
                if then is not None:
                    # The edits are safe in the draft: go on (quit, the editor).
                    then()
            elif choice == "overwrite":
                self._save(then, allow_invalid=True)

        dialog = ChoiceScreen(
            "The flow has errors",
            reason[0].upper() + reason[1:] + ".",
            [
                ("draft", "Save draft", "primary"),
                ("overwrite", "Overwrite anyway", "error"),
                ("cancel", "Cancel", "default"),
            ],
        )
        self.push_screen(dialog, answered)

    def _ask_overwrite(self, then: Callable[[], None] | None) -> None:
        def answered(choice: str | None) -> None:
            if choice == "overwrite":
                self._save(then, force=True)
            elif choice == "reload":
                self._reload()

        dialog = ChoiceScreen(
            "The file changed on disk",
            f"{self.document.path.name} was changed by another program since "
            "it was read.",
            [
                ("overwrite", "Overwrite it", "error"),
                ("reload", "Reload theirs", "primary"),
                ("cancel", "Cancel", "default"),
            ],
        )
        self.push_screen(dialog, answered)

    def action_quit(self) -> None:
        """Quit, asking first when there are unsaved edits."""
        if not self.document.dirty:
            self.exit()
            return

        def answered(choice: str | None) -> None:
            if choice == "save":
                self._save(then=self.exit)
            elif choice == "discard":
                self.exit()

        dialog = ChoiceScreen(
            "Unsaved changes",
            f"{self.document.path.name} has unsaved edits.",
            [
                ("save", "Save and quit", "primary"),
                ("discard", "Quit without saving", "error"),
                ("cancel", "Cancel", "default"),
            ],
        )
        self.push_screen(dialog, answered)

    # -------------------------------------------------------- the file

    def check_file(self) -> None:
        """Look for a change made outside; reload, or ask when both sides
        changed (once per version of the file)."""
        if self._asking_conflict:
            return
        try:
            status = self.document.reload_if_changed()
        except OSError as error:
            # e.g. permissions changed: say it once, keep the document as is.
            if not self._told_missing:
                self._told_missing = True
                self.notify(str(error), title="Cannot read the file", severity="error")
            return
        if status is ReloadStatus.RELOADED:
            self._told_missing = False
            self.notify(f"{self.document.path.name} changed on disk.", title="Reloaded")
            self._changed("reloaded from disk", self.selected_node)
        elif status is ReloadStatus.MISSING and not self._told_missing:
            self._told_missing = True
            self.notify(
                f"{self.document.path.name} was deleted; Ctrl+S writes it again.",
                title="File gone",
                severity="warning",
            )
        elif status is ReloadStatus.CONFLICT:
            seen = Fingerprint.of(self.document.path)
            if seen is not None and seen != self._conflict_seen:
                self._conflict_seen = seen
                self._ask_conflict()

    def _ask_conflict(self) -> None:
        self._asking_conflict = True

        def answered(choice: str | None) -> None:
            self._asking_conflict = False
            if choice == "reload":
                self._reload()
            elif choice == "keep":
                self.document.keep_local()
                self._show_state()

        dialog = ChoiceScreen(
            "Changed on disk and here",
            f"{self.document.path.name} changed on disk while you have unsaved "
            "edits. Reload drops your edits (Ctrl+Z brings them back); Keep mine "
            "replaces the file on the next save.",
            [
                ("reload", "Reload theirs", "primary"),
                ("keep", "Keep mine", "default"),
                ("later", "Decide later", "default"),
            ],
        )
        self.push_screen(dialog, answered)

    def _reload(self) -> None:
        try:
            self.document.reload()
        except OSError as error:
            self.notify(str(error), title="Reload failed", severity="error")
            return
        self._changed("reloaded from disk", self.selected_node)

    def action_open_editor(self) -> None:
        """Open the flow file in $EDITOR at the selected node's line."""
        if self.document.dirty:

            def answered(choice: str | None) -> None:
                if choice == "save":
                    self._save(then=self._run_editor)
                elif choice == "open":
                    self._run_editor()

            dialog = ChoiceScreen(
                "Unsaved changes",
                "Save your edits before opening the editor? If not, changes made "
                "there will conflict with them.",
                [
                    ("save", "Save and open", "primary"),
                    ("open", "Open anyway", "default"),
                    ("cancel", "Cancel", "default"),
                ],
            )
            self.push_screen(dialog, answered)
            return
        self._run_editor()

    def _run_editor(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        node = self.selected_node
        line = (self.document.line_of(node) if node else None) or 1
        command = editor_command(editor, str(self.document.path), line)
        try:
            with self.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:
            self.notify(
                "This terminal cannot hand over to an editor.", severity="error"
            )
            return
        except OSError as error:
            self.notify(f"{editor}: {error.strerror}", title="Editor", severity="error")
            return
        self.check_file()

    def action_toggle_problems(self) -> None:
        """Show or hide the list of errors and warnings."""
        self.problems.toggle()

    # -------------------------------------------------------- palette

    def editing_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The editing actions, for the command palette."""
        for title, help_text, action in (
            ("Add event", "New event (a)", self.action_add_event),
            ("Add handler", "New handler (h)", self.action_add_handler),
            ("Rename node", "Rename the selection (r)", self.action_rename),
            ("Delete node", "Delete the selection (d)", self.action_delete_node),
            ("Connect", "Consume or produce an event (c)", self.action_connect),
            ("Disconnect", "Remove an edge (x)", self.action_disconnect),
            ("Edit fields", "Topic, group, owner... (e)", self.action_edit_fields),
            ("Save", "Write the flow file (Ctrl+S)", self.action_save),
            ("Undo", "Undo the last edit (Ctrl+Z)", self.action_undo),
            ("Redo", "Redo (Ctrl+Y)", self.action_redo),
            (
                "Open in $EDITOR",
                "At the selected node (Ctrl+E)",
                self.action_open_editor,
            ),
            ("Problems", "Show or hide errors (!)", self.action_toggle_problems),
        ):
            yield SystemCommand(title, help_text, action)
