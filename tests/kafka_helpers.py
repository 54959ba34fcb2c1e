"""Small helpers shared by the tests that talk to the real Kafka broker."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from edaviz.kafka.broker import LocalBroker

T = TypeVar("T")

CONSUMER_GROUP_COMMAND = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"


async def create_topics(bootstrap: str, *topics: tuple[str, int]) -> None:
    """Create `(name, partitions)` topics with one replica each."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, n, 1) for t, n in topics])
    finally:
        await admin.close()


async def produce_counts(
    bootstrap: str, topic: str, counts: dict[int, int], base_ms: int | None = None
) -> None:
    """Produce counts[p] records to each partition p; with `base_ms`, record i
    of a partition carries the timestamp base_ms + i seconds."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(
                topic,
                f"{p}-{i}".encode(),
                partition=p,
                timestamp_ms=None if base_ms is None else base_ms + i * 1000,
            )
            for p, n in counts.items()
            for i in range(n)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def commit_as_group(
    bootstrap: str, group: str, offsets: dict[tuple[str, int], int]
) -> None:
    """A real group commit from a consumer of `group` (manual assignment)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = {tp: TopicPartition(*tp) for tp in offsets}
        consumer.assign(list(tps.values()))
        await consumer.commit(
            {tps[tp]: OffsetAndMetadata(off, "") for tp, off in offsets.items()}
        )
    finally:
        await consumer.stop()


async def wait_for(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = 30.0,
    interval: float = 0.2,
    message: str = "",
) -> T:
    """Poll `predicate` (plain or async) until it returns something truthy.

    Returns the truthy value; fails the test with `message` once `timeout`
    seconds have passed, showing the last value seen.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = predicate()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"condition not met within {timeout} s: {message or predicate!r}"
                f" (last value: {last!r})"
            )
        await asyncio.sleep(interval)


@dataclass(frozen=True)
class PartitionLag:
    """One row of `kafka-consumer-groups --describe`: a group on one partition."""

    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int | None


def describe_group(broker: LocalBroker, group: str) -> list[PartitionLag]:
    """Kafka's own view of `group`'s committed offsets and lag, per partition.

    Runs Kafka's ConsumerGroupCommand (kafka-consumer-groups) from the cached
    jars, so it checks edaviz against Kafka itself. Partitions the group never
    committed are absent from Kafka's answer, and so from this list.
    """
    out = broker.run_tool(
        CONSUMER_GROUP_COMMAND,
        "--bootstrap-server",
        broker.bootstrap,
        "--describe",
        "--group",
        group,
    )
    rows = []
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 6 or cols[0] != group or not cols[2].isdigit():
            continue
        committed = None if cols[3] == "-" else int(cols[3])
        lag = None if cols[5] == "-" else int(cols[5])
        rows.append(
            PartitionLag(group, cols[1], int(cols[2]), committed, int(cols[4]), lag)
        )
    return rows


async def committed_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """The offsets `group` committed, by (topic, partition), as Kafka reports them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except KafkaError as exc:
        if not exc.retriable:
            raise
        return {}  # e.g. the coordinator is still loading: nothing to see yet
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): m.offset for tp, m in offsets.items()}


async def end_offsets(bootstrap: str, *topics: str) -> dict[tuple[str, int], int]:
    """The log-end offset of every partition of `topics` (missing topics: none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    tps = [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if t["error_code"] == 0
        for p in t["partitions"]
    ]
    if not tps:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}


async def group_lag(bootstrap: str, group: str, *topics: str) -> int | None:
    """Total lag of `group` on `topics` per Kafka; None until it committed them all."""
    ends = await end_offsets(bootstrap, *topics)
    committed = await committed_offsets(bootstrap, group)
    if not ends or any(tp not in committed for tp in ends):
        return None
    return sum(end - committed[tp] for tp, end in ends.items())
