"""Health of a consume edge, lag trend, drain estimate and the flow's bottleneck.

The status rules are adapted from Burrow's consumer evaluation, applied to the
samples of one window:

- NO_COMMIT: the group has no committed offset on any partition of the topic.
- REWIND: a committed offset went backwards inside the window.
- STOP: lag > 0 and no member of the group is assigned the topic.
- STALL: lag > 0, members are assigned, and no committed offset moved during
  the window (judged only once the window spans `STALL_MIN_SPAN_S`).
- WARN: committed offsets advance, yet the lag trend is growing.
- OK: otherwise (lag zero, steady or draining).
- UNKNOWN: not enough samples to tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from edaviz.metrics.snapshot import Health, Trend

#: A window shorter than this cannot show STALL: consumers commit every few
#: seconds (5 s is the default auto-commit interval of Java and aiokafka), so a
#: shorter span sees "no commit" for a healthy consumer.
STALL_MIN_SPAN_S = 5.0

#: Lag slopes smaller than this (messages per second) count as steady.
TREND_MIN_SLOPE = 0.5

#: ... or smaller than this share of the input rate, whichever is larger.
TREND_RELATIVE = 0.05

#: A handler is the bottleneck when it consumes below its input rate by more
#: than this share (commit cadence makes consume rates jitter by a few percent).
BOTTLENECK_RELATIVE = 0.10

#: ... and by at least this many messages per second.
BOTTLENECK_MIN_GAP = 1.0


@dataclass(frozen=True, slots=True)
class EdgeEvidence:
    """What the window shows about one consume edge, as input to `evaluate`."""

    lag: int | None
    committed_partitions: int
    commit_advance: int | None
    """Committed-offset advance over the window; None before two samples."""
    span_s: float
    rewound: bool
    """A committed offset went down inside the window."""
    members_on_topic: int
    """Group members assigned a partition of the topic."""
    trend: Trend | None = None


def lag_trend(
    lag_slope: float | None, input_rate: float | None, lags: Sequence[float] = ()
) -> Trend | None:
    """Classify a lag slope (messages per second) as draining, steady or growing."""
    if lags and all(v == 0 for v in lags):
        return "steady"
    if lag_slope is None:
        return None
    threshold = max(TREND_MIN_SLOPE, TREND_RELATIVE * (input_rate or 0.0))
    if lag_slope > threshold:
        return "growing"
    if lag_slope < -threshold:
        return "draining"
    return "steady"


def drain_eta(
    lag: int | None, lag_slope: float | None, trend: Trend | None
) -> float | None:
    """Seconds until the lag reaches zero at the current drain speed, or None."""
    if trend != "draining" or not lag or lag_slope is None or lag_slope >= 0:
        return None
    return lag / -lag_slope


def evaluate(evidence: EdgeEvidence) -> Health:
    """The health status of one consume edge from the window's evidence."""
    e = evidence
    if e.committed_partitions == 0:
        return Health.NO_COMMIT
    if e.rewound:
        return Health.REWIND
    lag = e.lag or 0
    if lag > 0 and e.members_on_topic == 0:
        return Health.STOP
    if e.commit_advance is None:
        return Health.OK if lag == 0 else Health.UNKNOWN
    if lag > 0 and e.commit_advance == 0:
        if e.span_s >= STALL_MIN_SPAN_S:
            return Health.STALL
        return Health.UNKNOWN
    if e.commit_advance > 0 and e.trend == "growing":
        return Health.WARN
    return Health.OK


@dataclass(frozen=True, slots=True)
class HandlerFlow:
    """Rates around one handler, as input to `find_bottleneck`."""

    handler_id: str
    input_rate: float | None
    """Sum of the produce rates of the topics it consumes."""
    consume_rate: float | None
    """Sum of its consume-edge rates."""
    lag: int | None


def is_slower_than_input(flow: HandlerFlow) -> bool:
    """True when the handler consumes clearly below its input and lags."""
    if flow.input_rate is None or flow.consume_rate is None or not flow.lag:
        return False
    gap = flow.input_rate - flow.consume_rate
    return gap > max(BOTTLENECK_MIN_GAP, BOTTLENECK_RELATIVE * flow.input_rate)


def find_bottleneck(
    order: Sequence[str], flows: Mapping[str, HandlerFlow]
) -> str | None:
    """The first handler in `order` (topological) consuming below its input."""
    for handler_id in order:
        flow = flows.get(handler_id)
        if flow is not None and is_slower_than_input(flow):
            return handler_id
    return None
