"""The graph view: a pannable canvas that draws only the rows on screen.

The scene (boxes and routes) is rebuilt only when the graph's shape, the zoom or
the direction changes. A snapshot repaints labels, colours and the live line of
node boxes; rows whose paint did not change keep their cached strips.
"""

from __future__ import annotations

import logging
from typing import Literal

import networkx as nx
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from edaviz import layout as layout_module
from edaviz.core.graph import NodeKey
from edaviz.metrics.snapshot import Health
from edaviz.ui.live import Paint, worst
from edaviz.ui.scene import (
    Scene,
    Zoom,
    build_scene,
    label_size,
    node_lines,
    node_size,
)

log = logging.getLogger(__name__)

Direction = Literal["LR", "TB"]
Edge = tuple[NodeKey, NodeKey]

#: Edges of the selected node are drawn with heavy lines in their health colour.
_HEAVY = str.maketrans("─│┌┐└┘├┤┬┴┼", "━┃┏┓┗┛┣┫┳┻╋")

_HEALTH_ROLE = {
    Health.OK: "edge-ok",
    Health.WARN: "edge-warn",
    Health.STALL: "edge-stall",
    Health.STOP: "edge-stop",
    Health.NO_COMMIT: "edge-nocommit",
    Health.REWIND: "edge-rewind",
    Health.UNKNOWN: "edge",
}


