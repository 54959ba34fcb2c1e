"""Unit tests of the layered layout: geometry, layering, determinism, crossings."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from edaviz.core.graph import event_key, handler_key
from edaviz.layout import (
    EdgeRoute,
    Layout,
    NodeBox,
    compute_layout,
    count_crossings,
)
from tests.layout.checks import check_layout, sizes_for

DIRECTIONS = ("LR", "TB")


def chain() -> nx.DiGraph:
    return nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])


def diamond() -> nx.DiGraph:
    return nx.DiGraph(
        [("top", "left"), ("top", "right"), ("left", "end"), ("right", "end")]
    )


def fan_out_in() -> nx.DiGraph:
    graph = nx.DiGraph()
    for i in range(5):
        graph.add_edge("source", f"worker-{i}")
        graph.add_edge(f"worker-{i}", "sink")
    return graph


def flow_like() -> nx.DiGraph:
    """An order flow with NodeKey tuples, a long edge and a second component."""
    graph = nx.DiGraph()
    steps = [
        (event_key("order-placed"), handler_key("payments")),
        (handler_key("payments"), event_key("payment-taken")),
        (handler_key("payments"), event_key("payment-failed")),
        (event_key("payment-taken"), handler_key("shipping")),
        (event_key("order-placed"), handler_key("audit")),
        (event_key("payment-failed"), handler_key("audit")),
        (handler_key("shipping"), event_key("order-shipped")),
        (event_key("order-shipped"), handler_key("audit")),
        (event_key("stock-changed"), handler_key("catalogue")),
    ]
    graph.add_edges_from(steps)
    graph.add_node(event_key("heartbeat"))
    return graph


def random_dag(nodes: int, edges: int, seed: int) -> nx.DiGraph:
    """A DAG with random edges between nodes in a random hidden order."""
    rng = random.Random(seed)
    graph = nx.DiGraph()
    graph.add_nodes_from(f"n{i}" for i in range(nodes))
    edges = min(edges, nodes * (nodes - 1) // 2)
    while graph.number_of_edges() < edges:
        a, b = sorted(rng.sample(range(nodes), 2))
        if b - a <= 6 or rng.random() < 0.1:
            graph.add_edge(f"n{a}", f"n{b}")
    return graph


GRAPHS = {
    "chain": chain,
    "diamond": diamond,
    "fan": fan_out_in,
    "flow": flow_like,
    "random": lambda: random_dag(40, 55, seed=7),
}


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("name", sorted(GRAPHS))
@pytest.mark.parametrize("labelled", [False, True])
def test_layout_properties(name: str, direction: str, labelled: bool) -> None:
    graph = GRAPHS[name]()
    sizes = sizes_for(graph)
    labels = {edge: (9, 1) for edge in graph.edges} if labelled else None
    layout = compute_layout(graph, sizes, direction=direction, label_sizes=labels)
    assert layout.direction == direction
    check_layout(layout, graph, sizes, labels)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_tight_layout_of_one_line_nodes_keeps_every_property(
    name: str, direction: str
) -> None:
    graph = GRAPHS[name]()
    sizes = sizes_for(graph, height=1)
    labels = {edge: (9, 1) for edge in graph.edges}
    loose = compute_layout(graph, sizes, direction=direction, label_sizes=labels)
    tight = compute_layout(
        graph, sizes, direction=direction, label_sizes=labels, tight=True
    )
    check_layout(tight, graph, sizes, labels)
    along = (lambda lay: lay.width) if direction == "LR" else (lambda lay: lay.height)
    assert along(tight) < along(loose)


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_keep_every_property(seed: int) -> None:
    rng = random.Random(seed)
    graph = random_dag(rng.randint(5, 60), 0, seed)
    graph = random_dag(graph.number_of_nodes(), graph.number_of_nodes() + seed, seed)
    sizes = {node: (rng.randint(3, 20), rng.randint(1, 5)) for node in graph}
    labels = {
        edge: (rng.randint(1, 14), rng.randint(1, 2))
        for edge in graph.edges
        if rng.random() < 0.7
    }
    for direction in DIRECTIONS:
        for tight in (False, True):
            layout = compute_layout(
                graph, sizes, direction=direction, label_sizes=labels, tight=tight
            )
            check_layout(layout, graph, sizes, labels)


@pytest.mark.parametrize("seed", [11, 22])
def test_routes_that_swap_rows_jog_instead_of_overlapping(seed: int) -> None:
    # These graphs have links that leave on the row another link enters, and
    # the other way round, between two merges (22) or in a cycle of three
    # track preferences (11); check_layout rejects the overlaps that result
    # without jogs.
    graph = random_dag(100, 140, seed)
    sizes = {node: (8, 3) for node in graph}
    for labels in (None, {edge: (8, 1) for edge in graph.edges}):
        layout = compute_layout(graph, sizes, label_sizes=labels)
        check_layout(layout, graph, sizes, labels)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_layers_follow_edges(direction: str) -> None:
    graph = flow_like()
    layout = compute_layout(graph, sizes_for(graph), direction=direction)
    sources = [n for n in graph if graph.in_degree(n) == 0 and graph.out_degree(n)]
    for node in sources:
        assert layout.nodes[node].layer == 0
    by_layer: dict[int, list[NodeBox]] = {}
    for box in layout.nodes.values():
        by_layer.setdefault(box.layer, []).append(box)
    for layer, boxes in by_layer.items():
        boxes.sort(key=lambda b: b.order)
        assert [b.order for b in boxes] == list(range(len(boxes)))
        # Order runs down the layer for LR and across it for TB.
        leads = [b.y if direction == "LR" else b.x for b in boxes]
        assert leads == sorted(leads), layer
    for u, v in graph.edges:
        if direction == "LR":
            assert layout.nodes[u].x < layout.nodes[v].x
        else:
            assert layout.nodes[u].y < layout.nodes[v].y


def test_long_edge_gets_tightened_source() -> None:
    # "late" only feeds the last node; longest-path layering alone would put it
    # in layer 0 with an edge spanning three layers.
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("late", "d")])
    layout = compute_layout(graph, sizes_for(graph))
    assert layout.nodes["late"].layer == layout.nodes["d"].layer - 1


def test_layering_moves_whole_chains() -> None:
    # p -> q -> r feeds z, which sits after a five-node chain. Moving any one of
    # p, q, r alone gains nothing; the least total length moves all three.
    graph = nx.DiGraph(
        [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "z")]
        + [("p", "q"), ("q", "r"), ("r", "z")]
    )
    layout = compute_layout(graph, sizes_for(graph))
    layer = {node: box.layer for node, box in layout.nodes.items()}
    assert sum(layer[v] - layer[u] for u, v in graph.edges) == len(graph.edges)
    assert layer["r"] == layer["z"] - 1


def test_deterministic() -> None:
    graph = random_dag(80, 120, seed=3)
    sizes = sizes_for(graph)
    labels = {edge: (7, 1) for edge in graph.edges}
    first = compute_layout(graph, sizes, label_sizes=labels)
    again = compute_layout(nx.DiGraph(graph), dict(sizes), label_sizes=dict(labels))
    assert first == again


def test_deterministic_across_hash_seeds() -> None:
    # String hashing changes per process; no set order may leak into a layout.
    code = (
        "from tests.layout.test_layout import flow_like, random_dag\n"
        "from tests.layout.checks import sizes_for\n"
        "from edaviz.layout import compute_layout\n"
        "for graph in (flow_like(), random_dag(60, 90, seed=5)):\n"
        "    labels = {edge: (8, 1) for edge in graph.edges}\n"
        "    layout = compute_layout(graph, sizes_for(graph), label_sizes=labels)\n"
        "    print(sorted((str(k), b.x, b.y) for k, b in layout.nodes.items()))\n"
        "    print(sorted((str(k), r.points) for k, r in layout.edges.items()))\n"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("name", ["chain", "diamond", "fan", "flow"])
def test_planar_graphs_have_no_crossings(name: str, direction: str) -> None:
    graph = GRAPHS[name]()
    for labels in (None, {edge: (6, 1) for edge in graph.edges}):
        layout = compute_layout(
            graph, sizes_for(graph), direction=direction, label_sizes=labels
        )
        assert count_crossings(layout) == 0


def test_chain_is_straight() -> None:
    graph = chain()
    layout = compute_layout(graph, sizes_for(graph))
    for route in layout.edges.values():
        assert len(route.points) == 2
        assert route.points[0][1] == route.points[1][1]


def test_components_do_not_overlap_and_share_layers() -> None:
    graph = nx.DiGraph([("a", "b"), ("c", "d"), ("d", "e")])
    graph.add_node("alone")
    layout = compute_layout(graph, sizes_for(graph))
    assert layout.nodes["a"].x == layout.nodes["c"].x
    assert layout.nodes["b"].layer == layout.nodes["d"].layer == 1
    check_layout(layout, graph, sizes_for(graph))


@pytest.mark.parametrize("labelled", [False, True])
def test_lone_nodes_share_a_shelf(labelled: bool) -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    graph.add_nodes_from(["x", "y", "z"])
    labels = {edge: (5, 1) for edge in graph.edges} if labelled else None
    layout = compute_layout(graph, sizes_for(graph), label_sizes=labels)
    lone = [layout.nodes[n] for n in ("x", "y", "z")]
    # One row below the chain, in the chain's first three layers.
    assert len({box.y for box in lone}) == 1
    assert [box.layer for box in lone] == [0, 1, 2]
    assert [box.x for box in lone] == [layout.nodes[n].x for n in "abc"]
    check_layout(layout, graph, sizes_for(graph), labels)


def test_empty_and_single_node() -> None:
    empty = compute_layout(nx.DiGraph(), {})
    assert (empty.width, empty.height, dict(empty.nodes)) == (0, 0, {})
    graph = nx.DiGraph()
    graph.add_node("x")
    layout = compute_layout(graph, {"x": (5, 3)})
    assert layout.nodes["x"] == NodeBox("x", 0, 0, 5, 3, 0, 0)
    assert (layout.width, layout.height) == (5, 3)


def test_cycle_is_rejected() -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    with pytest.raises(ValueError, match="cycle"):
        compute_layout(graph, sizes_for(graph))


def test_missing_or_bad_size_is_rejected() -> None:
    graph = chain()
    with pytest.raises(ValueError, match="no size"):
        compute_layout(graph, {"a": (3, 3)})
    with pytest.raises(ValueError, match="at least"):
        compute_layout(graph, {**sizes_for(graph), "b": (0, 3)})
    with pytest.raises(ValueError, match="direction"):
        compute_layout(graph, sizes_for(graph), direction="RL")  # type: ignore[arg-type]


def test_channels_make_room_for_wide_labels() -> None:
    graph = nx.DiGraph([("a", "b")])
    narrow = compute_layout(graph, sizes_for(graph), label_sizes={("a", "b"): (4, 1)})
    wide = compute_layout(graph, sizes_for(graph), label_sizes={("a", "b"): (30, 1)})
    assert wide.width - narrow.width == 26


def test_labels_stay_in_line_with_single_sources() -> None:
    # Thirty workers merge into one sink: each label sits on its worker's row
    # and the bends share the merge's tracks instead of thirty tracks of their
    # own.
    graph = nx.DiGraph()
    for i in range(30):
        graph.add_edge("hub", f"worker-{i}")
        graph.add_edge(f"worker-{i}", "sink")
    labels = {edge: (10, 1) for edge in graph.edges}
    layout = compute_layout(graph, sizes_for(graph), label_sizes=labels)
    for i in range(30):
        route = layout.edges[(f"worker-{i}", "sink")]
        assert route.label_at is not None
        assert route.label_at[1] == route.points[0][1]
    # Five boxes and labels of at most 13 columns and four channels: with a
    # track per bend the last channel alone took 60 columns.
    assert layout.width <= 80
    check_layout(layout, graph, sizes_for(graph), labels)


def test_count_crossings_of_k22() -> None:
    # a (top) and b (bottom) each feed c (top) and d (bottom). The straight runs
    # a->c and b->d cross nothing; a->d drops at x=6 across b's row 7 (one
    # crossing with b->d and, on the shared run, one with b->c); b->c climbs at
    # x=8 from row 7 to row 2, where no other horizontal runs.
    nodes = {
        "a": NodeBox("a", 0, 0, 3, 3, 0, 0),
        "b": NodeBox("b", 0, 6, 3, 3, 0, 1),
        "c": NodeBox("c", 12, 0, 3, 3, 1, 0),
        "d": NodeBox("d", 12, 7, 3, 3, 1, 1),
    }
    edges = {
        ("a", "c"): EdgeRoute("a", "c", ((3, 1), (11, 1))),
        ("b", "d"): EdgeRoute("b", "d", ((3, 7), (8, 7), (8, 8), (11, 8))),
        ("a", "d"): EdgeRoute("a", "d", ((3, 1), (6, 1), (6, 8), (11, 8))),
        ("b", "c"): EdgeRoute("b", "c", ((3, 7), (8, 7), (8, 2), (11, 2))),
    }
    layout = Layout(nodes, edges, 15, 10, "LR")
    assert count_crossings(layout) == 2


def test_count_crossings_ignores_touching_ends() -> None:
    nodes = {
        "a": NodeBox("a", 0, 0, 3, 3, 0, 0),
        "b": NodeBox("b", 10, 0, 3, 3, 1, 0),
        "c": NodeBox("c", 10, 4, 3, 3, 1, 1),
    }
    edges = {
        ("a", "b"): EdgeRoute("a", "b", ((3, 1), (9, 1))),
        ("a", "c"): EdgeRoute("a", "c", ((3, 1), (6, 1), (6, 5), (9, 5))),
    }
    assert count_crossings(Layout(nodes, edges, 13, 7, "LR")) == 0


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_count_crossings_matches_brute_force(direction: str) -> None:
    graph = random_dag(50, 80, seed=9)
    layout = compute_layout(graph, sizes_for(graph), direction=direction)
    segments = [
        (edge, a, b)
        for edge, route in layout.edges.items()
        for a, b in zip(route.points, route.points[1:], strict=False)
    ]
    expected = 0
    for e1, (ax, ay), (bx, by) in segments:
        if ay != by:
            continue  # e1 horizontal
        for e2, (cx, cy), (dx, dy) in segments:
            if e2 == e1 or cx != dx:
                continue  # e2 vertical
            if min(ax, bx) < cx < max(ax, bx) and min(cy, dy) < ay < max(cy, dy):
                expected += 1
    assert expected > 0
    assert count_crossings(layout) == expected


def test_count_crossings_of_computed_k22() -> None:
    graph = nx.DiGraph([("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")])
    layout = compute_layout(graph, sizes_for(graph))
    assert count_crossings(layout) == 1
