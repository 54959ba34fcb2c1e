"""Local broker start-up and the simulator's sustained produce rate.

Run: .venv/bin/python benchmarks/bench_broker.py [--seconds S]

1. Broker cold start with the jars already cached, median of 3: on a fresh data
   directory (format + JVM + ready for groups) and on a formatted one (restart),
   the latter side by side with the JVM's default JIT and collector.
2. Sustained produce rate of `edaviz simulate` (one source at an unreachable
   rate, so it produces as fast as it can), side by side with a bare aiokafka
   producer sending pre-built payloads of the same size: the ratio is what
   generating realistic events costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from edaviz.core.flow import Flow
from edaviz.kafka.broker import FULL_JIT_JVM_OPTS, LocalBroker
from edaviz.kafka.maven import ensure_jars
from edaviz.kafka.payloads import PayloadFactory
from edaviz.kafka.simulator import Simulator

RUNS = 3


def timed_start(data_dir: Path, jvm_opts: str = "") -> tuple[float, float]:
    """Seconds to start (until ready for groups) and to stop one broker."""
    os.environ["EDAVIZ_KAFKA_JVM_OPTS"] = jvm_opts
    try:
        broker = LocalBroker(data_dir=data_dir)
        began = time.perf_counter()
        broker.start()
        started = time.perf_counter() - began
        began = time.perf_counter()
        broker.stop()
        return started, time.perf_counter() - began
    finally:
        del os.environ["EDAVIZ_KAFKA_JVM_OPTS"]


def _runs(label: str, times: list[float]) -> str:
    listed = ", ".join(f"{t:.1f}" for t in times)
    return f"{label:<38} median {statistics.median(times):5.1f} s  (runs: {listed})"


def bench_start(root: Path) -> float:
    """Print median start times over RUNS brokers; return the default restart's."""
    fresh, restart, full_jit, stops = [], [], [], []
    for run in range(RUNS):
        data = root / f"start-{run}"
        started, stopped = timed_start(data)
        fresh.append(started)
        stops.append(stopped)
        # Interleaved, so both settings see the same load on a shared machine.
        started, stopped = timed_start(data)
        restart.append(started)
        stops.append(stopped)
        started, _ = timed_start(data, FULL_JIT_JVM_OPTS)
        full_jit.append(started)
    print(_runs("broker start, fresh data dir:", fresh))
    print(_runs("broker start, formatted data dir:", restart))
    print(_runs("  baseline: same, JVM default JIT/GC:", full_jit))
    ratio = statistics.median(full_jit) / statistics.median(restart)
    print(f"  start-up speed-up of edaviz's JVM options: {ratio:.2f}x")
    print(
        "broker stop (SIGTERM until exit):      "
        f"median {statistics.median(stops):.1f} s"
    )
    return statistics.median(restart)


async def topic_total(bootstrap: str, topic: str) -> int:
    """Records in `topic`, summed over partitions, read from Kafka."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        return sum((await consumer.end_offsets(tps)).values())
    finally:
        await consumer.stop()


async def simulator_rate(bootstrap: str, seconds: float) -> tuple[float, int]:
    """Records/s the simulator's source reached, counted through Kafka."""
    flow = Flow.model_validate(
        {
            "edaviz": 1,
            "name": "bench",
            "events": {"order.placed": {"topic": "bench.sim", "partitions": 3}},
            "handlers": {
                "shop": {"produces": ["order.placed"], "simulate": {"rate": 1e6}}
            },
        }
    )
    sim = Simulator(flow, {"bootstrap_servers": bootstrap}, seed=1)
    await sim.ensure_topics()
    before = await topic_total(bootstrap, "bench.sim")
    began = time.perf_counter()
    await sim.run(seconds)
    elapsed = time.perf_counter() - began
    after = await topic_total(bootstrap, "bench.sim")
    size = len(PayloadFactory(1).encode(PayloadFactory(1).payload("order.placed", "k")))
    return (after - before) / elapsed, size


async def bare_rate(bootstrap: str, seconds: float, size: int) -> float:
    """Records/s of a bare aiokafka producer with the same settings and size."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic("bench.bare", 3, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    value = b"x" * size
    keys = [f"ord-{n:05d}".encode() for n in range(5000)]
    before = await topic_total(bootstrap, "bench.bare")
    began = time.perf_counter()
    n = 0
    try:
        while time.perf_counter() - began < seconds:
            await producer.send("bench.bare", value, key=keys[n % len(keys)])
            n += 1
            if n % 100 == 0:
                await asyncio.sleep(0)
        await producer.flush()
    finally:
        await producer.stop()
    elapsed = time.perf_counter() - began
    return (await topic_total(bootstrap, "bench.bare") - before) / elapsed


def main() -> int:
    """Run both benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    ensure_jars(LocalBroker().version, lambda m: print(m, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="edaviz-bench-") as tmp:
        root = Path(tmp)
        bench_start(root)

        broker = LocalBroker(data_dir=root / "rate")
        bootstrap = broker.start()
        try:
            sim, size = asyncio.run(simulator_rate(bootstrap, args.seconds))
            bare = asyncio.run(bare_rate(bootstrap, args.seconds, size))
        finally:
            broker.stop()
    print(
        f"simulator sustained produce rate: {sim:,.0f} msgs/s "
        f"({size} B JSON payloads, {args.seconds:g} s)"
    )
    print(f"bare aiokafka producer, same size: {bare:,.0f} msgs/s")
    print(f"simulator / bare: {sim / bare:.2f}")
    print(
        f"(load average during the run: {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
