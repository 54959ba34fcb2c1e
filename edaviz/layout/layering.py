"""Layer assignment: each node gets a layer so that every edge points forward.

Layers come from the longest path from the sources, then a tightening pass pulls
nodes towards the side where most of their edges go, which shortens long edges
(fewer dummy nodes, fewer crossings, narrower drawings).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence

import networkx as nx

from edaviz.layout.simplex import optimal_ranks

log = logging.getLogger(__name__)

#: Tightening passes over all nodes; each pass only ever shortens edges, and
#: flows settle within a handful of passes.
TIGHTEN_PASSES = 8


def check_acyclic(graph: nx.DiGraph) -> None:
    """Raise ValueError naming one cycle when the graph is not a DAG."""
    if nx.is_directed_acyclic_graph(graph):
        return
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join(str(u) for u, _ in cycle)
    raise ValueError(f"the graph has a cycle: {path} -> {cycle[0][0]}")


def topological_order(graph: nx.DiGraph, nodes: Sequence[Hashable]) -> list[Hashable]:
    """The nodes in a topological order; ties keep the order of `nodes`."""
    index = {node: i for i, node in enumerate(nodes)}
    sub = graph.subgraph(nodes)
    return list(nx.lexicographical_topological_sort(sub, key=index.__getitem__))


def assign_layers(graph: nx.DiGraph, nodes: Sequence[Hashable]) -> dict[Hashable, int]:
    """Layer of each of `nodes` (one weakly connected component), 0 first.

    Every edge u -> v gets layer[v] > layer[u]. The result is normalised so the
    smallest layer is 0.
    """
    order = topological_order(graph, nodes)
    layer: dict[Hashable, int] = {}
    for node in order:
        preds = [layer[p] for p in graph.predecessors(node)]
        layer[node] = max(preds) + 1 if preds else 0

    # A node moves within the span its neighbours allow towards the side with
    # more edges; with equal counts it stays, so the pass never lengthens the
    # sum of edge spans and always terminates.
    for _ in range(TIGHTEN_PASSES):
        moved = False
        for node in reversed(order):
            ins = [layer[p] for p in graph.predecessors(node)]
            outs = [layer[s] for s in graph.successors(node)]
            if len(outs) > len(ins) and outs:
                best = min(outs) - 1
                if best > layer[node]:
                    layer[node] = best
                    moved = True
            elif len(ins) > len(outs) and ins:
                best = max(ins) + 1
                if best < layer[node]:
                    layer[node] = best
                    moved = True
        if not moved:
            break

    index = {node: i for i, node in enumerate(nodes)}
    ranks = [layer[node] for node in nodes]
    edges = [(index[u], index[v]) for u in nodes for v in graph.successors(u)]
    optimal_ranks(len(nodes), edges, ranks)
    low = min(ranks, default=0)
    return {node: ranks[i] - low for i, node in enumerate(nodes)}
