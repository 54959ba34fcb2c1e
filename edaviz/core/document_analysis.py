"""What a flow document knows about one version of its text.

`analyse` validates a text exactly as `edaviz validate` does and keeps what the
edits need besides: the plain data and where each item sits. `lenient_flow`
builds a drawable flow from a draft that does not validate, and `closed_cycle`
finds the cycle an edit's new edges would close. `check_id` and `field_value`
say which ids and field values an edit may write (`EditError` otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from edaviz.core.diagnostics import Diagnostic
from edaviz.core.document_edits import EditError
from edaviz.core.flow import (
    ID_MAX_LENGTH,
    ID_PATTERN,
    ClusterSettings,
    Event,
    Flow,
    Handler,
)
from edaviz.core.graph import FlowGraph, NodeKey
from edaviz.core.loader import load_flow, validate_text
from edaviz.core.source import PositionMap, parse_text

#: Fields the editor sets, per node kind.
EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "event": ("topic", "partitions", "schema", "description"),
    "handler": ("group", "owner", "description"),
}


@dataclass(frozen=True)
class Analysis:
    """One text, validated: what the loader says about it and its plain data."""

    text: str
    flow: Flow | None
    model: Flow | None
    diagnostics: list[Diagnostic]
    data: Any
    positions: PositionMap


def analyse(text: str, path: str) -> Analysis:
    """Validate `text` exactly as `edaviz validate` does, keeping the plain data
    and the positions the edits need."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (kept as surrogates): report them exactly
        # as `edaviz validate` does for the file.
        result = load_flow(path)
        return Analysis(text, None, None, list(result.diagnostics), None, PositionMap())
    result = validate_text(text, path)
    data = getattr(result, "data", None)
    if data is None and result.parsed:
        # LoadResult does not carry the parsed data; parse once more for it.
        data = parse_text(text, path).data
    return Analysis(
        text,
        result.flow,
        result.model,
        list(result.diagnostics),
        data,
        result.positions,
    )


def closed_cycle(
    data: Any, new_edges: Iterable[tuple[NodeKey, NodeKey]], path: Path
) -> list[NodeKey] | None:
    """The cycle (a closed node path) that one of `new_edges` closes in
    `data`, or None."""
    new_edges = list(new_edges)
    if not new_edges:
        return None
    graph = FlowGraph(lenient_flow(data, path)).full
    for u, v in new_edges:
        if u in graph and v in graph and nx.has_path(graph, v, u):
            return [u, *nx.shortest_path(graph, v, u)]
    return None


def lenient_flow(data: Any, path: Path) -> Flow:
    """A Flow built without validation from whatever `data` holds, for drawing
    a draft that has errors."""
    data = data if isinstance(data, dict) else {}
    events: dict[str, Event] = {}
    handlers: dict[str, Handler] = {}
    raw_events = data.get("events")
    if isinstance(raw_events, dict):
        for key, node in raw_events.items():
            node = node if isinstance(node, dict) else {}
            topic = node.get("topic")
            events[str(key)] = Event.model_construct(
                id=str(key), topic=str(topic) if topic else str(key)
            )
    raw_handlers = data.get("handlers")
    if isinstance(raw_handlers, dict):
        for key, node in raw_handlers.items():
            node = node if isinstance(node, dict) else {}
            edges = {}
            for name in ("consumes", "produces"):
                items = node.get(name)
                items = items if isinstance(items, list) else []
                edges[name] = tuple(str(i) for i in items if isinstance(i, str))
            handlers[str(key)] = Handler.model_construct(
                id=str(key), group=str(node.get("group") or key), **edges
            )
    return Flow.model_construct(
        edaviz=1,
        name=str(data.get("name") or path.stem),
        cluster=ClusterSettings(),
        events=events,
        handlers=handlers,
    )


def check_id(node_id: str) -> None:
    if not isinstance(node_id, str) or not re.fullmatch(ID_PATTERN, node_id):
        raise EditError(f"{node_id!r} is not a valid id (letters, digits, . _ -)")
    if len(node_id) > ID_MAX_LENGTH:
        raise EditError(f"ids are at most {ID_MAX_LENGTH} characters")


def field_value(kind: str, name: str, value: str | int) -> str | int:
    if name not in EDITABLE_FIELDS[kind]:
        raise EditError(f"{kind}s have no editable field {name!r}")
    if name == "partitions":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise EditError(
                f"partitions must be a whole number, not {value!r}"
            ) from None
        return number
    return str(value)
