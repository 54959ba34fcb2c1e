"""The edaviz terminal app: graph view, detail panel, status bar and footer.

Kafka never runs on the UI's path: a metrics source fills `latest` in the
background, and a timer repaints from the newest snapshot at most four times a
second (a 250 ms tick keeps a 500-node graph smooth while numbers stay fresh).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.logging import TextualHandler
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from edaviz.core.document import FlowDocument
from edaviz.core.flow import Flow
from edaviz.core.graph import NodeKey
from edaviz.metrics.snapshot import Snapshot
from edaviz.ui.detail import DetailPanel
from edaviz.ui.editing import EditingMixin
from edaviz.ui.exporting import ExportMixin
from edaviz.ui.footer import PriorityFooter
from edaviz.ui.graph_view import GraphView
from edaviz.ui.live import paint_for
from edaviz.ui.messages import FlowEdited, SnapshotApplied
from edaviz.ui.screens import FindScreen, HelpScreen
from edaviz.ui.sources import MetricsSource
from edaviz.ui.status import StatusBar, status_text
from edaviz.ui.tail import TailView

log = logging.getLogger(__name__)

#: Seconds between two repaints from the newest snapshot.
REDRAW_INTERVAL = 0.25

NO_CLUSTER = "no cluster configured, so no live numbers (see --bootstrap-server)"

FLOW_HAS_ERRORS = "the flow has errors: live numbers start once they are fixed"

UNAVAILABLE = "live numbers unavailable"

#: The footer's keys, most important first: what applies to the selection, then
#: edits, then the view; those that do not fit are left to `?` and Ctrl+P.
FOOTER_PRIORITY = (
    "quit",
    "help",
    "rename",
    "delete_node",
    "connect",
    "disconnect",
    "edit_fields",
    "toggle_pause",
    "filter_tail",
    "save",
    "undo",
    "redo",
    "add_event",
    "add_handler",
    "find",
    "toggle_view",
    "toggle_zoom",
    "fit",
    "toggle_direction",
    "export",
    "screenshot",
)

#: Builds the metrics source that measures a flow (after an edit changed it).
SourceFactory = Callable[[Flow], MetricsSource]


class Measured(NamedTuple):
    """What a metrics source for a flow measures, and under which node ids."""

    topics: frozenset[tuple[str, str]]
    """(event id, topic) pairs."""
    groups: frozenset[tuple[str, str]]
    """(handler id, consumer group) pairs."""
    edges: frozenset[tuple[str, str, str]]
    """(handler id, event id, "consumes" | "produces")."""


def measured_names(flow: Flow) -> Measured:
    """The topics, groups and edges a metrics source for `flow` reports on.

    Snapshots name nodes by id, so a renamed node or a new edge needs a new
    source even when the set of topics and groups stays the same.
    """
    return Measured(
        topics=frozenset((e.id, e.topic) for e in flow.events.values()),
        groups=frozenset((h.id, h.group) for h in flow.handlers.values()),
        edges=frozenset(
            (h.id, event_id, kind)
            for h in flow.handlers.values()
            for kind, events in (("consumes", h.consumes), ("produces", h.produces))
            for event_id in events
        ),
    )


class EdavizApp(ExportMixin, EditingMixin, App[None]):
    """Shows a flow as a live graph; pick a node to see its details."""

    CSS_PATH = "app.tcss"
    TITLE = "edaviz"

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("slash", "find", "Find"),
        Binding("z", "toggle_zoom", "Zoom"),
        Binding("f", "fit", "Fit"),
        Binding("o", "toggle_direction", "LR/TB"),
        Binding("v", "toggle_view", "Events"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("t", "filter_tail", "Filter"),
        Binding("escape", "escape", "Clear", show=False),
        *EditingMixin.BINDINGS,
        *ExportMixin.BINDINGS,
    ]

    selected_node: reactive[NodeKey | None] = reactive(None, init=False)
    """The node whose details the panel shows (None: nothing selected)."""

    def __init__(
        self,
        document: Any,
        *,
        metrics: MetricsSource | None = None,
        metrics_for: SourceFactory | None = None,
        settings: object | None = None,
        design_reason: str | None = None,
        clock: Callable[[], datetime] | None = None,
        redraw_interval: float = REDRAW_INTERVAL,
        fit_on_open: bool = False,
    ) -> None:
        super().__init__()
        self.document = document
        self.fit_on_open = fit_on_open
        """Open a flow bigger than the screen fitted, instead of left-to-right
        at full size."""
        """The open flow: `.flow`, `.graph`, `.diagnostics`, `.path`, `.dirty`."""
        self.metrics = metrics
        self.metrics_for = metrics_for
        """Builds a source for an edited flow; None: the first source stays."""
        self.settings = settings
        """Connection settings: their secrets are scrubbed from every export."""
        flow = getattr(document, "flow", None)
        self._measured = (
            measured_names(flow) if metrics is not None and flow is not None else None
        )
        # Sources replaced after an edit and not yet stopped; starting and
        # stopping take turns so a quick run of edits cannot leak a source.
        self._retired: list[MetricsSource] = []
        self._source_turn = asyncio.Lock()
        if design_reason is None and metrics is None:
            # A cluster is configured when there is a factory; only a flow with
            # errors keeps it from being measured.
            if metrics_for is None:
                design_reason = NO_CLUSTER
            elif flow is None:
                design_reason = FLOW_HAS_ERRORS
        self.design_reason = design_reason
        """Why there are no live numbers (None while measuring)."""
        self.clock = clock or (lambda: datetime.now(UTC))
        self.redraw_interval = redraw_interval
        self.view = "full"
        self.snapshot: Snapshot | None = None
        self._painted: Snapshot | None = None
        # What decided the footer's bindings last time (see `_sync_bindings`).
        self._binding_state: tuple[object, ...] | None = None

    # ----------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◇")
        if self.design_reason is not None:
            yield Static(
                "Design mode: the flow without live numbers.", id="banner", markup=False
            )
        with Horizontal(id="main"):
            yield GraphView(id="graph")
            yield DetailPanel(id="detail")
        yield StatusBar(id="status")
        yield PriorityFooter(FOOTER_PRIORITY)

    def on_mount(self) -> None:
        # Kept, not queried: queries search the top screen, which is a modal
        # while the help or the find prompt is open.
        self.graph_view = self.query_one("#graph", GraphView)
        self.detail = self.query_one("#detail", DetailPanel)
        self.status_bar = self.query_one("#status", StatusBar)
        self.tail = self.query_one(TailView)
        self._set_title()
        self._load_graph()
        self.graph_view.focus()
        if self.fit_on_open:
            self.call_after_refresh(self._fit_if_overflowing)
        if self.metrics is not None:
            self.run_worker(
                self._start_metrics(self.metrics),
                name="metrics",
                group="metrics",
                exit_on_error=False,
            )
        else:
            self._measure_edited_flow()
        self.set_interval(self.redraw_interval, self.redraw, name="redraw")
        self.redraw()

    async def on_unmount(self) -> None:
        sources = [*self._retired, self.metrics]
        self._retired.clear()
        for source in sources:
            if source is None:
                continue
            try:
                await source.stop()
            except Exception:  # the app is closing: report, never block the exit
                log.exception("stopping the metrics source failed")

    async def _start_metrics(self, source: MetricsSource) -> None:
        async with self._source_turn:
            await self._stop_retired()
            if source is not self.metrics:
                # Replaced by a newer edit before its turn came.
                return
            try:
                await source.start()
            except Exception as exc:
                log.exception("metrics source failed to start")
                self.design_reason = f"{UNAVAILABLE}: {exc}"
                self.notify(str(exc), title="Metrics", severity="error")
            else:
                reason = self.design_reason
                if reason is not None and reason.startswith(UNAVAILABLE):
                    # An earlier source failed; this one measures.
                    self.design_reason = None

    async def _stop_retired(self) -> None:
        while self._retired:
            # Listed until stopped: an exit meanwhile still finds it.
            source = self._retired[0]
            try:
                await source.stop()
            except Exception:  # the old flow's numbers are gone either way
                log.exception("stopping a replaced metrics source failed")
            if source in self._retired:
                self._retired.remove(source)

    def _measure_edited_flow(self) -> None:
        """Measure the edited flow when its topics, groups or edges changed, or
        when it is the first valid flow (it was opened with errors).

        The new source starts in a worker, so the UI never waits on Kafka; a
        flow with errors keeps the last valid flow's source running.
        """
        flow = self.document.flow
        if self.metrics_for is None or flow is None:
            return
        measured = measured_names(flow)
        if self.metrics is None:
            log.info("the flow is valid: measuring it")
            self.design_reason = None
            # The banner is on the main screen, under any dialog still open.
            self.graph_view.screen.query("#banner").remove()
        elif measured == self._measured:
            return
        else:
            log.info("flow's topics, groups or edges changed: measuring it again")
            self._retired.append(self.metrics)
        self._measured = measured
        self.metrics = self.metrics_for(flow)
        self._painted = None
        self.run_worker(
            self._start_metrics(self.metrics),
            name="metrics",
            group="metrics",
            exit_on_error=False,
        )

    def _set_title(self) -> None:
        flow = self.document.flow
        name = flow.name if flow is not None else str(self.document.path)
        self.title = f"edaviz · {name}"
        self.sub_title = self.document.path.name

    def _load_graph(self) -> None:
        """Lay the current document's graph out (after opening or an edit)."""
        flow = self.document.flow
        graph = self.document.graph
        view = graph.view(self.view) if graph is not None else None
        if view is None:
            import networkx as nx

            view = nx.DiGraph()
        self.graph_view.set_graph(view, flow, with_labels=self.metrics is not None)
        self._apply_faults()
        self._painted = None

    def _apply_faults(self) -> None:
        nodes: set[NodeKey] = set()
        edges: set[tuple[NodeKey, NodeKey]] = set()
        graph = self.graph_view.graph
        for diag in getattr(self.document, "diagnostics", ()) or ():
            if not getattr(diag, "is_error", True):
                continue
            if diag.node is not None:
                nodes.add(NodeKey(*diag.node))
            if diag.edge is not None:
                src, dst = diag.edge
                edges.update(
                    (u, v) for u, v in graph.edges if (u.id, v.id) == (src, dst)
                )
        self.graph_view.set_faults(nodes, edges)

    # ----------------------------------------------------------- live

    def redraw(self) -> None:
        """Repaint from the newest snapshot, if it is new; refresh the status."""
        if self.metrics is not None:
            self.snapshot = self.metrics.latest
        if self.snapshot is not self._painted:
            self._painted = self.snapshot
            view = self.graph_view
            view.set_paint(
                paint_for(view.graph, self.snapshot, node_lines=view.zoom == "detailed")
            )
            self.detail.show(self.selected_node, self.document.flow, self.snapshot)
            if self.snapshot is not None:
                self.post_message(SnapshotApplied(self.snapshot.sequence))
        self._sync_bindings()
        if not self.status_bar.is_attached:
            return
        self.status_bar.show(
            status_text(
                design_reason=self.design_reason,
                snapshot=self.snapshot,
                now=self.clock(),
                zoom=self.graph_view.zoom,
                direction=self.graph_view.direction,
                view="events only" if self.view == "events" else "all nodes",
                dirty=bool(getattr(self.document, "dirty", False)),
            )
        )

    def on_flow_edited(self, message: FlowEdited) -> None:
        """Lay out again after an edit; keep the selection when it survived."""
        log.debug("flow edited: %s", message.reason)
        self._set_title()
        self._measure_edited_flow()
        self._load_graph()
        if self.selected_node not in self.graph_view.graph:
            self.selected_node = None
        self.detail.show(self.selected_node, self.document.flow, self.snapshot)
        self.redraw()

    # ------------------------------------------------------- bindings

    def _tail_shown(self) -> bool:
        """True while the panel shows the live tail of a selected event."""
        node = self.selected_node
        live = self.snapshot
        return (
            node is not None
            and node.kind == "event"
            and live is not None
            and live.cluster.connected
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer the tail's keys only while a live tail is shown."""
        if action in ("toggle_pause", "filter_tail"):
            return self._tail_shown()
        return super().check_action(action, parameters)

    def _sync_bindings(self) -> None:
        """Refresh the footer when what `check_action` looks at has changed."""
        node = self.selected_node
        document = self.document
        state = (
            node,
            node is not None and document.has_node(node),
            self._tail_shown(),
            document.can_undo,
            document.can_redo,
        )
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    # ------------------------------------------------------ selection

    def on_graph_view_selection_changed(
        self, message: GraphView.SelectionChanged
    ) -> None:
        # The view posts a message for every change, ours included: one that
        # no longer matches the view is stale, and applying it would undo a
        # newer selection and bounce between the two.
        if message.node != self.graph_view.selected:
            return
        self.selected_node = message.node

    def watch_selected_node(self, node: NodeKey | None) -> None:
        self.graph_view.selected = node
        # The panel only takes room from the graph while there is something to show.
        self.detail.set_class(node is not None, "-shown")
        self.detail.show(node, self.document.flow, self.snapshot)
        self._sync_bindings()

    # -------------------------------------------------------- actions

    def action_help(self) -> None:
        """Show the key bindings and what the colours mean."""
        self.push_screen(HelpScreen())

    def action_find(self) -> None:
        """Find a node by name and select it."""

        def chosen(node: NodeKey | None) -> None:
            if node is not None:
                self.selected_node = node
            self.graph_view.focus()

        self.push_screen(FindScreen(list(self.graph_view.graph.nodes)), chosen)

    def action_toggle_zoom(self) -> None:
        """Cycle the zoom: compact boxes, detailed boxes, one-line overview."""
        view = self.graph_view
        zoom = {"compact": "detailed", "detailed": "overview"}.get(view.zoom, "compact")
        view.set_graph(view.graph, view.flow, zoom=zoom)
        self._painted = None
        self.redraw()

    def action_toggle_direction(self) -> None:
        """Switch between left-to-right and top-down."""
        view = self.graph_view
        direction = "TB" if view.direction == "LR" else "LR"
        view.set_graph(view.graph, view.flow, direction=direction)
        self._painted = None
        self.redraw()

    def _fit_if_overflowing(self) -> None:
        """A flow bigger than the screen opens in the zoom and direction that
        show the most of it, rather than cut off at the right edge."""
        scene = self.graph_view.scene
        view = self.graph_view.scrollable_content_region.size
        if scene is not None and (
            scene.width > view.width or scene.height > view.height
        ):
            self.action_fit()

    def action_fit(self) -> None:
        """Choose the zoom and direction that fit the screen best."""
        self.graph_view.fit()
        self._painted = None
        self.redraw()

    def action_toggle_view(self) -> None:
        """Switch between all nodes and the events-only view."""
        self.view = "events" if self.view == "full" else "full"
        selected = self.selected_node
        self._load_graph()
        if selected is not None and selected not in self.graph_view.graph:
            self.selected_node = None
        self.redraw()

    def action_toggle_pause(self) -> None:
        """Pause or resume the tail of the selected event."""
        tail = self.tail
        if self.selected_node is None or self.selected_node.kind != "event":
            self.notify("Select an event to pause its tail.", title="Tail")
            return
        tail.toggle_pause()

    def action_filter_tail(self) -> None:
        """Put the cursor in the tail's filter."""
        if self.selected_node is None or self.selected_node.kind != "event":
            self.notify("Select an event to filter its tail.", title="Tail")
            return
        self.tail.query_one("#tail-filter", Input).focus()

    def action_escape(self) -> None:
        """Leave a text field, else clear the selection."""
        if isinstance(self.focused, Input):
            self.graph_view.focus()
        else:
            self.selected_node = None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every app action, by name, in the command palette."""
        yield from super().get_system_commands(screen)
        for title, help_text, action in (
            ("Find node", "Select a node by name (/)", self.action_find),
            ("Cycle zoom", "Compact, detailed, overview (z)", self.action_toggle_zoom),
            ("Fit to screen", "Best zoom and direction (f)", self.action_fit),
            (
                "Toggle direction",
                "Left-to-right or top-down (o)",
                self.action_toggle_direction,
            ),
            ("Toggle events-only view", "Hide handlers (v)", self.action_toggle_view),
            ("Pause tail", "Pause or resume the tail (p)", self.action_toggle_pause),
            ("Filter tail", "Filter the tail by text (t)", self.action_filter_tail),
            ("Clear selection", "Select nothing (Esc)", self._clear_selection),
            ("Help", "Keys and colours (?)", self.action_help),
        ):
            yield SystemCommand(title, help_text, action)
        yield from self.editing_commands(screen)
        yield from self.export_commands(screen)

    def _clear_selection(self) -> None:
        self.selected_node = None


def run_app(
    flow_path: str,
    *,
    settings: Any = None,
    metrics: MetricsSource | None = None,
    document: Any = None,
    interval: float = 2.0,
    window: float = 30.0,
    design_reason: str | None = None,
) -> int:
    """Open the UI on a flow file; returns the exit status.

    With `settings` (resolved connection settings) a metrics engine measures
    the cluster, from the moment the flow has no errors; without them, and
    without `metrics`, the app opens in design mode, and `design_reason`
    (default: no cluster configured) says why.
    """
    document = document if document is not None else FlowDocument.open(flow_path)
    metrics_for: SourceFactory | None = None
    if metrics is None and settings is not None:

        def metrics_for(flow: Flow) -> MetricsSource:
            from edaviz.metrics.engine import MetricsEngine
            from edaviz.ui.sources import EngineMetrics

            engine = MetricsEngine(flow, settings, interval=interval, window=window)
            return EngineMetrics(engine)

        if document.flow is not None:
            metrics = metrics_for(document.flow)
    app = EdavizApp(
        document,
        metrics=metrics,
        metrics_for=metrics_for,
        settings=settings,
        design_reason=design_reason,
        fit_on_open=True,
    )
    # Records written to stderr would tear the full-screen display (aiokafka
    # logs every refused connection): route them to Textual's log while the
    # app owns the terminal.
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [TextualHandler()]
    try:
        app.run()
    finally:
        root.handlers = saved
    return app.return_code or 0
