"""Hostile records on a real topic come out of the tail bounded and escaped."""

from __future__ import annotations

import io
import json
import re

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from kafka_helpers import wait_for
from rich.console import Console
from rich.text import Text

from edaviz.core.flow import Flow
from edaviz.kafka.broker import LocalBroker
from edaviz.kafka.connection import ConnectionSettings
from edaviz.kafka.tail import VALUE_CAP
from edaviz.metrics.engine import MetricsEngine
from edaviz.metrics.payload import render_bytes, render_headers

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")
BIG = 5 * 1024 * 1024

HOSTILE = [
    (b"ansi", b"\x1b[2J\x1b[31mRED\x1b]0;pwned\x07"),
    (b"markup", b"[bold red]not markup[/] [link=file:///etc/passwd]x[/link]"),
    (b"\xff\xfe-key", b"caf\xc3\xa9 \xc3\x28 \xff"),
    (b"big", b"A" * BIG),
    (None, None),
]


async def test_hostile_payloads_are_tailed_safely(
    kafka_broker: LocalBroker, unique_name
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = unique_name("hostile")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": str(BIG * 2)})]
        )
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=BIG * 2)
    await producer.start()
    try:
        for key, value in HOSTILE[:-1]:
            await producer.send_and_wait(
                topic, value, key=key, headers=[("h\x1b[1m", b"\x1b[5m")]
            )
        # send() refuses a record with neither key nor value; a batch does not.
        batch = producer.create_batch()
        batch.append(key=None, value=None, timestamp=None, headers=[])
        batch.close()
        await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()

    flow = Flow.model_validate(
        {"edaviz": 1, "name": "p", "events": {"e": {"topic": topic}}}
    )
    engine = MetricsEngine(
        flow, ConnectionSettings(bootstrap=bootstrap), interval=0.5, tail_records=10
    )
    async with engine:
        snap = await wait_for(
            lambda: (
                engine.latest
                if len((engine.latest.event("e") or _NoTail).tail) == len(HOSTILE)
                else None
            ),
            timeout=30,
            message="all hostile records tailed",
        )
    tail = snap.event("e").tail
    assert [r.offset for r in tail] == [4, 3, 2, 1, 0]  # newest first
    big = tail[1]
    assert big.value_size == BIG and len(big.value) == VALUE_CAP
    assert tail[0].key is None and tail[0].value is None

    console = Console(file=io.StringIO(), width=120, color_system=None)
    for record in tail:
        for multiline in (False, True):
            shown = [
                render_bytes(record.key, multiline=multiline),
                render_bytes(
                    record.value, total_size=record.value_size, multiline=multiline
                ),
                render_headers(record.headers),
            ]
            for text in shown:
                assert isinstance(text, str)
                assert not RAW_CONTROL.search(text), text
                assert len(text) < 5000
                console.print(Text(text))
    printed = console.file.getvalue()
    assert "[bold red]not markup[/]" in printed
    assert "\\x1b[2J" in printed and "\\xff" in printed
    assert "+5,2" in render_bytes(big.value, total_size=big.value_size)

    doc = json.dumps(snap.to_json())
    values = [r["value"] for r in snap.to_json()["nodes"][0]["tail"]]
    assert values[0] is None
    assert all(v is None or not RAW_CONTROL.search(v) for v in values)
    assert len(doc) < 20_000


class _NoTail:
    tail = ()
