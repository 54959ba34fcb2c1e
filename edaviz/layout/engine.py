"""The layout pipeline: layers, ordering, placement and routing, per component.

Work happens in the layout's own frame: `main` runs along the flow (x for LR, y
for TB) and `cross` across it. Components are laid out one by one and packed on
shelves across the flow (small ones side by side on a shelf), sharing rank bands
so equal layers line up; the frame is turned into screen cells at the very end.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import networkx as nx

from edaviz.layout.items import Edge, ItemGraph, build_items
from edaviz.layout.layering import assign_layers, check_acyclic
from edaviz.layout.model import Direction, EdgeRoute, Layout, NodeBox, Point
from edaviz.layout.ordering import order_items
from edaviz.layout.placement import place_items, port
from edaviz.layout.routing import ChannelPlan, plan_channel, simplify

log = logging.getLogger(__name__)

#: Cells between neighbouring items of a rank, by direction: one blank row
#: between boxes stacked in LR, two blank columns side by side in TB.
ITEM_GAP = {"LR": 1, "TB": 2}
#: Cells between stacked components.
COMPONENT_GAP = 2
#: Free cells between a rank band and the first or last track of a channel, by
#: direction: rows are scarcer than columns on a terminal, so TB uses fewer.
CHANNEL_MARGIN = {"LR": (2, 2), "TB": (1, 1)}
#: Tight spacing for one-line nodes: a track may run right beside the band it
#: leaves, and one cell before the next band keeps the arrowhead off the track.
TIGHT_CHANNEL_MARGIN = {"LR": (1, 1), "TB": (0, 1)}
#: Blank cells between neighbouring tracks, so parallel lines stay apart.
TRACK_GAP = 1
#: A channel without tracks still leaves room for a visible arrow.
MIN_CHANNEL = {"LR": 4, "TB": 2}
TIGHT_MIN_CHANNEL = {"LR": 3, "TB": 1}


@dataclass
class _Component:
    items: ItemGraph
    ranks: list[list[int]]
    pos: list[int]
    plans: list[ChannelPlan]
    offset: int = 0
    """Cross coordinate of the component's leading side."""
    extent: int = 0
    """Cells the component takes across the flow."""
    shift: int = 0
    """Ranks the component starts after the first band."""


@dataclass
class _Frame:
    """Positions along the flow shared by all components, and the turn from the
    layout's frame to screen cells."""

    direction: Direction
    band_start: list[int]
    band_depth: list[int]
    track_start: list[int]

    def lead(self, component: _Component, item: int) -> int:
        """Main coordinate of an item's leading side: centred in its band."""
        r = component.items.rank[item] + component.shift
        depth = component.items.depth[item]
        return self.band_start[r] + (self.band_depth[r] - depth) // 2

    def track(self, channel: int, index: int) -> int:
        """Main coordinate of a track of a channel."""
        return self.track_start[channel] + index * (TRACK_GAP + 1)

    def screen(self, main: int, across: int) -> Point:
        """A cell of the layout's frame as (x, y)."""
        return (main, across) if self.direction == "LR" else (across, main)


def compute_layout(
    graph: nx.DiGraph,
    sizes: Mapping[Hashable, tuple[int, int]],
    *,
    direction: Direction = "LR",
    label_sizes: Mapping[Edge, tuple[int, int]] | None = None,
    tight: bool = False,
) -> Layout:
    """Lay out a DAG in character cells.

    Args:
        graph: the graph; it must be acyclic.
        sizes: `(width, height)` of every node's box, in cells (at least 1 each).
        direction: "LR" for sources on the left, "TB" for sources on top.
        label_sizes: `(width, height)` of each edge's label, keyed by
            `(source, target)`; edges left out get no label.
        tight: narrower channels between ranks, for drawings of one-line
            nodes that must fit a small screen.

    Raises:
        ValueError: the graph has a cycle, a node has no or a bad size, or the
            direction is unknown.
    """
    if direction not in ITEM_GAP:
        raise ValueError(f"unknown direction {direction!r}; use 'LR' or 'TB'")
    check_acyclic(graph)
    node_dims = {node: _frame(sizes, node, direction, "node") for node in graph}
    label_dims = None
    if label_sizes is not None:
        label_dims = {
            edge: _frame(label_sizes, edge, direction, "label")
            for edge in graph.edges
            if edge in label_sizes
        }

    components = []
    for nodes in _components(graph):
        layers = assign_layers(graph, nodes)
        items = build_items(graph, nodes, layers, node_dims, label_dims, across=1)
        ranks = order_items(items)
        pos = place_items(items, ranks, ITEM_GAP[direction])
        plans = [plan_channel(items, rank, pos) for rank in ranks[:-1]]
        components.append(_Component(items, ranks, pos, plans))

    stride = 2 if label_sizes is not None else 1
    cross_extent = _pack(components, stride)
    frame = _main_axis(components, direction, tight)
    main_extent = frame.band_start[-1] + frame.band_depth[-1] if frame.band_start else 0

    placed: list[tuple[int, int, Hashable, Point]] = []
    routes: dict[Edge, EdgeRoute] = {}
    for component in components:
        items, pos, off = component.items, component.pos, component.offset
        for node, item in items.node_item.items():
            corner = frame.screen(frame.lead(component, item), pos[item] + off)
            layer = (items.rank[item] + component.shift) // stride
            placed.append((layer, pos[item] + off, node, corner))
        for edge, chain in items.chains.items():
            label = items.label_item.get(edge)
            label_at = None
            if label is not None:
                label_at = frame.screen(frame.lead(component, label), pos[label] + off)
            points = _route(frame, component, chain)
            routes[edge] = EdgeRoute(edge[0], edge[1], points, label_at)

    # Order within a layer counts across components, top to bottom (LR) or
    # left to right (TB), as a reader scans the drawing.
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    boxes: dict[Hashable, NodeBox] = {}
    order_in_layer: dict[int, int] = {}
    for layer, _, node, (x, y) in placed:
        order = order_in_layer.get(layer, 0)
        order_in_layer[layer] = order + 1
        width, height = sizes[node]
        boxes[node] = NodeBox(node, x, y, int(width), int(height), layer, order)

    width, height = frame.screen(main_extent, cross_extent)
    return Layout(
        nodes={node: boxes[node] for node in graph},
        edges={edge: routes[edge] for edge in graph.edges},
        width=width,
        height=height,
        direction=direction,
    )


