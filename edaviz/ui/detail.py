"""The detail panel: everything known about the selected event or handler."""

from __future__ import annotations

import logging

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import DataTable, Sparkline, Static

from edaviz.core.flow import Flow
from edaviz.core.graph import NodeKey
from edaviz.metrics.snapshot import EdgeStats, EventStats, HandlerStats, Snapshot
from edaviz.ui.format import duration, rate, si
from edaviz.ui.tail import TailView

log = logging.getLogger(__name__)

HEALTH_STYLE = {
    "OK": "green",
    "WARN": "yellow",
    "STALL": "dark_orange",
    "STOP": "red",
    "NO_COMMIT": "magenta",
    "REWIND": "red",
    "UNKNOWN": "dim",
}


def _fact(text: Text, name: str, value: object, style: str = "") -> None:
    text.append(f"{name:<12}", style="dim")
    text.append(str(value), style=style)
    text.append("\n")


def event_facts(flow: Flow | None, node: NodeKey, stats: EventStats | None) -> Text:
    """Topic facts of an event: configuration, then live numbers."""
    text = Text()
    event = flow.events.get(node.id) if flow else None
    _fact(text, "topic", event.topic if event else node.id)
    if stats is not None:
        _fact(text, "exists", "yes" if stats.exists else "no (not created yet)")
        _fact(text, "partitions", stats.partitions if stats.partitions else "–")
        _fact(text, "messages", si(stats.messages))
        _fact(text, "rate", rate(stats.rate))
        est = stats.bytes_rate_estimate
        _fact(text, "bytes/s", f"{si(est)}B/s (estimate)" if est is not None else "–")
    elif event is not None and event.partitions:
        _fact(text, "partitions", f"{event.partitions} (configured)")
    if flow is not None:
        producers = ", ".join(h.id for h in flow.producers_of(node.id)) or "–"
        consumers = ", ".join(h.id for h in flow.consumers_of(node.id)) or "–"
        _fact(text, "producers", producers)
        _fact(text, "consumers", consumers)
    if event is not None and event.description:
        text.append(event.description, style="italic")
        text.append("\n")
    return text


def handler_facts(flow: Flow | None, node: NodeKey, stats: HandlerStats | None) -> Text:
    """Group facts of a handler: group, state and members."""
    text = Text()
    handler = flow.handlers.get(node.id) if flow else None
    _fact(text, "group", handler.group if handler else node.id)
    if handler is not None and handler.owner:
        _fact(text, "owner", handler.owner)
    if stats is not None:
        state = stats.state or "unknown"
        style = "green" if state == "Stable" else "yellow"
        _fact(text, "state", state, style)
        if stats.error:
            _fact(text, "error", f"group not readable: {stats.error}", "red")
        _fact(text, "members", len(stats.members))
        for member in stats.members[:12]:
            text.append(f"  {member.client_id}", style="bold")
            text.append(f" {member.host}\n", style="dim")
            by_topic: dict[str, list[int]] = {}
            for topic, partition in member.assignments:
                by_topic.setdefault(topic, []).append(partition)
            for topic, partitions in sorted(by_topic.items()):
                numbers = ",".join(str(p) for p in sorted(partitions))
                text.append(f"    {topic} [{numbers}]\n")
        if stats is not None and len(stats.members) > 12:
            text.append(f"  … {len(stats.members) - 12} more\n", style="dim")
    if handler is not None and handler.description:
        text.append(handler.description, style="italic")
        text.append("\n")
    return text


def edge_health(node: NodeKey, snapshot: Snapshot | None, flow: Flow | None) -> Text:
    """Health per edge of a handler: consume edges with lag, produce edges."""
    text = Text()
    if snapshot is None or flow is None or node.id not in flow.handlers:
        return text
    handler = flow.handlers[node.id]
    text.append("Edges\n", style="bold")
    for event_id in handler.consumes:
        _edge_line(text, "←", event_id, snapshot.edge(event_id, node.id))
    for event_id in handler.produces:
        _edge_line(text, "→", event_id, snapshot.edge(node.id, event_id))
    return text


