"""Text splices of a flow file: small replacements at the positions ruamel.yaml
reports, collected against one version of the text and applied together.

`TextSplicer` knows the text's lines and offsets, where keys, values and flow
collections begin and end, and how to replace, delete and insert lines without
touching the bytes around them; `edaviz.core.document_edits` builds the edits
of a flow (fields, entries, edges) on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from edaviz.core.source import DataPath, PositionMap
from edaviz.core.yaml_text import (
    DOCUMENT_END,
    ID_CHARS,
    LINE_TAIL,
    SpliceUnsupported,
    flow_close,
    indent_of,
    is_content,
    is_json,
    runs,
    scalar_text,
    token_end,
)


class TextSplicer:
    """Collects text splices against one version of the text, then applies them.

    `data` and `positions` are the loader's plain data and 1-based position map
    of that same text; the splicer works in 0-based lines and columns.
    """

    def __init__(self, text: str, data: Any, positions: PositionMap) -> None:
        self.text = text
        self.data = data
        self.positions = positions
        self.lines = text.splitlines(keepends=True)
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))
        self._edits: list[tuple[int, int, str]] = []
        self.json = is_json(text)
        """True when the file is JSON: what the edits write is JSON too."""
        self.body_end = len(self.lines)
        """The line where the document ends: a `...` marker, or the end."""
        if "..." in text:
            self.body_end = next(
                (i for i, line in enumerate(self.lines) if DOCUMENT_END.match(line)),
                self.body_end,
            )

    # positions -------------------------------------------------------------

    def offset(self, line: int, col: int = 0) -> int:
        """Absolute offset of (0-based) `line`, `col`."""
        if line >= len(self.lines):
            return len(self.text)
        return self._starts[line] + col

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break, or '' past the end."""
        if index >= len(self.lines):
            return ""
        return self.lines[index].rstrip("\r\n")

    def get(self, path: DataPath) -> Any:
        """The data at `path`."""
        node = self.data
        for key in path:
            node = node[key]
        return node

    def key_pos(self, path: DataPath) -> tuple[int, int]:
        """0-based (line, col) of the key of the entry at `path`."""
        found = self.positions.key(path)
        if found is None:
            raise SpliceUnsupported(f"no position for {path}")
        return found[0] - 1, found[1] - 1

    def value_pos(self, path: DataPath) -> tuple[int, int]:
        """0-based (line, col) where the value (or list item) at `path` starts."""
        found = self.positions.value(path)
        if found is None:
            raise SpliceUnsupported(f"no position for {path}")
        return found[0] - 1, found[1] - 1

    def is_flow(self, path: DataPath) -> bool:
        """True when the collection at `path` is written inline (`[...]`, `{...}`)."""
        line, col = self.value_pos(path)
        return self.line(line)[col : col + 1] in ("[", "{")

    def in_flow(self, path: DataPath) -> bool:
        """True when the item at `path` sits inside a flow collection."""
        return any(
            self.positions.value(path[:depth]) is not None
            and self.is_flow(path[:depth])
            for depth in range(len(path))
        )

    def keeps_flow(self, path: DataPath) -> bool:
        """True when the mapping or list at `path` is edited as a flow
        collection: an empty `{}` in block context opens into block lines."""
        value = self.get(path)
        if not isinstance(value, dict | list) or not self.is_flow(path):
            return False
        return bool(value) or self.json or self.in_flow(path)

    def key_region(self, path: DataPath) -> tuple[int, int]:
        """(first line, boundary line) of the entry at `path` from the root: its
        key line and the line where the next entry at the same or outer level
        starts."""
        node, boundary = self.data, self.body_end
        start = 0
        for depth, key in enumerate(path):
            if not isinstance(node, dict) or key not in node:
                raise SpliceUnsupported(f"no entry {path}")
            keys = list(node)
            index = keys.index(key)
            start = self.key_pos(path[: depth + 1])[0]
            if index + 1 < len(keys):
                boundary = self.key_pos((*path[:depth], keys[index + 1]))[0]
            node = node[key]
        return start, boundary

    def last_content(self, start: int, boundary: int) -> int:
        """The last line in [start, boundary) that holds more than a comment."""
        last = start
        for index in range(start, min(boundary, len(self.lines))):
            if is_content(self.lines[index]):
                last = index
        return last

    def leading_comments(self, key_line: int) -> int:
        """The first line of the comment block directly above `key_line` at
        the key's own indentation (or `key_line` when there is none)."""
        col = indent_of(self.lines[key_line])
        first = key_line
        while first > 0:
            above = self.lines[first - 1]
            if above.strip().startswith("#") and indent_of(above) == col:
                first -= 1
            else:
                break
        return first

    def colon_after_key(self, path: DataPath) -> tuple[int, int]:
        """0-based (line, column) just past the `:` that ends the key at `path`."""
        line, key_col = self.key_pos(path)
        text = self.line(line)
        if text[key_col : key_col + 1] in ("'", '"'):
            end = token_end(text, key_col)
        else:
            match = ID_CHARS.match(text, key_col)
            end = match.end() if match else key_col
        colon = text.find(":", end)
        if colon == -1:
            raise SpliceUnsupported("no colon after key")
        return line, colon + 1

    # edits -----------------------------------------------------------------

    def replace(self, start: int, end: int, text: str) -> None:
        """Replace the absolute range [start, end) with `text`."""
        self._edits.append((start, end, text))

    def replace_token(self, line: int, col: int, text: str, flow: bool = False) -> None:
        """Replace the one-line scalar token at (`line`, `col`)."""
        end = token_end(self.lines[line], col, flow)
        self.replace(self.offset(line, col), self.offset(line, end), text)

    def rewrite_scalar(
        self, line: int, col: int, value: str | int, flow: bool = False
    ) -> None:
        """Replace the scalar at (`line`, `col`) by `value`, keeping its quote
        style when it was quoted; `flow` when it sits in a flow collection."""
        quote = self.lines[line][col : col + 1]
        if quote == "'" and isinstance(value, str):
            text = "'" + value.replace("'", "''") + "'"
        elif quote == '"' and isinstance(value, str):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = self.scalar(value, flow=flow)
        self.replace_token(line, col, text, flow)

    def rename_key(self, path: DataPath, new: str) -> None:
        """Rewrite the key of the entry at `path`."""
        self.rewrite_scalar(*self.key_pos(path), new, self.in_flow(path))

    def rewrite_value(self, path: DataPath, value: str | int) -> None:
        """Rewrite the scalar value (or list item) at `path`."""
        self.rewrite_scalar(*self.value_pos(path), value, self.in_flow(path))

    def scalar(self, value: str | int, *, flow: bool = False) -> str:
        """`value` as this file writes a scalar: JSON in a JSON file."""
        if self.json:
            return json.dumps(value, ensure_ascii=False)
        return scalar_text(value, flow=flow)

    def value_text(self, value: Any, *, flow: bool = False) -> str:
        """A scalar, list or mapping value as this file writes it inline."""
        if isinstance(value, list):
            return "[" + ", ".join(self.value_text(v, flow=True) for v in value) + "]"
        if isinstance(value, dict):
            entries = [self.entry_text(k, v) for k, v in value.items()]
            return "{" + ", ".join(entries) + "}"
        return self.scalar(value, flow=flow)

    def entry_text(self, key: str, value: Any) -> str:
        """`key: value` as an entry of a flow mapping."""
        return f"{self.scalar(key, flow=True)}: {self.value_text(value, flow=True)}"

    def delete_lines(self, first: int, last: int) -> None:
        """Delete lines first..last (inclusive), and one blank line after them
        when a blank line also precedes them, so gaps do not pile up."""
        after = last + 1
        if (
            after < len(self.lines)
            and not self.lines[after].strip()
            and first > 0
            and not self.lines[first - 1].strip()
        ):
            last = after
        self.replace(self.offset(first), self.offset(last + 1), "")

    def insert_lines(self, before: int, lines: list[str]) -> None:
        """Insert whole `lines` (no line breaks) before line `before`."""
        at = self.offset(before)
        prefix = ""
        if at == len(self.text) and self.text and not self.text.endswith("\n"):
            prefix = self.newline
        body = "".join(line + self.newline for line in lines)
        self.replace(at, at, prefix + body)

    def result(self) -> str:
        """The text with every collected splice applied."""
        edits = sorted(self._edits, key=lambda e: (e[0], e[1]))
        for (_, e1, _), (s2, _, _) in zip(edits, edits[1:], strict=False):
            if s2 < e1:
                raise SpliceUnsupported("overlapping splices")
        text = self.text
        for start, end, new in reversed(edits):
            text = text[:start] + new + text[end:]
        return text

    # flow collections --------------------------------------------------------

    def _line_start(self, at: int) -> int:
        return self.text.rfind("\n", 0, at) + 1

    def _line_end(self, at: int) -> int:
        """Offset of the line break that ends the line holding `at`."""
        end = self.text.find("\n", at)
        if end == -1:
            return len(self.text)
        return end - 1 if self.text[end - 1 : end] == "\r" else end

    def _value_end(self, path: DataPath) -> int:
        """Offset just past the value at `path`, a flow collection or a scalar."""
        line, col = self.value_pos(path)
        start = self.offset(line, col)
        if self.text[start : start + 1] in ("[", "{"):
            return flow_close(self.text, start) + 1
        if isinstance(self.get(path), dict | list):
            raise SpliceUnsupported("block collection inside a flow collection")
        end = self.offset(line, token_end(self.lines[line], col, flow=True))
        if end <= start:
            raise SpliceUnsupported("empty value in a flow collection")
        return end

    def _flow_entries(self, path: DataPath) -> tuple[int, int, list[tuple[int, int]]]:
        """The flow collection at `path`: offsets of its opening and closing
        brackets, and each entry's span (key or item start to value end)."""
        line, col = self.value_pos(path)
        start = self.offset(line, col)
        close = flow_close(self.text, start)
        value = self.get(path)
        paths = [(*path, k) for k in (value if isinstance(value, dict) else [])]
        if isinstance(value, list):
            paths = [(*path, i) for i in range(len(value))]
        spans = []
        bound = start
        for entry in paths:
            first = self.offset(*self.key_pos(entry))
            span = (first, self._value_end(entry))
            # Entries a merge key brings in, or duplicates, are not written here.
            if not bound < span[0] <= span[1] <= close:
                raise SpliceUnsupported("flow entries not in their written order")
            spans.append(span)
            bound = span[1]
        return start, close, spans

    def _owns_lines(self, start: int, end: int) -> bool:
        """True when the entry spanning [start, end) has its lines to itself
        (with its comma and a comment)."""
        before = self.text[self._line_start(start) : start]
        return not before.strip() and bool(LINE_TAIL.match(self.text, end))

    def _comma_after(self, end: int) -> int | None:
        at = end
        while at < len(self.text) and self.text[at] in " \t":
            at += 1
        return at if self.text[at : at + 1] == "," else None

    def _check_gap(self, start: int, end: int) -> None:
        """Refuse to drop the text between two entries when it holds a comment."""
        if "#" in self.text[start:end]:
            raise SpliceUnsupported("comment between flow entries")

    def flow_edit(
        self, path: DataPath, drops: Iterable[int] = (), appends: Sequence[str] = ()
    ) -> None:
        """Drop entries (by index) of the flow collection at `path` and append
        entries (as text) at its end, keeping its layout: entries on lines of
        their own stay so, entries on one line too."""
        start, close, spans = self._flow_entries(path)
        dropped = sorted(set(drops))
        kept = [i for i in range(len(spans)) if i not in dropped]
        if not kept:
            self.replace(start + 1, close, ", ".join(appends))
            return
        for first, last in runs(dropped):
            self._drop_entries(spans, first, last)
        if appends:
            self._append_entries(spans, kept[-1], appends)

    def _drop_entries(
        self, spans: list[tuple[int, int]], first: int, last: int
    ) -> None:
        """Drop entries first..last (some entry outside them stays)."""
        begin, end = spans[first][0], spans[last][1]
        if self._owns_lines(begin, end):
            after = self._line_end(end)
            after += len(self.newline) if after < len(self.text) else 0
            self.replace(self._line_start(begin), after, "")
            if last == len(spans) - 1:
                # The entry now last loses the comma that led to the dropped ones.
                comma = self._comma_after(spans[first - 1][1])
                if comma is not None:
                    self.replace(comma, comma + 1, "")
        elif last + 1 < len(spans):
            self._check_gap(end, spans[last + 1][0])
            self.replace(begin, spans[last + 1][0], "")
        else:
            previous = spans[first - 1][1]
            self._check_gap(previous, begin)
            self.replace(previous, end, "")

    def _append_entries(
        self, spans: list[tuple[int, int]], anchor: int, appends: Sequence[str]
    ) -> None:
        """Add entries after entry `anchor` (the last one that stays)."""
        begin, end = spans[anchor]
        trailing = anchor == len(spans) - 1 and self._comma_after(end) is not None
        if not self._owns_lines(begin, end):
            self.replace(end, end, "".join(f", {text}" for text in appends))
            return
        indent = " " * (begin - self._line_start(begin))
        lines = [f"{self.newline}{indent}{text}" for text in appends]
        if not trailing:
            self.replace(end, end, ",")
        eol = self._line_end(end)
        self.replace(eol, eol, ",".join(lines) + ("," if trailing else ""))
