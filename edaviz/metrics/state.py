"""Turning raw poll results into Snapshots: lag, rates, health, bottleneck.

Pure: `FlowState` keeps the sliding windows of one flow and, fed one `PollData`
per poll, returns the next immutable `Snapshot`. The engine does the Kafka I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.metrics.health import (
    EdgeEvidence,
    HandlerFlow,
    drain_eta,
    evaluate,
    find_bottleneck,
    lag_trend,
)
from edaviz.metrics.snapshot import (
    ClusterState,
    EdgeStats,
    EventStats,
    HandlerStats,
    Health,
    MemberInfo,
    NodeStats,
    PartitionLag,
    Snapshot,
    TailRecord,
)
from edaviz.metrics.window import CounterWindow, History, SeriesWindow

TopicPart = tuple[str, int]

#: Rate and lag values kept per node and edge for sparklines.
HISTORY_SIZE = 60


@dataclass(frozen=True, slots=True)
class GroupSample:
    """A group's state and members as one poll saw them."""

    state: str | None
    members: tuple[MemberInfo, ...] = ()
    error: str | None = None
    """Why the group could not be read this poll (e.g. an authorization error)."""


@dataclass(slots=True)
class PollData:
    """Everything one poll read from Kafka."""

    mono: float
    """Monotonic time of the poll, seconds."""
    wall: datetime
    topics: dict[str, list[int] | None]
    """Partitions per topic; None when the topic does not exist."""
    ends: dict[TopicPart, int]
    starts: dict[TopicPart, int]
    groups: dict[str, GroupSample]
    committed: dict[str, dict[TopicPart, int | None]]
    record_timestamps: dict[tuple[str, int, int], int | None] = field(
        default_factory=dict
    )
    """Timestamp (ms) of the record at (topic, partition, committed offset), for
    lagging partitions."""
    tails: dict[str, tuple[TailRecord, ...]] = field(default_factory=dict)
    duration_s: float | None = None
    requests: int | None = None


