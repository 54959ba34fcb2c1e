"""The result of a layout: node boxes and edge routes in character cells.

All coordinates are integer character cells with the origin at the top left, x
growing to the right and y downwards. The UI draws them with box-drawing
characters; the exporter scales cells to pixels.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal

Direction = Literal["LR", "TB"]
Point = tuple[int, int]


@dataclass(frozen=True)
class NodeBox:
    """Where one node's box goes.

    Attributes:
        key: the node's key in the input graph.
        x: column of the box's top-left cell.
        y: row of the box's top-left cell.
        width: width in cells, as given in the sizes.
        height: height in cells, as given in the sizes.
        layer: rank along the flow, 0 for the first (leftmost for LR, top for TB);
            equal layers share the same column band (LR) or row band (TB).
        order: position among the nodes of the same layer, 0 first (top for LR,
            left for TB), counted over the whole drawing.
    """

    key: Hashable
    x: int
    y: int
    width: int
    height: int
    layer: int
    order: int

    def contains(self, point: Point) -> bool:
        """Whether a cell lies inside the box (its border included)."""
        px, py = point
        return (
            self.x <= px < self.x + self.width and self.y <= py < self.y + self.height
        )


@dataclass(frozen=True)
class EdgeRoute:
    """The drawn path of one edge.

    `points` is an orthogonal polyline (every segment horizontal or vertical, no
    two consecutive points equal, no redundant collinear points). `points[0]` is
    the cell just outside the source box on its exit side (right for LR, bottom
    for TB); `points[-1]` is the cell just outside the target box on its entry
    side (left for LR, top for TB), where the arrowhead goes. No point or segment
    of a route lies inside any node box.

    `label_at` is the top-left cell of the edge's label box (of the size given in
    `label_sizes`), or None without a label. The route runs straight through the
    label box (through its middle row for LR, its middle column for TB), so a
    renderer draws the line first and the label over it. Label boxes never
    overlap node boxes, other labels or other edges' routes.
    """

    source: Hashable
    target: Hashable
    points: tuple[Point, ...]
    label_at: Point | None = None


@dataclass(frozen=True)
class Layout:
    """A whole drawing: node boxes, edge routes and the extent they need.

    Attributes:
        nodes: the box of every node, by node key.
        edges: the route of every edge, by `(source, target)`.
        width: columns needed to hold every box, route and label.
        height: rows needed to hold every box, route and label.
        direction: "LR" (sources left, sinks right) or "TB" (sources on top).
    """

    nodes: Mapping[Hashable, NodeBox]
    edges: Mapping[tuple[Hashable, Hashable], EdgeRoute]
    width: int
    height: int
    direction: Direction
