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
from textual.events import Click, MouseDown, MouseMove, MouseUp
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from edaviz import layout as layout_module
from edaviz.core.graph import NodeKey
from edaviz.metrics.snapshot import Health
from edaviz.ui.acyclic import layout_graph, restore_edges
from edaviz.ui.live import Paint, worst
from edaviz.ui.scene import (
    ZOOMS,
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

_BLANK = (" ", None, " ")

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
        Binding("shift+left", "pan(-8, 0)", "Pan", show=False),
        Binding("shift+right", "pan(8, 0)", "Pan", show=False),
        Binding("shift+up", "pan(0, -4)", "Pan", show=False),
        Binding("shift+down", "pan(0, 4)", "Pan", show=False),
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
        self._drag: tuple[int, int, float, float] | None = None
        self._dragged = False

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

    def relayout(self, scene: Scene | None = None) -> None:
        """Lay the graph out again and rebuild the scene (or show `scene`, a
        layout of the current zoom and direction made already)."""
        self.scene = scene or self._lay_out(self.zoom, self.direction)
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
        sizes = {n: node_size(text, zoom) for n, text in lines.items()}
        # A flow with errors may loop; the problems panel names the loop.
        dag, reversed_edges = layout_graph(self.graph)
        labels = (
            {edge: label_size(direction) for edge in dag.edges}
            if self.with_labels
            else None
        )
        result = layout_module.compute_layout(
            dag,
            sizes,
            direction=direction,
            label_sizes=labels,
            tight=zoom == "overview",
        )
        return build_scene(
            restore_edges(result, reversed_edges),
            self.graph,
            lines,
            with_labels=self.with_labels,
            label_box=label_size(direction),
        )

    def fit(self) -> None:
        """Pick the zoom and direction that fit the screen best: the roomiest zoom
        that fits, else the overview that overflows least.

        Zooms are tried from the smallest drawing up, so a flow too big for any
        costs two layouts, not six (a 500-node layout takes about half a second).
        """
        view = self.scrollable_content_region.size
        directions: tuple[Direction, Direction] = (
            self.direction,
            "TB" if self.direction == "LR" else "LR",
        )
        scenes: dict[tuple[Zoom, Direction], Scene] = {}

        def overflow(zoom: Zoom, direction: Direction) -> float:
            scene = scenes.get((zoom, direction))
            if scene is None:
                scene = scenes[zoom, direction] = self._lay_out(zoom, direction)
            return max(
                scene.width / max(view.width, 1), scene.height / max(view.height, 1)
            )

        choice: tuple[Zoom, Direction] | None = None
        for zoom in ZOOMS:
            fitting = next((d for d in directions if overflow(zoom, d) <= 1), None)
            if fitting is None:
                break
            choice = (zoom, fitting)
        if choice is None:
            least = min(directions, key=lambda d: overflow(ZOOMS[0], d))
            choice = (ZOOMS[0], least)
        self.zoom, self.direction = choice
        self.relayout(scenes[choice])
        self.scroll_home(animate=False)

    # ------------------------------------------------------------ paint

    def set_paint(self, paint: Paint) -> None:
        """Show new live numbers, redrawing only the rows they change."""
        old, self.paint = self.paint, paint
        if self.scene is None:
            return
        spans: list[range] = []
        for edge in (
            set(old.labels) | set(paint.labels) | set(old.health) | set(paint.health)
        ):
            if old.labels.get(edge) != paint.labels.get(edge) or old.health.get(
                edge
            ) != paint.health.get(edge):
                spans.extend(self.scene.edge_rows.get(edge, ()))
        for node in set(old.metrics) | set(paint.metrics):
            if old.metrics.get(node) != paint.metrics.get(node):
                box = self.scene.boxes.get(node)
                if box is not None and box.metric_row is not None:
                    spans.append(range(box.metric_row, box.metric_row + 1))
        if old.bottleneck != paint.bottleneck:
            for node in {old.bottleneck, paint.bottleneck} - {None}:
                spans.append(self.scene.node_rows.get(node, range(0)))
        self._invalidate(spans)

    def set_faults(self, nodes: set[NodeKey], edges: set[Edge]) -> None:
        """Mark nodes and edges at fault (drawn in the error colour)."""
        if self.scene is None:
            self.faulty_nodes, self.faulty_edges = nodes, edges
            return
        spans: list[range] = []
        for node in self.faulty_nodes ^ nodes:
            spans.append(self.scene.node_rows.get(node, range(0)))
        for edge in self.faulty_edges ^ edges:
            spans.extend(self.scene.edge_rows.get(edge, ()))
        self.faulty_nodes, self.faulty_edges = nodes, edges
        self._invalidate(spans)

    def _invalidate(self, spans: list[range]) -> None:
        """Forget the cached rows in `spans` and repaint those on screen.

        Cached rows off screen are dropped as well: checking them against every
        span costs more than drawing them again when they scroll into view.
        """
        if not spans:
            return
        pad_y = self.padding_cells()[1]
        top = self.scroll_offset.y - pad_y
        bottom = top + self.size.height
        stale = {
            row
            for span in spans
            for row in range(max(span.start, top), min(span.stop, bottom))
        }
        self._strips = {
            row: strip
            for row, strip in self._strips.items()
            if top <= row < bottom and row not in stale
        }
        for row in stale:
            self.refresh_line(row + pad_y)

    def _rows_of(self, node: NodeKey | None) -> list[range]:
        if node is None or self.scene is None or node not in self.scene.node_rows:
            return []
        spans = [self.scene.node_rows[node]]
        for edge in self._edges_of(node):
            spans.extend(self.scene.edge_rows.get(edge, ()))
        return spans

    def _edges_of(self, node: NodeKey) -> list[Edge]:
        if node not in self.graph:
            return []
        return list(self.graph.in_edges(node)) + list(self.graph.out_edges(node))

    def watch_selected(self, old: NodeKey | None, new: NodeKey | None) -> None:
        self._invalidate(self._rows_of(old) + self._rows_of(new))
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
        base = self._style("background")
        if self.scene is None or not 0 <= row < self.scene.height:
            return Strip.blank(width, base)
        strip = self._strips.get(row)
        if strip is None:
            strip = self._strips[row] = self._render_row(row)
        left = scroll_x - pad_x
        if left < 0:
            # Strip.crop_extend pads on the right only: a scene narrower than
            # the view gets its left margin here, so it sits in the middle.
            strip = Strip.join([Strip.blank(-left, base), strip])
            left = 0
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
        assert self.scene is not None
        chars = [" "] * self.scene.width
        for x, (char, _role) in self._row_cells(y).items():
            if 0 <= x < len(chars):
                chars[x] = char
        return "".join(chars)

    def _row_cells(self, y: int) -> dict[int, tuple[str, str]]:
        """The drawn cells of a row with selection and live numbers: x -> (glyph,
        role)."""
        scene = self.scene
        assert scene is not None
        sel = self.selected
        cells: dict[int, tuple[str, str]] = {}
        for x, (char, owner, part) in scene.row(y).items():
            if isinstance(owner, NodeKey):
                role = self._node_role(owner, part)
            else:
                role = self._edge_role(owner)
                if sel is not None and any(sel in edge for edge in owner):
                    char = char.translate(_HEAVY)
            cells[x] = (char, role)
        self._overlay(scene, y, cells)
        return cells

    def _render_row(self, y: int) -> Strip:
        scene = self.scene
        assert scene is not None
        cells = self._row_cells(y)
        background = self._style("background")
        segments: list[Segment] = []
        run: list[str] = []
        run_role = ""
        cursor = 0
        for x in sorted(cells):
            char, role = cells[x]
            if x != cursor or role != run_role:
                if run:
                    segments.append(Segment("".join(run), self._style(run_role)))
                    run = []
                if x > cursor:
                    segments.append(Segment(" " * (x - cursor), background))
                run_role = role
            run.append(char)
            cursor = x + 1
        if run:
            segments.append(Segment("".join(run), self._style(run_role)))
        if cursor < scene.width:
            segments.append(Segment(" " * (scene.width - cursor), background))
        return Strip(segments, scene.width)

    def _node_role(self, owner: NodeKey, part: str) -> str:
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

    def _edge_role(self, edges: object) -> str:
        edges = tuple(edges or ())
        if any(e in self.faulty_edges for e in edges):
            return "error"
        health = worst([self.paint.health[e] for e in edges if e in self.paint.health])
        return _HEALTH_ROLE[health]

    def _overlay(self, scene: Scene, y: int, cells: dict[int, tuple[str, str]]) -> None:
        """Paint the selection's double border, edge labels and live node lines."""
        sel = self.selected
        if sel is not None and y in scene.node_rows.get(sel, ()):
            for (x, gy), glyph in scene.box_glyphs(sel, "double").items():
                if gy == y:
                    cells[x] = (glyph, "selected")
        width, height = scene.label_size
        for edge in scene.label_rows.get(y, ()):
            lx, ly = scene.labels[edge]
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
            row = scene.row(y)
            for i, ch in enumerate(text):
                x = x0 + i
                if row.get(x, _BLANK)[2] in (" ", "l"):
                    cells[x] = (ch, role)
        for node in scene.metric_rows.get(y, ()):
            text = self.paint.metrics.get(node)
            if not text:
                continue
            box = scene.boxes[node]
            for i, ch in enumerate(text[: box.width - 4]):
                cells[box.x + 2 + i] = (ch, "metric")

    # ------------------------------------------------------- navigation

    def scroll_to_node(self, node: NodeKey) -> None:
        """Scroll so the node's box is on screen."""
        if self.scene is None or node not in self.scene.boxes:
            return
        box = self.scene.boxes[node]
        pad_x, pad_y = self.padding_cells()
        view = self.scrollable_content_region.size
        visible = Region(
            self.scroll_offset.x - pad_x, self.scroll_offset.y - pad_y, *view
        )
        if visible.contains_region(Region(box.x, box.y, box.width, box.height)):
            return
        self.scroll_to_region(
            Region(box.x, box.y, box.width, box.height),
            animate=False,
            force=True,
            center=True,
        )

    def action_pan(self, dx: int, dy: int) -> None:
        """Move the view over the graph without changing the selection."""
        self.scroll_to(self.scroll_x + dx, self.scroll_y + dy, animate=False)

    def on_mouse_down(self, event: MouseDown) -> None:
        """Start dragging: the graph follows the mouse until it is released."""
        self._drag = (event.screen_x, event.screen_y, self.scroll_x, self.scroll_y)
        self._dragged = False
        self.capture_mouse()

    def on_mouse_move(self, event: MouseMove) -> None:
        if self._drag is None or not event.button:
            return
        x0, y0, sx, sy = self._drag
        dx, dy = event.screen_x - x0, event.screen_y - y0
        if dx or dy:
            self._dragged = True
            self.scroll_to(sx - dx, sy - dy, animate=False)

    def on_mouse_up(self, event: MouseUp) -> None:
        self._drag = None
        self.release_mouse()

    def on_click(self, event: Click) -> None:
        """Select the node under the mouse (unless the mouse dragged the view)."""
        if self.scene is None or self._dragged:
            self._dragged = False
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
