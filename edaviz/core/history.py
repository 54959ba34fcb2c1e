"""Undo and redo of an edited text, kept as whole snapshots within a ceiling."""

from __future__ import annotations

from collections import deque

#: Edits kept for undo; each is one text snapshot (a 500-node flow is ~40 kB).
MAX_HISTORY = 200

#: Characters of text the undo history holds at most: 200 snapshots of the
#: largest flow a file may hold (4 MiB) would otherwise take 800 MB.
MAX_HISTORY_CHARS = 64 * 2**20


class TextHistory:
    """Undo and redo stacks of `(text, label)` snapshots.

    The undo stack drops its oldest snapshots past `MAX_HISTORY` entries or
    `MAX_HISTORY_CHARS` characters, but always keeps the newest.
    """

    def __init__(self) -> None:
        self._undo: deque[tuple[str, str]] = deque()
        self._undo_chars = 0
        self._redo: list[tuple[str, str]] = []

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to redo."""
        return bool(self._redo)

    def record(self, text: str, label: str) -> None:
        """Remember `text` as it was before a new edit called `label`; a new
        edit ends what could be redone."""
        self._push(text, label)
        self._redo.clear()

    def undo(self, current: str) -> tuple[str, str] | None:
        """The text before the last edit and the edit's label, or None; `current`
        becomes what redo brings back."""
        if not self._undo:
            return None
        text, label = self._undo.pop()
        self._undo_chars -= len(text)
        self._redo.append((current, label))
        return text, label

    def redo(self, current: str) -> tuple[str, str] | None:
        """The text after the last undone edit and its label, or None."""
        if not self._redo:
            return None
        text, label = self._redo.pop()
        self._push(current, label)
        return text, label

    def _push(self, text: str, label: str) -> None:
        self._undo.append((text, label))
        self._undo_chars += len(text)
        while len(self._undo) > 1 and (
            len(self._undo) > MAX_HISTORY or self._undo_chars > MAX_HISTORY_CHARS
        ):
            self._undo_chars -= len(self._undo.popleft()[0])
