"""Benchmark (c): raw aiokafka consumption vs edaviz's tail path, same topic.

Both drain the same topic from its first to its last offset with a group-less
consumer: the raw one with `getmany` and nothing else, the tail path through
`RangeReader.read` (range checks, a ring buffer of the newest records per
partition as the live tail keeps, bounded `TailRecord` copies); a second tail
figure copies every record, the worst case. Runs alternate
and the best of each is kept. Run: `.venv/bin/python benchmarks/bench_monitor_tail.py`.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from bench_monitor_common import broker, create_topics, produce_total, unique

PARTITIONS = 3
RECORDS = 300_000
ROUNDS = 3
TAIL_KEEP = 50


async def ends_of(bootstrap: str, topic: str) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): off for tp, off in ends.items()}


async def raw_drain(bootstrap: str, ends: dict[tuple[str, int], int]) -> float:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    await consumer.start()
    try:
        tps = [TopicPartition(*tp) for tp in ends]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        total, got = sum(ends.values()), 0
        start = time.perf_counter()
        while got < total:
            batch = await consumer.getmany(timeout_ms=1000)
            got += sum(len(records) for records in batch.values())
        return got / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def tail_drain(
    bootstrap: str, ends: dict[tuple[str, int], int], keep_last: int | None
) -> float:
    from edaviz.kafka.connection import ConnectionSettings
    from edaviz.kafka.tail import RangeReader

    reader = RangeReader(ConnectionSettings(bootstrap=bootstrap))
    await reader.start()
    try:
        start = time.perf_counter()
        before = reader.records_read
        got = await reader.read(
            {tp: (0, end) for tp, end in ends.items()}, timeout=600, keep_last=keep_last
        )
        count = reader.records_read - before
        assert count >= sum(ends.values()), count
        if keep_last is None:
            assert sum(len(r) for r in got.values()) == sum(ends.values())
        return count / (time.perf_counter() - start)
    finally:
        await reader.close()


async def main() -> None:
    with broker() as bootstrap:
        topic = unique("drain")
        await create_topics(bootstrap, [topic], PARTITIONS)
        await produce_total(bootstrap, topic, PARTITIONS, RECORDS)
        ends = await ends_of(bootstrap, topic)
        raw, ring, full = [], [], []
        for _ in range(ROUNDS):
            raw.append(await raw_drain(bootstrap, ends))
            ring.append(await tail_drain(bootstrap, ends, TAIL_KEEP))
            full.append(await tail_drain(bootstrap, ends, None))
    best_raw = max(raw)
    print(f"draining {sum(ends.values()):,} records of 100 B, best of {ROUNDS}:")
    print(f"  raw aiokafka getmany          : {best_raw:>10,.0f} records/s")
    print(
        f"  tail path, ring of {TAIL_KEEP}/partition: {max(ring):>10,.0f} records/s"
        f"  (ratio {max(ring) / best_raw:.2f})"
    )
    print(
        f"  tail path, every record copied: {max(full):>10,.0f} records/s"
        f"  (ratio {max(full) / best_raw:.2f})"
    )


if __name__ == "__main__":
    asyncio.run(main())
