"""Laying out a graph that loops: the layout takes DAGs only.

A flow with errors may loop back on itself. The validator reports the loop; the
view still draws the flow, with the edges that close cycles laid out reversed
and drawn in their own direction again (left out when the reverse edge exists,
as in a handler that consumes what it produces).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterator

import networkx as nx

from edaviz.layout import Layout

Edge = tuple[Hashable, Hashable]


def feedback_edges(graph: nx.DiGraph) -> list[Edge]:
    """The edges that close a cycle in a depth-first walk (the back edges).

    Without them, or with them reversed, the graph is acyclic. The walk starts
    at the sources, then takes the other nodes, each in graph order, so the same
    graph always gives the same edges.
    """
    roots = [n for n in graph if graph.in_degree(n) == 0]
    roots += [n for n in graph if graph.in_degree(n) != 0]
    on_path: dict[Hashable, bool] = {}
    back: list[Edge] = []
    for root in roots:
        if root in on_path:
            continue
        on_path[root] = True
        stack: list[tuple[Hashable, Iterator[Hashable]]] = [
            (root, iter(graph.successors(root)))
        ]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in on_path:
                    on_path[child] = True
                    stack.append((child, iter(graph.successors(child))))
                    break
                if on_path[child]:
                    back.append((node, child))
            else:
                on_path[node] = False
                stack.pop()
    return back


def layout_graph(graph: nx.DiGraph) -> tuple[nx.DiGraph, dict[Edge, Edge]]:
    """`graph` made acyclic for the layout, and which of its edges are reversed.

    Returns the graph itself when it has no cycle. The mapping takes a reversed
    edge of the result to the edge of `graph` it stands for.
    """
    back = feedback_edges(graph)
    if not back:
        return graph, {}
    dag = graph.copy()
    dag.remove_edges_from(back)
    reversed_edges: dict[Edge, Edge] = {}
    for source, target in back:
        if source != target and not dag.has_edge(target, source):
            dag.add_edge(target, source, **graph.edges[source, target])
            reversed_edges[(target, source)] = (source, target)
    return dag, reversed_edges


def restore_edges(layout: Layout, reversed_edges: dict[Edge, Edge]) -> Layout:
    """The layout with every reversed edge's route turned back to its own
    direction, under the edge's own key."""
    if not reversed_edges:
        return layout
    edges = {}
    for key, route in layout.edges.items():
        original = reversed_edges.get(key)
        if original is None:
            edges[key] = route
            continue
        edges[original] = dataclasses.replace(
            route,
            source=original[0],
            target=original[1],
            points=tuple(reversed(route.points)),
        )
    return dataclasses.replace(layout, edges=edges)
