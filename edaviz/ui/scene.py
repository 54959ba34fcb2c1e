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

Zoom = Literal["overview", "compact", "detailed"]
#: The zoom levels from the least to the most room a node takes.
ZOOMS: tuple[Zoom, ...] = ("overview", "compact", "detailed")
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

#: One-line nodes (the overview zoom) are bracketed instead of boxed, in the
#: shape of their box: round for events, square for handlers; the selection
#: points at itself.
_BRACKETS = {"rounded": ("(", ")"), "square": ("[", "]"), "double": ("»", "«")}

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


def node_size(lines: list[str], zoom: Zoom = "compact") -> tuple[int, int]:
    """Width and height in cells of a box holding `lines`, border included; in
    the overview zoom a node is its name in brackets, on one line."""
    if zoom == "overview":
        return len(lines[0]) + 2, 1
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


#: One drawn cell: its glyph, its owner (a NodeKey for box cells, a tuple of
#: edges for line cells) and what it is: "b" border, "t" title, "x" text,
#: "l" line, "a" arrowhead.
Cell = tuple[str, object, str]

_EMPTY: Cell = (" ", None, " ")

#: Rows per bucket of the vertical-segment index.
_BUCKET = 16

#: Rasterised rows kept; a screen shows a few dozen.
_ROW_CACHE = 512


@dataclass
class _Segment:
    """One straight piece of a route: horizontal when y0 == y1."""

    x0: int
    y0: int
    x1: int
    y1: int
    edge: Edge


