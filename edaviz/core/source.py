"""From YAML text to plain data plus a map of where every item sits in the file.

Parsing composes the YAML node tree (with libyaml when `ruamel.yaml.clib` is
installed, else in pure Python) and builds plain dicts, lists and scalars from
it; a `PositionMap` answers where any key or value sits (1-based line, col).
Along the way it reports what the YAML layer can see: syntax errors, tabs,
duplicate keys, custom tags, nesting too deep, aliases that expand without bound.
The flow model never sees YAML nodes.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import Resolver
from ruamel.yaml.tag import Tag

from edaviz.core.diagnostics import Diagnostic

log = logging.getLogger(__name__)

Position = tuple[int, int]
DataPath = tuple[str | int, ...]

#: Deepest nesting a flow file may use; real flows need five levels.
MAX_DEPTH = 64

#: Text that may nest deeper than this is refused before parsing: libyaml
#: composes recursively in C and overflows the stack near 30,000 levels, and the
#: pure-Python scanner needs seconds for a line of 50,000 `[`.
_PARSE_DEPTH_LIMIT = 1_000

#: Nodes allowed beyond the size of the text once aliases are expanded: plain
#: YAML never gets there (every node takes at least one character), only aliases
#: that expand into copies of copies ("billion laughs") do.
_ALIAS_EXPANSION_ALLOWANCE = 20_000

#: Use libyaml when installed; False forces the pure-Python parser (tests).
PREFER_LIBYAML = True

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# A constructor bound to a loader, so scalar conversions can see its resolver.
_SAFE_SCALARS = YAML(typ="safe", pure=True).constructor
# Writes round-trip scalars back as text (`_as_written`).
_ROUND_TRIP = YAML(typ="rt")
# Block nesting: deep indentation, or a long run of `- ` / `? ` on one line.
_DEEP_BLOCK = re.compile(
    rf"^ {{{_PARSE_DEPTH_LIMIT}}}|(?:[-?] +){{{_PARSE_DEPTH_LIMIT // 2}}}", re.M
)
# Flow nesting: brackets, skipping quoted strings whose brackets nest nothing.
_BRACKETS = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[\[\]{}]""")
# Line breaks as the parsers count lines for their marks.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class PositionMap:
    """Where keys and values sit in the file, by data path.

    A data path names an item as the keys and list indexes that lead to it, e.g.
    `("handlers", "payment-service", "consumes", 0)`. Positions are 1-based.
    """

    __slots__ = ("_keys", "_values")

    def __init__(self) -> None:
        self._keys: dict[DataPath, Position] = {}
        self._values: dict[DataPath, Position] = {}

    def set_key(self, path: DataPath, position: Position) -> None:
        """Record where the key of the mapping entry at `path` starts."""
        self._keys.setdefault(path, position)

    def set_value(self, path: DataPath, position: Position) -> None:
        """Record where the value (or list entry) at `path` starts."""
        self._values.setdefault(path, position)

    def key(self, path: DataPath) -> Position | None:
        """Where the key at `path` starts (a list entry's own position)."""
        return self._keys.get(path) or self._values.get(path)

    def value(self, path: DataPath) -> Position | None:
        """Where the value at `path` starts."""
        return self._values.get(path) or self._keys.get(path)

    def nearest(self, path: DataPath, *, prefer_key: bool = True) -> Position:
        """The position of `path`, or of its closest ancestor that has one."""
        lookup = self.key if prefer_key else self.value
        for end in range(len(path), -1, -1):
            found = lookup(path[:end])
            if found is not None:
                return found
        return (1, 1)


