"""Make a flow live: real producers and real consumer groups on a Kafka cluster.

Every source handler produces JSON events at its rate. Every other handler is a
consumer group (its `group`) that reads what it consumes, waits its processing
delay, then produces to what it produces and commits its offsets, so Kafka sees
exactly the throughput and lag a real system of that shape would show.

What a handler produces for one input, by its `simulate` settings:

- dropped (`drop_rate`): nothing;
- failed (`failure_rate`): the last event it produces (e.g. `payment.failed`),
  or nothing when it produces only one event;
- otherwise: every event it produces except that last one when it has two or
  more (the failure path), and the one event when it has exactly one.

A source has no failure path unless it is given a `failure_rate`: each tick
produces one event to every event it produces (readings and heartbeats alike).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.offset import OffsetRequest
from aiokafka.structs import ConsumerRecord, TopicPartition

from edaviz.core.flow import Flow, Handler, SimulationSettings
from edaviz.errors import EdavizError
from edaviz.kafka.payloads import PayloadFactory

log = logging.getLogger(__name__)

#: Events per second of a source handler whose flow sets no rate.
DEFAULT_RATE = 5.0

#: Partitions of a topic the simulator creates when the flow names none.
DEFAULT_PARTITIONS = 3

#: Seconds between offset commits of one handler: often enough that lag read
#: from Kafka trails reality by under a second, rarely enough to stay cheap.
COMMIT_INTERVAL_S = 0.5

#: Records one handler takes per poll; small, so pause and stop act quickly.
MAX_POLL_RECORDS = 50

#: A source that fell this many seconds behind its schedule skips ahead
#: instead of producing the backlog in one burst.
MAX_CATCH_UP_S = 1.0


@dataclass
class SimulatorStats:
    """Counts since the simulator started (for progress lines, not for tests)."""

    produced: Counter[str] = field(default_factory=Counter)
    """Records produced, by topic."""
    consumed: Counter[str] = field(default_factory=Counter)
    """Records handled, by handler id."""
    failed: Counter[str] = field(default_factory=Counter)
    """Records that took the failure path, by handler id."""
    dropped: Counter[str] = field(default_factory=Counter)
    """Records dropped, by handler id."""
    started: float = field(default_factory=time.monotonic)
    """Monotonic time the simulation started."""


class _CommitStartOnAssign(ConsumerRebalanceListener):
    """Commit the start position of partitions the group never committed.

    The group's lag is then visible in Kafka from its first assignment, even for
    a paused or very slow handler that has not yet finished one record.
    """

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to do: offsets are committed as records are handled."""

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Commit positions for assigned partitions without a committed offset."""
        offsets = {}
        for tp in assigned:
            if await self.consumer.committed(tp) is None:
                offsets[tp] = await self.consumer.position(tp)
        if offsets:
            await self.consumer.commit(offsets)


class Simulator:
    """Plays a flow against a Kafka cluster until stopped.

    Args:
        flow: the flow to play.
        client_kwargs: aiokafka connection keywords (at least `bootstrap_servers`).
        default_rate: events per second of sources whose flow sets no rate.
        overrides: per-handler settings that replace the flow's `simulate`.
        seed: seed of the payload generator and the failure/drop dice.
        replication: replication factor of the topics the simulator creates.
    """

    def __init__(
        self,
        flow: Flow,
        client_kwargs: Mapping[str, Any],
        *,
        default_rate: float = DEFAULT_RATE,
        overrides: Mapping[str, SimulationSettings] | None = None,
        seed: int | None = None,
        replication: int = 1,
    ) -> None:
        unknown = set(overrides or {}) - set(flow.handlers)
        if unknown:
            raise EdavizError(
                f"no handler named {', '.join(sorted(unknown))} in flow {flow.name!r}"
            )
        if not (math.isfinite(default_rate) and default_rate > 0):
            raise EdavizError(f"the default rate must be above 0, not {default_rate}")
        self.flow = flow
        self.client_kwargs = dict(client_kwargs)
        self.default_rate = default_rate
        self.replication = replication
        self.settings: dict[str, SimulationSettings] = {
            hid: (overrides or {}).get(hid, handler.simulate)
            for hid, handler in flow.handlers.items()
        }
        """Current settings per handler id; `update()` changes them while running."""
        self.stats = SimulatorStats()
        self.payloads = PayloadFactory(seed)
        self._dice = random.Random(seed)
        self._stopping = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._delivery_error: BaseException | None = None

    # Control

    def stop(self) -> None:
        """Ask the running simulation to finish (safe to call from a signal)."""
        self._stopping.set()

    def update(self, handler_id: str, **changes: Any) -> None:
        """Change one handler's settings while running (e.g. `paused=True`);
        the result is checked like a flow file's `simulate:`."""
        current = self.settings[handler_id].model_dump()
        self.settings[handler_id] = SimulationSettings.model_validate(
            {**current, **changes}
        )

    def rate_of(self, handler: Handler) -> float:
        """Events per second a source handler produces now."""
        return self.settings[handler.id].rate or self.default_rate

    # Running

    async def ensure_topics(self) -> list[str]:
        """Create the flow's missing topics; return the names created."""
        admin = AIOKafkaAdminClient(**self.client_kwargs)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            wanted = {
                e.topic: e.partitions or DEFAULT_PARTITIONS
                for e in self.flow.events.values()
                if e.topic not in existing
            }
            if not wanted:
                return []
            log.info("creating topics %s", ", ".join(wanted))
            new = [NewTopic(t, n, self.replication) for t, n in wanted.items()]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                log.debug("a topic was created concurrently")
            await _wait_for_leaders(admin, list(wanted))
            return sorted(wanted)
        finally:
            await admin.close()

    async def run(self, duration: float | None = None) -> SimulatorStats:
        """Run until `stop()`, cancellation or `duration` seconds; return stats."""
        try:
            await self.ensure_topics()
        except KafkaError as exc:
            raise EdavizError(
                f"cannot create the flow's topics on "
                f"{self.client_kwargs.get('bootstrap_servers')}: {exc} "
                "(`edaviz broker start` runs a local Kafka)"
            ) from exc
        self._producer = AIOKafkaProducer(
            **{**self.client_kwargs, "client_id": "edaviz-simulator"}, linger_ms=5
        )
        await self._producer.start()
        self.stats = SimulatorStats()
        tasks = {}
        try:
            for handler in self.flow.handlers.values():
                if not handler.produces and handler.is_source:
                    continue
                work = self._source if handler.is_source else self._handler
                tasks[asyncio.create_task(work(handler), name=handler.id)] = handler
            stopper = asyncio.create_task(self._wait_stop(duration), name="stop")
            done, _ = await asyncio.wait(
                [stopper, *tasks], return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task is not stopper and task.exception() is not None:
                    exc = task.exception()
                    raise EdavizError(
                        f"simulated handler {tasks[task].id!r} failed: {exc}"
                    ) from exc
            if self._delivery_error is not None:
                raise EdavizError(f"producing failed: {self._delivery_error}")
        finally:
            self._stopping.set()
            # Handlers commit and leave their groups on their own once stopping
            # is set; cancelling them would skip that.
            if tasks:
                await asyncio.wait(tasks, timeout=15)
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await self._producer.stop()
        return self.stats

    async def _wait_stop(self, duration: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), duration)

    # Sources

    async def _source(self, handler: Handler) -> None:
        loop = asyncio.get_running_loop()
        start, sent, rate = loop.time(), 0, self.rate_of(handler)
        while not self._stopping.is_set():
            settings = self.settings[handler.id]
            if settings.paused or self.rate_of(handler) != rate:
                # Restart the schedule so a pause or new rate is not "made up".
                start, sent, rate = loop.time(), 0, self.rate_of(handler)
                if settings.paused:
                    await self._sleep(0.2)
                    continue
            now = loop.time()
            due = int((now - start) * rate) - sent
            if due > rate * MAX_CATCH_UP_S:
                start, sent, due = now, 0, 1
            for n in range(due):
                await self._emit(handler, settings, None)
                if n % 100 == 99:
                    # Let the consuming handlers run between bursts.
                    await asyncio.sleep(0)
            sent += due
            # At least 5 ms between rounds: fast sources then produce in small
            # batches instead of waking the event loop once per record.
            next_at = start + (sent + 1) / rate
            await self._sleep(max(0.005, next_at - loop.time()))

    # Consuming handlers

    async def _handler(self, handler: Handler) -> None:
        topics = [self.flow.events[e].topic for e in handler.consumes]
        consumer = AIOKafkaConsumer(
            **{**self.client_kwargs, "client_id": f"edaviz-sim-{handler.id}"},
            group_id=handler.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        consumer.subscribe(topics, listener=_CommitStartOnAssign(consumer))
        await consumer.start()
        pending: dict[TopicPartition, int] = {}
        last_commit = time.monotonic()
        try:
            while not self._stopping.is_set():
                if self.settings[handler.id].paused:
                    # Re-pause every round: a rebalance may hand over new partitions.
                    consumer.pause(*consumer.assignment())
                else:
                    consumer.resume(*consumer.paused())
                batch = await consumer.getmany(
                    timeout_ms=200, max_records=MAX_POLL_RECORDS
                )
                for tp, records in batch.items():
                    for record in records:
                        settings = self.settings[handler.id]
                        if settings.paused or self._stopping.is_set():
                            # Hand back the rest: read again after resume/restart.
                            consumer.seek(tp, record.offset)
                            break
                        if settings.delay_ms:
                            await self._sleep(settings.delay_ms / 1000)
                        await self._emit(handler, settings, record)
                        pending[tp] = record.offset + 1
                        if time.monotonic() - last_commit >= COMMIT_INTERVAL_S:
                            await self._commit(consumer, pending)
                            last_commit = time.monotonic()
                if pending and time.monotonic() - last_commit >= COMMIT_INTERVAL_S:
                    await self._commit(consumer, pending)
                    last_commit = time.monotonic()
        finally:
            with contextlib.suppress(KafkaError):
                await self._commit(consumer, pending)
            await consumer.stop()

    async def _commit(
        self, consumer: AIOKafkaConsumer, pending: dict[TopicPartition, int]
    ) -> None:
        if not pending:
            return
        owned = consumer.assignment()
        offsets = {tp: off for tp, off in pending.items() if tp in owned}
        pending.clear()
        if offsets:
            await consumer.commit(offsets)

    # Producing

    async def _emit(
        self,
        handler: Handler,
        settings: SimulationSettings,
        record: ConsumerRecord | None,
    ) -> None:
        """Handle one input (or one source tick): decide the outcome, produce."""
        if record is not None:
            self.stats.consumed[handler.id] += 1
        roll = self._dice.random()
        if roll < settings.drop_rate:
            self.stats.dropped[handler.id] += 1
            return
        failed = roll < settings.drop_rate + settings.failure_rate
        produces = list(handler.produces)
        if failed:
            self.stats.failed[handler.id] += 1
            targets = produces[-1:] if len(produces) > 1 else []
        elif len(produces) > 1 and (record is not None or settings.failure_rate):
            targets = produces[:-1]
        else:
            targets = produces
        if not targets:
            return

        cause = _decode(record.value) if record is not None else None
        key = record.key.decode(errors="replace") if record and record.key else None
        for event_id in targets:
            event = self.flow.events[event_id]
            if key is None:
                key = self.payloads.new_key(event_id)
            body = self.payloads.payload(event_id, key, cause=cause, failed=failed)
            assert self._producer is not None
            delivery = await self._producer.send(
                event.topic, self.payloads.encode(body), key=key.encode()
            )
            delivery.add_done_callback(self._delivered)
            self.stats.produced[event.topic] += 1

    def _delivered(self, delivery: asyncio.Future[Any]) -> None:
        if delivery.cancelled():
            return
        exc = delivery.exception()
        if exc is not None and self._delivery_error is None:
            log.error("producing failed: %s", exc)
            self._delivery_error = exc
            self._stopping.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, waking early when the simulation is stopping."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


async def _wait_for_leaders(
    admin: AIOKafkaAdminClient, topics: list[str], timeout_s: float = 15.0
) -> None:
    """Wait until every partition of new `topics` has a leader.

    Clients that start before that get "not leader" errors for a second or two,
    which aiokafka retries but logs at ERROR level.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = await admin.describe_topics(topics)
        if all(
            t["error_code"] == 0
            and t["partitions"]
            and all(p["error_code"] == 0 and p["leader"] >= 0 for p in t["partitions"])
            for t in described
        ) and await _leaders_answer(admin, described):
            return
        await asyncio.sleep(0.1)
    log.warning("new topics still have partitions without a leader: %s", topics)


async def _leaders_answer(admin: AIOKafkaAdminClient, described: list[dict]) -> bool:
    """Whether every partition's leader answers an offset request for it: the
    metadata names a leader a moment before that broker acts as one."""
    by_leader: dict[int, dict[str, list[tuple[int, int]]]] = {}
    for topic in described:
        for part in topic["partitions"]:
            wanted = by_leader.setdefault(part["leader"], {})
            wanted.setdefault(topic["topic"], []).append((part["partition"], -1))
    for leader, wanted in by_leader.items():
        request = OffsetRequest(-1, 0, list(wanted.items()))
        response = await admin._client.send(leader, request)
        if any(error for _, parts in response.topics for _, error, *_ in parts):
            return False
    return True


def _decode(value: bytes | None) -> dict[str, Any] | None:
    """The JSON object in a record value, or None for anything else."""
    if not value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