@dataclass
class Scene:
    """A laid-out graph, rasterised row by row when a row is first needed.

    Building keeps only boxes and route segments, indexed by row, so its cost
    follows the number of nodes and bends, not the drawing's area (a 500-node
    flow spans millions of cells of which a screen shows ten thousand).
    `row(y)` gives the drawn cells of one row as a map from x to Cell.
    """

    width: int
    height: int
    boxes: dict[NodeKey, Box]
    edges: list[Edge]
    labels: dict[Edge, tuple[int, int]]
    label_size: tuple[int, int] = (EDGE_LABEL_WIDTH, 1)
    node_rows: dict[NodeKey, range] = field(default_factory=dict)
    edge_rows: dict[Edge, list[range]] = field(default_factory=dict)
    """Rows each edge touches (lines, ports and label), as ranges."""
    label_rows: dict[int, list[Edge]] = field(default_factory=dict)
    """Edges whose label box covers a row."""
    metric_rows: dict[int, list[NodeKey]] = field(default_factory=dict)
    """Nodes whose live line (detailed zoom) is on a row."""
    ports: dict[NodeKey, dict[tuple[int, int], int]] = field(default_factory=dict)
    _boxes_by_row: dict[int, list[Box]] = field(default_factory=dict)
    _horizontal: dict[int, list[_Segment]] = field(default_factory=dict)
    _vertical: dict[int, list[_Segment]] = field(default_factory=dict)
    _extra_bits: dict[tuple[int, int], int] = field(default_factory=dict)
    _arrows: dict[tuple[int, int], int] = field(default_factory=dict)
    _cache: dict[int, dict[int, Cell]] = field(default_factory=dict)

    def row(self, y: int) -> dict[int, Cell]:
        """The drawn cells of row `y`: x -> (glyph, owner, part)."""
        cells = self._cache.get(y)
        if cells is None:
            if len(self._cache) >= _ROW_CACHE:
                self._cache.clear()
            cells = self._cache[y] = self._rasterise(y)
        return cells

    def cell(self, x: int, y: int) -> Cell:
        """The cell at (x, y); blank when nothing is drawn there."""
        if 0 <= y < self.height:
            return self.row(y).get(x, _EMPTY)
        return _EMPTY

    def row_text(self, y: int) -> str:
        """The static glyphs of one row as a string of the scene's width."""
        chars = [" "] * self.width
        for x, (char, _owner, _part) in self.row(y).items():
            if 0 <= x < self.width:
                chars[x] = char
        return "".join(chars)

    def node_at(self, x: int, y: int) -> NodeKey | None:
        """The node whose box covers a cell, or None."""
        for box in self._boxes_by_row.get(y, ()):
            if box.contains(x, y):
                return box.key
        return None

    def box_glyphs(self, key: NodeKey, style: str) -> dict[tuple[int, int], str]:
        """The border glyphs of one box drawn in `style`, ports included."""
        box = self.boxes[key]
        tl, tr, bl, br, h, v, pn, pe, ps, pw = _BOXES[style]
        x0, y0 = box.x, box.y
        x1, y1 = box.x + box.width - 1, box.y + box.height - 1
        if box.height == 1:
            opening, closing = _BRACKETS[style]
            return {(x0, y0): opening, (x1, y0): closing}
        glyphs: dict[tuple[int, int], str] = {}
        for x in range(x0 + 1, x1):
            glyphs[(x, y0)] = h
            glyphs[(x, y1)] = h
        for y in range(y0 + 1, y1):
            glyphs[(x0, y)] = v
            glyphs[(x1, y)] = v
        glyphs.update({(x0, y0): tl, (x1, y0): tr, (x0, y1): bl, (x1, y1): br})
        port_glyph = {N: pn, E: pe, S: ps, W: pw}
        corners = ((x0, y0), (x1, y0), (x0, y1), (x1, y1))
        for cell, side in self.ports.get(key, {}).items():
            if cell in glyphs and cell not in corners:
                glyphs[cell] = port_glyph[side]
        return glyphs

    def _rasterise(self, y: int) -> dict[int, Cell]:
        bits: dict[int, int] = {}
        owners: dict[int, tuple[Edge, ...]] = {}

        def mark(x: int, bit: int, edge: Edge) -> None:
            bits[x] = bits.get(x, 0) | bit
            known = owners.get(x, ())
            if edge not in known:
                owners[x] = (*known, edge)

        for seg in self._horizontal.get(y, ()):
            lo, hi = min(seg.x0, seg.x1), max(seg.x0, seg.x1)
            for x in range(lo, hi + 1):
                mark(x, (E if x < hi else 0) | (W if x > lo else 0), seg.edge)
        for seg in self._vertical.get(y // _BUCKET, ()):
            lo, hi = min(seg.y0, seg.y1), max(seg.y0, seg.y1)
            if lo <= y <= hi:
                mark(seg.x0, (S if y < hi else 0) | (N if y > lo else 0), seg.edge)
        cells: dict[int, Cell] = {}
        for x, cell_bits in bits.items():
            cell_bits |= self._extra_bits.get((x, y), 0)
            arrow = self._arrows.get((x, y))
            if arrow:
                cells[x] = (_ARROWS[arrow], owners[x], "a")
            else:
                cells[x] = (_LIGHT.get(cell_bits, "┼"), owners[x], "l")
        for box in self._boxes_by_row.get(y, ()):
            style = "rounded" if box.key.kind == "event" else "square"
            for (gx, gy), glyph in self.box_glyphs(box.key, style).items():
                if gy == y:
                    cells[gx] = (glyph, box.key, "b")
            if box.height == 1:
                for j, ch in enumerate(box.lines[0][: box.width - 2]):
                    cells[box.x + 1 + j] = (ch, box.key, "t")
                continue
            i = y - box.y - 1
            if 0 <= i < box.height - 2:
                inner = box.width - 4
                text = box.lines[i] if i < len(box.lines) else ""
                text = (
                    text[:inner].center(inner) if i == 0 else text[:inner].ljust(inner)
                )
                part = "t" if i == 0 else "x"
                cells[box.x + 1] = (" ", box.key, "x")
                cells[box.x + box.width - 2] = (" ", box.key, "x")
                for j, ch in enumerate(text):
                    cells[box.x + 2 + j] = (ch, box.key, part)
        return cells


def build_scene(
    layout: object,
    graph: nx.DiGraph,
    lines: Mapping[NodeKey, list[str]],
    *,
    with_labels: bool,
    label_box: tuple[int, int] = (EDGE_LABEL_WIDTH, 1),
) -> Scene:
    """Index a layout for drawing: boxes by row, route segments by row, ports,
    arrowheads and label places. Nothing is rasterised until a row is drawn."""
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

    scene = Scene(width, height, boxes, list(routes), {}, label_box)
    for box in boxes.values():
        scene.node_rows[box.key] = range(box.y, box.y + box.height)
        for y in range(box.y, box.y + box.height):
            scene._boxes_by_row.setdefault(y, []).append(box)
        if box.metric_row is not None:
            scene.metric_rows.setdefault(box.metric_row, []).append(box.key)

    for edge, route in routes.items():
        spans = scene.edge_rows.setdefault(edge, [])
        points = _orthogonal(route.points)
        if not points:
            continue
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            seg = _Segment(x0, y0, x1, y1, edge)
            if y0 == y1:
                scene._horizontal.setdefault(y0, []).append(seg)
                spans.append(range(y0, y0 + 1))
            else:
                lo, hi = min(y0, y1), max(y0, y1)
                for bucket in range(lo // _BUCKET, hi // _BUCKET + 1):
                    scene._vertical.setdefault(bucket, []).append(seg)
                spans.append(range(lo, hi + 1))
        if len(points) == 1:
            x, y = points[0]
            scene._horizontal.setdefault(y, []).append(_Segment(x, y, x, y, edge))
            spans.append(range(y, y + 1))
        _add_port(scene, boxes.get(edge[0]), points, spans)
        head = points[-1]
        prev = points[-2] if len(points) > 1 else None
        direction = _direction_into(boxes.get(edge[1]), head, prev)
        if direction:
            scene._arrows[head] = direction
        if with_labels and route.label_at is not None:
            scene.labels[edge] = route.label_at
            label_span = range(route.label_at[1], route.label_at[1] + label_box[1])
            spans.append(label_span)
            for y in label_span:
                scene.label_rows.setdefault(y, []).append(edge)
    return scene


def _orthogonal(points: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The route's points, with a bend added wherever a step is diagonal."""
    result: list[tuple[int, int]] = []
    for x, y in points:
        x, y = int(x), int(y)
        if result:
            px, py = result[-1]
            if (px, py) == (x, y):
                continue
            if px != x and py != y:
                result.append((x, py))
        result.append((x, y))
    return result


def _add_port(
    scene: Scene,
    box: Box | None,
    points: list[tuple[int, int]],
    spans: list[range],
) -> None:
    """Mark where the edge leaves its source box, so the border shows a joint."""
    if box is None:
        return
    first = points[0]
    for nx_, ny_, side in (
        (first[0] - 1, first[1], E),
        (first[0] + 1, first[1], W),
        (first[0], first[1] - 1, S),
        (first[0], first[1] + 1, N),
    ):
        if box.on_border(nx_, ny_):
            scene.ports.setdefault(box.key, {})[(nx_, ny_)] = side
            bits = scene._extra_bits
            bits[first] = bits.get(first, 0) | _OPPOSITE[side]
            spans.append(range(ny_, ny_ + 1))
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
        dx, dy = head[0] - prev[0], head[1] - prev[1]
        return _STEP.get(((dx > 0) - (dx < 0), (dy > 0) - (dy < 0)), 0)
    return 0
