"""Edits of a flow file's text that leave every untouched byte where it was.

Each edit operation knows two things: how it changes the plain data of the file
(`apply`, used to compute what the result must parse to) and how to say that
change as a few small text splices at the positions ruamel.yaml reports
(`splice`). `FlowDocument` runs the splices, parses the result and compares it
with the expected data; only when a file has a shape the splices do not handle
(a multi-line plain scalar, an alias, a comment inside a one-line collection)
does it fall back to re-dumping the whole document with ruamel.yaml, which still
keeps comments and key order.

Block and flow style (`{...}`, `[...]`, so JSON too) are both spliced: a flow
collection keeps its layout (one entry per line or all on one line), and a file
that is JSON gets JSON text for what an edit writes, so it stays JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any, Literal

from edaviz.core.source import DataPath
from edaviz.core.splice import TextSplicer
from edaviz.core.yaml_text import (
    EditError,
    SpliceUnsupported,
    dump,
    parse,
    plain,
    scalar_text,
)

__all__ = [
    "FIELD_ORDER",
    "EdgeField",
    "EditError",
    "Section",
    "SpliceUnsupported",
    "Splicer",
    "dump",
    "edge_lists",
    "parse",
    "plain",
    "scalar_text",
    "section_of",
]

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


class Splicer(TextSplicer):
    """The edits of a flow file as text splices: fields, entries and edges."""

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
        self, section: Section, node_id: str, name: str, value: str | int | None
    ) -> None:
        """Set field `name` of a node to a scalar, or drop it for None."""
        self.set_fields(section, node_id, [(name, value)])

    def set_fields(
        self,
        section: Section,
        node_id: str,
        values: Sequence[tuple[str, str | int | None]],
    ) -> None:
        """Set several fields of one node to scalars (None drops a field)."""
        path = (section, node_id)
        node = self.get(path)
        if not isinstance(node, dict) and node is not None:
            raise SpliceUnsupported("node is not a mapping")
        if node is not None and self.keeps_flow(path):
            self._set_flow_fields(path, node, values)
            return
        order = FIELD_ORDER[section]
        changes = sorted(
            [(n, None if v is None else self.value_text(v)) for n, v in values],
            key=lambda c: order.index(c[0]) if c[0] in order else len(order),
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

    def _set_flow_fields(
        self,
        path: DataPath,
        node: dict[str, Any],
        values: Sequence[tuple[str, str | int | None]],
    ) -> None:
        """`set_fields` on a node written as a flow mapping: new fields go last."""
        keys = list(node)
        drops = [keys.index(n) for n, value in values if value is None and n in node]
        for name, value in values:
            if value is not None and name in node:
                self.rewrite_value((*path, name), value)
        appends = [
            self.entry_text(name, value)
            for name, value in values
            if value is not None and name not in node
        ]
        self.flow_edit(path, drops, appends)

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
        self, section: Section, node_id: str, fields: Sequence[tuple[str, Any]]
    ) -> None:
        """Add a node with the given (name, value) fields at the end of its
        section (creating the section when the file has none)."""
        items = self.data.get(section)
        if section in self.data and items is not None and self.keeps_flow((section,)):
            self.flow_edit((section,), appends=[self.entry_text(node_id, dict(fields))])
            return
        if section not in self.data and self.positions.value(()) and self.is_flow(()):
            entry = self.entry_text(section, {node_id: dict(fields)})
            self.flow_edit((), appends=[entry])
            return
        step = self.child_indent()
        if section in self.data and items:
            if not isinstance(items, dict):
                raise SpliceUnsupported("section is not a mapping")
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
            at = self.body_end
            if section == "events" and "handlers" in self.data:
                at = self.leading_comments(self.key_pos(("handlers",))[0])
        head = f"{' ' * col}{self.scalar(node_id)}:"
        body = [
            f"{' ' * (col + step)}{name}: {self.value_text(value)}"
            for name, value in fields
        ]
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
            self.flow_edit((section,), [list(self.data[section]).index(node_id)])
            return
        first, boundary = self.key_region((section, node_id))
        last = self.last_content(first, boundary)
        if len(self.data[section]) == 1:
            line, colon = self.colon_after_key((section,))
            self.replace(self.offset(line, colon), self.offset(line, colon), " {}")
        self.delete_lines(self.leading_comments(first), last)

    def append_item(self, handler_id: str, name: EdgeField, item: str) -> None:
        """Append `item` to a handler's consumes/produces list."""
        path = ("handlers", handler_id)
        seq_path = (*path, name)
        node = self.get(path)
        seq = node.get(name) if isinstance(node, dict) else None
        if isinstance(seq, list) and self.is_flow(seq_path):
            self.flow_edit(seq_path, appends=[self.scalar(item, flow=True)])
            return
        if node is not None and self.keeps_flow(path):
            if name in node:
                raise SpliceUnsupported(f"{name} is not a list")
            self.flow_edit(path, appends=[self.entry_text(name, [item])])
            return
        text = self.value_text([item])
        if not isinstance(seq, list) or not seq:
            if isinstance(node, dict) and name in node:
                self._replace_field(path, node, name, text)
            else:
                self._add_field(path, node, name, text)
            return
        last_line, item_col = self.value_pos((*seq_path, len(seq) - 1))
        row = self.line(last_line)
        dash = row.rfind("-", 0, item_col)
        if dash == -1:
            raise SpliceUnsupported("block item without a dash")
        boundary = self.key_region(seq_path)[1]
        end = self.last_content(last_line, boundary)
        self.insert_lines(end + 1, [f"{row[:dash]}- {self.scalar(item)}"])

    def remove_items(
        self, handler_id: str, name: EdgeField, indexes: Iterable[int]
    ) -> None:
        """Remove the items at `indexes` from a handler's consumes/produces list."""
        path = ("handlers", handler_id)
        node = self.get(path)
        seq_path = (*path, name)
        seq = node[name]
        indexes = sorted(set(indexes))
        if self.is_flow(seq_path):
            self.flow_edit(seq_path, indexes)
            return
        if len(indexes) == len(seq):
            self._replace_field(path, node, name, "[]")
            return
        for index in reversed(indexes):
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
