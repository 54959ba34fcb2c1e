"""What a snapshot paints on the graph: edge labels, edge health, node lines.

Pure functions of a graph and a snapshot, kept apart from the widget so the
widget can diff one paint against the last and redraw only the rows that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from edaviz.core.graph import NodeKey
from edaviz.metrics.snapshot import EdgeStats, Health, Snapshot
from edaviz.ui.format import NODE_METRIC_WIDTH, edge_label, rate, si

Edge = tuple[NodeKey, NodeKey]

#: Worst first: the colour of a line shared by several edges is the worst one.
SEVERITY = {
    Health.REWIND: 6,
    Health.STOP: 5,
    Health.STALL: 4,
    Health.WARN: 3,
    Health.NO_COMMIT: 2,
    Health.OK: 1,
    Health.UNKNOWN: 0,
}


@dataclass(frozen=True)
class Paint:
    """The live layer of the graph for one snapshot (empty in design mode)."""

    labels: dict[Edge, tuple[str, ...]] = field(default_factory=dict)
    health: dict[Edge, Health] = field(default_factory=dict)
    metrics: dict[NodeKey, str] = field(default_factory=dict)
    bottleneck: NodeKey | None = None


def worst(statuses: list[Health]) -> Health:
    """The most severe of some health statuses (UNKNOWN when there are none)."""
    return max(statuses, key=SEVERITY.__getitem__, default=Health.UNKNOWN)


def paint_for(
    graph: nx.DiGraph, snapshot: Snapshot | None, *, node_lines: bool = True
) -> Paint:
    """Labels, health and (with `node_lines`, for the detailed zoom) the live
    line of every node of `graph` from `snapshot`."""
    if snapshot is None or not snapshot.cluster.connected:
        return Paint()
    labels: dict[Edge, tuple[str, ...]] = {}
    health: dict[Edge, Health] = {}
    for u, v, data in graph.edges(data=True):
        stats = _edge_stats(snapshot, u, v, data)
        if not stats:
            continue
        first = stats[0]
        labels[(u, v)] = edge_label(first)
        health[(u, v)] = worst([s.status for s in stats])
    if not node_lines:
        bottleneck = (
            NodeKey("handler", snapshot.bottleneck) if snapshot.bottleneck else None
        )
        return Paint(labels, health, {}, bottleneck)
    into: dict[str, list[EdgeStats]] = {}
    out_of: dict[str, list[EdgeStats]] = {}
    for stats in snapshot.edges:
        into.setdefault(stats.target, []).append(stats)
        out_of.setdefault(stats.source, []).append(stats)
    metrics = {node: node_metric(snapshot, node, into, out_of) for node in graph.nodes}
    bottleneck = (
        NodeKey("handler", snapshot.bottleneck) if snapshot.bottleneck else None
    )
    return Paint(labels, health, metrics, bottleneck)


def _edge_stats(
    snapshot: Snapshot, u: NodeKey, v: NodeKey, data: dict
) -> list[EdgeStats]:
    if data.get("kind") == "flows":
        # Event view: e1 -> e2 stands for the handlers between them; their
        # consume edges carry the lag that matters.
        found = (snapshot.edge(u.id, h) for h in data.get("handlers", ()))
        return [s for s in found if s is not None]
    stats = snapshot.edge(u.id, v.id)
    return [stats] if stats is not None else []


def node_metric(
    snapshot: Snapshot,
    node: NodeKey,
    into: dict[str, list[EdgeStats]] | None = None,
    out_of: dict[str, list[EdgeStats]] | None = None,
) -> str:
    """The live line of a node box in the detailed zoom; `into` and `out_of`
    index the snapshot's edges by target and source (built when omitted)."""
    if into is None or out_of is None:
        into, out_of = {}, {}
        for stats in snapshot.edges:
            into.setdefault(stats.target, []).append(stats)
            out_of.setdefault(stats.source, []).append(stats)
    if node.kind == "event":
        stats = snapshot.event(node.id)
        if stats is None or not stats.exists:
            return "no topic".ljust(NODE_METRIC_WIDTH)
        text = rate(stats.rate)
    else:
        edges = into.get(node.id, [])
        if not edges:
            # A source handler consumes nothing: what it writes is its number.
            out = [e.rate for e in out_of.get(node.id, []) if e.rate]
            return f"out {rate(sum(out) if out else None)}"[:NODE_METRIC_WIDTH].ljust(
                NODE_METRIC_WIDTH
            )
        lags = [e.lag for e in edges if e.lag is not None]
        state = worst([e.status for e in edges])
        text = f"lag {si(sum(lags)) if lags else '–'} {state.value}"
    return text[:NODE_METRIC_WIDTH].ljust(NODE_METRIC_WIDTH)
