"""Benchmark (b): time and Kafka requests per refresh for 200 topics x 6
partitions x 40 groups, against a naive poll through aiokafka's high-level calls.

The edaviz poll batches ListOffsets per broker, DescribeGroups and OffsetFetch
per coordinator, caches coordinators and topic metadata. The naive poll asks
group by group (FindCoordinator each time) through aiokafka's admin calls.
Run: `.venv/bin/python benchmarks/bench_monitor_refresh.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from bench_monitor_common import broker, commit, create_topics, unique

TOPICS, PARTITIONS, GROUPS, TOPICS_PER_GROUP = 200, 6, 40, 5
REFRESHES = 10


def make_flow(topics: list[str], groups: list[str]):  # noqa: ANN201
    from edaviz.core.flow import Flow

    handlers = {
        f"h{i}": {
            "group": group,
            "consumes": [f"e{(i * TOPICS_PER_GROUP + k) % TOPICS}" for k in range(5)],
        }
        for i, group in enumerate(groups)
    }
    return Flow.model_validate(
        {
            "edaviz": 1,
            "name": "big",
            "events": {f"e{i}": {"topic": t} for i, t in enumerate(topics)},
            "handlers": handlers,
        }
    )


async def edaviz_refreshes(bootstrap: str, flow) -> list[tuple[float, int]]:  # noqa: ANN001
    from edaviz.kafka.connection import ConnectionSettings
    from edaviz.metrics.engine import MetricsEngine

    engine = MetricsEngine(
        flow, ConnectionSettings(bootstrap=bootstrap), interval=60.0, tail_records=0
    )
    reader = await engine._connect()
    # Freshly created partitions answer NOT_LEADER for a while on a busy
    # machine; measure the settled cluster, as a monitor normally sees it.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        reader.forget_metadata()
        metas = await reader.topics(e.topic for e in flow.events.values())
        if len(await reader.list_offsets(metas.values())) >= TOPICS * PARTITIONS:
            break
        await asyncio.sleep(1.0)
    reader.requests.by_kind.clear()
    results: list[tuple[float, int]] = []
    io_times: list[float] = []
    try:
        for _ in range(REFRESHES + 1):
            start = time.perf_counter()
            snap = await engine._poll()
            results.append((time.perf_counter() - start, snap.poll_requests or 0))
            io_times.append(snap.poll_duration_s or 0.0)
        kinds = dict(engine._reader.requests.by_kind)
    finally:
        await engine.stop()
    print(f"  edaviz request kinds over {REFRESHES + 1} refreshes: {kinds}")
    print(
        f"  edaviz Kafka round trips alone: median "
        f"{statistics.median(io_times[1:]) * 1000:.1f} ms "
        "(the rest is computing the snapshot)"
    )
    return results[1:]  # the first one also finds the coordinators


async def naive_refreshes(
    bootstrap: str, topics: list[str], wanted: dict[str, list[tuple[str, int]]]
) -> list[tuple[float, int]]:
    from edaviz.kafka.admin import RequestCounter

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    counter = RequestCounter()
    counter.wrap(admin._client)
    counter.wrap(consumer._client)
    tps = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
    results = []
    try:
        for _ in range(REFRESHES + 1):
            before = counter.total
            start = time.perf_counter()
            await consumer.end_offsets(tps)
            await consumer.beginning_offsets(tps)
            for group, parts in wanted.items():
                await admin.describe_consumer_groups([group])
                await admin.list_consumer_group_offsets(
                    group, partitions=[TopicPartition(*tp) for tp in parts]
                )
            results.append((time.perf_counter() - start, counter.total - before))
    finally:
        await consumer.stop()
        await admin.close()
    return results[1:]


def summary(name: str, results: list[tuple[float, int]]) -> float:
    times = [t for t, _ in results]
    median = statistics.median(times)
    requests = statistics.median(n for _, n in results)
    print(
        f"  {name:<7} median {median * 1000:7.1f} ms per refresh "
        f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}), "
        f"{requests:.0f} requests"
    )
    return median


async def main() -> None:
    with broker() as bootstrap:
        topics = [unique(f"t{i}") for i in range(TOPICS)]
        groups = [unique(f"g{i}") for i in range(GROUPS)]
        print(f"creating {TOPICS} topics x {PARTITIONS} partitions, {GROUPS} groups...")
        await create_topics(bootstrap, topics, PARTITIONS)
        flow = make_flow(topics, groups)
        wanted = {
            h.group: [
                (flow.events[e].topic, p) for e in h.consumes for p in range(PARTITIONS)
            ]
            for h in flow.handlers.values()
        }
        await asyncio.gather(
            *(commit(bootstrap, g, dict.fromkeys(tps, 0)) for g, tps in wanted.items())
        )
        print(f"refresh of the whole flow, {REFRESHES} times each:")
        ours = summary("edaviz", await edaviz_refreshes(bootstrap, flow))
        naive = summary("naive", await naive_refreshes(bootstrap, topics, wanted))
        print(f"  naive/edaviz time ratio: {naive / ours:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
