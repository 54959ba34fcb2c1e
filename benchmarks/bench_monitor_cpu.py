"""Benchmark (a): CPU the monitor spends per minute at ~1k vs ~50k msg/s.

The engine runs in its own process (so the producer's CPU is not counted) and
reports `time.process_time()` over a measured stretch after a warm-up. The
watched flow has the busy topic, a group stuck far behind (so time-lag probes
run) and the tail on. Run: `.venv/bin/python benchmarks/bench_monitor_cpu.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

from bench_monitor_common import broker, commit, create_topics, produce_at, unique

PARTITIONS = 6
RATES = (1_000, 50_000)
WARMUP_S = 4.0
MEASURE_S = float(os.environ.get("BENCH_SECONDS", "30"))


async def engine_process(
    bootstrap: str, topic: str, group: str, seconds: float
) -> None:
    """Child mode: run the engine, print its CPU seconds over `seconds`."""
    from edaviz.core.flow import Flow
    from edaviz.kafka.connection import ConnectionSettings
    from edaviz.metrics.engine import MetricsEngine

    flow = Flow.model_validate(
        {
            "edaviz": 1,
            "name": "cpu",
            "events": {"busy": {"topic": topic}},
            "handlers": {
                "src": {"produces": ["busy"]},
                "slow": {"group": group, "consumes": ["busy"]},
            },
        }
    )
    engine = MetricsEngine(
        flow,
        ConnectionSettings(bootstrap=bootstrap),
        interval=2.0,
        window=30.0,
        tail_records=int(os.environ.get("BENCH_TAIL", "50")),
    )
    async with engine:
        await asyncio.sleep(WARMUP_S)
        cpu0, wall0, polls0 = time.process_time(), time.monotonic(), engine.polls
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu0
        wall = time.monotonic() - wall0
        snap = engine.latest
    print(
        json.dumps(
            {
                "cpu_s": cpu,
                "wall_s": wall,
                "polls": engine.polls - polls0,
                "skipped": engine.skipped_polls,
                "rate_seen": snap.event("busy").rate,
                "lag": snap.edge("busy", "slow").lag,
            }
        )
    )


async def measure(bootstrap: str, rate: int) -> dict:
    topic, group = unique("cpu"), unique("slow")
    await create_topics(bootstrap, [topic], PARTITIONS)
    await commit(bootstrap, group, {(topic, p): 0 for p in range(PARTITIONS)})
    child = subprocess.Popen(
        [sys.executable, __file__, "--engine", bootstrap, topic, group, str(MEASURE_S)],
        stdout=subprocess.PIPE,
        text=True,
    )
    achieved = await produce_at(
        bootstrap, topic, PARTITIONS, rate, WARMUP_S + MEASURE_S + 5
    )
    out, _ = await asyncio.to_thread(child.communicate)
    result = json.loads(out.strip().splitlines()[-1])
    result["produced_rate"] = achieved
    return result


async def main() -> None:
    with broker() as bootstrap:
        results = {rate: await measure(bootstrap, rate) for rate in RATES}
    print(f"monitor CPU while a watched topic takes traffic ({MEASURE_S:.0f} s each)")
    for rate, r in results.items():
        per_min = r["cpu_s"] / r["wall_s"] * 60
        print(
            f"  target {rate:>6,} msg/s (produced {r['produced_rate']:>8,.0f}, "
            f"seen {r['rate_seen'] or 0:>8,.0f}): {per_min:5.2f} CPU s/min, "
            f"{r['polls']} polls, {r['skipped']} skipped"
        )
    low, high = (results[r] for r in RATES)
    ratio = (high["cpu_s"] / high["wall_s"]) / (low["cpu_s"] / low["wall_s"])
    print(f"  CPU ratio high/low traffic: {ratio:.2f} (1.00 = flat)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--engine":
        _, _, bs, tp, gr, secs = sys.argv
        asyncio.run(engine_process(bs, tp, gr, float(secs)))
    else:
        asyncio.run(main())
