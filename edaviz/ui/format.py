"""Short human forms of live numbers, sized for edge labels and node boxes."""

from __future__ import annotations

from datetime import UTC, datetime

from edaviz.metrics.snapshot import EdgeStats, Health

#: Cells reserved for an edge label on one line (top-down drawings), so live
#: numbers never change the layout: `12.3k/s · lag 99.9M` is the longest form.
EDGE_LABEL_WIDTH = 19

#: Cells reserved for a label split around its line (left-to-right drawings):
#: the rate above the line, the lag below it; `lag 99.9M` is the widest part.
EDGE_LABEL_SPLIT = (9, 3)

#: Cells reserved for the live line of a node box in the detailed zoom.
NODE_METRIC_WIDTH = 16


def si(value: float | int | None) -> str:
    """A count in at most five characters: 0, 87, 1.2k, 34k, 5.6M."""
    if value is None:
        return "–"
    v = float(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= limit:
            scaled = v / limit
            if scaled >= 100:
                return f"{sign}{scaled:.0f}{suffix}"
            return f"{sign}{scaled:.1f}{suffix}".replace(".0" + suffix, suffix)
    if v >= 10 or v == int(v):
        return f"{sign}{v:.0f}"
    return f"{sign}{v:.1f}"


def rate(value: float | None) -> str:
    """A per-second rate: `1.2k/s`."""
    return "–/s" if value is None else f"{si(value)}/s"


def duration(seconds: float | None) -> str:
    """A duration in its largest sensible unit: `45s`, `3m`, `2h`, `4d`."""
    if seconds is None:
        return "–"
    s = max(0.0, seconds)
    if s < 1:
        return "<1s"
    for limit, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if s >= limit:
            return f"{s / limit:.0f}{unit}"
    return f"{s:.0f}s"


def edge_label(stats: EdgeStats | None) -> tuple[str, ...]:
    """The parts of an edge's live label: the rate, and the lag of a consume
    edge; joined with ` · ` on one line, or drawn above and below the line."""
    if stats is None:
        return ()
    parts = [rate(stats.rate)]
    if stats.kind == "consumes" and stats.lag is not None:
        parts.append(f"lag {si(stats.lag)}")
    elif stats.kind == "consumes" and stats.status is Health.NO_COMMIT:
        parts.append("no commit")
    return tuple(parts)


def age(then: datetime | None, now: datetime) -> str:
    """How long ago `then` was, for the status bar."""
    if then is None:
        return "never"
    return duration((now - then).total_seconds()) + " ago"


def timestamp(ms: int | None) -> str:
    """A record timestamp (epoch milliseconds) as UTC time of day with ms."""
    if ms is None or ms < 0:
        return "–"
    # UTC, so a tail reads the same on every machine and in snapshot tests.
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}Z"
