"""`edaviz watch` without --once: one JSON document per interval, as JSON Lines."""

from __future__ import annotations

import json
import subprocess
import sys

from kafka_helpers import commit_as_group, create_topics, produce_counts

from edaviz.kafka.broker import LocalBroker


async def test_stream_prints_one_document_per_line_until_the_reader_leaves(
    kafka_broker: LocalBroker, unique_name, flow_file
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic, group = unique_name("orders"), unique_name("g")
    await create_topics(bootstrap, (topic, 2))
    await produce_counts(bootstrap, topic, {0: 4, 1: 6})
    await commit_as_group(bootstrap, group, {(topic, 0): 1, (topic, 1): 6})
    path = flow_file(
        f"edaviz: 1\nname: stream\nevents:\n  e: {{topic: {topic}}}\n"
        f"handlers:\n  h: {{group: {group}, consumes: [e]}}\n"
    )
    watch = subprocess.Popen(
        [sys.executable, "-m", "edaviz", "watch", str(path), "-b", bootstrap]
        + ["--interval", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watch.stdout is not None
        lines = [watch.stdout.readline() for _ in range(3)]
        # The reader goes away, as `edaviz watch flow | head -3` would.
        watch.stdout.close()
        status = watch.wait(timeout=30)
    finally:
        watch.kill()
        watch.wait()
    stderr = watch.stderr.read() if watch.stderr else ""
    assert status == 0, stderr
    assert "Traceback" not in stderr
    docs = [json.loads(line) for line in lines]
    assert [d["sequence"] for d in docs] == sorted({d["sequence"] for d in docs})
    for doc in docs:
        assert doc["flow"] == "stream" and doc["cluster"]["connected"] is True
        (edge,) = doc["edges"]
        assert (edge["source"], edge["target"], edge["kind"]) == ("e", "h", "consumes")
        assert edge["lag"] == 3 and edge["uncommitted_partitions"] == 0
