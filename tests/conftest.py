"""Shared fixtures: one real Kafka broker per test session, unique names."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edaviz.kafka.broker import LocalBroker


def _to_terminal(message: str) -> None:
    """Progress bypasses pytest's capture: the first Maven fetch takes a while."""
    stream = sys.__stderr__
    if stream is not None:
        print(f"\n[edaviz] {message}", file=stream, flush=True)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A real Kafka broker on a free port with a temporary data dir.

    Started on first use, stopped when the session ends; `.bootstrap` gives its
    address and `.run_tool(...)` runs Kafka's own command-line tools.
    """
    broker = LocalBroker(
        data_dir=tmp_path_factory.mktemp("kafka"), progress=_to_terminal
    )
    broker.start()
    broker.stop_when_gone()  # even if this test run is killed
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """A function making topic/group names unique to this test and call.

    `unique_name("orders")` gives e.g. `orders-test_lag-3f9a1c2b`.
    """
    test = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name)[:60].strip("-")

    def make(prefix: str = "t") -> str:
        return f"{prefix}-{test}-{uuid.uuid4().hex[:8]}"

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the broker as `kafka` (select with -m kafka)."""
    for item in items:
        if "kafka_broker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kafka)


@pytest.fixture
def flow_file(tmp_path: Path) -> Callable[[str], Path]:
    """A function writing flow YAML text into this test's tmp dir; returns its path."""

    def write(text: str, name: str = "flow.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
