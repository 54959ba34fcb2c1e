"""The local broker: start, answer, stop, restart, and find it from elsewhere."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from kafka_helpers import describe_group, wait_for

from edaviz.errors import EdavizError
from edaviz.kafka.broker import LocalBroker, free_port, probe
from edaviz.kafka.maven import cache_root, require_tool


async def test_session_broker_round_trips_a_message(
    kafka_broker: LocalBroker, unique_name
) -> None:
    topic, group = unique_name("rt"), unique_name("g")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker.bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await consumer.getone()
        await consumer.commit()
    finally:
        await consumer.stop()
    assert record.value == b"hello"

    rows = describe_group(kafka_broker, group)
    assert sum(r.committed or 0 for r in rows) == 1
    assert all(r.lag == 0 for r in rows)


def test_start_stop_restart_keeps_data_and_port(tmp_path: Path) -> None:
    port = free_port()
    broker = LocalBroker(data_dir=tmp_path / "kafka", port=port)
    try:
        assert broker.start() == f"127.0.0.1:{port}"
        assert broker.owned
        first_pid = broker.status().pid
        broker.run_tool(
            "org.apache.kafka.tools.TopicCommand",
            "--bootstrap-server",
            broker.bootstrap,
            "--create",
            "--topic",
            "kept",
            "--partitions",
            "1",
        )

        # Another process finds it through the state file.
        other = LocalBroker(data_dir=tmp_path / "kafka")
        assert other.status().pid == first_pid
        assert other.start() == f"127.0.0.1:{port}"
        assert not other.owned

        assert other.stop()
        assert broker.status() is None
        assert not probe(f"127.0.0.1:{port}", timeout_s=1)
        assert not broker.stop()

        # Restart: a default start reuses the port; topics survive.
        restarted = LocalBroker(data_dir=tmp_path / "kafka")
        assert restarted.start() == f"127.0.0.1:{port}"
        assert restarted.status().pid != first_pid
        topics = restarted.run_tool(
            "org.apache.kafka.tools.TopicCommand",
            "--bootstrap-server",
            restarted.bootstrap,
            "--list",
        )
        assert "kept" in topics.split()
        assert restarted.log_file.stat().st_size > 0

        # A watcher stops the broker once its owner process is gone.
        owner = subprocess.Popen(["sleep", "600"])
        restarted.stop_when_gone(owner.pid)
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + 40
        while restarted.status() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert restarted.status() is None
    finally:
        LocalBroker(data_dir=tmp_path / "kafka").stop()


def test_busy_port_is_a_clear_error(tmp_path: Path, kafka_broker) -> None:
    port = int(kafka_broker.bootstrap.rsplit(":", 1)[1])
    with pytest.raises(EdavizError, match="already in use"):
        LocalBroker(data_dir=tmp_path / "k", port=port).start()


def test_missing_java_names_what_to_install(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EdavizError, match="Java runtime"):
        require_tool("java", "running Apache Kafka")
    with pytest.raises(EdavizError, match="Maven"):
        require_tool("mvn", "fetching Apache Kafka")


def test_cache_honours_xdg_cache_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "edaviz"
    broker = LocalBroker(version="9.9.9")
    assert broker.data_dir == tmp_path / "edaviz" / "kafka-9.9.9" / "data"
    assert broker.status() is None
    assert not os.path.exists(broker.state_file)


async def test_wait_for_reports_the_last_value() -> None:
    values = iter(range(100))
    with pytest.raises(AssertionError, match="last value"):
        await wait_for(lambda: next(values) < 0, timeout=0.3, interval=0.05)
    assert await wait_for(lambda: next(values) > 3, timeout=5, interval=0) is True
