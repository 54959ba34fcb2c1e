"""`Snapshot.to_json` follows the documented schema of `edaviz watch --json`."""

import json
from datetime import UTC, datetime

from edaviz.metrics.snapshot import (
    ClusterState,
    EdgeStats,
    EventStats,
    HandlerStats,
    Health,
    MemberInfo,
    PartitionLag,
    Snapshot,
    TailRecord,
)


def make_snapshot() -> Snapshot:
    return Snapshot(
        flow="shop",
        taken_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        cluster=ClusterState(bootstrap="127.0.0.1:9092", connected=True),
        nodes=(
            EventStats(
                id="order-placed",
                topic="orders",
                exists=True,
                partitions=2,
                rate=12.3456,
                tail=(TailRecord(0, 7, 1000, None, b"\x1b[31m[bold]x", value_size=12),),
            ),
            HandlerStats(
                id="billing",
                group="billing",
                state="Stable",
                members=(MemberInfo("m-1", "c", "/127.0.0.1", (("orders", 0),)),),
                partitions=(PartitionLag("orders", 0, 10, 4, 6, log_start=5),),
            ),
        ),
        edges=(
            EdgeStats(
                "order-placed",
                "billing",
                "consumes",
                lag=6,
                max_partition_lag=6,
                uncommitted_partitions=1,
                rate=1.5,
                time_lag_s=2.25,
                status=Health.STALL,
            ),
        ),
    )


def test_document_has_the_schema_keys() -> None:
    doc = make_snapshot().to_json()
    json.dumps(doc)  # serialisable as is
    assert doc["flow"] == "shop"
    assert doc["taken_at"] == "2026-01-02T03:04:05+00:00"
    assert doc["cluster"] == {
        "bootstrap": "127.0.0.1:9092",
        "connected": True,
        "error": None,
        "disconnected_since": None,
    }
    kinds = {node["id"]: node["kind"] for node in doc["nodes"]}
    assert kinds == {"order-placed": "event", "billing": "handler"}
    edge = doc["edges"][0]
    for key in (
        "source",
        "target",
        "kind",
        "lag",
        "max_partition_lag",
        "uncommitted_partitions",
        "rate",
        "time_lag_s",
        "status",
    ):
        assert key in edge
    assert edge["status"] == "STALL"
    assert edge["lag"] == 6 and edge["uncommitted_partitions"] == 1


def test_payloads_in_json_are_escaped() -> None:
    doc = make_snapshot().to_json()
    record = doc["nodes"][0]["tail"][0]
    assert record["key"] is None
    assert record["value"] == "\\x1b[31m[bold]x"
    assert doc["nodes"][1]["partitions"][0]["behind_retention"] is True
