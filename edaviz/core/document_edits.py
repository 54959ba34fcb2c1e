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

import io
import json
import re
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
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

#: Plain scalars may hold letters of any script; a read-back check still decides.
_PLAIN_SAFE = re.compile(r"[\w./][\w./ ()+=~^$%@,;-]*")
_ID_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_FLOW_INDICATORS = frozenset(",[]{}")
_DOCUMENT_END = re.compile(r"\.\.\.(\s|$)")
#: What may follow an entry of a flow collection on its line when the entry has
#: the line to itself: its comma and a comment.
_LINE_TAIL = re.compile(r"[ \t]*,?[ \t]*(#[^\n]*)?(\r?\n|$)")


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


def scalar_text(value: str | int, *, flow: bool = False) -> str:
    """`value` written as a YAML scalar: plain when that reads back the same
    (inside a flow collection when it holds none of `,[]{}` too), else
    double-quoted."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"not a scalar field value: {value!r}")
    if isinstance(value, int):
        return str(value)
    plain_ok = not (flow and _FLOW_INDICATORS.intersection(value))
    if plain_ok and _PLAIN_SAFE.fullmatch(value) and not value.endswith(" "):
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


def _token_end(line: str, col: int, flow: bool = False) -> int:
    """End column of the scalar token starting at `col` (a single line);
    `flow` says it sits in a flow collection even when its bracket is on an
    earlier line."""
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
    opened = max(line.rfind("[", 0, col), line.rfind("{", 0, col))
    closed = max(line.rfind("]", 0, col), line.rfind("}", 0, col))
    if flow or opened > closed:
        colon = line.find(": ", col)
        if colon != -1:
            end = min(end, colon)
        for stop in _FLOW_INDICATORS:
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


def _is_json(text: str) -> bool:
    """True when `text` is a JSON object (JSON is YAML too, and stays JSON)."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _quoted_end(text: str, start: int) -> int:
    """Offset just past the quoted scalar opening at `start` (it may span lines)."""
    quote, at = text[start], start + 1
    while at < len(text):
        char = text[at]
        if quote == '"' and char == "\\":
            at += 2
            continue
        if char == quote:
            if quote == "'" and text[at + 1 : at + 2] == "'":
                at += 2
                continue
            return at + 1
        at += 1
    raise SpliceUnsupported("unterminated quoted scalar")


def _flow_close(text: str, start: int) -> int:
    """Offset of the bracket that closes the flow collection opening at `start`."""
    depth, at, last = 0, start, ""
    while at < len(text):
        char = text[at]
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return at
        elif char in "\"'" and last in "[{,:":
            # A quote opens a scalar only where one starts (`it's` is plain).
            at = _quoted_end(text, at)
            last = char
            continue
        elif char == "#" and text[at - 1] in " \t\r\n":
            at = text.find("\n", at)
            if at == -1:
                break
            continue
        if not char.isspace():
            last = char
        at += 1
    raise SpliceUnsupported("flow collection without its closing bracket")


def _runs(indexes: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in sorted `indexes`."""
    run: list[int] = []
    for index in indexes:
        if run and index != run[-1] + 1:
            yield run[0], run[-1]
            run = []
        run.append(index)
    if run:
        yield run[0], run[-1]


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
        self.json = _is_json(text)
        """True when the file is JSON: what the edits write is JSON too."""
        self.body_end = len(self.lines)
        """The line where the document ends: a `...` marker, or the end."""
        if "..." in text:
            self.body_end = next(
                (i for i, line in enumerate(self.lines) if _DOCUMENT_END.match(line)),
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

    def replace_token(self, line: int, col: int, text: str, flow: bool = False) -> None:
        """Replace the one-line scalar token at (`line`, `col`)."""
        end = _token_end(self.lines[line], col, flow)
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
            return _flow_close(self.text, start) + 1
        if isinstance(self.get(path), dict | list):
            raise SpliceUnsupported("block collection inside a flow collection")
        end = self.offset(line, _token_end(self.lines[line], col, flow=True))
        if end <= start:
            raise SpliceUnsupported("empty value in a flow collection")
        return end

    def _flow_entries(self, path: DataPath) -> tuple[int, int, list[tuple[int, int]]]:
        """The flow collection at `path`: offsets of its opening and closing
        brackets, and each entry's span (key or item start to value end)."""
        line, col = self.value_pos(path)
        start = self.offset(line, col)
        close = _flow_close(self.text, start)
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
        return not before.strip() and bool(_LINE_TAIL.match(self.text, end))

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
        for first, last in _runs(dropped):
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
