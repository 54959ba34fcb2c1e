"""Edits of a flow file's text that leave every untouched byte where it was.

Each edit operation knows two things: how it changes the plain data of the file
(`apply`, used to compute what the result must parse to) and how to say that
change as a few small text splices at the positions ruamel.yaml reports
(`splice`). `FlowDocument` runs the splices, parses the result and compares it
with the expected data; only when a file has a shape the splices do not handle
(a flow-style mapping, a multi-line scalar) does it fall back to re-dumping the
whole document with ruamel.yaml, which still keeps comments and key order.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import MutableMapping
from typing import Any, Literal

from ruamel.yaml import YAML

from edaviz.core.source import DataPath, PositionMap
from edaviz.errors import EdavizError

Section = Literal["events", "handlers"]
EdgeField = Literal["consumes", "produces"]

#: Field order the splices follow when they add a field to a node.
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "events": ("topic", "partitions", "schema", "description"),
    "handlers": (
        "group",
        "consumes",
        "produces",
        "owner",
        "description",
        "simulate",
    ),
}

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./ ()+=~^$%@,;-]*")
_ID_CHARS = re.compile(r"[A-Za-z0-9._-]+")


class SpliceUnsupported(Exception):
    """The file has a shape the text splices do not handle; re-dump instead."""


class EditError(EdavizError):
    """An edit or save that cannot be done; the message tells the user why."""


def make_yaml() -> YAML:
    """A round-trip YAML instance set up for flow files."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = True
    yaml.width = 4096
    return yaml


def parse(text: str) -> Any:
    """The round-trip tree of `text` (comments and positions kept)."""
    return make_yaml().load(text)


def dump(tree: Any, indent: int = 2) -> str:
    """`tree` as YAML text, block style, with `indent` spaces per level."""
    yaml = make_yaml()
    yaml.indent(mapping=indent, sequence=indent + 2, offset=indent)
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def plain(value: Any) -> Any:
    """`value` with ruamel types turned into dicts, lists and builtin scalars."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def scalar_text(value: str | int) -> str:
    """`value` written as a YAML scalar: plain when that reads back the same,
    else double-quoted."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"not a scalar field value: {value!r}")
    if isinstance(value, int):
        return str(value)
    if _PLAIN_SAFE.fullmatch(value) and not value.endswith(" "):
        try:
            back = YAML(typ="safe", pure=True).load(f"k: {value}\n")
        except Exception:  # noqa: BLE001 - any parse failure means "quote it"
            back = None
        if isinstance(back, dict) and back.get("k") == value:
            return value
    return json.dumps(value, ensure_ascii=False)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _token_end(line: str, col: int) -> int:
    """End column of the scalar token starting at `col` (a single line)."""
    if col >= len(line):
        raise SpliceUnsupported("no token")
    quote = line[col]
    if quote == '"':
        i = col + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1
            i += 1
        raise SpliceUnsupported("unterminated double-quoted scalar")
    if quote == "'":
        i = col + 1
        while i < len(line):
            if line[i] == "'":
                if i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        raise SpliceUnsupported("unterminated single-quoted scalar")
    if quote in "|>[{&*!":
        raise SpliceUnsupported("not a plain one-line scalar")
    end = len(line.rstrip("\r\n"))
    comment = line.find(" #", col)
    if comment != -1:
        end = min(end, comment)
    in_flow = line.rfind("[", 0, col) > line.rfind("]", 0, col)
    if in_flow:
        for stop in (",", "]"):
            hit = line.find(stop, col)
            if hit != -1:
                end = min(end, hit)
    else:
        colon = line.find(": ", col)
        if colon != -1 and colon < end:
            end = colon
        if line.rstrip("\r\n").endswith(":") and end == len(line.rstrip("\r\n")):
            end -= 1
    return len(line[:end].rstrip())


