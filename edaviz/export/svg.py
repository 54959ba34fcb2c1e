"""SVG drawing of a scene: boxes, rounded orthogonal edges with arrowheads, labels.

The layout works in character cells; the drawing maps one cell to CELL_W x CELL_H
pixels and sets every text run with `textLength`, so a label of n characters
spans exactly n cells in whatever monospace font the viewer has, and boxes and
text line up in any browser, editor or renderer. The file is self-contained: no
external fonts, images or stylesheets.
"""

from __future__ import annotations

import logging
import re
from xml.sax.saxutils import escape, quoteattr

from edaviz.core.graph import NodeKey
from edaviz.export import labels
from edaviz.export.scene import Scene, SceneEdge, SceneNode
from edaviz.layout import EdgeRoute, NodeBox

log = logging.getLogger(__name__)

#: Pixels per character cell; 9 x 18 suits a 15 px monospace font.
CELL_W = 9
CELL_H = 18

#: Font size in pixels and the generic stack tried by viewers, first found wins.
FONT_SIZE = 15
FONT_FAMILY = (
    "'IBM Plex Mono', 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, "
    "'Courier New', monospace"
)

#: Blank cells around the graph, and rows kept for the title and the caption.
MARGIN = 2
TITLE_ROWS = 2
CAPTION_ROWS = 2

#: Radius of the rounded corners of edges, in pixels.
CORNER_RADIUS = 6

#: Characters XML 1.0 forbids; flow text could in principle hold them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` safe as XML character data."""
    return escape(_XML_INVALID.sub("\ufffd", text))


def xml_attr(text: str) -> str:
    """`text` as a quoted XML attribute value."""
    return quoteattr(_XML_INVALID.sub("\ufffd", text))


