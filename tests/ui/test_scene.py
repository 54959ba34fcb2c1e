"""Unit tests of the drawing core: number formats, the scene, the live paint."""

from __future__ import annotations

import networkx as nx
import pytest

from edaviz.core.graph import FlowGraph, NodeKey
from edaviz.layout import EdgeRoute, Layout, NodeBox
from edaviz.metrics.snapshot import EdgeStats, Health
from edaviz.ui.format import duration, edge_label, rate, si
from edaviz.ui.live import paint_for, worst
from edaviz.ui.sample import sample_snapshot
from edaviz.ui.scene import build_scene

EV = NodeKey("event", "orders")
H1 = NodeKey("handler", "billing")
H2 = NodeKey("handler", "audit")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "–"),
        (0, "0"),
        (7.5, "7.5"),
        (87, "87"),
        (1234, "1.2k"),
        (1000, "1k"),
        (34_000, "34k"),
        (5_600_000, "5.6M"),
        (250_000, "250k"),
    ],
)
def test_si_fits_five_characters(value, text) -> None:
    assert si(value) == text
    assert len(si(value)) <= 5


def test_rates_durations_and_labels() -> None:
    assert rate(1234.0) == "1.2k/s"
    assert rate(None) == "–/s"
    assert duration(0.2) == "<1s"
    assert duration(95) == "2m"
    consume = EdgeStats("orders", "billing", "consumes", lag=340, rate=1200.0)
    assert edge_label(consume) == ("1.2k/s", "lag 340")
    produce = EdgeStats("billing", "orders", "produces", rate=3.0)
    assert edge_label(produce) == ("3/s",)
    never = EdgeStats("orders", "audit", "consumes", status=Health.NO_COMMIT)
    assert edge_label(never) == ("–/s", "no commit")


def _scene(with_labels: bool = False):
    """orders (event) at the left, billing and audit stacked at the right."""
    graph = nx.DiGraph()
    graph.add_edge(EV, H1)
    graph.add_edge(EV, H2)
    layout = Layout(
        nodes={
            EV: NodeBox(EV, 0, 2, 10, 3, 0, 0),
            H1: NodeBox(H1, 20, 0, 11, 3, 1, 0),
            H2: NodeBox(H2, 20, 5, 9, 3, 1, 1),
        },
        edges={
            (EV, H1): EdgeRoute(EV, H1, ((10, 3), (14, 3), (14, 1), (19, 1)), (11, 3)),
            (EV, H2): EdgeRoute(EV, H2, ((10, 3), (14, 3), (14, 6), (19, 6)), None),
        },
        width=31,
        height=8,
        direction="LR",
    )
    lines = {EV: ["orders"], H1: ["billing"], H2: ["audit"]}
    return build_scene(layout, graph, lines, with_labels=with_labels, label_box=(3, 1))


def test_scene_draws_boxes_routes_ports_and_arrowheads() -> None:
    scene = _scene()
    rows = [scene.row_text(y).rstrip() for y in range(scene.height)]
    assert rows[2].startswith("╭────────╮")  # events have rounded corners
    assert rows[0][20:31] == "┌─────────┐"  # handlers have square ones
    assert rows[3][9] == "├"  # the port where both edges leave
    assert rows[3][14] == "┤"  # the routes split: up to billing, down to audit
    assert rows[1][14] == "┌" and rows[6][14] == "└"
    assert rows[1][19] == "▶" and rows[6][19] == "▶"
    assert "orders" in rows[3] and "billing" in rows[1]
    assert scene.node_at(22, 1) == H1
    assert scene.node_at(15, 1) is None
    owners = scene.cell(12, 3)[1]
    assert set(owners) == {(EV, H1), (EV, H2)}


def test_edge_rows_cover_route_port_and_label() -> None:
    scene = _scene(with_labels=True)
    rows = set()
    for span in scene.edge_rows[(EV, H1)]:
        rows.update(span)
    assert {1, 2, 3} <= rows
    assert scene.label_rows[3] == [(EV, H1)]


def test_paint_of_the_events_view_takes_the_worst_handler(tmp_path) -> None:
    from edaviz.core.flow import Flow

    flow = Flow.model_validate(
        {
            "edaviz": 1,
            "name": "f",
            "events": {"a": {}, "b": {}},
            "handlers": {
                "src": {"produces": ["a"]},
                "fast": {"consumes": ["a"], "produces": ["b"]},
                "slow": {"consumes": ["a"], "produces": ["b"]},
            },
        }
    )
    snapshot = sample_snapshot(flow, troubled=("slow",))
    paint = paint_for(FlowGraph(flow).events_only, snapshot)
    edge = (NodeKey("event", "a"), NodeKey("event", "b"))
    assert paint.health[edge] is Health.WARN
    assert paint.labels[edge][1].startswith("lag ")
    assert paint.bottleneck == NodeKey("handler", "slow")
    assert worst([Health.OK, Health.STOP, Health.WARN]) is Health.STOP
    assert worst([]) is Health.UNKNOWN


def test_design_mode_paints_nothing() -> None:
    graph = nx.DiGraph([(EV, H1)])
    assert paint_for(graph, None).labels == {}


def test_handler_facts_say_why_a_group_could_not_be_read() -> None:
    from edaviz.metrics.snapshot import HandlerStats
    from edaviz.ui.detail import handler_facts

    stats = HandlerStats("billing", "billing", error="GroupAuthorizationFailedError")
    text = handler_facts(None, NodeKey("handler", "billing"), stats).plain
    assert "group not readable: GroupAuthorizationFailedError" in text
