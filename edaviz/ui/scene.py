"""The graph drawn in character cells: boxes, routed edges, arrowheads and labels.

A `Scene` is built once per layout (a change of the graph's shape, the zoom or
the direction). It keeps the static glyphs of every cell and which node or edge
owns it; live numbers and selection are painted on top when a row is rendered,
so they never rebuild the scene. Nothing here imports Textual: the widget maps
the role names below to styles.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx

from edaviz.core.graph import NodeKey
from edaviz.ui.format import EDGE_LABEL_SPLIT, EDGE_LABEL_WIDTH, NODE_METRIC_WIDTH

log = logging.getLogger(__name__)

Zoom = Literal["compact", "detailed"]
Edge = tuple[NodeKey, NodeKey]

# Direction bits of a line cell: which neighbours the line joins.
N, E, S, W = 1, 2, 4, 8
_STEP = {(0, -1): N, (1, 0): E, (0, 1): S, (-1, 0): W}
_OPPOSITE = {N: S, S: N, E: W, W: E}

_LIGHT = {
    E | W: "─",
    N | S: "│",
    E | S: "┌",
    W | S: "┐",
    E | N: "└",
    W | N: "┘",
    N | S | E: "├",
    N | S | W: "┤",
    E | W | S: "┬",
    E | W | N: "┴",
    N | E | S | W: "┼",
    E: "─",
    W: "─",
    N: "│",
    S: "│",
}
_ARROWS = {E: "▶", W: "◀", S: "▼", N: "▲"}

#: Box glyphs per style: corners (tl, tr, bl, br), horizontal, vertical, and the
#: port glyphs where an edge leaves the top, right, bottom and left border.
_BOXES = {
    "rounded": ("╭", "╮", "╰", "╯", "─", "│", "┴", "├", "┬", "┤"),
    "square": ("┌", "┐", "└", "┘", "─", "│", "┴", "├", "┬", "┤"),
    "double": ("╔", "╗", "╚", "╝", "═", "║", "╧", "╟", "╤", "╢"),
}


def node_lines(graph: nx.DiGraph, node: NodeKey, zoom: Zoom, flow: object) -> list[str]:
    """The static text lines of a node box (the detailed zoom adds a live line)."""
    lines = [node.id]
    if zoom == "detailed":
        if node.kind == "event":
            topic = getattr(getattr(flow, "events", {}).get(node.id), "topic", node.id)
            lines.append(f"topic {topic}")
        else:
            handler = getattr(flow, "handlers", {}).get(node.id)
            lines.append(f"group {getattr(handler, 'group', node.id)}")
        lines.append(" " * NODE_METRIC_WIDTH)
    return lines


def label_size(direction: str) -> tuple[int, int]:
    """Cells reserved for every edge label in a drawing direction."""
    return EDGE_LABEL_SPLIT if direction == "LR" else (EDGE_LABEL_WIDTH, 1)


def node_size(lines: list[str]) -> tuple[int, int]:
    """Width and height in cells of a box holding `lines`, border included."""
    return max(len(line) for line in lines) + 4, len(lines) + 2


@dataclass
class Box:
    """A node's box on the scene, with the text drawn in it."""

    key: NodeKey
    x: int
    y: int
    width: int
    height: int
    layer: int
    order: int
    lines: list[str]

    def contains(self, x: int, y: int) -> bool:
        """True when the cell lies inside the box or on its border."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height

    def on_border(self, x: int, y: int) -> bool:
        """True when the cell lies on the box's border."""
        return self.contains(x, y) and (
            x in (self.x, self.x + self.width - 1)
            or y in (self.y, self.y + self.height - 1)
        )

    @property
    def metric_row(self) -> int | None:
        """The row of the live line in the detailed zoom, or None."""
        return self.y + 3 if len(self.lines) == 3 else None


