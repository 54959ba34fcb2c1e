"""The flow as a networkx graph: the full view and the event-only view.

Node keys are `NodeKey` tuples, `("event", id)` or `("handler", id)`, so an event
and a handler may share an id without colliding. Every node carries `kind` and
`id`; every edge carries `kind` ("consumes" for event -> handler, "produces" for
handler -> event). The event view holds events alone, with e1 -> e2 when some
handler consumes e1 and produces e2; its edges carry the `handlers` that link them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, NamedTuple

import networkx as nx

from edaviz.core.flow import Flow

NodeKind = Literal["event", "handler"]
EdgeKind = Literal["consumes", "produces"]


class NodeKey(NamedTuple):
    """A node of the flow graph: its kind and its id in the flow file."""

    kind: NodeKind
    id: str

    def __str__(self) -> str:
        return self.id


def event_key(event_id: str) -> NodeKey:
    """The graph key of an event."""
    return NodeKey("event", event_id)


def handler_key(handler_id: str) -> NodeKey:
    """The graph key of a handler."""
    return NodeKey("handler", handler_id)


@dataclass(frozen=True, eq=False)
class FlowGraph:
    """The graph of a flow: events and handlers, linked by consume and produce."""

    flow: Flow

    @cached_property
    def full(self) -> nx.DiGraph:
        """Events and handlers; edges event -> handler (consumes) and
        handler -> event (produces). Only references to defined events appear."""
        graph = nx.DiGraph(name=self.flow.name)
        for event in self.flow.events.values():
            graph.add_node(event_key(event.id), kind="event", id=event.id)
        for handler in self.flow.handlers.values():
            node = handler_key(handler.id)
            graph.add_node(node, kind="handler", id=handler.id)
            for event_id in handler.consumes:
                if event_id in self.flow.events:
                    graph.add_edge(event_key(event_id), node, kind="consumes")
            for event_id in handler.produces:
                if event_id in self.flow.events:
                    graph.add_edge(node, event_key(event_id), kind="produces")
        return graph

    @cached_property
    def events_only(self) -> nx.DiGraph:
        """The derived event-flow view: e1 -> e2 when a handler consumes e1 and
        produces e2; edge attribute `handlers` lists those handlers' ids."""
        graph = nx.DiGraph(name=self.flow.name)
        for event in self.flow.events.values():
            graph.add_node(event_key(event.id), kind="event", id=event.id)
        for handler in self.flow.handlers.values():
            for source in handler.consumes:
                for target in handler.produces:
                    if source not in self.flow.events or target not in self.flow.events:
                        continue
                    u, v = event_key(source), event_key(target)
                    if graph.has_edge(u, v):
                        graph.edges[u, v]["handlers"].append(handler.id)
                    else:
                        graph.add_edge(u, v, kind="flows", handlers=[handler.id])
        return graph

    def view(self, name: Literal["full", "events"]) -> nx.DiGraph:
        """The graph for a view name as the CLI spells it."""
        return self.full if name == "full" else self.events_only

    def topological_handlers(self) -> list[str]:
        """Handler ids in an order where every handler follows its upstream ones;
        ties keep file order. Requires an acyclic flow."""
        order = {key: i for i, key in enumerate(self.full.nodes)}
        return [
            node.id
            for node in nx.lexicographical_topological_sort(
                self.full, key=lambda n: order[n]
            )
            if node.kind == "handler"
        ]

    def find_cycle(self) -> list[NodeKey] | None:
        """One cycle of the full graph as a closed path of nodes, or None."""
        try:
            edges = nx.find_cycle(self.full)
        except nx.NetworkXNoCycle:
            return None
        return [u for u, _ in edges] + [edges[0][0]]
