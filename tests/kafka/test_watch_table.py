"""The compact live table of `edaviz watch` on a terminal."""

import io
from datetime import UTC, datetime

from rich.console import Console

from edaviz.cli.watch import render_table
from edaviz.metrics.snapshot import ClusterState, EdgeStats, Health, Snapshot


def rendered(snapshot: Snapshot) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(render_table(snapshot))
    return console.file.getvalue()


def test_table_shows_edges_health_and_shared_rates() -> None:
    snap = Snapshot(
        flow="shop",
        taken_at=datetime.now(UTC),
        cluster=ClusterState("b:9092", True),
        edges=(
            EdgeStats(
                "orders",
                "billing",
                "consumes",
                lag=1234,
                max_partition_lag=1000,
                uncommitted_partitions=1,
                rate=12.5,
                time_lag_s=3.0,
                status=Health.WARN,
                trend="draining",
                drain_eta_s=42.0,
            ),
            EdgeStats("web", "orders", "produces", rate=99.0, shared_topic=True),
        ),
        bottleneck="billing",
    )
    out = rendered(snap)
    assert "orders → billing" in out and "1,234" in out
    assert "WARN draining (~42 s)" in out
    assert "99.0*" in out and "several handlers produce it" in out
    assert "bottleneck: billing" in out


def test_table_says_disconnected_and_keeps_brackets_literal() -> None:
    since = datetime(2026, 1, 1, 12, 30, 5, tzinfo=UTC)
    snap = Snapshot(
        flow="shop",
        taken_at=datetime.now(UTC),
        cluster=ClusterState("b:9092", False, "[bold]refused[/]", since),
    )
    out = rendered(snap)
    assert "DISCONNECTED from b:9092 since 12:30:05" in out
    assert "[bold]refused[/]" in out


def test_table_escapes_control_codes_from_the_cluster() -> None:
    snap = Snapshot(
        flow="shop\x1b]0;title\x07",
        taken_at=datetime.now(UTC),
        cluster=ClusterState(
            "b:9092", False, "auth failed \x1b[2J\u202e", datetime.now(UTC)
        ),
    )
    out = rendered(snap)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "auth failed \\x1b[2J\\u202e" in out


def test_table_names_why_a_group_could_not_be_read() -> None:
    from edaviz.metrics.snapshot import HandlerStats

    snap = Snapshot(
        flow="shop",
        taken_at=datetime.now(UTC),
        cluster=ClusterState("b:9092", True),
        nodes=(HandlerStats("billing", "billing", error="GroupAuthorizationFailed"),),
        edges=(EdgeStats("orders", "billing", "consumes"),),
    )
    assert "UNKNOWN (GroupAuthorizationFailed)" in rendered(snap)