class GraphView(ScrollView, can_focus=True):
    """The flow drawn as boxes and arrows, with live numbers on the edges."""

    COMPONENT_CLASSES = {
        "graph--event",
        "graph--handler",
        "graph--title",
        "graph--text",
        "graph--metric",
        "graph--selected",
        "graph--error",
        "graph--bottleneck",
        "graph--edge",
        "graph--edge-ok",
        "graph--edge-warn",
        "graph--edge-stall",
        "graph--edge-stop",
        "graph--edge-nocommit",
        "graph--edge-rewind",
    }

    BINDINGS = [
        Binding("left", "move('left')", "Move", show=False),
        Binding("right", "move('right')", "Move", show=False),
        Binding("up", "move('up')", "Move", show=False),
        Binding("down", "move('down')", "Move", show=False),
        Binding("tab", "cycle(1)", "Next node", show=False),
        Binding("shift+tab", "cycle(-1)", "Previous node", show=False),
    ]

    selected: reactive[NodeKey | None] = reactive(None, init=False)
    """The node under the cursor, or None."""

    class SelectionChanged(Message):
        """The user moved the selection to another node (or to none)."""

        def __init__(self, node: NodeKey | None) -> None:
            super().__init__()
            self.node = node

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.graph: nx.DiGraph = nx.DiGraph()
        self.flow: object = None
        self.zoom: Zoom = "compact"
        self.direction: Direction = "LR"
        self.with_labels = False
        self.scene: Scene | None = None
        self.paint = Paint()
        self.faulty_nodes: set[NodeKey] = set()
        self.faulty_edges: set[Edge] = set()
        self.layout_count = 0
        """How many times the graph was laid out (tests and benchmarks read it)."""
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._order: list[NodeKey] = []

    # ----------------------------------------------------------- scene

    def set_graph(
        self,
        graph: nx.DiGraph,
        flow: object,
        *,
        zoom: Zoom | None = None,
        direction: Direction | None = None,
        with_labels: bool | None = None,
    ) -> None:
        """Show another graph, or the same one in another zoom or direction."""
        self.graph = graph
        self.flow = flow
        self.zoom = zoom or self.zoom
        self.direction = direction or self.direction
        if with_labels is not None:
            self.with_labels = with_labels
        self.relayout()

    def relayout(self) -> None:
        """Lay the graph out again and rebuild the scene."""
        self.scene = self._lay_out(self.zoom, self.direction)
        self.layout_count += 1
        boxes = self.scene.boxes
        self._order = sorted(boxes, key=lambda k: (boxes[k].layer, boxes[k].order))
        if self.selected is not None and self.selected not in boxes:
            self.selected = None
        self.virtual_size = Size(self.scene.width, self.scene.height)
        self._strips.clear()
        self.refresh()
        if self.selected is not None:
            self.call_after_refresh(self.scroll_to_node, self.selected)

    def _lay_out(self, zoom: Zoom, direction: Direction) -> Scene:
        lines = {n: node_lines(self.graph, n, zoom, self.flow) for n in self.graph}
        sizes = {n: node_size(text) for n, text in lines.items()}
        labels = (
            {edge: label_size(direction) for edge in self.graph.edges}
            if self.with_labels
            else None
        )
        result = layout_module.compute_layout(
            self.graph, sizes, direction=direction, label_sizes=labels
        )
        return build_scene(
            result,
            self.graph,
            lines,
            with_labels=self.with_labels,
            label_box=label_size(direction),
        )

    def fit(self) -> None:
        """Pick the zoom and direction that fit the screen best (compact first)."""
        view = self.scrollable_content_region.size
        best: tuple[float, Zoom, Direction] | None = None
        for zoom in ("detailed", "compact"):
            for direction in (self.direction, "TB" if self.direction == "LR" else "LR"):
                scene = self._lay_out(zoom, direction)
                over = max(
                    scene.width / max(view.width, 1), scene.height / max(view.height, 1)
                )
                if over <= 1:
                    self.zoom, self.direction = zoom, direction
                    self.relayout()
                    self.scroll_home(animate=False)
                    return
                if best is None or over < best[0]:
                    best = (over, zoom, direction)
        if best is not None:
            self.zoom, self.direction = best[1], best[2]
        self.relayout()
        self.scroll_home(animate=False)

    # ------------------------------------------------------------ paint

    def set_paint(self, paint: Paint) -> None:
        """Show new live numbers, redrawing only the rows they change."""
        old, self.paint = self.paint, paint
        if self.scene is None:
            return
        rows: set[int] = set()
        for edge in (
            set(old.labels) | set(paint.labels) | set(old.health) | set(paint.health)
        ):
            if old.labels.get(edge) != paint.labels.get(edge) or old.health.get(
                edge
            ) != paint.health.get(edge):
                rows |= self.scene.edge_rows.get(edge, set())
        for node in set(old.metrics) | set(paint.metrics):
            if old.metrics.get(node) != paint.metrics.get(node):
                box = self.scene.boxes.get(node)
                if box is not None and box.metric_row is not None:
                    rows.add(box.metric_row)
        for node in {old.bottleneck, paint.bottleneck} - {None}:
            if old.bottleneck != paint.bottleneck and node in self.scene.node_rows:
                rows.update(self.scene.node_rows[node])
        self._invalidate(rows)

    def set_faults(self, nodes: set[NodeKey], edges: set[Edge]) -> None:
        """Mark nodes and edges at fault (drawn in the error colour)."""
        if self.scene is None:
            self.faulty_nodes, self.faulty_edges = nodes, edges
            return
        rows: set[int] = set()
        for node in self.faulty_nodes ^ nodes:
            rows.update(self.scene.node_rows.get(node, ()))
        for edge in self.faulty_edges ^ edges:
            rows |= self.scene.edge_rows.get(edge, set())
        self.faulty_nodes, self.faulty_edges = nodes, edges
        self._invalidate(rows)

    def _invalidate(self, rows: set[int]) -> None:
        pad_y = self.padding_cells()[1]
        top = self.scroll_offset.y
        bottom = top + self.size.height
        for row in rows:
            self._strips.pop(row, None)
            if top <= row + pad_y < bottom:
                self.refresh_line(row + pad_y)

    def _rows_of(self, node: NodeKey | None) -> set[int]:
        if node is None or self.scene is None or node not in self.scene.node_rows:
            return set()
        rows = set(self.scene.node_rows[node])
        for edge in self._edges_of(node):
            rows |= self.scene.edge_rows.get(edge, set())
        return rows

    def _edges_of(self, node: NodeKey) -> list[Edge]:
        if node not in self.graph:
            return []
        return list(self.graph.in_edges(node)) + list(self.graph.out_edges(node))

    def watch_selected(self, old: NodeKey | None, new: NodeKey | None) -> None:
        self._invalidate(self._rows_of(old) | self._rows_of(new))
        if new is not None:
            # After the refresh: selecting may show the detail panel, which
            # narrows this view, and centring must use the narrower width.
            self.call_after_refresh(self.scroll_to_node, new)
        self.post_message(self.SelectionChanged(new))

    def on_mount(self) -> None:
        self._styles.clear()

    def notify_style_update(self) -> None:
        """Drop cached styles and strips when the theme or CSS changes."""
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    # ----------------------------------------------------------- render

    def render_line(self, y: int) -> Strip:
        """One screen row: the cached scene row, cropped to the viewport."""
        scroll_x, scroll_y = self.scroll_offset
        pad_x, pad_y = self.padding_cells()
        row = scroll_y + y - pad_y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self.scene is None or not 0 <= row < self.scene.height:
            return Strip.blank(width, base)
        strip = self._strips.get(row)
        if strip is None:
            strip = self._strips[row] = self._render_row(row)
        left = scroll_x - pad_x
        return strip.crop_extend(left, left + width, base)

    def padding_cells(self) -> tuple[int, int]:
        """Blank cells left of and above a scene smaller than the view (centred)."""
        if self.scene is None:
            return 0, 0
        view = self.scrollable_content_region.size
        return (
            max(0, (view.width - self.scene.width) // 2),
            max(0, (view.height - self.scene.height) // 2),
        )

    def _style(self, role: str) -> Style:
        style = self._styles.get(role)
        if style is None:
            base = self.rich_style
            if role == "background":
                self._styles[role] = base
                return base
            extra = self.get_component_rich_style(f"graph--{role}", partial=True)
            style = self._styles[role] = base + extra
        return style

    def render_row_text(self, y: int) -> str:
        """The plain text of one scene row as drawn now (labels included)."""
        return "".join(self._row_cells(y)[0])

    def _row_cells(self, y: int) -> tuple[list[str], list[str]]:
        scene = self.scene
        assert scene is not None
        chars = list(scene.chars[y])
        roles = [self._role(scene, x, y) for x in range(scene.width)]
        sel = self.selected
        if sel is not None:
            for x, owner in enumerate(scene.owner[y]):
                if isinstance(owner, NodeKey) or not owner:
                    continue
                if any(sel in edge for edge in owner):
                    chars[x] = chars[x].translate(_HEAVY)
        self._overlay(scene, y, chars, roles)
        return chars, roles

    def _render_row(self, y: int) -> Strip:
        scene = self.scene
        assert scene is not None
        chars, roles = self._row_cells(y)
        segments: list[Segment] = []
        start = 0
        for x in range(1, scene.width + 1):
            if x == scene.width or roles[x] != roles[start]:
                text = "".join(chars[start:x])
                segments.append(Segment(text, self._style(roles[start])))
                start = x
        return Strip(segments, scene.width)

    def _role(self, scene: Scene, x: int, y: int) -> str:
        part = scene.part[y][x]
        if part == " ":
            return "background"
        owner = scene.owner[y][x]
        if isinstance(owner, NodeKey):
            if part == "t":
                return "selected" if owner == self.selected else "title"
            if part == "x":
                return "text"
            if owner == self.selected:
                return "selected"
            if owner in self.faulty_nodes:
                return "error"
            if owner == self.paint.bottleneck:
                return "bottleneck"
            return owner.kind
        return self._edge_role(owner)

    def _edge_role(self, edges: object) -> str:
        edges = tuple(edges or ())
        if any(e in self.faulty_edges for e in edges):
            return "error"
        health = worst([self.paint.health[e] for e in edges if e in self.paint.health])
        return _HEALTH_ROLE[health]

    def _overlay(
        self, scene: Scene, y: int, chars: list[str], roles: list[str]
    ) -> None:
        """Paint the selection's double border, edge labels and live node lines."""
        sel = self.selected
        if sel is not None and y in scene.node_rows.get(sel, ()):
            for (x, gy), glyph in scene.box_glyphs(sel, "double").items():
                if gy == y:
                    chars[x] = glyph
        width, height = scene.label_size
        for edge, (lx, ly) in scene.labels.items():
            if not ly <= y < ly + height:
                continue
            parts = self.paint.labels.get(edge, ())
            if height >= 3:
                # Split label: rate above the line, lag below, the line between.
                index = {ly: 0, ly + height - 1: 1}.get(y)
                text = parts[index] if index is not None and index < len(parts) else ""
            else:
                text = f" {' · '.join(parts)} " if parts else ""
            if not text:
                continue
            text = text[:width]
            x0 = lx + (width - len(text)) // 2
            role = self._edge_role((edge,))
            for i, ch in enumerate(text):
                x = x0 + i
                if 0 <= x < len(chars) and scene.part[y][x] in (" ", "l"):
                    chars[x] = ch
                    roles[x] = role
        for node, text in self.paint.metrics.items():
            box = scene.boxes.get(node)
            if box is None or box.metric_row != y:
                continue
            for i, ch in enumerate(text[: box.width - 4]):
                chars[box.x + 2 + i] = ch
                roles[box.x + 2 + i] = "metric"

    # ------------------------------------------------------- navigation

    def scroll_to_node(self, node: NodeKey) -> None:
        """Scroll so the node's box is on screen."""
        if self.scene is None or node not in self.scene.boxes:
            return
        box = self.scene.boxes[node]
        self.scroll_to_region(
            Region(box.x, box.y, box.width, box.height),
            animate=False,
            force=True,
            center=True,
        )

    def on_click(self, event: Click) -> None:
        """Select the node under the mouse."""
        if self.scene is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        pad_x, pad_y = self.padding_cells()
        node = self.scene.node_at(
            offset.x + self.scroll_offset.x - pad_x,
            offset.y + self.scroll_offset.y - pad_y,
        )
        if node is not None:
            self.selected = node
            self.focus()

    def action_cycle(self, step: int) -> None:
        """Select the next (or previous) node in reading order."""
        if not self._order:
            return
        if self.selected not in self._order:
            self.selected = self._order[0 if step > 0 else -1]
            return
        index = self._order.index(self.selected)
        self.selected = self._order[(index + step) % len(self._order)]

    def action_move(self, key: str) -> None:
        """Move the selection along the graph: downstream, upstream or across."""
        if self.scene is None or not self._order:
            return
        if self.selected is None or self.selected not in self.scene.boxes:
            self.selected = self._order[0]
            return
        forward, backward = (
            ("right", "left") if self.direction == "LR" else ("down", "up")
        )
        current = self.scene.boxes[self.selected]
        if key == forward:
            candidates = list(self.graph.successors(self.selected))
        elif key == backward:
            candidates = list(self.graph.predecessors(self.selected))
        else:
            before = key in ("up", "left")
            candidates = [
                k
                for k, b in self.scene.boxes.items()
                if b.layer == current.layer
                and (b.order < current.order if before else b.order > current.order)
            ]
            candidates.sort(
                key=lambda k: abs(self.scene.boxes[k].order - current.order)
            )
            candidates = candidates[:1]
        if not candidates:
            return
        self.selected = min(candidates, key=lambda k: self._cross_distance(current, k))

    def _cross_distance(self, current: object, node: NodeKey) -> tuple[int, int]:
        box = self.scene.boxes[node]
        if self.direction == "LR":
            return abs(box.y - current.y), box.order
        return abs(box.x - current.x), box.order
