"""SVG export read back with an XML parser: every node and edge, escaping, live."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.export import export_bytes
from edaviz.export.labels import HEALTH_COLOURS
from edaviz.export.scene import Scene, build_scene
from edaviz.export.svg import CELL_H, CELL_W, MARGIN, TITLE_ROWS
from edaviz.metrics.snapshot import ClusterState, EdgeStats, Health, Snapshot

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(data: bytes) -> ET.Element:
    """The SVG root element; fails the test on malformed XML."""
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    """Every text run in the drawing."""
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("view", ["full", "events"])
def test_every_node_and_edge_is_drawn(flow: Flow, view: str) -> None:
    graph = FlowGraph(flow).view(view)
    root = parse(export_bytes(flow, "svg", view=view))

    nodes = root.findall(".//svg:g[@id='nodes']/svg:g", NS)
    drawn = {(g.get("class").split()[1], g.get("data-id")) for g in nodes}
    assert drawn == {(k.kind, k.id) for k in graph.nodes}

    edges = root.findall(".//svg:g[@id='edges']/svg:g", NS)
    pairs = {(g.get("data-source"), g.get("data-target")) for g in edges}
    expected = {(f"{u.kind}-{u.id}", f"{v.kind}-{v.id}") for u, v in graph.edges}
    assert pairs == expected
    for g in edges:
        path = g.find("svg:path", NS)
        assert path.get("d").startswith("M")
        assert path.get("marker-end", "").startswith("url(#arrow-")


def test_events_and_handlers_have_different_shapes_and_colours(flow: Flow) -> None:
    root = parse(export_bytes(flow, "svg"))
    shapes = {}
    for g in root.findall(".//svg:g[@id='nodes']/svg:g", NS):
        kind = g.get("class").split()[1]
        rect = g.find("svg:rect", NS)
        bars = len(g.findall("svg:line", NS))
        shapes.setdefault(kind, set()).add(
            (rect.get("fill"), float(rect.get("rx")) > 3, bars)
        )
    assert shapes["event"] == {("#e3f2fd", True, 0)}
    assert shapes["handler"] == {("#ede7f6", False, 2)}


def test_text_is_escaped_and_sized_to_cells(flow: Flow) -> None:
    data = export_bytes(flow, "svg")
    assert b'Orders <&> "shop"' not in data
    root = parse(data)
    assert root.find("svg:title", NS).text.startswith('Orders <&> "shop" #1 | end')
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        assert int(t.get("textLength")) == len(t.text) * CELL_W


def test_boxes_follow_the_layout(flow: Flow) -> None:
    scene = build_scene(flow)
    root = parse(export_bytes(flow, "svg"))
    ox, oy = MARGIN * CELL_W, (MARGIN + TITLE_ROWS) * CELL_H
    assert root.find(".//svg:g[@id='graph']", NS).get("transform") == (
        f"translate({ox},{oy})"
    )
    for g in root.findall(".//svg:g[@id='nodes']/svg:g", NS):
        kind, ident = g.get("class").split()[1], g.get("data-id")
        box = next(b for k, b in scene.layout.nodes.items() if k == (kind, ident))
        rect = g.find("svg:rect", NS)
        assert float(rect.get("x")) == box.x * CELL_W + 1
        assert float(rect.get("y")) == box.y * CELL_H + 1
        assert float(rect.get("width")) == box.width * CELL_W - 2


def test_live_numbers_health_and_caption(flow: Flow, snapshot: Snapshot) -> None:
    root = parse(export_bytes(flow, "svg", snapshot=snapshot))
    runs = texts(root)
    assert "lag 1,204 · 3.5/s · STALL" in runs
    assert "lag 77 · 0.0/s · STOP" in runs
    assert "3.2/s" in runs or "3.3/s" in runs  # produce edge: 3.25 msg/s
    assert "12.5/s · 98,765 msgs" in runs
    caption = root.find(".//svg:text[@class='caption']", NS).text
    assert caption.startswith('Orders <&> "shop"')
    assert "127.0.0.1:9092" in caption and "2026-12-03 18:30:05 UTC" in caption

    health = {}
    for g in root.findall(".//svg:g[@id='edges']/svg:g", NS):
        health[(g.get("data-source"), g.get("data-target"))] = (
            g.get("data-health"),
            g.find("svg:path", NS).get("stroke"),
        )
    assert health[("event-order.placed", "handler-pay")] == (
        "STALL",
        HEALTH_COLOURS[Health.STALL],
    )
    assert health[("event-payment-done", "handler-end")] == (
        "STOP",
        HEALTH_COLOURS[Health.STOP],
    )


def overlap(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether two (x, y, width, height) rectangles share a cell."""
    return (
        a[0] < b[0] + b[2]
        and b[0] < a[0] + a[2]
        and a[1] < b[1] + b[3]
        and b[1] < a[1] + a[3]
    )


def assert_labels_clear(scene: Scene) -> None:
    """Every edge label has a place, clear of every box and every other label."""
    layout = scene.layout
    boxes = [(b.x, b.y, b.width, b.height) for b in layout.nodes.values()]
    placed = []
    for pair, edge in scene.edges.items():
        if not edge.label:
            continue
        at = layout.edges[pair].label_at
        assert at is not None, f"no label place for {pair}"
        w, h = edge.label_size
        placed.append((at[0], at[1], w, h))
    for i, label in enumerate(placed):
        assert not any(overlap(label, box) for box in boxes)
        assert not any(overlap(label, other) for other in placed[i + 1 :])


def test_labels_do_not_overlap_boxes_or_each_other(
    flow: Flow, snapshot: Snapshot
) -> None:
    scene = build_scene(flow, snapshot=snapshot)
    assert all(edge.label for edge in scene.edges.values())
    assert_labels_clear(scene)


def generated(handlers: int, seed: int = 11) -> tuple[Flow, Snapshot]:
    """A random layered flow and a snapshot with numbers on every edge."""
    rng = random.Random(seed)
    events: list[str] = []
    spec: dict[str, dict] = {}
    for i in range(handlers):
        consumes = sorted(set(rng.sample(events, min(len(events), 2))))
        produces = [f"evt.{len(events) + n}" for n in range(rng.randint(1, 2))]
        events.extend(produces)
        spec[f"svc-{i}"] = {"consumes": consumes, "produces": produces}
    flow = Flow.model_validate(
        {
            "edaviz": 1,
            "name": "generated",
            "events": {e: {} for e in events},
            "handlers": spec,
        }
    )
    healths = list(Health)
    edges = []
    for handler in flow.handlers.values():
        for event in handler.consumes:
            lag, rate = rng.randint(0, 99_999), rng.random() * 500
            status = rng.choice(healths)
            edges.append(
                EdgeStats(event, handler.id, "consumes", lag, rate=rate, status=status)
            )
        for event in handler.produces:
            edges.append(EdgeStats(handler.id, event, "produces", rate=rng.random()))
    moment = datetime(2026, 12, 3, tzinfo=UTC)
    cluster = ClusterState("127.0.0.1:9092", True)
    return flow, Snapshot(flow.name, moment, cluster, edges=tuple(edges))


@pytest.mark.parametrize("view", ["full", "events"])
def test_labels_stay_clear_in_a_larger_flow(view: str) -> None:
    flow, snapshot = generated(handlers=80)
    scene = build_scene(flow, view=view, snapshot=snapshot)
    assert len(scene.nodes) > 100 or view == "events"
    assert_labels_clear(scene)
    root = parse(export_bytes(flow, "svg", view=view, snapshot=snapshot))
    assert len(root.findall(".//svg:g[@id='edges']/svg:g", NS)) == len(scene.edges)
