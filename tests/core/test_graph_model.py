"""The graph model: the full view, the event view and handler order."""

from __future__ import annotations

from pathlib import Path

from edaviz.core.graph import FlowGraph, NodeKey, event_key, handler_key
from edaviz.core.loader import load_flow, validate_text
from tests.core.helpers import BASE

FLOWS = Path(__file__).parents[2] / "flows"

DIAMOND = """\
edaviz: 1
name: diamond
events:
  a: {}
  b: {}
  c: {}
  d: {}
handlers:
  sink:
    consumes: [d]
  join:
    consumes: [b, c]
    produces: [d]
  left:
    consumes: [a]
    produces: [b]
  right:
    consumes: [a]
    produces: [c]
  split-both:
    consumes: [a]
    produces: [b, c]
  source:
    produces: [a]
"""


def graph_of(text: str) -> FlowGraph:
    result = validate_text(text, "g.yaml")
    assert result.ok, result.diagnostics
    return FlowGraph(result.flow)


def test_full_view_has_typed_nodes_and_edges() -> None:
    graph = graph_of(BASE).full
    assert set(graph.nodes) == {
        event_key("order.placed"),
        event_key("payment.done"),
        handler_key("web"),
        handler_key("pay"),
        handler_key("mail"),
    }
    assert graph.nodes[event_key("order.placed")] == {
        "kind": "event",
        "id": "order.placed",
    }
    assert graph.edges[event_key("order.placed"), handler_key("pay")] == {
        "kind": "consumes"
    }
    assert graph.edges[handler_key("pay"), event_key("payment.done")] == {
        "kind": "produces"
    }
    assert graph.number_of_edges() == 4


def test_an_event_and_a_handler_may_share_an_id() -> None:
    text = BASE.replace("  web:", "  order.placed:")
    graph = graph_of(text).full
    assert NodeKey("event", "order.placed") in graph
    assert NodeKey("handler", "order.placed") in graph
    assert graph.has_edge(handler_key("order.placed"), event_key("order.placed"))


def test_event_view_links_events_through_handlers() -> None:
    view = graph_of(DIAMOND).events_only
    assert set(view.nodes) == {event_key(e) for e in "abcd"}
    assert view.edges[event_key("a"), event_key("b")]["handlers"] == [
        "left",
        "split-both",
    ]
    assert view.edges[event_key("b"), event_key("d")]["handlers"] == ["join"]
    assert view.edges[event_key("c"), event_key("d")]["handlers"] == ["join"]
    assert not view.has_edge(event_key("b"), event_key("c"))
    assert view.number_of_edges() == 4


def test_view_by_name() -> None:
    graph = graph_of(DIAMOND)
    assert graph.view("full") is graph.full
    assert graph.view("events") is graph.events_only


def test_topological_handlers_follow_upstream_and_file_order() -> None:
    order = graph_of(DIAMOND).topological_handlers()
    assert order == ["source", "left", "right", "split-both", "join", "sink"]


def test_example_saga_order_and_acyclic() -> None:
    graph = FlowGraph(load_flow(FLOWS / "order-saga.yaml").flow)
    order = graph.topological_handlers()
    assert order[0] == "storefront"
    assert order.index("payment-service") < order.index("order-cancel")
    assert order.index("order-cancel") < order.index("stock-release")
    assert graph.find_cycle() is None


def test_find_cycle_on_a_model_with_a_cycle() -> None:
    text = BASE.replace("produces: [payment.done]", "produces: [order.placed]")
    result = validate_text(text, "g.yaml")
    assert result.flow is None and result.model is not None
    cycle = FlowGraph(result.model).find_cycle()
    assert cycle is not None and cycle[0] == cycle[-1]
    assert set(cycle) == {event_key("order.placed"), handler_key("pay")}


def test_undefined_references_are_left_out_of_the_graph() -> None:
    text = BASE.replace("consumes: [order.placed]", "consumes: [order.placed, ghost]")
    model = validate_text(text, "g.yaml").model
    graph = FlowGraph(model).full
    assert event_key("ghost") not in graph
