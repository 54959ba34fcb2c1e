"""Messages that travel across the whole app (a widget's own live in the widget)."""

from __future__ import annotations

from textual.message import Message


class FlowEdited(Message):
    """The flow document changed: the graph may have a new shape.

    Posted by the editing actions (and by a reload from disk); the app lays the
    graph out again and refreshes the panels.
    """

    def __init__(self, *, reason: str = "") -> None:
        super().__init__()
        self.reason = reason
        """A short description of the change, for logs."""


class SnapshotApplied(Message):
    """The screen now shows the snapshot with this sequence number."""

    def __init__(self, sequence: int) -> None:
        super().__init__()
        self.sequence = sequence