@dataclass
class Scene:
    """Static cells of a laid-out graph and who owns each of them.

    `chars[y][x]` is the glyph of an unselected scene; `owner[y][x]` is a
    NodeKey for box cells, a tuple of edges for line cells, or None; `part[y][x]`
    says what the cell is: " " empty, "b" border, "t" title, "x" text, "l" line,
    "a" arrowhead.
    """

    width: int
    height: int
    boxes: dict[NodeKey, Box]
    edges: list[Edge]
    labels: dict[Edge, tuple[int, int]]
    chars: list[list[str]]
    owner: list[list[object]]
    part: list[list[str]]
    label_size: tuple[int, int] = (EDGE_LABEL_WIDTH, 1)
    node_rows: dict[NodeKey, range] = field(default_factory=dict)
    edge_rows: dict[Edge, set[int]] = field(default_factory=dict)
    ports: dict[NodeKey, dict[tuple[int, int], int]] = field(default_factory=dict)

    def node_at(self, x: int, y: int) -> NodeKey | None:
        """The node whose box covers a cell, or None."""
        if 0 <= y < self.height and 0 <= x < self.width:
            owner = self.owner[y][x]
            if isinstance(owner, NodeKey):
                return owner
        return None

    def box_glyphs(self, key: NodeKey, style: str) -> dict[tuple[int, int], str]:
        """The border glyphs of one box drawn in `style`, ports included."""
        box = self.boxes[key]
        tl, tr, bl, br, h, v, pn, pe, ps, pw = _BOXES[style]
        x0, y0 = box.x, box.y
        x1, y1 = box.x + box.width - 1, box.y + box.height - 1
        glyphs: dict[tuple[int, int], str] = {}
        for x in range(x0 + 1, x1):
            glyphs[(x, y0)] = h
            glyphs[(x, y1)] = h
        for y in range(y0 + 1, y1):
            glyphs[(x0, y)] = v
            glyphs[(x1, y)] = v
        glyphs.update({(x0, y0): tl, (x1, y0): tr, (x0, y1): bl, (x1, y1): br})
        port_glyph = {N: pn, E: pe, S: ps, W: pw}
        for cell, side in self.ports.get(key, {}).items():
            if cell in glyphs and cell not in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
                glyphs[cell] = port_glyph[side]
        return glyphs