class FlowState:
    """Sliding windows of one flow, turning polls into snapshots."""

    def __init__(self, flow: Flow, bootstrap: str, window_s: float = 30.0) -> None:
        self.flow = flow
        self.bootstrap = bootstrap
        self.window_s = window_s
        self._order = FlowGraph(flow).topological_handlers()
        self._topic_windows: dict[str, CounterWindow] = {}
        self._commit_windows: dict[tuple[str, str], CounterWindow] = {}
        self._lag_series: dict[tuple[str, str], SeriesWindow] = {}
        self._rewound_at: dict[tuple[str, str], float] = {}
        self._rate_history: dict[str, History] = {}
        self._lag_history: dict[tuple[str, str], History] = {}
        self._sequence = 0
        self._span = 0.0
        self.last: Snapshot | None = None

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def connecting(self, now: datetime | None = None) -> Snapshot:
        """The snapshot before the first poll: every number unknown."""
        snapshot = Snapshot(
            flow=self.flow.name,
            taken_at=now or datetime.now(UTC),
            cluster=ClusterState(self.bootstrap, connected=False),
            nodes=self._blank_nodes(),
            edges=self._blank_edges(),
            sequence=self._next_sequence(),
        )
        self.last = snapshot
        return snapshot

    def disconnected(
        self, error: str, since: datetime, now: datetime | None = None, **extra: int
    ) -> Snapshot:
        """A snapshot saying the cluster is unreachable; the last known lags are
        kept, every rate and status is unknown."""
        previous = self.last or self.connecting(now)
        edges = tuple(
            replace(e, rate=None, status=Health.UNKNOWN, trend=None, drain_eta_s=None)
            for e in previous.edges
        )
        nodes = tuple(
            replace(n, rate=None, bytes_rate_estimate=None)
            if isinstance(n, EventStats)
            else n
            for n in previous.nodes
        )
        snapshot = Snapshot(
            flow=self.flow.name,
            taken_at=now or datetime.now(UTC),
            cluster=ClusterState(
                self.bootstrap, False, error=error, disconnected_since=since
            ),
            nodes=nodes,
            edges=edges,
            window_s=previous.window_s,
            sequence=self._next_sequence(),
            **extra,
        )
        self.last = snapshot
        return snapshot

    def _blank_nodes(self) -> tuple[NodeStats, ...]:
        events: list[NodeStats] = [
            EventStats(id=e.id, topic=e.topic) for e in self.flow.events.values()
        ]
        handlers: list[NodeStats] = [
            HandlerStats(id=h.id, group=h.group) for h in self.flow.handlers.values()
        ]
        return tuple(events + handlers)

    def _blank_edges(self) -> tuple[EdgeStats, ...]:
        edges = []
        for handler in self.flow.handlers.values():
            for event_id in handler.consumes:
                if event_id in self.flow.events:
                    edges.append(EdgeStats(event_id, handler.id, "consumes"))
            for event_id in handler.produces:
                if event_id in self.flow.events:
                    shared = len(self.flow.producers_of(event_id)) > 1
                    edges.append(
                        EdgeStats(handler.id, event_id, "produces", shared_topic=shared)
                    )
        return tuple(edges)

    def update(self, poll: PollData, *, skipped_polls: int = 0) -> Snapshot:
        """Fold one poll into the windows and return the new snapshot."""
        topic_rates = self._topic_rates(poll)
        events = [self._event_stats(e.id, poll, topic_rates) for e in self._events()]
        handlers = []
        edges: list[EdgeStats] = []
        flows: dict[str, HandlerFlow] = {}
        for handler in self.flow.handlers.values():
            sample = poll.groups.get(handler.group, GroupSample(None))
            committed = poll.committed.get(handler.group, {})
            consume_edges = [
                self._consume_edge(
                    handler.id,
                    handler.group,
                    event_id,
                    poll,
                    sample,
                    committed,
                    topic_rates,
                )
                for event_id in handler.consumes
                if event_id in self.flow.events
            ]
            edges.extend(consume_edges)
            handlers.append(
                HandlerStats(
                    id=handler.id,
                    group=handler.group,
                    state=sample.state,
                    members=sample.members,
                    error=sample.error,
                    partitions=self._partition_lags(handler.consumes, poll, committed),
                )
            )
            flows[handler.id] = _handler_flow(
                handler.id, handler.consumes, self.flow, consume_edges, topic_rates
            )
            for event_id in handler.produces:
                if event_id not in self.flow.events:
                    continue
                topic = self.flow.events[event_id].topic
                exists = poll.topics.get(topic) is not None
                edges.append(
                    EdgeStats(
                        handler.id,
                        event_id,
                        "produces",
                        rate=topic_rates.get(topic),
                        status=Health.OK if exists else Health.UNKNOWN,
                        shared_topic=len(self.flow.producers_of(event_id)) > 1,
                    )
                )

        snapshot = Snapshot(
            flow=self.flow.name,
            taken_at=poll.wall,
            cluster=ClusterState(self.bootstrap, connected=True),
            nodes=tuple(events) + tuple(handlers),
            edges=tuple(edges),
            bottleneck=find_bottleneck(self._order, flows),
            window_s=self._span,
            sequence=self._next_sequence(),
            skipped_polls=skipped_polls,
            poll_duration_s=poll.duration_s,
            poll_requests=poll.requests,
        )
        self.last = snapshot
        return snapshot

    def _events(self) -> list:
        return list(self.flow.events.values())

    def _topic_rates(self, poll: PollData) -> dict[str, float | None]:
        rates: dict[str, float | None] = {}
        span = 0.0
        for topic, partitions in poll.topics.items():
            window = self._topic_windows.setdefault(topic, CounterWindow(self.window_s))
            if partitions is None:
                rates[topic] = None
                continue
            window.add(poll.mono, {p: poll.ends.get((topic, p)) for p in partitions})
            rates[topic] = window.rate()
            span = max(span, window.span_s)
            history = self._rate_history.setdefault(topic, History(HISTORY_SIZE))
            if rates[topic] is not None:
                history.add(round(rates[topic] or 0.0, 3))
        self._span = span
        return rates

    def _event_stats(
        self, event_id: str, poll: PollData, rates: dict[str, float | None]
    ) -> EventStats:
        topic = self.flow.events[event_id].topic
        partitions = poll.topics.get(topic)
        if partitions is None:
            return EventStats(id=event_id, topic=topic, exists=False)
        messages = sum(
            max(0, poll.ends.get((topic, p), 0) - poll.starts.get((topic, p), 0))
            for p in partitions
        )
        tail = poll.tails.get(topic, ())
        rate = rates.get(topic)
        estimate = None
        if rate is not None and tail:
            mean = sum(len(r.key or b"") + r.value_size for r in tail) / len(tail)
            estimate = rate * mean
        history = self._rate_history.get(topic)
        return EventStats(
            id=event_id,
            topic=topic,
            exists=True,
            partitions=len(partitions),
            messages=messages,
            rate=rate,
            bytes_rate_estimate=estimate,
            rate_history=history.as_tuple() if history else (),
            tail=tail,
        )

    def _partition_lags(
        self,
        consumes: tuple[str, ...],
        poll: PollData,
        committed: dict[TopicPart, int | None],
    ) -> tuple[PartitionLag, ...]:
        rows = []
        for event_id in consumes:
            event = self.flow.events.get(event_id)
            partitions = poll.topics.get(event.topic) if event else None
            for p in partitions or ():
                tp = (event.topic, p)  # type: ignore[union-attr]
                end, offset = poll.ends.get(tp), committed.get(tp)
                lag = None if end is None or offset is None else max(0, end - offset)
                rows.append(
                    PartitionLag(tp[0], p, end, offset, lag, poll.starts.get(tp))
                )
        return tuple(rows)

    def _consume_edge(
        self,
        handler_id: str,
        group: str,
        event_id: str,
        poll: PollData,
        sample: GroupSample,
        committed: dict[TopicPart, int | None],
        rates: dict[str, float | None],
    ) -> EdgeStats:
        topic = self.flow.events[event_id].topic
        partitions = poll.topics.get(topic)
        if partitions is None or (sample.error and not committed):
            # A topic that does not exist, or a group that could not be read:
            # its numbers are unknown, not zero.
            return EdgeStats(event_id, handler_id, "consumes")
        key = (handler_id, event_id)

        lag, max_lag, uncommitted, behind = 0, 0, 0, False
        oldest: float | None = None
        offsets: dict[int, int | None] = {}
        for p in partitions:
            tp = (topic, p)
            offset, end = committed.get(tp), poll.ends.get(tp)
            offsets[p] = offset
            if offset is None:
                uncommitted += 1
                continue
            if end is None:
                # No leader answered for this partition: its lag is unknown.
                continue
            part_lag = max(0, end - offset)
            lag += part_lag
            max_lag = max(max_lag, part_lag)
            start = poll.starts.get(tp)
            behind = behind or (start is not None and offset < start)
            stamp = poll.record_timestamps.get((topic, p, offset)) if part_lag else None
            if stamp is not None:
                age = max(0.0, poll.wall.timestamp() - stamp / 1000)
                oldest = age if oldest is None else max(oldest, age)
        committed_partitions = len(partitions) - uncommitted
        if committed_partitions == 0:
            return EdgeStats(
                event_id,
                handler_id,
                "consumes",
                uncommitted_partitions=uncommitted,
                status=Health.NO_COMMIT,
            )
        time_lag = 0.0 if lag == 0 else oldest

        window = self._commit_windows.setdefault(key, CounterWindow(self.window_s))
        step = window.add(poll.mono, offsets)
        if step.resets:
            self._rewound_at[key] = poll.mono
        rewound_at = self._rewound_at.get(key)
        rewound = rewound_at is not None and poll.mono - rewound_at <= self.window_s
        series = self._lag_series.setdefault(key, SeriesWindow(self.window_s))
        series.add(poll.mono, float(lag))
        lag_slope = series.slope()
        trend = lag_trend(lag_slope, rates.get(topic), series.values())
        history = self._lag_history.setdefault(key, History(HISTORY_SIZE))
        history.add(lag)

        status = evaluate(
            EdgeEvidence(
                lag=lag,
                committed_partitions=committed_partitions,
                commit_advance=window.advance(),
                span_s=window.span_s,
                rewound=rewound,
                members_on_topic=_members_on(topic, sample.members),
                trend=trend,
            )
        )
        if sample.error:
            # Half of what the rules need is missing (members or offsets).
            status = Health.UNKNOWN
        return EdgeStats(
            event_id,
            handler_id,
            "consumes",
            lag=lag,
            max_partition_lag=max_lag,
            uncommitted_partitions=uncommitted,
            rate=window.rate(),
            time_lag_s=time_lag,
            status=status,
            trend=trend,
            drain_eta_s=drain_eta(lag, lag_slope, trend),
            behind_retention=behind,
            lag_history=history.as_tuple(),
        )


def _members_on(topic: str, members: tuple[MemberInfo, ...]) -> int:
    """Members assigned a partition of `topic`; while nobody has an assignment
    (a rebalance in progress), every member counts."""
    if not any(m.assignments for m in members):
        return len(members)
    return sum(1 for m in members if any(t == topic for t, _ in m.assignments))


def _handler_flow(
    handler_id: str,
    consumes: tuple[str, ...],
    flow: Flow,
    edges: list[EdgeStats],
    rates: dict[str, float | None],
) -> HandlerFlow:
    inputs = [rates.get(flow.events[e].topic) for e in consumes if e in flow.events]
    consumed = [e.rate for e in edges]
    lags = [e.lag for e in edges if e.lag is not None]
    return HandlerFlow(
        handler_id,
        input_rate=_total(inputs),
        consume_rate=_total(consumed),
        lag=sum(lags) if lags else None,
    )


def _total(values: list[float | None]) -> float | None:
    """The sum, or None when any part is unknown (or there is none)."""
    known = [v for v in values if v is not None]
    if not values or len(known) < len(values):
        return None
    return sum(known)