def _route(frame: _Frame, component: _Component, chain: list[int]) -> tuple[Point, ...]:
    """The screen polyline of one edge along its chain of items."""
    items, pos, off = component.items, component.pos, component.offset
    first, last = chain[0], chain[-1]
    points: list[Point] = [
        (
            frame.lead(component, first) + items.depth[first],
            port(items, pos, first) + off,
        )
    ]
    for a, b in zip(chain, chain[1:], strict=False):
        plan = component.plans[items.rank[a]]
        track = plan.track_of.get((a, b))
        if track is None:
            continue
        r = items.rank[a] + component.shift
        column = frame.track(r, track)
        start = port(items, pos, a) + off
        jog = plan.jog_of.get((a, b))
        end = port(items, pos, b) + off
        if jog is None:
            points += [(column, start), (column, end)]
        elif jog[2] < 0:
            # Leave on a free row first (see routing._add_jogs).
            aside, row = frame.track(r, jog[0]), jog[1] + off
            points += [(aside, start), (aside, row), (column, row), (column, end)]
        else:
            # Reach a free row first and enter after the main track.
            aside, row = frame.track(r, jog[0]), jog[1] + off
            points += [(column, start), (column, row), (aside, row), (aside, end)]
    points.append((frame.lead(component, last) - 1, port(items, pos, last) + off))
    return tuple(frame.screen(m, c) for m, c in simplify(points))


def _frame(sizes: Mapping, key: Hashable, direction: str, what: str) -> tuple[int, int]:
    """A `(width, height)` size turned into `(depth, breadth)`."""
    try:
        width, height = sizes[key]
    except KeyError:
        raise ValueError(f"no size given for {what} {key!r}") from None
    if int(width) < 1 or int(height) < 1:
        raise ValueError(f"the size of {what} {key!r} must be at least 1x1")
    width, height = int(width), int(height)
    return (width, height) if direction == "LR" else (height, width)


def _components(graph: nx.DiGraph) -> list[list[Hashable]]:
    """Weakly connected components, each in input order, by first node."""
    index = {node: i for i, node in enumerate(graph)}
    seen: set[Hashable] = set()
    components = []
    for start in graph:
        if start in seen:
            continue
        seen.add(start)
        stack, members = [start], []
        while stack:
            node = stack.pop()
            members.append(node)
            for other in (*graph.successors(node), *graph.predecessors(node)):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        components.append(sorted(members, key=index.__getitem__))
    return components


def _pack(components: list[_Component], stride: int) -> int:
    """Set each component's place; return the cross extent of them all.

    Components go on shelves across the flow, in input order, each on the first
    shelf with enough free ranks after the components already there (the
    longest component sets the shelf length). Small components, such as lone
    nodes, so share a shelf instead of each taking a row of its own.
    """
    length = max((c.items.rank_count for c in components), default=0)
    shelves: list[list[_Component]] = []
    used: list[int] = []
    for component in components:
        breadths = component.items.breadth
        component.extent = max(
            (p + b for p, b in zip(component.pos, breadths, strict=True)), default=0
        )
        need = component.items.rank_count
        index = next(
            (i for i, free_from in enumerate(used) if free_from + need <= length),
            len(shelves),
        )
        if index == len(shelves):
            shelves.append([])
            used.append(0)
        component.shift = used[index]
        shelves[index].append(component)
        # Nodes stay on node ranks: with labels a shift is a whole layer.
        used[index] += -(-need // stride) * stride

    cross = 0
    for shelf in shelves:
        for component in shelf:
            component.offset = cross
        cross += max(c.extent for c in shelf) + COMPONENT_GAP
    return max(cross - COMPONENT_GAP, 0)


def _main_axis(
    components: list[_Component], direction: Direction, tight: bool
) -> _Frame:
    """Start and depth of every rank band and the first track of every channel.

    Bands and channels are shared by all components, each as deep or wide as
    the largest need among them; channel widths follow the track counts.
    """
    rank_count = max((c.shift + c.items.rank_count for c in components), default=0)
    depth = [0] * rank_count
    tracks = [0] * max(rank_count - 1, 0)
    for component in components:
        items = component.items
        for item in range(len(items)):
            r = items.rank[item] + component.shift
            depth[r] = max(depth[r], items.depth[item])
        for r, plan in enumerate(component.plans):
            tracks[r + component.shift] = max(tracks[r + component.shift], plan.tracks)

    start, track_start = [], []
    at = 0
    lead, trail = (TIGHT_CHANNEL_MARGIN if tight else CHANNEL_MARGIN)[direction]
    least = (TIGHT_MIN_CHANNEL if tight else MIN_CHANNEL)[direction]
    for r in range(rank_count):
        start.append(at)
        at += depth[r]
        if r < rank_count - 1:
            track_start.append(at + lead)
            used = (tracks[r] - 1) * (TRACK_GAP + 1) + 1 if tracks[r] else 0
            at += max(least, lead + trail + used)
    return _Frame(direction, start, depth, track_start)
