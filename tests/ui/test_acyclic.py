"""Unit tests of laying out graphs that loop (flows with a cycle error)."""

from __future__ import annotations

import networkx as nx

from edaviz.layout import compute_layout
from edaviz.ui.acyclic import feedback_edges, layout_graph, restore_edges


def test_an_acyclic_graph_is_laid_out_as_it_is() -> None:
    graph = nx.DiGraph([("a", "h"), ("h", "b")])
    assert feedback_edges(graph) == []
    assert layout_graph(graph) == (graph, {})


def test_the_edge_closing_a_loop_is_reversed_for_the_layout() -> None:
    graph = nx.DiGraph([("a", "h"), ("h", "b"), ("b", "g"), ("g", "a")])
    dag, reversed_edges = layout_graph(graph)
    assert nx.is_directed_acyclic_graph(dag)
    assert reversed_edges == {("a", "g"): ("g", "a")}
    assert graph.has_edge("g", "a")  # the input is left alone

    layout = compute_layout(dag, dict.fromkeys(dag, (3, 3)))
    laid = layout.edges[("a", "g")]
    restored = restore_edges(layout, reversed_edges).edges
    assert set(restored) == set(graph.edges)
    assert restored[("g", "a")].points == tuple(reversed(laid.points))
    assert (restored[("g", "a")].source, restored[("g", "a")].target) == ("g", "a")


def test_a_loop_onto_an_existing_edge_or_itself_is_left_out() -> None:
    graph = nx.DiGraph([("a", "h"), ("h", "a"), ("b", "b")])
    dag, reversed_edges = layout_graph(graph)
    assert nx.is_directed_acyclic_graph(dag)
    assert reversed_edges == {}
    assert set(dag.edges) == {("a", "h")}


def test_the_edges_found_do_not_depend_on_the_run() -> None:
    edges = [(i, (i * 7 + 3) % 40) for i in range(40)] + [(i, i + 1) for i in range(39)]
    first = feedback_edges(nx.DiGraph(edges))
    assert first == feedback_edges(nx.DiGraph(edges))
    dag = nx.DiGraph(edges)
    dag.remove_edges_from(first)
    assert nx.is_directed_acyclic_graph(dag)
