"""Sliding windows over offset samples: rates that survive resets, and lag trends.

Kafka offsets are counters. A rate is the advance of a counter over a window of
samples, not the difference of the last two: one late commit would otherwise
swing a consume rate from zero to double. A counter that goes down (a topic
deleted and re-created, a group rewound) is a reset: the step adds nothing, and
the window carries on from the new value instead of reporting a negative rate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

#: Allowed window lengths in seconds; the CLI validates against these.
MIN_WINDOW_S = 10.0
MAX_WINDOW_S = 60.0

#: Upper bound on samples held per window, whatever the interval: at a 0.1 s
#: interval a 60 s window needs 600; beyond that the oldest are dropped.
MAX_SAMPLES = 1024


@dataclass(frozen=True, slots=True)
class Step:
    """What one sample added to a counter set."""

    advance: int
    """Sum of the increases of all counters seen in both samples."""
    resets: int
    """Counters that went down since the previous sample."""


class CounterWindow:
    """The advance of a set of offset counters over a sliding time window.

    Feed it `{key: offset}` maps (a key per partition) with a monotonic time.
    Keys missing from a sample are left out of that step; keys that appear for
    the first time only set a baseline.
    """

    def __init__(self, window_s: float, max_samples: int = MAX_SAMPLES) -> None:
        self.window_s = window_s
        self._last: dict[Hashable, int] = {}
        # (time, cumulative advance since the first sample)
        self._points: deque[tuple[float, int]] = deque(maxlen=max_samples)
        self._total = 0
        self.resets = 0
        """Counters seen going down, over the window's whole life."""

    def add(self, t: float, offsets: Mapping[Hashable, int | None]) -> Step:
        """Record a sample at time `t` (seconds, monotonic); return its step."""
        advance = 0
        resets = 0
        for key, value in offsets.items():
            if value is None:
                continue
            previous = self._last.get(key)
            if previous is not None:
                if value >= previous:
                    advance += value - previous
                else:
                    resets += 1
            self._last[key] = value
        self._total += advance
        self.resets += resets
        self._points.append((t, self._total))
        self._trim(t)
        return Step(advance, resets)

    def _trim(self, now: float) -> None:
        # Keep one point at or before the window start so the span stays full.
        while len(self._points) > 2 and self._points[1][0] <= now - self.window_s:
            self._points.popleft()

    @property
    def span_s(self) -> float:
        """Seconds between the oldest and newest sample in the window."""
        if len(self._points) < 2:
            return 0.0
        return self._points[-1][0] - self._points[0][0]

    @property
    def samples(self) -> int:
        """Samples currently in the window."""
        return len(self._points)

    def advance(self) -> int | None:
        """Total advance over the window, or None before two samples."""
        if len(self._points) < 2:
            return None
        return self._points[-1][1] - self._points[0][1]

    def rate(self) -> float | None:
        """Advance per second over the window, or None before two samples."""
        span = self.span_s
        advance = self.advance()
        if advance is None or span <= 0:
            return None
        return advance / span


class SeriesWindow:
    """A bounded series of (time, value) samples over a sliding window."""

    def __init__(self, window_s: float, max_samples: int = MAX_SAMPLES) -> None:
        self.window_s = window_s
        self._points: deque[tuple[float, float]] = deque(maxlen=max_samples)

    def add(self, t: float, value: float) -> None:
        """Record `value` at time `t` (seconds, monotonic)."""
        self._points.append((t, value))
        while len(self._points) > 2 and self._points[1][0] <= t - self.window_s:
            self._points.popleft()

    def values(self) -> list[float]:
        """The values in the window, oldest first."""
        return [v for _, v in self._points]

    def slope(self) -> float | None:
        """Least-squares slope in units per second, or None before two samples."""
        return slope(list(self._points))


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of `(t, y)` points, or None when it is undefined."""
    n = len(points)
    if n < 2:
        return None
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var_t = sum((t - mean_t) ** 2 for t, _ in points)
    if var_t <= 0:
        return None
    cov = sum((t - mean_t) * (y - mean_y) for t, y in points)
    return cov / var_t


class History:
    """A fixed-size history of recent values, oldest first (for sparklines)."""

    def __init__(self, size: int = 60) -> None:
        self._values: deque = deque(maxlen=size)

    def add(self, value: float | int) -> None:
        """Append a value, dropping the oldest when full."""
        self._values.append(value)

    def as_tuple(self) -> tuple:
        """The values, oldest first."""
        return tuple(self._values)
