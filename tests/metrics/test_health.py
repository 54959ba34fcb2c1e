"""Burrow-style status rules, trends, drain estimates and the bottleneck."""

import pytest

from edaviz.metrics.health import (
    EdgeEvidence,
    HandlerFlow,
    drain_eta,
    evaluate,
    find_bottleneck,
    lag_trend,
)
from edaviz.metrics.snapshot import Health


def evidence(**changes: object) -> EdgeEvidence:
    base: dict[str, object] = {
        "lag": 0,
        "committed_partitions": 3,
        "commit_advance": 100,
        "span_s": 30.0,
        "rewound": False,
        "members_on_topic": 1,
        "trend": "steady",
    }
    base.update(changes)
    return EdgeEvidence(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, Health.OK),
        ({"lag": 50, "trend": "draining"}, Health.OK),
        ({"committed_partitions": 0, "lag": None}, Health.NO_COMMIT),
        ({"rewound": True, "lag": 10}, Health.REWIND),
        ({"lag": 10, "members_on_topic": 0, "commit_advance": 0}, Health.STOP),
        ({"lag": 10, "commit_advance": 0}, Health.STALL),
        ({"lag": 10, "commit_advance": 0, "span_s": 2.0}, Health.UNKNOWN),
        ({"lag": 10, "trend": "growing"}, Health.WARN),
        ({"lag": 10, "commit_advance": None}, Health.UNKNOWN),
        ({"lag": 0, "commit_advance": None}, Health.OK),
        ({"lag": 0, "members_on_topic": 0, "commit_advance": 0}, Health.OK),
    ],
)
def test_status_rules(changes: dict, status: Health) -> None:
    assert evaluate(evidence(**changes)) is status


def test_trend_thresholds_scale_with_input_rate() -> None:
    assert lag_trend(None, None) is None
    assert lag_trend(None, None, [0, 0]) == "steady"
    assert lag_trend(0.2, None) == "steady"
    assert lag_trend(5.0, 10.0) == "growing"
    assert lag_trend(-5.0, 10.0) == "draining"
    # 40 msg/s of drift on a 1000 msg/s topic is noise, not a trend.
    assert lag_trend(40.0, 1000.0) == "steady"


def test_drain_eta() -> None:
    assert drain_eta(1000, -10.0, "draining") == pytest.approx(100.0)
    assert drain_eta(1000, 10.0, "growing") is None
    assert drain_eta(0, -10.0, "draining") is None


def test_bottleneck_is_first_slow_handler_in_order() -> None:
    flows = {
        "a": HandlerFlow("a", input_rate=100.0, consume_rate=99.0, lag=5),
        "b": HandlerFlow("b", input_rate=100.0, consume_rate=50.0, lag=500),
        "c": HandlerFlow("c", input_rate=100.0, consume_rate=10.0, lag=900),
        "d": HandlerFlow("d", input_rate=None, consume_rate=0.0, lag=9),
    }
    assert find_bottleneck(["a", "d", "b", "c"], flows) == "b"
    assert find_bottleneck(["c", "b"], flows) == "c"
    assert find_bottleneck(["a", "d"], flows) is None
    # Slower on paper but not behind: commit cadence, not a bottleneck.
    idle = {"x": HandlerFlow("x", input_rate=100.0, consume_rate=20.0, lag=0)}
    assert find_bottleneck(["x"], idle) is None
