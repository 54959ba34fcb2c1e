"""The metrics engine: polls Kafka for one flow and publishes immutable Snapshots.

It has no UI in it. The TUI, `edaviz watch` and live exports all read
`engine.latest`, iterate `engine.snapshots()` or register `on_snapshot`.

Every `interval` seconds a poll runs (a poll still running when the next one is
due makes that one skipped and counted, never stacked). A failed poll drops the
Kafka clients, publishes a disconnected snapshot and the next poll starts over
with fresh clients, so the engine reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from types import TracebackType

from aiokafka.errors import KafkaError

from edaviz.core.flow import Flow
from edaviz.kafka.admin import EARLIEST, LATEST, ClusterReader
from edaviz.kafka.connection import ConnectionSettings, safe_bootstrap
from edaviz.kafka.tail import RangeReader, TimestampProbe, TopicTails
from edaviz.metrics.snapshot import Snapshot
from edaviz.metrics.state import FlowState, GroupSample, PollData

log = logging.getLogger(__name__)

SnapshotCallback = Callable[[Snapshot], None]

#: Snapshots queued per `snapshots()` reader; a slow reader loses the oldest.
SUBSCRIBER_QUEUE = 8

#: Seconds between the polls of one measurement (`measure_once`): rates come
#: from the whole window's samples, not from its two ends alone.
ONCE_STEP_S = 2.0

#: Lagging partitions whose time lag is fetched per poll (the rest wait for
#: later polls; cached timestamps cost nothing).
TIME_LAG_PROBES = 64


class MetricsEngine:
    """Live metrics of one flow, as a stream of Snapshots."""

    def __init__(
        self,
        flow: Flow,
        settings: ConnectionSettings,
        interval: float = 2.0,
        window: float = 30.0,
        tail_records: int = 50,
    ) -> None:
        self.flow = flow
        self.settings = settings
        self.interval = interval
        self.window = window
        self.tail_records = tail_records
        self.shown_bootstrap = safe_bootstrap(settings.bootstrap)
        """The bootstrap as snapshots and logs show it: without credentials."""
        self.state = FlowState(flow, self.shown_bootstrap, window_s=window)
        self.latest: Snapshot = self.state.connecting()
        self.skipped_polls = 0
        """Polls skipped because the previous one was still running."""
        self.polls = 0
        """Polls completed, successful or not."""
        self._callbacks: list[SnapshotCallback] = []
        self._queues: set[asyncio.Queue[Snapshot | None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._reader: ClusterReader | None = None
        self._range_reader: RangeReader | None = None
        self._tails: TopicTails | None = None
        self._probe: TimestampProbe | None = None
        self._probe_round = 0
        self._probed_at: dict[tuple[str, int], int] = {}
        """Round in which each partition's time lag was last read (the flow's
        partitions only, so bounded by the flow)."""
        self._down_since: datetime | None = None
        self._closed = False

    async def __aenter__(self) -> MetricsEngine:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def start(self) -> None:
        """Start polling in the running event loop."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick(), name="edaviz-metrics")

    async def stop(self) -> None:
        """Stop polling, close the Kafka clients and end every `snapshots()`."""
        self._closed = True
        for task in (self._ticker, self._poll_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._drop_clients()
        for queue in self._queues:
            _offer(queue, None)

    def on_snapshot(self, callback: SnapshotCallback) -> None:
        """Call `callback(snapshot)` from the engine's loop for each new one."""
        self._callbacks.append(callback)

    async def snapshots(self) -> AsyncIterator[Snapshot]:
        """Each new snapshot, until the engine stops."""
        queue: asyncio.Queue[Snapshot | None] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._queues.add(queue)
        try:
            while True:
                snapshot = await queue.get()
                if snapshot is None:
                    return
                yield snapshot
        finally:
            self._queues.discard(queue)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while not self._closed:
            if self._poll_task is not None and not self._poll_task.done():
                self.skipped_polls += 1
                log.info("poll still running; skipped (%s so far)", self.skipped_polls)
            else:
                self._poll_task = asyncio.create_task(
                    self._poll_guarded(), name="edaviz-metrics-poll"
                )
            due += self.interval
            now = loop.time()
            if due < now:
                # Far behind (a suspended laptop): restart the beat from now.
                due = now + self.interval
            await asyncio.sleep(due - now)

    async def _poll_guarded(self) -> None:
        deadline = max(self.interval * 4, self.settings.request_timeout_s * 2)
        try:
            async with asyncio.timeout(deadline):
                snapshot = await self._poll()
            if self._down_since is not None:
                log.warning("reconnected to %s", self.shown_bootstrap)
            self._down_since = None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the engine outlives any poll
            if not isinstance(exc, KafkaError | OSError | TimeoutError):
                # Not a network or broker problem: keep the traceback for a report.
                log.exception("poll of %s failed", self.flow.name)
            error = _describe(exc)
            if self._down_since is None:
                self._down_since = datetime.now(UTC)
                log.warning("Kafka at %s unreachable: %s", self.shown_bootstrap, error)
            await self._drop_clients()
            snapshot = self.state.disconnected(
                error, self._down_since, skipped_polls=self.skipped_polls
            )
        self.polls += 1
        self._publish(snapshot)

    def _publish(self, snapshot: Snapshot) -> None:
        self.latest = snapshot
        for queue in self._queues:
            _offer(queue, snapshot)
        for callback in list(self._callbacks):
            try:
                callback(snapshot)
            except Exception:
                log.exception("snapshot callback %r failed", callback)

    async def _connect(self) -> ClusterReader:
        if self._reader is None:
            reader = ClusterReader(self.settings)
            try:
                await reader.start()
            except BaseException:
                await _quietly(reader.close())
                raise
            self._reader = reader
        if self._range_reader is None:
            range_reader = RangeReader(self.settings)
            try:
                await range_reader.start()
            except BaseException:
                await _quietly(range_reader.close())
                raise
            self._range_reader = range_reader
            self._tails = TopicTails(range_reader, self.tail_records)
            self._probe = TimestampProbe(range_reader)
        return self._reader

    async def _drop_clients(self) -> None:
        reader, range_reader = self._reader, self._range_reader
        self._reader = self._range_reader = None
        self._tails = self._probe = None
        if reader is not None:
            await _quietly(reader.close())
        if range_reader is not None:
            await _quietly(range_reader.close())

    async def _poll(self) -> Snapshot:
        started = time.monotonic()
        reader = await self._connect()
        before = reader.requests.total

        topics = {e.topic for e in self.flow.events.values()}
        metas = await reader.topics(topics)
        existing = [m for m in metas.values() if m.exists]
        ends, starts = await asyncio.gather(
            reader.list_offsets(existing, LATEST),
            reader.list_offsets(existing, EARLIEST),
        )
        # Source handlers consume nothing: they have no group worth asking about.
        groups = {h.group for h in self.flow.handlers.values() if h.consumes}
        wanted: dict[str, set[tuple[str, int]]] = {g: set() for g in groups}
        by_name = {m.name: m for m in existing}
        for handler in self.flow.handlers.values():
            for event_id in handler.consumes:
                event = self.flow.events.get(event_id)
                meta = by_name.get(event.topic) if event else None
                if meta is not None:
                    wanted[handler.group].update(
                        (meta.name, p) for p in meta.partitions
                    )
        described, (committed, offset_errors) = await asyncio.gather(
            reader.describe_groups(groups),
            reader.committed_many({g: sorted(tps) for g, tps in wanted.items()}),
        )
        requests = reader.requests.total - before

        stamps = await self._time_lag_stamps(committed, ends)
        tails = {}
        if self._tails is not None and self.tail_records > 0:
            await self._tails.refresh(ends, starts)
            self._tails.forget(m.name for m in metas.values() if not m.exists)
            tails = {m.name: self._tails.tail(m.name) for m in existing}

        poll = PollData(
            mono=started,
            wall=datetime.now(UTC),
            topics={n: (m.partitions if m.exists else None) for n, m in metas.items()},
            ends=ends,
            starts=starts,
            groups={
                g: GroupSample(
                    info.state, info.members, info.error or offset_errors.get(g)
                )
                for g, info in described.items()
            },
            committed=committed,
            record_timestamps=stamps,
            tails=tails,
            duration_s=time.monotonic() - started,
            requests=requests,
        )
        return self.state.update(poll, skipped_polls=self.skipped_polls)

    async def _time_lag_stamps(
        self,
        committed: dict[str, dict[tuple[str, int], int | None]],
        ends: dict[tuple[str, int], int],
    ) -> dict[tuple[str, int, int], int | None]:
        """Timestamps of the records at lagging committed offsets, by
        (topic, partition, offset): groups on one topic may sit at different
        offsets."""
        if self._probe is None:
            return {}
        wanted: dict[tuple[str, int, int], None] = {}
        for offsets in committed.values():
            for tp, off in offsets.items():
                if off is not None and ends.get(tp, 0) > off:
                    wanted[(tp[0], tp[1], off)] = None
        stamps: dict[tuple[str, int, int], int | None] = {}
        uncached: list[tuple[str, int, int]] = []
        for key in wanted:
            if self._probe.has(key):
                stamps[key] = self._probe.cached(key)
            else:
                uncached.append(key)
        # The partitions read longest ago go first, so that those past the
        # first TIME_LAG_PROBES get their turn even while those keep moving.
        uncached.sort(key=lambda key: self._probed_at.get(key[:2], -1))
        batch: dict[tuple[str, int], int] = {}
        for topic, partition, offset in uncached:
            if len(batch) >= TIME_LAG_PROBES:
                break
            # One offset per partition per read; the other waits a poll.
            batch.setdefault((topic, partition), offset)
        self._probe_round += 1
        for tp in batch:
            self._probed_at[tp] = self._probe_round
        got = await self._probe.timestamps(batch) if batch else {}
        for tp, stamp in got.items():
            stamps[(tp[0], tp[1], batch[tp])] = stamp
        return stamps


async def measure_once(
    flow: Flow,
    settings: ConnectionSettings,
    *,
    window: float,
    interval: float | None = None,
    tail_records: int = 0,
) -> Snapshot:
    """One measured snapshot of `flow`, as `edaviz watch --once` takes it.

    Polls every `interval` seconds (default: every `ONCE_STEP_S`, at most the
    window) from the start to the end of `window` seconds and returns the last
    snapshot, or the first disconnected one. `tail_records` records per topic
    are tailed (none by default).
    """
    step = min(window, ONCE_STEP_S if interval is None else interval)
    polls = math.ceil(window / step) + 1
    # Enough time for every poll plus two request timeouts of slack.
    deadline = time.monotonic() + polls * step + 2 * settings.request_timeout_s
    engine = MetricsEngine(flow, settings, step, window, tail_records)
    async with engine:
        snapshot = engine.latest
        async for snapshot in engine.snapshots():
            if not snapshot.cluster.connected and engine.polls >= 1:
                break
            if engine.polls >= polls or time.monotonic() > deadline:
                break
    return snapshot


def _offer(queue: asyncio.Queue[Snapshot | None], item: Snapshot | None) -> None:
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(item)


async def _quietly(closing: object) -> None:
    try:
        await closing  # type: ignore[misc]
    except Exception as exc:  # noqa: BLE001 - closing a dead connection
        log.debug("closing a Kafka client failed: %s", exc)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out waiting for Kafka"
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text and name not in text else (text or name)
