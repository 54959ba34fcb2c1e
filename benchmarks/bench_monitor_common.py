"""Shared set-up for the monitor benchmarks: a broker, topics, groups, load.

Not a benchmark itself. `broker()` uses `--bootstrap-server`/$KAFKA_BOOTSTRAP_SERVERS
when given, else starts a throw-away local broker in a temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@contextlib.contextmanager
def broker() -> Iterator[str]:
    """A bootstrap address: the given cluster, or a fresh local broker."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    from edaviz.kafka.broker import LocalBroker

    with tempfile.TemporaryDirectory(prefix="edaviz-bench-") as tmp:
        local = LocalBroker(data_dir=Path(tmp) / "kafka")
        bootstrap = local.start()
        try:
            yield bootstrap
        finally:
            local.stop()


def unique(prefix: str) -> str:
    """A topic or group name no earlier run used."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    """Create topics in chunks (one request per 50 topics)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=120_000)
    await admin.start()
    try:
        for i in range(0, len(names), 50):
            chunk = names[i : i + 50]
            await admin.create_topics([NewTopic(n, partitions, 1) for n in chunk])
    finally:
        await admin.close()


async def commit(
    bootstrap: str, group: str, offsets: dict[tuple[str, int], int]
) -> None:
    """Commit offsets for `group` as a real member would (manual assignment);
    retried while freshly created topics are still propagating."""
    for attempt in range(40):
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            tps = {tp: TopicPartition(*tp) for tp in offsets}
            consumer.assign(list(tps.values()))
            await consumer.commit(
                {tps[tp]: OffsetAndMetadata(o, "") for tp, o in offsets.items()}
            )
            return
        except Exception:
            if attempt == 39:
                raise
        finally:
            await consumer.stop()
        await asyncio.sleep(0.5)


async def produce_total(
    bootstrap: str, topic: str, partitions: int, total: int, size: int = 100
) -> None:
    """Produce `total` records of `size` bytes as fast as batches allow."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        value = b"v" * size
        sent = 0
        pending = []
        while sent < total:
            for p in range(partitions):
                batch = producer.create_batch()
                n = 0
                while sent < total and batch.append(
                    key=None, value=value, timestamp=None
                ):
                    sent += 1
                    n += 1
                    if n >= 2000:
                        break
                batch.close()
                pending.append(await producer.send_batch(batch, topic, partition=p))
                if sent >= total:
                    break
            if len(pending) > 50:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def produce_at(
    bootstrap: str, topic: str, partitions: int, rate: float, seconds: float
) -> float:
    """Produce about `rate` records/s for `seconds`; return the rate achieved."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=512 * 1024
    )
    await producer.start()
    value = b"v" * 100
    tick = 0.05
    per_tick = max(1, round(rate * tick))
    sent = 0
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            for p in range(partitions):
                batch = producer.create_batch()
                share = per_tick // partitions + (1 if p < per_tick % partitions else 0)
                for _ in range(share):
                    if not batch.append(key=None, value=value, timestamp=None):
                        break
                    sent += 1
                batch.close()
                await producer.send_batch(batch, topic, partition=p)
            due = start + (sent / rate)
            await asyncio.sleep(max(0.0, due - time.monotonic()))
    finally:
        await producer.stop()
    return sent / (time.monotonic() - start)