def build_scene(
    layout: object,
    graph: nx.DiGraph,
    lines: Mapping[NodeKey, list[str]],
    *,
    with_labels: bool,
    label_box: tuple[int, int] = (EDGE_LABEL_WIDTH, 1),
) -> Scene:
    """Rasterise a layout: boxes, then edges with ports, arrowheads and labels."""
    width, height = max(1, layout.width), max(1, layout.height)
    boxes: dict[NodeKey, Box] = {}
    for key, nb in layout.nodes.items():
        boxes[key] = Box(
            key, nb.x, nb.y, nb.width, nb.height, nb.layer, nb.order, lines[key]
        )
        width = max(width, nb.x + nb.width)
        height = max(height, nb.y + nb.height)
    routes = dict(layout.edges)
    for route in routes.values():
        for x, y in route.points:
            width, height = max(width, x + 1), max(height, y + 1)
        if with_labels and route.label_at is not None:
            lx, ly = route.label_at
            width = max(width, lx + label_box[0])
            height = max(height, ly + label_box[1])

    chars = [[" "] * width for _ in range(height)]
    owner: list[list[object]] = [[None] * width for _ in range(height)]
    part = [[" "] * width for _ in range(height)]
    scene = Scene(width, height, boxes, list(routes), {}, chars, owner, part, label_box)
    box_at: dict[tuple[int, int], NodeKey] = {}
    for box in boxes.values():
        scene.node_rows[box.key] = range(box.y, box.y + box.height)
        for y in range(box.y, box.y + box.height):
            for x in range(box.x, box.x + box.width):
                box_at[(x, y)] = box.key
                owner[y][x] = box.key
                part[y][x] = "x"

    bits: dict[tuple[int, int], int] = {}
    cell_edges: dict[tuple[int, int], list[Edge]] = {}
    arrows: dict[tuple[int, int], tuple[int, Edge]] = {}
    for edge, route in routes.items():
        rows = scene.edge_rows.setdefault(edge, set())
        cells = _expand(route.points)
        outside = [c for c in cells if c not in box_at]
        if not outside:
            continue
        for a, b in zip(cells, cells[1:], strict=False):
            step = _STEP.get((b[0] - a[0], b[1] - a[1]))
            if step is None:
                continue
            if a not in box_at:
                bits[a] = bits.get(a, 0) | step
            if b not in box_at:
                bits[b] = bits.get(b, 0) | _OPPOSITE[step]
        for cell in outside:
            cell_edges.setdefault(cell, []).append(edge)
            rows.add(cell[1])
        _add_port(scene, boxes.get(edge[0]), outside, cells, bits)
        head = outside[-1]
        prev = outside[-2] if len(outside) > 1 else None
        direction = _direction_into(boxes.get(edge[1]), head, prev)
        if direction:
            arrows[head] = (direction, edge)
        if with_labels and route.label_at is not None:
            scene.labels[edge] = route.label_at
            rows.update(range(route.label_at[1], route.label_at[1] + label_box[1]))

    for (x, y), cell_bits in bits.items():
        if 0 <= y < height and 0 <= x < width:
            chars[y][x] = _LIGHT.get(cell_bits, "┼")
            owner[y][x] = tuple(cell_edges.get((x, y), ()))
            part[y][x] = "l"
    for (x, y), (direction, _edge) in arrows.items():
        chars[y][x] = _ARROWS[direction]
        part[y][x] = "a"
        owner[y][x] = tuple(cell_edges.get((x, y), ()))

    for box in boxes.values():
        style = "rounded" if box.key.kind == "event" else "square"
        for (x, y), glyph in scene.box_glyphs(box.key, style).items():
            chars[y][x] = glyph
            part[y][x] = "b"
        inner = box.width - 4
        for i, text in enumerate(box.lines):
            row = box.y + 1 + i
            text = text[:inner].center(inner) if i == 0 else text[:inner].ljust(inner)
            for j, ch in enumerate(text):
                chars[row][box.x + 2 + j] = ch
                part[row][box.x + 2 + j] = "t" if i == 0 else "x"
    for edge in scene.edges:
        for key in edge:
            if key in scene.node_rows:
                scene.edge_rows[edge].update(
                    cell[1] for cell in scene.ports.get(key, {})
                )
    return scene


def _expand(points: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every cell along an orthogonal polyline, in order, without repeats."""
    cells: list[tuple[int, int]] = []
    pts = [(int(x), int(y)) for x, y in points]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        if x0 != x1 and y0 != y1:
            # A diagonal step is not orthogonal: bend it at (x1, y0).
            pieces = [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1))]
        else:
            pieces = [((x0, y0), (x1, y1))]
        for (ax, ay), (bx, by) in pieces:
            dx = (bx > ax) - (bx < ax)
            dy = (by > ay) - (by < ay)
            x, y = ax, ay
            while True:
                if not cells or cells[-1] != (x, y):
                    cells.append((x, y))
                if (x, y) == (bx, by):
                    break
                x, y = x + dx, y + dy
    if len(pts) == 1:
        cells.append(pts[0])
    return cells


def _add_port(
    scene: Scene,
    box: Box | None,
    outside: list[tuple[int, int]],
    cells: list[tuple[int, int]],
    bits: dict[tuple[int, int], int],
) -> None:
    """Mark where the edge leaves its source box, so the border shows a joint."""
    if box is None:
        return
    first = outside[0]
    for nx_, ny_, side in (
        (first[0] - 1, first[1], E),
        (first[0] + 1, first[1], W),
        (first[0], first[1] - 1, S),
        (first[0], first[1] + 1, N),
    ):
        if box.on_border(nx_, ny_):
            scene.ports.setdefault(box.key, {})[(nx_, ny_)] = side
            bits[first] = bits.get(first, 0) | _OPPOSITE[side]
            return


def _direction_into(
    box: Box | None, head: tuple[int, int], prev: tuple[int, int] | None
) -> int:
    """The arrow direction at the last line cell before the target box."""
    if box is not None:
        x, y = head
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            if box.contains(x + dx, y + dy):
                return _STEP[(dx, dy)]
    if prev is not None:
        return _STEP.get((head[0] - prev[0], head[1] - prev[1]), 0)
    return 0