class NodePositionMap(PositionMap):
    """Positions read from a composed YAML node tree when asked for.

    Recording every position while parsing costs more than the few lookups a
    check makes, so this walks the tree by data path instead; each mapping is
    indexed on its first visit, so a lookup costs one step per path element.
    """

    __slots__ = ("_root", "_indexes")

    def __init__(self, root: Node) -> None:
        super().__init__()
        self._root = root
        self._indexes: dict[int, dict[str, tuple[Node, Node]]] = {}

    def key(self, path: DataPath) -> Position | None:
        """Where the key at `path` starts (a list entry's own position)."""
        found = self._find(path)
        if found is None:
            return None
        key_node, value_node = found
        return _pos(key_node if key_node is not None else value_node)

    def value(self, path: DataPath) -> Position | None:
        """Where the value at `path` starts."""
        found = self._find(path)
        return None if found is None else _pos(found[1])

    def _find(self, path: DataPath) -> tuple[Node | None, Node] | None:
        key_node: Node | None = None
        node = self._root
        for part in path:
            if isinstance(node, MappingNode) and isinstance(part, str):
                entry = self._index(node).get(part)
                if entry is None:
                    return None
                key_node, node = entry
            elif (
                isinstance(node, SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                key_node, node = None, node.value[part]
            else:
                return None
        return key_node, node

    def _index(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        index = self._indexes.get(id(node))
        if index is not None:
            return index
        index = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if _tag(key_node) == _MERGE_TAG:
                merges.append(value_node)
            elif isinstance(key_node, ScalarNode):
                # The first of duplicate keys is the one the data keeps.
                index.setdefault(str(key_node.value), (key_node, value_node))
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if isinstance(source, MappingNode) and id(source) != id(node):
                    for key, entry in self._index(source).items():
                        index.setdefault(key, entry)
        self._indexes[id(node)] = index
        return index


@dataclass
class ParsedSource:
    """Plain data built from YAML, where its items are, and what went wrong."""

    data: Any = None
    """Dicts, lists and scalars; None when the text could not be parsed."""

    positions: PositionMap = field(default_factory=PositionMap)
    """Positions of every key and value in `data`."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems seen at the YAML level."""

    fatal: bool = False
    """True when `data` is unusable (syntax error, alias bomb, empty file...)."""


def parse_text(text: str, path: str) -> ParsedSource:
    """Parse YAML text into plain data with positions; never raises on bad input."""
    result = ParsedSource()

    def fail(line: int, col: int, message: str) -> ParsedSource:
        result.diagnostics.append(Diagnostic(path, line, col, "error", message))
        result.fatal = True
        return result

    too_deep = _too_deep(text)
    if too_deep is not None:
        return fail(*too_deep, f"the YAML nests too deeply (over {MAX_DEPTH} levels)")
    try:
        root = _compose(text)
    except RecursionError:
        return fail(1, 1, f"the YAML nests too deeply (over {MAX_DEPTH} levels)")
    except YAMLError as exc:
        tab = _blamed_tab(exc, text)
        if tab is not None:
            # The parser's own words for a tab ("cannot start any token") do not
            # say what to change.
            return fail(*tab, "tab character in indentation; YAML indents with spaces")
        return fail(*_describe_yaml_error(exc, text))
    except UnicodeEncodeError as exc:
        # Only text built in memory can hold these: decoding never yields them.
        where = _offset_position(text, exc.start)
        return fail(*where, "the text holds an unpaired surrogate character")
    except (ValueError, TypeError, MemoryError) as exc:
        log.debug("YAML parser failed on %s", path, exc_info=True)
        return fail(1, 1, f"the YAML cannot be read: {exc}")

    if root is None:
        return fail(1, 1, "the file is empty; a flow starts with `edaviz: 1`")
    if not isinstance(root, MappingNode):
        line, col = _pos(root)
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        return fail(line, col, f"a flow file must be a mapping of fields, not {kind}")

    result.positions = NodePositionMap(root)
    try:
        if "*" in text:  # without aliases nothing is shared, nothing expands
            _check_size(root, limit=len(text) + _ALIAS_EXPANSION_ALLOWANCE)
        result.data = _Builder(path, result).build(root, ())
    except _Abort as stop:
        result.data = None
        return fail(stop.line, stop.col, stop.message)
    return result


def from_document(document: Any, path: str) -> ParsedSource:
    """Plain data and positions from a ruamel round-trip document (as edited).

    Items added in memory have no recorded position; their diagnostics point at
    the closest ancestor that has one.
    """
    result = ParsedSource()
    if not isinstance(document, Mapping):
        diagnostic = Diagnostic(
            path, 1, 1, "error", "a flow file must be a mapping of fields"
        )
        result.diagnostics.append(diagnostic)
        result.fatal = True
        return result
    result.positions.set_value((), (1, 1))
    result.data = _from_commented(document, (), result.positions, depth=0)
    return result


class _Abort(Exception):
    """Stops building: the document is unusable as a whole."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


class _Builder:
    """Turns a composed node tree into plain data."""

    def __init__(self, path: str, result: ParsedSource) -> None:
        self.path = path
        self.result = result

    def error(self, node: Node, message: str) -> None:
        line, col = _pos(node)
        diagnostic = Diagnostic(self.path, line, col, "error", message)
        self.result.diagnostics.append(diagnostic)

    def build(self, node: Node, path: DataPath) -> Any:
        """Plain data for `node`, found at data path `path`. A tree with aliases
        must have passed `_check_size`: no recursion, bounded expansion."""
        if len(path) > MAX_DEPTH:
            raise _Abort(*_pos(node), f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ScalarNode):
            if _is_reference(path) and not _tag(node).startswith("!"):
                # Ids are mapping keys, read as written (`2024-01-01`, `0x1F`);
                # references to them are read the same way, not typed.
                return str(node.value)
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return [
                self.build(item, (*path, index))
                for index, item in enumerate(node.value)
            ]
        return self.mapping(node, path)

    def scalar(self, node: ScalarNode) -> Any:
        tag = _tag(node)
        if tag == _STR_TAG:
            return node.value
        construct = SafeConstructor.yaml_constructors.get(tag)
        if construct is None or tag.startswith("!"):
            self.error(node, f"unsupported YAML tag {tag!r}")
            return node.value
        try:
            if tag == _INT_TAG and node.value.isascii() and node.value.isdigit():
                return int(node.value)
            return construct(_SAFE_SCALARS, node)
        except (YAMLError, ValueError, TypeError, OverflowError, AttributeError):
            shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            self.error(node, f"cannot read {shown!r} as {tag.rsplit(':')[-1]}")
            return node.value

    def mapping(self, node: MappingNode, path: DataPath) -> dict[str, Any]:
        data: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if _tag(key_node) == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(
                    key_node, "a key must be a plain name, not a list or mapping"
                )
                continue
            key = str(key_node.value)
            if key in first_seen:
                self.error(key_node, _duplicate_message(path, key, first_seen[key]))
                continue
            first_seen[key] = key_node
            data[key] = self.build(value_node, (*path, key))
        for merge in merges:
            self.merge_into(data, merge, path)
        return data

    def merge_into(self, data: dict[str, Any], node: Node, path: DataPath) -> None:
        """Apply a `<<: *anchor` merge: keys written in place win."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.error(source, "`<<` merges only mappings")
                continue
            merged = self.build(source, path)
            for key, value in merged.items():
                data.setdefault(key, value)


def _is_reference(path: DataPath) -> bool:
    """True for the data path of an entry of a handler's consumes or produces."""
    return (
        len(path) == 4
        and path[0] == "handlers"
        and path[2] in ("consumes", "produces")
        and isinstance(path[3], int)
    )


def _duplicate_message(path: DataPath, key: str, first: Node) -> str:
    line = _pos(first)[0]
    if path == ("events",):
        return f"event {key!r} is defined twice (first on line {line})"
    if path == ("handlers",):
        return f"handler {key!r} is defined twice (first on line {line})"
    return f"duplicate key {key!r} (first on line {line})"


def _from_commented(
    value: Any, path: DataPath, positions: PositionMap, depth: int
) -> Any:
    """Plain data from ruamel round-trip containers, recording their `lc` marks."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        lc = getattr(value, "lc", None)
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = (*path, _as_written(key))
            if lc is not None:
                _record(positions.set_key, child, lc.key, key)
                _record(positions.set_value, child, lc.value, key)
            out[child[-1]] = _from_commented(item, child, positions, depth + 1)
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        lc = getattr(value, "lc", None)
        items = []
        for index, item in enumerate(value):
            child = (*path, index)
            if lc is not None:
                _record(positions.set_value, child, lc.item, index)
            items.append(_from_commented(item, child, positions, depth + 1))
        return items
    if _is_reference(path):
        return _as_written(value)  # as in `parse_text`: like the keys they name
    if isinstance(value, bool | None):
        return value
    for plain in (str, int, float):
        if isinstance(value, plain):
            return plain(value)
    return value


def _as_written(value: Any) -> str:
    """A round-trip scalar as YAML text, close to how the file spells it
    (`0x1F`, `2024-01-01`, `true`), as `parse_text` reads keys."""
    if isinstance(value, str | Mapping | Sequence):
        return str(value)
    stream = io.StringIO()
    try:
        _ROUND_TRIP.dump(value, stream)
    except YAMLError:
        return str(value)
    return stream.getvalue().removesuffix("\n...\n").strip()


def _record(setter: Any, path: DataPath, lookup: Any, key: Any) -> None:
    try:
        line, col = lookup(key)
    except (KeyError, IndexError, TypeError):
        return
    setter(path, (line + 1, col + 1))


class _CoreResolver(Resolver):
    """YAML 1.2 core-schema tags without ruamel's per-scalar version lookup,
    which takes over half the parse time of a 2,000-node flow."""

    def __init__(
        self, version: Any = None, loader: Any = None, loadumper: Any = None
    ) -> None:
        super().__init__(loadumper=loadumper if loadumper is not None else loader)

    @property
    def processing_version(self) -> tuple[int, int]:
        """Flow files are read as YAML 1.2 (`yes` and `on` stay text)."""
        return (1, 2)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The tag of a node: plain scalars by the core schema, else the default."""
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT_BY_FIRST.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        if kind is SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


def _implicit_by_first() -> dict[str, list[tuple[Tag, Any]]]:
    """Resolver's YAML 1.2 rules by first character, tags built once."""
    rules = Resolver.yaml_implicit_resolvers
    anywhere = rules.get(None, [])
    table: dict[str, list[tuple[Tag, Any]]] = {}
    for first, entries in rules.items():
        if first is not None:
            table[first] = [(Tag(suffix=tag), rx) for tag, rx in (*entries, *anywhere)]
    return table


_IMPLICIT_BY_FIRST = _implicit_by_first()


def _compose(text: str) -> Node | None:
    """The YAML node tree of `text` (None when it holds no document)."""
    yaml = YAML(typ="safe", pure=not PREFER_LIBYAML)
    yaml.Resolver = _CoreResolver
    return yaml.compose(text)


def _too_deep(text: str) -> Position | None:
    """Where `text` may nest deeper than the parsers can take, judged cheaply
    from brackets and indentation; None when it cannot."""
    if text.count("[") + text.count("{") > _PARSE_DEPTH_LIMIT:
        found = _deep_brackets(text)
        if found is not None:
            return found
    # Block collections nest by indentation, or by `- ` / `? ` on one line.
    match = _DEEP_BLOCK.search(text)
    return None if match is None else _offset_position(text, match.start())


def _deep_brackets(text: str) -> Position | None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > _PARSE_DEPTH_LIMIT:
                return _offset_position(text, match.start())
        elif token in "]}":
            depth = max(depth - 1, 0)
    return None


def _check_size(root: Node, limit: int) -> None:
    """Refuse trees that nest too deep, refer to themselves, or expand (through
    aliases) to more than `limit` nodes. Linear in the distinct nodes."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    shared: list[Node] = []

    def size(node: Node, depth: int) -> int:
        ident = id(node)
        if ident in sizes:
            if not shared:
                shared.append(node)
            return sizes[ident]
        if ident in active:
            raise _Abort(*_pos(node), "an alias refers to itself (recursive YAML)")
        if depth > MAX_DEPTH:
            raise _Abort(*_pos(node), f"nested more than {MAX_DEPTH} levels deep")
        total = 1
        if isinstance(node, SequenceNode):
            active.add(ident)
            total += sum(size(item, depth + 1) for item in node.value)
        elif isinstance(node, MappingNode):
            active.add(ident)
            for key, value in node.value:
                total += size(key, depth + 1) + size(value, depth + 1)
        active.discard(ident)
        if total > limit:
            where = _pos(shared[0] if shared else node)
            raise _Abort(*where, "aliases expand too far; refusing a YAML alias bomb")
        sizes[ident] = total
        return total

    size(root, 0)


def _blamed_tab(exc: YAMLError, text: str) -> Position | None:
    """Where the tab is that caused the parser's error `exc`, or None when a tab
    did not cause it. Tabs are legal in block scalars, quoted text and flow
    collections (tab-indented JSON), so a tab elsewhere in the file proves
    nothing: only one at the error's mark, or one indenting the line of a
    block-context error, is blamed."""
    if not isinstance(exc, MarkedYAMLError) or exc.problem_mark is None:
        return None
    mark = exc.problem_mark
    lines = _LINE_BREAK.split(text)
    if mark.line >= len(lines):
        return None
    line = lines[mark.line]
    problem = exc.problem or ""
    at_mark = line[mark.column : mark.column + 1] == "\t"
    if at_mark and ("tab" in problem or "cannot start any token" in problem):
        return mark.line + 1, mark.column + 1
    if "flow" in (exc.context or ""):
        return None  # inside [...] or {...} a tab is plain white space
    column = _indenting_tab(line)
    return None if column is None else (mark.line + 1, column)


def _indenting_tab(line: str) -> int | None:
    """The 1-based column of a tab that indents `line` as a block, if any."""
    stripped = line.lstrip(" \t")
    indent = line[: len(line) - len(stripped)]
    if "\t" in indent:
        return indent.index("\t") + 1
    # A tab right after a `- ` or `key:` indicator also indents a block.
    match = re.match(r"^ *(?:- |[^#\s][^:#]*: )[ ]*\t", line)
    return None if match is None else match.end()


def _describe_yaml_error(exc: YAMLError, text: str) -> tuple[int, int, str]:
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "another document" in problem:
            problem = "a flow file holds a single YAML document (found a second)"
        return mark.line + 1, mark.column + 1, f"YAML syntax error: {problem}"
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        reason = getattr(exc, "reason", None) or "unreadable character"
        return (*_offset_position(text, position), f"YAML syntax error: {reason}")
    return 1, 1, f"YAML syntax error: {exc}"


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _tag(node: Node) -> str:
    """The node's tag as text; resolved tags skip ruamel's slower `Node.tag`."""
    ctag = node.ctag
    if ctag.handle is None and isinstance(ctag.suffix, str):
        return ctag.suffix
    return str(node.tag)


def _pos(node: Node) -> Position:
    mark = node.start_mark
    return mark.line + 1, mark.column + 1