def _edge_line(text: Text, arrow: str, other: str, stats: EdgeStats | None) -> None:
    text.append(f"{arrow} {other} ")
    if stats is None:
        text.append("no data\n", style="dim")
        return
    text.append(f"{stats.status.value}", style=HEALTH_STYLE.get(stats.status, ""))
    text.append(f"  {rate(stats.rate)}")
    if stats.kind == "consumes":
        # The lag's details go on a line of their own: on one line with the
        # status and rate they wrapped at a random word in a 60-column panel.
        parts = [f"lag {si(stats.lag)}"]
        if stats.max_partition_lag is not None:
            parts[0] += f" (max {si(stats.max_partition_lag)})"
        if stats.time_lag_s is not None:
            parts.append(f"{duration(stats.time_lag_s)} behind")
        if stats.trend:
            parts.append(stats.trend)
            if stats.trend == "draining" and stats.drain_eta_s is not None:
                parts[-1] += f" (~{duration(stats.drain_eta_s)})"
        if stats.uncommitted_partitions:
            parts.append(f"{stats.uncommitted_partitions} uncommitted")
        text.append("\n  " + " · ".join(parts))
        if stats.behind_retention:
            text.append(" · behind retention", style="red")
    elif stats.shared_topic:
        text.append("  topic rate: several producers", style="dim")
    text.append("\n")


class DetailPanel(Vertical):
    """Facts, sparkline and tail of an event, or group, lags and edges of a handler."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.node: NodeKey | None = None
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title", markup=False)
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-facts", markup=False)
            yield Sparkline([], id="detail-spark")
            yield Static(id="detail-edges", markup=False)
            yield DataTable(id="detail-lags", cursor_type="none", zebra_stripes=True)
        yield TailView(id="detail-tail")

    def on_mount(self) -> None:
        self.query_one("#detail-lags", DataTable).add_columns(
            "topic", "p", "end", "commit", "lag"
        )
        self.show(None, None, None)

    def show(
        self, node: NodeKey | None, flow: Flow | None, snapshot: Snapshot | None
    ) -> None:
        """Show a node (or a hint when none is selected); cheap when unchanged."""
        try:
            self._show(node, flow, snapshot)
        except NoMatches:
            # The app is exiting and pruning this panel's widgets (children go
            # first) while a redraw timer still fires: nothing is left to update.
            log.debug("detail panel redraw during teardown skipped")

    def _show(
        self, node: NodeKey | None, flow: Flow | None, snapshot: Snapshot | None
    ) -> None:
        if node != self.node:
            self.node = node
            self._shown = None
            topic = None
            if node is not None and node.kind == "event" and flow is not None:
                event = flow.events.get(node.id)
                topic = event.topic if event else node.id
            self.query_one(TailView).reset(topic)
        live = snapshot if snapshot is not None and snapshot.cluster.connected else None
        stats = None
        if node is not None and live is not None:
            stats = (
                live.event(node.id) if node.kind == "event" else live.handler(node.id)
            )
        edges = (
            tuple(e for e in live.edges if node.id in (e.source, e.target))
            if live is not None and node is not None
            else ()
        )
        key = (node, stats, edges, flow is not None and id(flow))
        if key == self._shown:
            return
        self._shown = key
        self._update(node, flow, live, stats)

    def _update(
        self,
        node: NodeKey | None,
        flow: Flow | None,
        live: Snapshot | None,
        stats: EventStats | HandlerStats | None,
    ) -> None:
        title = self.query_one("#detail-title", Static)
        facts = self.query_one("#detail-facts", Static)
        spark = self.query_one("#detail-spark", Sparkline)
        edges = self.query_one("#detail-edges", Static)
        table = self.query_one("#detail-lags", DataTable)
        tail = self.query_one(TailView)
        if node is None:
            title.update(Text("Nothing selected", style="bold"))
            facts.update(
                Text("Click a node, or use Tab and the arrow keys.", style="dim")
            )
            for widget in (spark, edges, table, tail):
                widget.display = False
            return
        is_event = node.kind == "event"
        self.set_class(is_event, "-event")
        title.update(
            Text(f"{'Event' if is_event else 'Handler'} {node.id}", style="bold")
        )
        spark.display = is_event and live is not None
        tail.display = is_event and live is not None
        table.display = not is_event and live is not None
        edges.display = not is_event and live is not None
        if is_event:
            text = event_facts(flow, node, stats)
            if stats is not None:
                spark.data = list(stats.rate_history) or [0.0]
                tail.feed(stats.tail)
        else:
            text = handler_facts(flow, node, stats)
            edges.update(edge_health(node, live, flow))
            table.clear()
            if stats is not None:
                for lag in stats.partitions:
                    lag_text = Text(si(lag.lag))
                    if lag.behind_retention:
                        lag_text = Text(f"{si(lag.lag)} !", style="red")
                    table.add_row(
                        lag.topic,
                        str(lag.partition),
                        si(lag.end_offset),
                        si(lag.committed) if lag.committed is not None else "none",
                        lag_text,
                    )
        if live is None:
            text.append("\nLive numbers need a cluster.", style="dim")
        facts.update(text)
