"""JSON export: the flow, the layout of every node and edge, the live snapshot."""

from __future__ import annotations

import json

import pytest

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.export import export_bytes
from edaviz.export.scene import build_scene
from edaviz.metrics.snapshot import Snapshot


@pytest.mark.parametrize("view", ["full", "events"])
def test_layout_of_every_node_and_edge(flow: Flow, view: str) -> None:
    graph = FlowGraph(flow).view(view)
    layout = build_scene(flow, view=view).layout
    doc = json.loads(export_bytes(flow, "json", view=view))

    assert doc["edaviz_export"] == 1 and doc["view"] == view
    assert doc["snapshot"] is None
    nodes = {(n["kind"], n["id"]): n for n in doc["layout"]["nodes"]}
    assert set(nodes) == set(graph.nodes)
    for key, node in nodes.items():
        box = layout.nodes[key]
        assert (node["layer"], node["order"]) == (box.layer, box.order)
        assert (node["x"], node["y"], node["width"], node["height"]) == (
            box.x,
            box.y,
            box.width,
            box.height,
        )
    edges = {
        (
            (e["source"]["kind"], e["source"]["id"]),
            (e["target"]["kind"], e["target"]["id"]),
        ): e
        for e in doc["layout"]["edges"]
    }
    assert set(edges) == set(graph.edges)
    for pair, edge in edges.items():
        assert [tuple(p) for p in edge["points"]] == list(layout.edges[pair].points)
        assert len(edge["points"]) >= 2
    if view == "events":
        assert all(e["kind"] == "flows" and e["handlers"] for e in edges.values())


def test_flow_round_trips(flow: Flow) -> None:
    doc = json.loads(export_bytes(flow, "json"))
    assert doc["flow"]["name"] == flow.name
    assert list(doc["flow"]["events"]) == list(flow.events)
    assert doc["flow"]["events"]["payment-done"]["topic"] == "payments"
    again = Flow.model_validate(doc["flow"])
    assert again == flow


def test_live_snapshot_is_the_watch_document(flow: Flow, snapshot: Snapshot) -> None:
    doc = json.loads(export_bytes(flow, "json", snapshot=snapshot))
    assert doc["snapshot"] == json.loads(json.dumps(snapshot.to_json()))
    labels = {(e["source"]["id"], e["target"]["id"]): e for e in doc["layout"]["edges"]}
    assert labels[("order.placed", "pay")]["label"] == ["lag 1,204 · 3.5/s · STALL"]
    assert labels[("order.placed", "pay")]["health"] == "STALL"