class Splicer:
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

    def key_region(self, path: DataPath) -> tuple[int, int]:
        """(first line, boundary line) of the entry at `path` from the root: its
        key line and the line where the next entry at the same or outer level
        starts."""
        node, boundary = self.data, len(self.lines)
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
            if _is_content(self.lines[index]):
                last = index
        return last

    def leading_comments(self, key_line: int) -> int:
        """The first line of the comment block directly above `key_line` at
        the key's own indentation (or `key_line` when there is none)."""
        col = _indent_of(self.lines[key_line])
        first = key_line
        while first > 0:
            above = self.lines[first - 1]
            if above.strip().startswith("#") and _indent_of(above) == col:
                first -= 1
            else:
                break
        return first

    def colon_after_key(self, path: DataPath) -> tuple[int, int]:
        """0-based (line, column) just past the `:` that ends the key at `path`."""
        line, key_col = self.key_pos(path)
        text = self.line(line)
        if text[key_col : key_col + 1] in ("'", '"'):
            end = _token_end(text, key_col)
        else:
            match = _ID_CHARS.match(text, key_col)
            end = match.end() if match else key_col
        colon = text.find(":", end)
        if colon == -1:
            raise SpliceUnsupported("no colon after key")
        return line, colon + 1

    # edits -----------------------------------------------------------------

    def replace(self, start: int, end: int, text: str) -> None:
        """Replace the absolute range [start, end) with `text`."""
        self._edits.append((start, end, text))

    def replace_token(self, line: int, col: int, text: str) -> None:
        """Replace the one-line scalar token at (`line`, `col`)."""
        end = _token_end(self.lines[line], col)
        self.replace(self.offset(line, col), self.offset(line, end), text)

    def rewrite_scalar(self, line: int, col: int, value: str | int) -> None:
        """Replace the scalar at (`line`, `col`) by `value`, keeping its quote
        style when it was quoted."""
        quote = self.lines[line][col : col + 1]
        if quote == "'" and isinstance(value, str):
            text = "'" + value.replace("'", "''") + "'"
        elif quote == '"' and isinstance(value, str):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = scalar_text(value)
        self.replace_token(line, col, text)

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

    # compound edits ----------------------------------------------------------

    def child_indent(self) -> int:
        """Spaces per nesting level, read from the file (2 when it has none)."""
        for section in ("events", "handlers"):
            items = self.data.get(section) if isinstance(self.data, dict) else None
            if not isinstance(items, dict) or not items:
                continue
            for node_id, value in items.items():
                path = (section, node_id)
                if isinstance(value, dict) and value and not self.is_flow(path):
                    step = self.value_pos(path)[1] - self.key_pos(path)[1]
                    if step > 0:
                        return step
            return self.key_pos((section, next(iter(items))))[1] or 2
        return 2

    def set_field(
        self, section: Section, node_id: str, name: str, value_text: str | None
    ) -> None:
        """Set field `name` of a node to a scalar text, or drop it for None."""
        self.set_fields(section, node_id, [(name, value_text)])

    def set_fields(
        self, section: Section, node_id: str, changes: list[tuple[str, str | None]]
    ) -> None:
        """Set several fields of one node (None drops a field)."""
        path = (section, node_id)
        node = self.get(path)
        if not isinstance(node, dict) and node is not None:
            raise SpliceUnsupported("node is not a mapping")
        order = FIELD_ORDER[section]
        changes = sorted(
            changes, key=lambda c: order.index(c[0]) if c[0] in order else len(order)
        )
        adds = [(n, t) for n, t in changes if t is not None and n not in (node or {})]
        if not node:
            if adds:
                key_line, key_col = self.key_pos(path)
                self._open_empty(path, node)
                indent = " " * (key_col + self.child_indent())
                lines = [f"{indent}{name}: {text}" for name, text in adds]
                self.insert_lines(key_line + 1, lines)
            return
        drops = {n for n, t in changes if t is None and n in node}
        if drops and drops == set(node) and not adds:
            # The node loses its last field: it stays, as an empty mapping.
            line, colon = self.colon_after_key(path)
            self.replace(self.offset(line, colon), self.offset(line, colon), " {}")
        for name, text in changes:
            if name in node:
                self._replace_field(path, node, name, text)
            elif text is not None:
                self._add_field(path, node, name, text)

    def _replace_field(
        self, path: DataPath, node: dict[str, Any], name: str, value_text: str | None
    ) -> None:
        if self.is_flow(path):
            raise SpliceUnsupported("flow-style node mapping")
        key_line, key_col = self.key_pos((*path, name))
        first, boundary = self.key_region((*path, name))
        last = self.last_content(first, boundary)
        if value_text is None:
            self.delete_lines(first, last)
            return
        if not isinstance(node[name], dict | list) and last == key_line:
            line, col = self.value_pos((*path, name))
            if line == key_line:
                self.replace_token(line, col, value_text)
                return
        self.replace(
            self.offset(first),
            self.offset(last + 1),
            f"{' ' * key_col}{name}: {value_text}{self.newline}",
        )

    def _add_field(
        self, path: DataPath, node: dict[str, Any] | None, name: str, value_text: str
    ) -> None:
        if not node:
            key_line, key_col = self.key_pos(path)
            self._open_empty(path, node)
            indent = key_col + self.child_indent()
            self.insert_lines(key_line + 1, [f"{' ' * indent}{name}: {value_text}"])
            return
        if self.is_flow(path):
            raise SpliceUnsupported("flow-style node mapping")
        indent = self.value_pos(path)[1]
        order = FIELD_ORDER[str(path[0])]
        rank = order.index(name) if name in order else len(order)
        before = None
        for existing in node:
            if existing in order and order.index(existing) > rank:
                before = existing
                break
        if before is not None:
            at = self.leading_comments(self.key_pos((*path, before))[0])
        else:
            first, boundary = self.key_region(path)
            at = self.last_content(first, boundary) + 1
        self.insert_lines(at, [f"{' ' * indent}{name}: {value_text}"])

    def _open_empty(self, path: DataPath, node: Any) -> None:
        """Drop a `{}` (or nothing) after a key so block lines can follow it."""
        key_line, colon = self.colon_after_key(path)
        rest = self.line(key_line)[colon:]
        if node is None:
            if rest.strip() and not rest.strip().startswith("#"):
                raise SpliceUnsupported("unexpected text after key")
            return
        stripped = rest.lstrip()
        if not stripped.startswith("{}"):
            raise SpliceUnsupported("empty mapping not written as {}")
        end = colon + len(rest) - len(stripped) + 2
        self.replace(self.offset(key_line, colon), self.offset(key_line, end), "")

    def add_entry(
        self, section: Section, node_id: str, fields: list[tuple[str, str]]
    ) -> None:
        """Add a node with the given (name, scalar text) fields at the end of
        its section (creating the section when the file has none)."""
        step = self.child_indent()
        items = self.data.get(section)
        if section in self.data and items:
            if not isinstance(items, dict) or self.is_flow((section,)):
                raise SpliceUnsupported("flow-style section")
            col = self.key_pos((section, next(iter(items))))[1]
            first, boundary = self.key_region((section,))
            at = self.last_content(first, boundary) + 1
            gap = self._entries_spaced(section, items)
        elif section in self.data:
            line, key_col = self.key_pos((section,))
            self._open_empty((section,), items)
            col, at, gap = key_col + step, line + 1, False
        else:
            col, gap = step, False
            at = len(self.lines)
            if section == "events" and "handlers" in self.data:
                at = self.leading_comments(self.key_pos(("handlers",))[0])
        head = f"{' ' * col}{scalar_text(node_id)}:"
        body = [f"{' ' * (col + step)}{name}: {text}" for name, text in fields]
        lines = [head if body else head + " {}", *body]
        if section not in self.data:
            lines.insert(0, f"{section}:")
        self.insert_lines(at, ([""] if gap else []) + lines)

    def _entries_spaced(self, section: str, items: dict[str, Any]) -> bool:
        """True when the section separates its entries with blank lines."""
        keys = list(items)
        if len(keys) < 2:
            return False
        second = self.leading_comments(self.key_pos((section, keys[1]))[0])
        return second > 0 and not self.lines[second - 1].strip()

    def delete_entry(self, section: Section, node_id: str) -> None:
        """Delete a node's lines, with the comment block directly above it."""
        if self.is_flow((section,)):
            raise SpliceUnsupported("flow-style section")
        first, boundary = self.key_region((section, node_id))
        last = self.last_content(first, boundary)
        if len(self.data[section]) == 1:
            line, colon = self.colon_after_key((section,))
            self.replace(self.offset(line, colon), self.offset(line, colon), " {}")
        self.delete_lines(self.leading_comments(first), last)

    def append_item(self, handler_id: str, name: EdgeField, item: str) -> None:
        """Append `item` to a handler's consumes/produces list."""
        path = ("handlers", handler_id)
        node = self.get(path)
        text = scalar_text(item)
        seq = node.get(name) if isinstance(node, dict) else None
        if not isinstance(seq, list) or not seq:
            if isinstance(node, dict) and name in node:
                self._replace_field(path, node, name, f"[{text}]")
            else:
                self._add_field(path, node, name, f"[{text}]")
            return
        seq_path = (*path, name)
        if self.is_flow(seq_path):
            line, col = self.value_pos(seq_path)
            row = self.line(line)
            close = self._closing_bracket(row, col)
            inner = row[col + 1 : close]
            at = col + 1 + len(inner.rstrip())
            self.replace(self.offset(line, at), self.offset(line, at), f", {text}")
            return
        last_line, item_col = self.value_pos((*seq_path, len(seq) - 1))
        row = self.line(last_line)
        dash = row.rfind("-", 0, item_col)
        if dash == -1:
            raise SpliceUnsupported("block item without a dash")
        boundary = self.key_region(seq_path)[1]
        end = self.last_content(last_line, boundary)
        self.insert_lines(end + 1, [f"{row[:dash]}- {text}"])

    @staticmethod
    def _closing_bracket(row: str, col: int) -> int:
        if row[col : col + 1] != "[":
            raise SpliceUnsupported("flow list does not start on its line")
        quote = None
        for index in range(col + 1, len(row)):
            char = row[index]
            if quote:
                if char == quote:
                    quote = None
            elif char in "\"'":
                quote = char
            elif char == "]":
                return index
            elif char in "[{":
                break
        raise SpliceUnsupported("flow list spans lines")

    def remove_item(self, handler_id: str, name: EdgeField, index: int) -> None:
        """Remove item `index` from a handler's consumes/produces list."""
        path = ("handlers", handler_id)
        node = self.get(path)
        seq_path = (*path, name)
        seq = node[name]
        if self.is_flow(seq_path):
            line, open_col = self.value_pos(seq_path)
            row = self.lines[line]
            close = self._closing_bracket(row, open_col)
            cols = [self.value_pos((*seq_path, i)) for i in range(len(seq))]
            if any(item_line != line for item_line, _ in cols):
                raise SpliceUnsupported("flow list spans lines")
            start = cols[index][1]
            if len(seq) == 1:
                start, end = open_col + 1, close
            elif index + 1 < len(seq):
                end = cols[index + 1][1]
            else:
                end = _token_end(row, start)
                start = _token_end(row, cols[index - 1][1])
            self.replace(self.offset(line, start), self.offset(line, end), "")
            return
        if len(seq) == 1:
            self._replace_field(path, node, name, "[]")
            return
        item_line = self.value_pos((*seq_path, index))[0]
        if index + 1 < len(seq):
            boundary = self.value_pos((*seq_path, index + 1))[0]
        else:
            boundary = self.key_region(seq_path)[1]
        self.delete_lines(item_line, self.last_content(item_line, boundary))


def edge_lists(data: Any) -> list[tuple[str, EdgeField, list[Any]]]:
    """Every handler's consumes/produces list: (handler id, field, list)."""
    handlers = data.get("handlers") if isinstance(data, dict) else None
    found = []
    if isinstance(handlers, dict):
        for handler_id, node in handlers.items():
            if not isinstance(node, dict):
                continue
            for name in ("consumes", "produces"):
                items = node.get(name)
                if isinstance(items, list):
                    found.append((str(handler_id), name, items))
    return found


def section_of(data: Any, section: Section) -> MutableMapping[Any, Any]:
    """The mapping of a section, or an `EditError` naming what is wrong."""
    items = data.get(section) if isinstance(data, dict) else None
    if items is None:
        return {}
    if not isinstance(items, dict):
        raise EditError(f"`{section}:` is not a mapping; fix it in the editor")
    return items
