"""`edaviz export --live` against the real broker: the numbers of the moment."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from kafka_helpers import create_topics

from edaviz.cli import main
from edaviz.kafka.broker import LocalBroker

PRODUCED = 25
COMMITTED = 8


async def prepare(bootstrap: str, source: str, target: str, group: str) -> None:
    """Two topics, PRODUCED records in `source`, `group` committed at COMMITTED."""
    await create_topics(bootstrap, (source, 1), (target, 1))

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        sent = [
            await producer.send(source, f"order-{i}".encode(), partition=0)
            for i in range(PRODUCED)
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = TopicPartition(source, 0)
        consumer.assign([tp])
        await consumer.commit({tp: OffsetAndMetadata(COMMITTED, "")})
    finally:
        await consumer.stop()


@pytest.fixture
def live_flow(
    kafka_broker: LocalBroker,
    unique_name: Callable[[str], str],
    flow_file: Callable[[str, str], Path],
) -> tuple[Path, str]:
    """A flow whose one consume edge has a known lag on the real broker."""
    source, target, group = (
        unique_name("orders"),
        unique_name("paid"),
        unique_name("pay"),
    )
    asyncio.run(prepare(kafka_broker.bootstrap, source, target, group))
    text = f"""\
edaviz: 1
name: live <export>
events:
  orders: {{topic: {source}}}
  paid: {{topic: {target}}}
handlers:
  payments: {{group: {group}, consumes: [orders], produces: [paid]}}
"""
    return flow_file(text, "live.yaml"), kafka_broker.bootstrap


def export(flow: Path, bootstrap: str, out: Path) -> int:
    """Run `edaviz export --live` with a one-second window."""
    return main(
        [
            "export",
            str(flow),
            "-o",
            str(out),
            "--live",
            "-b",
            bootstrap,
            "--window",
            "1",
        ]
    )


def test_live_exports_carry_the_snapshot_numbers(
    live_flow: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow, bootstrap = live_flow
    lag = PRODUCED - COMMITTED

    doc_path = tmp_path / "live.json"
    assert export(flow, bootstrap, doc_path) == 0
    err = capsys.readouterr().err
    assert "measuring 'live <export>' on" in err and " done in " in err
    doc = json.loads(doc_path.read_text())
    snapshot = doc["snapshot"]
    assert snapshot["cluster"]["connected"] is True
    assert snapshot["flow"] == "live <export>"
    edge = next(
        e
        for e in snapshot["edges"]
        if (e["source"], e["target"]) == ("orders", "payments")
    )
    assert edge["lag"] == lag
    layout_edge = next(
        e for e in doc["layout"]["edges"] if e["target"]["id"] == "payments"
    )
    assert layout_edge["label"][0].startswith(f"lag {lag:,} · ")
    assert layout_edge["health"] == edge["status"]

    svg_path = tmp_path / "live.svg"
    assert export(flow, bootstrap, svg_path) == 0
    root = ET.fromstring(svg_path.read_bytes())
    runs = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(r.startswith(f"lag {lag:,} · ") for r in runs)
    caption = next(r for r in runs if "cluster" in r)
    assert caption.startswith("live <export> · cluster ")
    assert bootstrap in caption and caption.endswith(" UTC")

    mmd_path = tmp_path / "live.mmd"
    assert export(flow, bootstrap, mmd_path) == 0
    assert f'-->|"lag {lag:,} · ' in mmd_path.read_text()

    dot_path = tmp_path / "live.dot"
    assert export(flow, bootstrap, dot_path) == 0
    edge_line = next(
        line
        for line in dot_path.read_text().splitlines()
        if '"event:orders" -> "handler:payments"' in line
    )
    assert f'label="lag {lag:,} · ' in edge_line


def test_live_export_fails_cleanly_without_kafka(
    flow_file: Callable[[str, str], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flow = flow_file("edaviz: 1\nname: x\nevents:\n  a: {}\n", "x.yaml")
    out = tmp_path / "x.svg"
    # Port 9 (discard) is never a Kafka broker: the connection is refused.
    assert export(flow, "127.0.0.1:9", out) == 1
    err = capsys.readouterr().err
    assert "could not measure" in err and "Traceback" not in err
    assert not out.exists()