def render_svg(scene: Scene) -> str:
    """The scene as a standalone SVG document."""
    layout = scene.layout
    top = MARGIN + TITLE_ROWS
    bottom = CAPTION_ROWS if scene.caption else 0
    title_cells = len(scene.title)
    caption_cells = len(scene.caption or "")
    width_cells = max(layout.width, title_cells, caption_cells) + 2 * MARGIN
    height_cells = layout.height + top + bottom + MARGIN
    width, height = width_cells * CELL_W, height_cells * CELL_H
    ox, oy = MARGIN * CELL_W, top * CELL_H

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">',
        f"<title>{xml_text(scene.title)}</title>",
        _defs(scene),
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        _text_run(MARGIN * CELL_W, MARGIN * CELL_H, scene.title, cls="title"),
        f'<g id="graph" transform="translate({ox},{oy})">',
        '<g id="edges">',
    ]
    for pair, edge in scene.edges.items():
        out.append(_edge(scene, edge, layout.edges.get(pair)))
    out.append("</g>")
    out.append('<g id="nodes">')
    for key, node in scene.nodes.items():
        out.append(_node(node, layout.nodes[key]))
    out.append("</g>")
    out.append('<g id="labels">')
    for pair, edge in scene.edges.items():
        route = layout.edges.get(pair)
        if edge.label and route is not None and route.label_at is not None:
            out.append(_label(edge, route.label_at))
    out.append("</g></g>")
    if scene.caption:
        y = (top + layout.height + 1) * CELL_H
        out.append(_text_run(MARGIN * CELL_W, y, scene.caption, cls="caption"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _defs(scene: Scene) -> str:
    colours = {_edge_colour(edge) for edge in scene.edges.values()}
    markers = [
        f'<marker id="{_marker_id(c)}" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" '
        f'orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="{c}"/></marker>'
        for c in sorted(colours)
    ]
    style = (
        "<style>"
        ".title{font-weight:bold}"
        ".caption{fill:#37474f}"
        ".label rect{fill:#ffffff;fill-opacity:0.92}"
        "</style>"
    )
    return "<defs>" + style + "".join(markers) + "</defs>"


def _marker_id(colour: str) -> str:
    return "arrow-" + colour.lstrip("#")


def _edge_colour(edge: SceneEdge) -> str:
    if edge.health is None:
        return labels.PLAIN_EDGE_COLOUR
    return labels.HEALTH_COLOURS[edge.health]


def _text_run(x: float, y_top: float, text: str, *, cls: str | None = None) -> str:
    """One line of text whose top-left cell is at pixel (x, y_top)."""
    baseline = y_top + CELL_H * 0.75
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{_num(x)}" y="{_num(baseline)}"{klass} '
        f'textLength="{len(text) * CELL_W}" lengthAdjust="spacingAndGlyphs" '
        f'xml:space="preserve">{xml_text(text)}</text>'
    )


def _node(node: SceneNode, box: NodeBox) -> str:
    x, y = box.x * CELL_W, box.y * CELL_H
    w, h = box.width * CELL_W, box.height * CELL_H
    fill, stroke = labels.NODE_COLOURS[node.kind]
    ident = xml_attr(_dom_id(node.key))
    parts = [f'<g id={ident} class="node {node.kind}" data-id={xml_attr(node.key.id)}>']
    # Events are capsules (a topic is a pipe); handlers are boxes with side bars,
    # the flowchart sign of a process, as in the Mermaid and DOT exports.
    if node.kind == "event":
        parts.append(
            f'<rect x="{x + 1}" y="{y + 1}" width="{w - 2}" height="{h - 2}" '
            f'rx="{min(h, w) / 2 - 1:g}" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"/>'
        )
    else:
        parts.append(
            f'<rect x="{x + 1}" y="{y + 1}" width="{w - 2}" height="{h - 2}" '
            f'rx="3" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        for bar in (x + 6, x + w - 6):
            parts.append(
                f'<line x1="{bar}" y1="{y + 1}" x2="{bar}" y2="{y + h - 1}" '
                f'stroke="{stroke}" stroke-width="1"/>'
            )
    if node.health is not None:
        colour = labels.HEALTH_COLOURS[node.health]
        parts.append(
            f'<circle cx="{x + w - 10}" cy="{y + 9}" r="3.5" fill="{colour}">'
            f"<title>{xml_text(str(node.health))}</title></circle>"
        )
    for row, line in enumerate(node.lines, start=1):
        left = x + (box.width - len(line)) / 2 * CELL_W
        cls = "name" if row == 1 else "detail"
        parts.append(_text_run(left, y + row * CELL_H, line, cls=cls))
    parts.append("</g>")
    return "".join(parts)


def _dom_id(key: NodeKey) -> str:
    return f"{key.kind}-{key.id}"


def _centre(x: int, y: int) -> tuple[float, float]:
    return (x + 0.5) * CELL_W, (y + 0.5) * CELL_H


def _border_point(
    cell: tuple[int, int], box: NodeBox | None
) -> tuple[float, float] | None:
    """Where a route's end cell meets the outline of the box next to it.

    Routes start and end on the cell just outside a box; the drawn line goes on
    from that cell's centre to the box's outline, so arrowheads touch the box.
    """
    if box is None:
        return None
    x, y = cell
    cx, cy = _centre(x, y)
    if x >= box.x + box.width:
        return (box.x + box.width) * CELL_W, cy
    if x < box.x:
        return box.x * CELL_W, cy
    if y >= box.y + box.height:
        return cx, (box.y + box.height) * CELL_H
    if y < box.y:
        return cx, box.y * CELL_H
    return None


def _edge(scene: Scene, edge: SceneEdge, route: EdgeRoute | None) -> str:
    layout = scene.layout
    src_box = layout.nodes.get(edge.source)
    dst_box = layout.nodes.get(edge.target)
    if route is not None and route.points:
        points = [_centre(x, y) for x, y in route.points]
        start = _border_point(route.points[0], src_box)
        end = _border_point(route.points[-1], dst_box)
        points = [p for p in (start, *points, end) if p is not None]
    else:
        # Without a route (none computed for this edge) draw the straight line
        # between box centres, so the edge still shows.
        log.debug("no route for %s -> %s", edge.source, edge.target)
        points = [_box_centre(src_box), _box_centre(dst_box)]
    points = _dedupe(points)
    if len(points) < 2:
        return ""
    colour = _edge_colour(edge)
    title = f"{edge.source.id} -> {edge.target.id}"
    if edge.label:
        title += ": " + "; ".join(edge.label)
    return (
        f'<g class="edge {edge.kind}" data-source={xml_attr(_dom_id(edge.source))} '
        f"data-target={xml_attr(_dom_id(edge.target))}"
        + (f' data-health="{edge.health}"' if edge.health is not None else "")
        + f"><title>{xml_text(title)}</title>"
        f'<path d="{_rounded_path(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="1.6" marker-end="url(#{_marker_id(colour)})"/></g>'
    )


def _box_centre(box: NodeBox | None) -> tuple[float, float]:
    if box is None:
        return 0.0, 0.0
    return (box.x + box.width / 2) * CELL_W, (box.y + box.height / 2) * CELL_H


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    return out


def _rounded_path(points: list[tuple[float, float]]) -> str:
    """An SVG path through `points` with each corner softened by a quadratic arc."""
    d = [f"M{_num(points[0][0])},{_num(points[0][1])}"]
    for i in range(1, len(points) - 1):
        (ax, ay), (bx, by), (cx, cy) = points[i - 1], points[i], points[i + 1]
        r = min(CORNER_RADIUS, _dist(ax, ay, bx, by) / 2, _dist(bx, by, cx, cy) / 2)
        if r <= 0:
            continue
        sx, sy = _towards(bx, by, ax, ay, r)
        ex, ey = _towards(bx, by, cx, cy, r)
        d.append(f"L{_num(sx)},{_num(sy)} Q{_num(bx)},{_num(by)} {_num(ex)},{_num(ey)}")
    d.append(f"L{_num(points[-1][0])},{_num(points[-1][1])}")
    return " ".join(d)


def _dist(ax: float, ay: float, bx: float, by: float) -> float:
    return ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5


def _towards(x: float, y: float, tx: float, ty: float, r: float) -> tuple[float, float]:
    length = _dist(x, y, tx, ty)
    if length == 0:
        return x, y
    return x + (tx - x) * r / length, y + (ty - y) * r / length


def _label(edge: SceneEdge, at: tuple[int, int]) -> str:
    x, y = at[0] * CELL_W, at[1] * CELL_H
    w, h = edge.label_size or (0, 0)
    colour = _edge_colour(edge)
    parts = [
        '<g class="label">',
        f'<rect x="{x - 3}" y="{y}" width="{w * CELL_W + 6}" height="{h * CELL_H}" '
        f'rx="3" stroke="{colour}" stroke-width="0.8"/>',
    ]
    for row, line in enumerate(edge.label):
        parts.append(_text_run(x, y + row * CELL_H, line))
    parts.append("</g>")
    return "".join(parts)


def _num(value: float) -> str:
    """A coordinate without trailing zeros: keeps a 500-node drawing small."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
