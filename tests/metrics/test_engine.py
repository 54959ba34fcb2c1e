"""The engine's scheduling and failure handling, without a broker."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

from edaviz.core.flow import Flow
from edaviz.kafka.connection import ConnectionSettings
from edaviz.metrics.engine import MetricsEngine
from edaviz.metrics.snapshot import Snapshot
from edaviz.metrics.state import PollData

FLOW = Flow.model_validate(
    {
        "edaviz": 1,
        "name": "f",
        "events": {"e": {}},
        "handlers": {"h": {"consumes": ["e"]}},
    }
)


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


async def test_latest_is_a_connecting_snapshot_before_any_poll() -> None:
    engine = MetricsEngine(FLOW, ConnectionSettings(bootstrap=closed_port()))
    assert engine.latest.cluster.connected is False
    assert engine.latest.cluster.error is None
    assert engine.latest.edge("e", "h") is not None


async def test_unreachable_cluster_gives_disconnected_snapshots() -> None:
    settings = ConnectionSettings(bootstrap=closed_port(), request_timeout_s=1)
    engine = MetricsEngine(FLOW, settings, interval=0.2)
    async with engine:
        snapshots = engine.snapshots()
        first = await asyncio.wait_for(anext(snapshots), 20)
        second = await asyncio.wait_for(anext(snapshots), 20)
    for snap in (first, second):
        assert not snap.cluster.connected
        assert snap.cluster.error
    assert first.cluster.disconnected_since == second.cluster.disconnected_since
    assert second.sequence > first.sequence


async def test_slow_poll_makes_later_ones_skipped_not_stacked() -> None:
    engine = MetricsEngine(FLOW, ConnectionSettings(bootstrap=closed_port()), 0.05)
    running = 0
    most = 0

    async def slow_poll() -> Snapshot:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.3)
        running -= 1
        poll = PollData(0.0, datetime.now(UTC), {"e": None}, {}, {}, {}, {})
        return engine.state.update(poll, skipped_polls=engine.skipped_polls)

    engine._poll = slow_poll  # type: ignore[method-assign]
    got: list[Snapshot] = []
    engine.on_snapshot(got.append)
    async with engine:
        await asyncio.sleep(0.75)
    assert most == 1
    assert engine.skipped_polls >= 5
    assert got and got[-1].skipped_polls >= 1


async def test_callback_errors_do_not_stop_the_engine() -> None:
    engine = MetricsEngine(FLOW, ConnectionSettings(bootstrap=closed_port()), 0.05)

    async def quick_poll() -> Snapshot:
        poll = PollData(0.0, datetime.now(UTC), {"e": None}, {}, {}, {}, {})
        return engine.state.update(poll)

    engine._poll = quick_poll  # type: ignore[method-assign]
    seen: list[int] = []

    def broken(snapshot: Snapshot) -> None:
        raise RuntimeError("boom")

    engine.on_snapshot(broken)
    engine.on_snapshot(lambda s: seen.append(s.sequence))
    async with engine:
        await asyncio.sleep(0.3)
    assert len(seen) >= 3


class CountingProbe:
    """Stands in for the Kafka timestamp reader: every key read is cached."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int, int], int | None] = {}
        self.batches: list[dict[tuple[str, int], int]] = []

    def has(self, key: tuple[str, int, int]) -> bool:
        return key in self.cache

    def cached(self, key: tuple[str, int, int]) -> int | None:
        return self.cache.get(key)

    async def timestamps(
        self, offsets: dict[tuple[str, int], int]
    ) -> dict[tuple[str, int], int | None]:
        self.batches.append(dict(offsets))
        for (topic, partition), offset in offsets.items():
            self.cache[(topic, partition, offset)] = 1000 + offset
        return {tp: 1000 + offset for tp, offset in offsets.items()}


async def test_time_lag_budget_reaches_every_lagging_partition() -> None:
    from edaviz.metrics.engine import TIME_LAG_PROBES

    engine = MetricsEngine(FLOW, ConnectionSettings(bootstrap=closed_port()))
    probe = CountingProbe()
    engine._probe = probe  # type: ignore[assignment]
    partitions = 3 * TIME_LAG_PROBES
    ends = {("e", p): 100 for p in range(partitions)}
    seen: set[tuple[str, int]] = set()
    for poll in range(3):
        # The first partitions keep moving (a new offset every poll), so they
        # are never cached; the others still get their turn.
        committed = {"h": {("e", p): 10 + poll for p in range(partitions)}}
        for p in range(TIME_LAG_PROBES, partitions):
            committed["h"][("e", p)] = 10
        stamps = await engine._time_lag_stamps(committed, ends)
        assert len(probe.batches[-1]) <= TIME_LAG_PROBES
        seen.update(probe.batches[-1])
        assert all(stamps[k] == 1000 + k[2] for k in stamps)
    assert len(seen) == partitions


async def test_time_lag_of_two_groups_on_one_partition() -> None:
    engine = MetricsEngine(FLOW, ConnectionSettings(bootstrap=closed_port()))
    probe = CountingProbe()
    engine._probe = probe  # type: ignore[assignment]
    committed = {"a": {("e", 0): 5}, "b": {("e", 0): 7}}
    first = await engine._time_lag_stamps(committed, {("e", 0): 10})
    second = await engine._time_lag_stamps(committed, {("e", 0): 10})
    assert len(first) == 1
    assert second == {("e", 0, 5): 1005, ("e", 0, 7): 1007}
