"""The local broker: start, answer, stop, restart, and find it from elsewhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka_helpers import create_topics, describe_group, wait_for

from edaviz.cli import main
from edaviz.errors import EdavizError
from edaviz.kafka import maven
from edaviz.kafka.broker import LocalBroker, free_port, probe
from edaviz.kafka.maven import cache_root, require_tool


async def test_session_broker_round_trips_a_message(
    kafka_broker: LocalBroker, unique_name
) -> None:
    topic, group = unique_name("rt"), unique_name("g")
    await create_topics(kafka_broker.bootstrap, (topic, 2))
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


def test_cli_two_starts_at_once_share_one_broker_then_status_stop(
    tmp_path: Path, capsys
) -> None:
    data_dir = tmp_path / "kafka"
    command = [sys.executable, "-m", "edaviz", "broker", "start"]
    starts = [
        subprocess.Popen(
            [*command, "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [start.communicate(timeout=120) for start in starts]
        assert [start.returncode for start in starts] == [0, 0], outputs
        # Both print one address (the later start maybe as "already running at").
        addresses = {out.split()[-1] for out, _ in outputs}
        broker = LocalBroker(data_dir=data_dir)
        assert addresses == {broker.bootstrap}
        assert _kafka_jvms(data_dir) == [broker.status().pid]
        assert broker.is_ready()

        # The other commands, as a user sees them.
        where = ["--data-dir", str(data_dir)]
        assert main(["broker", "start", *where]) == 0
        assert (
            capsys.readouterr().out
            == f"Kafka is already running at {addresses.pop()}\n"
        )
        assert main(["broker", "status", *where]) == 0
        assert "is running at" in capsys.readouterr().out
        assert main(["broker", "stop", *where]) == 0
        assert capsys.readouterr().out == "Kafka stopped\n"
        assert _kafka_jvms(data_dir) == []
        assert main(["broker", "status", *where]) == 3
        assert main(["broker", "stop", *where]) == 0
        assert capsys.readouterr().out.endswith("Kafka is not running\n")
    finally:
        LocalBroker(data_dir=data_dir).stop()
        # A JVM the state file lost track of would outlive the test run.
        for pid in _kafka_jvms(data_dir):
            os.kill(pid, signal.SIGKILL)


def _kafka_jvms(data_dir: Path) -> list[int]:
    """Pids of the Kafka JVMs whose config lives in `data_dir`."""
    props = str(data_dir / "server.properties").encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"kafka.Kafka" in cmdline and props in cmdline:
                pids.append(int(proc.name))
    return pids


def test_port_out_of_range_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(EdavizError, match="not a TCP port") as raised:
        LocalBroker(data_dir=tmp_path, port=0)
    assert raised.value.exit_code == 2
    with pytest.raises(SystemExit) as exited:
        main(["broker", "start", "--data-dir", str(tmp_path), "--port", "70000"])
    assert exited.value.code == 2
    assert "not a TCP port" in capsys.readouterr().err
    assert not (tmp_path / "broker.json").exists()


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


#: Stands in for Maven: two downloads with a pause between, then one jar.
FAKE_MVN = """\
#!/bin/sh
for arg; do case $arg in -DoutputDirectory=*) out=${arg#*=};; esac; done
echo '\033[1m[INFO] Downloaded from central: https://repo/a.pom (1 kB)\033[m'
sleep 1
echo '[INFO] Downloaded from central: https://repo/b.jar (9 kB)'
mkdir -p "$out" && touch "$out/kafka_2.13-$VERSION.jar"
"""

FAILING_MVN = """\
#!/bin/sh
echo '[INFO] BUILD FAILURE'
echo '[ERROR] Could not resolve dependencies: kafka_2.13:jar:9.9.9 was not found'
echo '[ERROR] '
echo '[ERROR] Re-run Maven using the -X switch to enable full debug logging.'
exit 1
"""


def _fake_mvn(monkeypatch, tmp_path: Path, script: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mvn").write_text(script)
    (bin_dir / "mvn").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("VERSION", "9.9.9")


def test_first_fetch_reports_progress_while_maven_works(
    monkeypatch, tmp_path: Path
) -> None:
    _fake_mvn(monkeypatch, tmp_path, FAKE_MVN)
    monkeypatch.setattr(maven, "PROGRESS_INTERVAL_S", 0.3)
    messages: list[str] = []
    libs = maven.ensure_jars("9.9.9", messages.append)
    assert (libs / "kafka_2.13-9.9.9.jar").exists()
    assert messages[0].startswith("Fetching Apache Kafka 9.9.9")
    assert messages[-1].startswith("Apache Kafka 9.9.9 is cached")
    counts = [m for m in messages[1:-1] if m.strip().startswith("still fetching:")]
    assert "1 files downloaded" in counts[0]
    # Cached: the second call neither runs Maven nor reports anything.
    messages.clear()
    assert maven.ensure_jars("9.9.9", messages.append) == libs
    assert messages == []


def test_failed_fetch_names_maven_first_error(monkeypatch, tmp_path: Path) -> None:
    _fake_mvn(monkeypatch, tmp_path, FAILING_MVN)
    with pytest.raises(EdavizError) as failed:
        maven.ensure_jars("9.9.9")
    message = str(failed.value)
    assert message.startswith("Maven could not resolve Apache Kafka 9.9.9")
    assert "kafka_2.13:jar:9.9.9 was not found" in message
    assert "-X switch" not in message
    assert not (maven.kafka_home("9.9.9") / "libs").exists()


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
