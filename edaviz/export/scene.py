"""What an export shows: the nodes and edges of one view, their text and health.

A `Scene` is built once per export from a flow, a view name and an optional live
snapshot; every format renders from it. Text-free formats (Mermaid, DOT) never
ask for the layout, so it is computed only when a drawing or JSON needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from functools import cached_property
from typing import Literal

import networkx as nx

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph, NodeKey
from edaviz.errors import EdavizError
from edaviz.export import labels
from edaviz.export.redact import safe_bootstrap
from edaviz.layout import Layout, compute_layout
from edaviz.metrics.snapshot import Health, Snapshot

View = Literal["full", "events"]
Direction = Literal["LR", "TB"]

#: Blank cells between a node's text and each side of its border.
NODE_PADDING = 2


@dataclass(frozen=True, slots=True)
class SceneNode:
    """A node as exports show it: its key and the lines of text in its box."""

    key: NodeKey
    lines: tuple[str, ...]
    """First the id, then optional detail lines (topic, group, live facts)."""
    health: Health | None = None
    """Worst health of the node's inbound consume edges, with a snapshot."""

    @property
    def kind(self) -> str:
        """`event` or `handler`."""
        return self.key.kind

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the box in character cells, border included."""
        width = max(len(line) for line in self.lines) + 2 * NODE_PADDING
        return width, len(self.lines) + 2


@dataclass(frozen=True, slots=True)
class SceneEdge:
    """An edge as exports show it: its ends, its label lines and its health."""

    source: NodeKey
    target: NodeKey
    kind: str
    """`consumes`, `produces`, or `flows` in the event view."""
    handlers: tuple[str, ...] = ()
    """Handlers linking the two events (event view only)."""
    label: tuple[str, ...] = ()
    """Lines of the edge label; empty for an unlabelled edge."""
    health: Health | None = None
    """Health with a live snapshot, else None."""

    @property
    def label_size(self) -> tuple[int, int] | None:
        """Width and height of the label in cells, or None without a label."""
        if not self.label:
            return None
        return max(len(line) for line in self.label), len(self.label)


@dataclass(eq=False)
class Scene:
    """One view of a flow with everything an exporter needs to draw it."""

    flow: Flow
    view: View
    direction: Direction
    graph: nx.DiGraph
    nodes: dict[NodeKey, SceneNode]
    edges: dict[tuple[NodeKey, NodeKey], SceneEdge]
    snapshot: Snapshot | None = None

    @cached_property
    def layout(self) -> Layout:
        """The layered layout of the view, sized to the text of every box."""
        sizes = {key: node.size for key, node in self.nodes.items()}
        label_sizes = {
            pair: edge.label_size
            for pair, edge in self.edges.items()
            if edge.label_size is not None
        }
        try:
            return compute_layout(
                self.graph, sizes, direction=self.direction, label_sizes=label_sizes
            )
        except ValueError as exc:
            # The loader rejects cyclic flows; a flow built in code may not be.
            raise EdavizError(f"cannot lay out {self.flow.name!r}: {exc}") from exc

    @property
    def title(self) -> str:
        """The heading of a drawing: the flow's name and the view."""
        view = "events view" if self.view == "events" else "full view"
        return f"{self.flow.name} ({view})"

    @property
    def caption(self) -> str | None:
        """With a snapshot: the flow, the cluster and the moment it was taken."""
        if self.snapshot is None:
            return None
        cluster = self.snapshot.cluster
        where = safe_bootstrap(cluster.bootstrap)
        if not cluster.connected:
            where += " (disconnected)"
        return f"{self.flow.name} · cluster {where} · {format_time(self.snapshot)}"


def format_time(snapshot: Snapshot) -> str:
    """The snapshot's moment in UTC, to the second."""
    taken = snapshot.taken_at
    if taken.tzinfo is None:
        taken = taken.replace(tzinfo=UTC)
    return taken.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def build_scene(
    flow: Flow,
    *,
    view: View = "full",
    snapshot: Snapshot | None = None,
    direction: Direction = "LR",
) -> Scene:
    """Collect the nodes and edges of `view` with their text and live health."""
    if view not in ("full", "events"):
        raise ValueError(f"unknown view {view!r}")
    if direction not in ("LR", "TB"):
        raise ValueError(f"unknown direction {direction!r}")
    graph = FlowGraph(flow).view(view)

    edges: dict[tuple[NodeKey, NodeKey], SceneEdge] = {}
    for u, v, data in graph.edges(data=True):
        edges[(u, v)] = _scene_edge(u, v, data, snapshot)

    nodes: dict[NodeKey, SceneNode] = {}
    for key in graph.nodes:
        inbound = [
            edges[(u, key)].health
            for u in graph.predecessors(key)
            if edges[(u, key)].health is not None
        ]
        # Only a handler has a health of its own: the worst of the edges it
        # consumes. An event's inbound edges are produce edges, which carry a
        # rate but no lag to judge.
        health = labels.worst(inbound) if key.kind == "handler" and inbound else None
        nodes[key] = SceneNode(key, _node_lines(flow, key, snapshot), health)
    return Scene(flow, view, direction, graph, nodes, edges, snapshot)


def _node_lines(flow: Flow, key: NodeKey, snapshot: Snapshot | None) -> tuple[str, ...]:
    lines = [key.id]
    live: str | None = None
    if key.kind == "event":
        event = flow.events[key.id]
        if event.topic != event.id:
            lines.append(f"topic {event.topic}")
        if snapshot is not None:
            live = labels.event_numbers(snapshot.event(key.id))
    else:
        handler = flow.handlers[key.id]
        if handler.group != handler.id:
            lines.append(f"group {handler.group}")
        if snapshot is not None:
            live = labels.handler_numbers(snapshot.handler(key.id))
    if live is not None:
        lines.append(live)
    return tuple(lines)


def _scene_edge(
    u: NodeKey, v: NodeKey, data: dict, snapshot: Snapshot | None
) -> SceneEdge:
    kind = data.get("kind", "flows")
    handlers = tuple(data.get("handlers", ()))
    if kind != "flows":
        if snapshot is None:
            return SceneEdge(u, v, kind)
        stats = snapshot.edge(u.id, v.id)
        health = stats.status if stats is not None else Health.UNKNOWN
        return SceneEdge(u, v, kind, (), (labels.edge_numbers(stats),), health)

    # Event view: one label line per linking handler; the edge takes the worst
    # health of those handlers' consume edges, since any of them can hold it up.
    if snapshot is None:
        lines = labels.cap_lines(list(handlers))
        return SceneEdge(u, v, kind, handlers, tuple(lines))
    lines, healths = [], []
    for handler_id in handlers:
        stats = snapshot.edge(u.id, handler_id)
        healths.append(stats.status if stats is not None else Health.UNKNOWN)
        lines.append(f"{handler_id}: {labels.edge_numbers(stats)}")
    return SceneEdge(
        u, v, kind, handlers, tuple(labels.cap_lines(lines)), labels.worst(healths)
    )
