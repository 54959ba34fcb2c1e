"""YAML text for flow file edits: the round-trip parser, scalars written so they
read back the same, and the scanning of one-line tokens and flow collections
that the splices of `edaviz.core.splice` stand on.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML

from edaviz.errors import EdavizError

#: Plain scalars may hold letters of any script; a read-back check still decides.
_PLAIN_SAFE = re.compile(r"[\w./][\w./ ()+=~^$%@,;-]*")
ID_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_FLOW_INDICATORS = frozenset(",[]{}")
DOCUMENT_END = re.compile(r"\.\.\.(\s|$)")
#: What may follow an entry of a flow collection on its line when the entry has
#: the line to itself: its comma and a comment.
LINE_TAIL = re.compile(r"[ \t]*,?[ \t]*(#[^\n]*)?(\r?\n|$)")


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


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def token_end(line: str, col: int, flow: bool = False) -> int:
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


def is_json(text: str) -> bool:
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


def flow_close(text: str, start: int) -> int:
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


def runs(indexes: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in sorted `indexes`."""
    run: list[int] = []
    for index in indexes:
        if run and index != run[-1] + 1:
            yield run[0], run[-1]
            run = []
        run.append(index)
    if run:
        yield run[0], run[-1]
