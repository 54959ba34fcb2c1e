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
        """The document of `edaviz watch --json` (one per line in a stream)."""
        raise NotImplementedError  # written with the metrics engine
