"""Immutable snapshots of a flow's live state: what the metrics engine publishes.

The UI, `edaviz watch` and the exporters read these and nothing else of Kafka.
Every container is a tuple and every class is frozen, so a snapshot can be handed
across tasks without copying. `Snapshot.to_json()` is the document that
`edaviz watch --once --json` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal


class Health(StrEnum):
    """Health of an edge, adapted from Burrow's consumer status rules."""

    OK = "OK"
    """Keeping up: lag is zero or not growing."""
    WARN = "WARN"
    """Committed offsets advance, but lag keeps growing."""
    STALL = "STALL"
    """Members are assigned but the committed offset does not move while lag > 0."""
    STOP = "STOP"
    """The group has no members and lag > 0."""
    NO_COMMIT = "NO_COMMIT"
    """The group has committed no offset for the topic."""
    REWIND = "REWIND"
    """A committed offset went backwards."""
    UNKNOWN = "UNKNOWN"
    """Not enough data yet (first poll, or disconnected)."""


Trend = Literal["draining", "steady", "growing"]


@dataclass(frozen=True, slots=True)
class ClusterState:
    """The connection as of the snapshot."""

    bootstrap: str
    connected: bool
    error: str | None = None
    disconnected_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class TailRecord:
    """One record of a topic's tail, kept as raw bytes: display code escapes it."""

    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    value_size: int = 0
    """Size of the value on the wire; `value` may be truncated to a display cap."""


@dataclass(frozen=True, slots=True)
class EventStats:
    """Live facts of one event's topic."""

    id: str
    topic: str
    exists: bool = False
    partitions: int | None = None
    messages: int | None = None
    """Records currently in the topic: sum of end offset minus log start."""
    rate: float | None = None
    """Messages per second over the window (end-offset advance)."""
    bytes_rate_estimate: float | None = None
    """Estimated bytes per second: rate times the mean size of tailed records."""
    rate_history: tuple[float, ...] = ()
    """Recent rates, oldest first, for a sparkline."""
    tail: tuple[TailRecord, ...] = ()
    """The newest records, newest first."""
    kind: Literal["event"] = "event"


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A member of a consumer group and the partitions assigned to it."""

    member_id: str
    client_id: str
    host: str
    assignments: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """Lag of one group on one partition."""

    topic: str
    partition: int
    end_offset: int | None
    committed: int | None
    lag: int | None
    log_start: int | None = None

    @property
    def behind_retention(self) -> bool:
        """True when the committed offset points at data already deleted."""
        return (
            self.committed is not None
            and self.log_start is not None
            and self.committed < self.log_start
        )


@dataclass(frozen=True, slots=True)
class HandlerStats:
    """Live facts of one handler's consumer group."""

    id: str
    group: str
    state: str | None = None
    """Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, or None."""
    members: tuple[MemberInfo, ...] = ()
    partitions: tuple[PartitionLag, ...] = ()
    error: str | None = None
    """Why the group could not be read at the last poll, if it could not."""
    kind: Literal["handler"] = "handler"


@dataclass(frozen=True, slots=True)
class EdgeStats:
    """Live numbers of one edge: consume (event -> handler) or produce."""

    source: str
    target: str
    kind: Literal["consumes", "produces"]
    lag: int | None = None
    max_partition_lag: int | None = None
    uncommitted_partitions: int = 0
    rate: float | None = None
    """Consume edge: committed-offset advance per second; produce edge: the
    topic's produce rate."""
    time_lag_s: float | None = None
    status: Health = Health.UNKNOWN
    trend: Trend | None = None
    drain_eta_s: float | None = None
    behind_retention: bool = False
    shared_topic: bool = False
    """Produce edge whose topic has several producers: `rate` is the topic's."""
    lag_history: tuple[int, ...] = ()


