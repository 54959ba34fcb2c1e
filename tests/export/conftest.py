"""Fixtures for the exporter tests: a flow with awkward names and a live snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edaviz.core.flow import Flow
from edaviz.metrics.snapshot import (
    ClusterState,
    EdgeStats,
    EventStats,
    HandlerStats,
    Health,
    MemberInfo,
    Snapshot,
)

#: A flow whose names exercise escaping: XML and Mermaid specials in the name,
#: an id shared by an event and a handler, a Mermaid keyword as an id, dots and
#: dashes in ids, a topic and a group that differ from their ids.
FLOW_DATA = {
    "edaviz": 1,
    "name": 'Orders <&> "shop" #1 | end',
    "cluster": {"bootstrap": "127.0.0.1:9092"},
    "events": {
        "order.placed": {"partitions": 3},
        "payment-done": {"topic": "payments"},
        "audit": {},
        "shipped": {},
    },
    "handlers": {
        "api": {"produces": ["order.placed"]},
        "pay": {"consumes": ["order.placed"], "produces": ["payment-done", "audit"]},
        "end": {
            "group": "ship-svc",
            "consumes": ["payment-done", "order.placed"],
            "produces": ["shipped"],
        },
        "audit": {"consumes": ["audit", "shipped"]},
    },
}


@pytest.fixture
def flow() -> Flow:
    """The sample flow."""
    return Flow.model_validate(FLOW_DATA)


@pytest.fixture
def snapshot() -> Snapshot:
    """A hand-built live snapshot of the sample flow with distinctive numbers."""
    return make_snapshot()


def make_snapshot() -> Snapshot:
    """A live snapshot of the sample flow: every health, distinctive numbers."""
    return Snapshot(
        flow=FLOW_DATA["name"],
        taken_at=datetime(2026, 12, 3, 18, 30, 5, tzinfo=UTC),
        cluster=ClusterState("127.0.0.1:9092", True),
        nodes=(
            EventStats("order.placed", "order.placed", True, 3, 98_765, 12.5),
            EventStats("payment-done", "payments", True, 1, 4_321, 3.25),
            HandlerStats(
                "pay", "pay", "Stable", (MemberInfo("m-1", "pay-1", "/10.0.0.1"),)
            ),
            HandlerStats("end", "ship-svc", "Empty"),
        ),
        edges=(
            EdgeStats("api", "order.placed", "produces", rate=12.5, status=Health.OK),
            EdgeStats(
                "order.placed",
                "pay",
                "consumes",
                lag=1_204,
                rate=3.5,
                status=Health.STALL,
            ),
            EdgeStats("pay", "payment-done", "produces", rate=3.25),
            EdgeStats(
                "payment-done", "end", "consumes", lag=77, rate=0.0, status=Health.STOP
            ),
            EdgeStats(
                "order.placed", "end", "consumes", lag=0, rate=12.5, status=Health.OK
            ),
            EdgeStats(
                "audit", "audit", "consumes", lag=5, rate=1.0, status=Health.WARN
            ),
        ),
    )
