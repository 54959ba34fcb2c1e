"""FlowState: synthetic polls in, snapshots with true numbers out."""

from datetime import UTC, datetime, timedelta

import pytest

from edaviz.core.flow import Flow
from edaviz.metrics.snapshot import Health, MemberInfo, TailRecord
from edaviz.metrics.state import FlowState, GroupSample, PollData

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_flow() -> Flow:
    return Flow.model_validate(
        {
            "edaviz": 1,
            "name": "shop",
            "events": {"orders": {}, "paid": {}, "ghost": {"topic": "missing"}},
            "handlers": {
                "web": {"produces": ["orders"]},
                "admin": {"produces": ["orders"]},
                "billing": {"consumes": ["orders"], "produces": ["paid"]},
                "mailer": {"consumes": ["paid", "ghost"]},
            },
        }
    )


MEMBER = MemberInfo("m1", "c1", "/h", (("orders", 0), ("orders", 1)))


def poll(
    t: float,
    orders: tuple[int, int],
    committed: tuple[int | None, int | None],
    paid: int = 0,
    members: tuple[MemberInfo, ...] = (MEMBER,),
    stamps: dict | None = None,
) -> PollData:
    return PollData(
        mono=t,
        wall=T0 + timedelta(seconds=t),
        topics={"orders": [0, 1], "paid": [0], "missing": None},
        ends={("orders", 0): orders[0], ("orders", 1): orders[1], ("paid", 0): paid},
        starts={("orders", 0): 0, ("orders", 1): 5, ("paid", 0): 0},
        groups={
            "billing": GroupSample("Stable" if members else "Empty", members),
            "mailer": GroupSample("Dead"),
        },
        committed={
            "billing": {("orders", 0): committed[0], ("orders", 1): committed[1]},
            "mailer": {},
        },
        record_timestamps=stamps or {},
        tails={"orders": (TailRecord(0, 1, None, b"k", b"v" * 99, value_size=99),)},
    )


def test_lag_rates_and_edges() -> None:
    state = FlowState(make_flow(), "b:1", window_s=30.0)
    first = state.update(poll(0.0, (100, 50), (40, None)))
    edge = first.edge("orders", "billing")
    assert edge is not None
    assert edge.lag == 60 and edge.max_partition_lag == 60
    assert edge.uncommitted_partitions == 1
    assert edge.rate is None and edge.status is Health.UNKNOWN

    snap = state.update(poll(10.0, (300, 150), (140, None), paid=50))
    edge = snap.edge("orders", "billing")
    assert edge.lag == 160
    assert edge.rate == pytest.approx(10.0)
    assert edge.trend == "growing"
    assert edge.status is Health.WARN
    orders = snap.event("orders")
    assert orders.rate == pytest.approx(30.0)
    assert orders.messages == 300 + 145
    assert orders.bytes_rate_estimate == pytest.approx(30.0 * 100)
    web = snap.edge("web", "orders")
    assert web.kind == "produces" and web.shared_topic
    assert web.rate == pytest.approx(30.0)
    assert not snap.edge("billing", "paid").shared_topic
    assert snap.bottleneck == "billing"
    assert snap.window_s == pytest.approx(10.0)
    assert snap.sequence == 2


def test_missing_topic_and_empty_group_do_not_crash() -> None:
    state = FlowState(make_flow(), "b:1")
    snap = state.update(poll(0.0, (10, 10), (10, 10)))
    ghost = snap.edge("ghost", "mailer")
    assert ghost.lag is None and ghost.status is Health.UNKNOWN
    assert snap.event("ghost").exists is False
    assert snap.edge("paid", "mailer").status is Health.NO_COMMIT
    assert snap.handler("mailer").state == "Dead"
    json_doc = snap.to_json()
    assert {e["status"] for e in json_doc["edges"]} >= {"NO_COMMIT", "UNKNOWN"}


def test_stop_stall_rewind_and_time_lag() -> None:
    state = FlowState(make_flow(), "b:1")
    state.update(poll(0.0, (100, 50), (40, 45), members=()))
    snap = state.update(poll(10.0, (100, 50), (40, 45), members=()))
    assert snap.edge("orders", "billing").status is Health.STOP

    state = FlowState(make_flow(), "b:1")
    state.update(poll(0.0, (100, 50), (40, 45)))
    stamps = {("orders", 0, 40): (T0.timestamp() + 4.0) * 1000}
    snap = state.update(poll(10.0, (100, 50), (40, 45), stamps=stamps))
    edge = snap.edge("orders", "billing")
    assert edge.status is Health.STALL
    assert edge.time_lag_s == pytest.approx(6.0)

    snap = state.update(poll(12.0, (100, 50), (20, 45)))
    assert snap.edge("orders", "billing").status is Health.REWIND


def test_draining_gives_eta_and_disconnected_keeps_lag() -> None:
    state = FlowState(make_flow(), "b:1")
    for i, t in enumerate((0.0, 10.0, 20.0)):
        snap = state.update(poll(t, (1000, 5), (400 + 200 * i, 5)))
    edge = snap.edge("orders", "billing")
    assert edge.trend == "draining"
    assert edge.drain_eta_s == pytest.approx(200 / 20.0)
    assert edge.status is Health.OK

    since = T0 + timedelta(seconds=25)
    down = state.disconnected("KafkaConnectionError", since)
    assert not down.cluster.connected
    assert down.cluster.disconnected_since == since
    assert down.edge("orders", "billing").lag == 200
    assert down.edge("orders", "billing").status is Health.UNKNOWN
    assert down.to_json()["cluster"]["error"] == "KafkaConnectionError"


def test_connecting_snapshot_lists_every_node_and_edge() -> None:
    snap = FlowState(make_flow(), "b:1").connecting(T0)
    assert not snap.cluster.connected
    assert len(snap.nodes) == 7
    assert {(e.source, e.target) for e in snap.edges} >= {("orders", "billing")}


def test_a_group_that_cannot_be_read_is_unknown_not_stopped() -> None:
    state = FlowState(make_flow(), "b:9092")
    state.update(poll(0, (10, 10), (5, 5)))
    broken = poll(2, (12, 12), (5, 5))
    broken.groups["billing"] = GroupSample(None, (), "GroupAuthorizationFailedError")
    broken.committed.pop("billing")
    snap = state.update(broken)
    assert snap.cluster.connected
    edge = snap.edge("orders", "billing")
    assert edge.status is Health.UNKNOWN
    assert edge.lag is None
    assert snap.handler("billing").error == "GroupAuthorizationFailedError"
    assert snap.to_json()["nodes"][-2]["error"] == "GroupAuthorizationFailedError"
    # Offsets read but the description failed: lag is known, health is not.
    half = poll(4, (14, 14), (5, 5))
    half.groups["billing"] = GroupSample(None, (), "CoordinatorNotAvailableError")
    edge = state.update(half).edge("orders", "billing")
    assert (edge.lag, edge.status) == (18, Health.UNKNOWN)