NodeStats = EventStats | HandlerStats


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything known about a flow at one moment."""

    flow: str
    taken_at: datetime
    cluster: ClusterState
    nodes: tuple[NodeStats, ...] = ()
    edges: tuple[EdgeStats, ...] = ()
    bottleneck: str | None = None
    """The first handler, in topological order, consuming slower than its input."""
    window_s: float = 0.0
    """Span of the samples the rates were computed over."""
    sequence: int = 0
    """Increases by one with every snapshot the engine publishes."""
    skipped_polls: int = 0
    """Polls skipped so far because the previous one was still running."""
    poll_duration_s: float | None = None
    """How long the poll behind this snapshot took."""
    poll_requests: int | None = None
    """Kafka requests the poll behind this snapshot sent."""
    _index: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def event(self, event_id: str) -> EventStats | None:
        """Stats of one event, or None."""
        return self._lookup().get(("event", event_id))

    def handler(self, handler_id: str) -> HandlerStats | None:
        """Stats of one handler, or None."""
        return self._lookup().get(("handler", handler_id))

    def edge(self, source: str, target: str) -> EdgeStats | None:
        """Stats of one edge by its end ids, or None."""
        return self._lookup().get(("edge", source, target))

    def _lookup(self) -> dict[Any, Any]:
        if not self._index:
            for node in self.nodes:
                self._index[(node.kind, node.id)] = node
            for edge in self.edges:
                self._index[("edge", edge.source, edge.target)] = edge
        return self._index

    def to_json(self) -> dict[str, Any]:
        """The document of `edaviz watch --json` (one per line in a stream).

        Keys beyond the documented schema are additions; the documented ones
        never change meaning. Record payloads appear only escaped and bounded.
        """
        return {
            "flow": self.flow,
            "taken_at": _iso(self.taken_at),
            "cluster": {
                "bootstrap": self.cluster.bootstrap,
                "connected": self.cluster.connected,
                "error": self.cluster.error,
                "disconnected_since": _iso(self.cluster.disconnected_since),
            },
            "nodes": [_node_json(node) for node in self.nodes],
            "edges": [_edge_json(edge) for edge in self.edges],
            "bottleneck": self.bottleneck,
            "window_s": _round(self.window_s),
            "sequence": self.sequence,
            "skipped_polls": self.skipped_polls,
            "poll_duration_s": _round(self.poll_duration_s),
            "poll_requests": self.poll_requests,
        }


#: Characters of a tailed key or value put into JSON output.
JSON_PAYLOAD_LIMIT = 256


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _node_json(node: NodeStats) -> dict[str, Any]:
    if isinstance(node, EventStats):
        return {
            "id": node.id,
            "kind": "event",
            "topic": node.topic,
            "exists": node.exists,
            "partitions": node.partitions,
            "messages": node.messages,
            "rate": _round(node.rate),
            "bytes_rate_estimate": _round(node.bytes_rate_estimate),
            "tail": [_tail_json(record) for record in node.tail],
        }
    return {
        "id": node.id,
        "kind": "handler",
        "group": node.group,
        "state": node.state,
        "error": node.error,
        "members": [
            {
                "member_id": m.member_id,
                "client_id": m.client_id,
                "host": m.host,
                "assignments": [[t, p] for t, p in m.assignments],
            }
            for m in node.members
        ],
        "partitions": [
            {
                "topic": p.topic,
                "partition": p.partition,
                "end_offset": p.end_offset,
                "committed": p.committed,
                "lag": p.lag,
                "log_start": p.log_start,
                "behind_retention": p.behind_retention,
            }
            for p in node.partitions
        ],
    }


def _tail_json(record: TailRecord) -> dict[str, Any]:
    # Imported here so the snapshot types stay importable on their own.
    from edaviz.metrics.payload import render_bytes

    return {
        "partition": record.partition,
        "offset": record.offset,
        "timestamp_ms": record.timestamp_ms,
        "key": None
        if record.key is None
        else render_bytes(record.key, limit=JSON_PAYLOAD_LIMIT),
        "value": None
        if record.value is None
        else render_bytes(
            record.value, limit=JSON_PAYLOAD_LIMIT, total_size=record.value_size
        ),
        "value_size": record.value_size,
    }


def _edge_json(edge: EdgeStats) -> dict[str, Any]:
    return {
        "source": edge.source,
        "target": edge.target,
        "kind": edge.kind,
        "lag": edge.lag,
        "max_partition_lag": edge.max_partition_lag,
        "uncommitted_partitions": edge.uncommitted_partitions,
        "rate": _round(edge.rate),
        "time_lag_s": _round(edge.time_lag_s),
        "status": str(edge.status),
        "trend": edge.trend,
        "drain_eta_s": _round(edge.drain_eta_s, 1),
        "behind_retention": edge.behind_retention,
        "shared_topic": edge.shared_topic,
    }
