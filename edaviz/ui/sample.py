"""Deterministic sample snapshots: plausible live numbers with no Kafka.

Screenshots, snapshot tests and benchmarks need the same numbers on every run;
these are derived from a seed and the flow's shape only.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.metrics.snapshot import (
    ClusterState,
    EdgeStats,
    EventStats,
    HandlerStats,
    Health,
    MemberInfo,
    PartitionLag,
    Snapshot,
    TailRecord,
)

#: The moment every sample snapshot is taken at.
SAMPLE_TIME = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def _tail(event_id: str, partitions: int, rng: random.Random, base: int) -> tuple:
    records = []
    for i in range(6):
        offset = base - i
        value = {
            "id": f"{event_id[:3]}-{offset}",
            "amount": round(rng.uniform(5, 500), 2),
            "currency": "EUR",
            "items": rng.randint(1, 5),
        }
        records.append(
            TailRecord(
                partition=i % partitions,
                offset=offset,
                timestamp_ms=int(SAMPLE_TIME.timestamp() * 1000) - i * 350,
                key=f"customer-{rng.randint(100, 999)}".encode(),
                value=json.dumps(value).encode(),
                headers=(("trace-id", f"{rng.getrandbits(32):08x}".encode()),),
                value_size=len(json.dumps(value)),
            )
        )
    return tuple(records)


def sample_snapshot(
    flow: Flow,
    *,
    seed: int = 7,
    sequence: int = 1,
    bootstrap: str = "localhost:9092",
    taken_at: datetime = SAMPLE_TIME,
    troubled: tuple[str, ...] = (),
) -> Snapshot:
    """A connected snapshot of `flow` with steady numbers; handlers named in
    `troubled` fall behind (growing lag, WARN, and the first is the bottleneck)."""
    rng = random.Random(seed)
    graph = FlowGraph(flow)
    rates: dict[str, float] = {}
    for handler_id in graph.topological_handlers():
        handler = flow.handlers[handler_id]
        inbound = [rates.get(e, 0.0) for e in handler.consumes]
        base = sum(inbound) if inbound else rng.choice((120.0, 480.0, 1250.0))
        share = 1.0 / max(1, len(handler.produces))
        for event_id in handler.produces:
            factor = 0.08 if event_id.endswith(("failed", "dead", "error")) else 1.0
            rates[event_id] = rates.get(event_id, 0.0) + base * share * factor

    events = []
    for i, event in enumerate(flow.events.values()):
        parts = event.partitions or 1
        rate = round(rates.get(event.id, 0.0), 1)
        history = tuple(max(0.0, rate * (0.8 + 0.4 * rng.random())) for _ in range(24))
        events.append(
            EventStats(
                id=event.id,
                topic=event.topic,
                exists=True,
                partitions=parts,
                messages=int(rate * 3600) + 1000 * i,
                rate=rate,
                bytes_rate_estimate=rate * 180,
                rate_history=history,
                tail=_tail(event.id, parts, rng, 50_000 + 1000 * i),
            )
        )

    handlers, edges = [], []
    for handler in flow.handlers.values():
        behind = handler.id in troubled
        members = tuple(
            MemberInfo(
                member_id=f"{handler.group}-{m}",
                client_id=f"{handler.id}-{m}",
                host=f"/10.0.0.{10 + m}",
                assignments=tuple(
                    (flow.events[e].topic, p)
                    for e in handler.consumes
                    if e in flow.events
                    for p in range(flow.events[e].partitions or 1)
                    if p % 2 == m
                ),
            )
            for m in range(2 if handler.consumes else 0)
        )
        lags = []
        for event_id in handler.consumes:
            event = flow.events.get(event_id)
            if event is None:
                continue
            parts = event.partitions or 1
            total = 0
            for p in range(parts):
                end = 40_000 + 731 * p
                lag = rng.randint(2_000, 9_000) if behind else rng.randint(0, 40)
                total += lag
                lags.append(PartitionLag(event.topic, p, end, end - lag, lag, 0))
            in_rate = rates.get(event_id, 0.0)
            edges.append(
                EdgeStats(
                    source=event_id,
                    target=handler.id,
                    kind="consumes",
                    lag=total,
                    max_partition_lag=max(x.lag for x in lags[-parts:]),
                    rate=round(in_rate * (0.7 if behind else 1.0), 1),
                    time_lag_s=total / in_rate if in_rate else None,
                    status=Health.WARN if behind else Health.OK,
                    trend="growing" if behind else "steady",
                )
            )
        for event_id in handler.produces:
            if event_id in flow.events:
                edges.append(
                    EdgeStats(
                        source=handler.id,
                        target=event_id,
                        kind="produces",
                        rate=round(rates.get(event_id, 0.0), 1),
                        status=Health.OK,
                        shared_topic=len(flow.producers_of(event_id)) > 1,
                    )
                )
        handlers.append(
            HandlerStats(
                id=handler.id,
                group=handler.group,
                state="Stable" if members else "Empty",
                members=members,
                partitions=tuple(lags),
            )
        )
    return Snapshot(
        flow=flow.name,
        taken_at=taken_at,
        cluster=ClusterState(bootstrap=bootstrap, connected=True),
        nodes=tuple(events) + tuple(handlers),
        edges=tuple(edges),
        bottleneck=troubled[0] if troubled else None,
        window_s=30.0,
        sequence=sequence,
    )
