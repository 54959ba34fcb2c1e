"""Text shown in exports: live numbers on edges and nodes, health ranks and colours.

Every format draws from these functions so an SVG, a DOT file and a Mermaid chart
of the same snapshot say the same thing in the same words.
"""

from __future__ import annotations

from edaviz.metrics.snapshot import EdgeStats, EventStats, HandlerStats, Health

#: Severity of each health, worst highest: an aggregate edge shows its worst part.
HEALTH_RANK: dict[Health, int] = {
    Health.OK: 0,
    Health.UNKNOWN: 1,
    Health.NO_COMMIT: 2,
    Health.WARN: 3,
    Health.REWIND: 4,
    Health.STALL: 5,
    Health.STOP: 6,
}

#: Stroke colour of an edge in each health; readable on white and in greyscale.
HEALTH_COLOURS: dict[Health, str] = {
    Health.OK: "#2e7d32",
    Health.UNKNOWN: "#757575",
    Health.NO_COMMIT: "#6a1b9a",
    Health.WARN: "#f9a825",
    Health.REWIND: "#ad1457",
    Health.STALL: "#ef6c00",
    Health.STOP: "#c62828",
}

#: Colour of edges in an export without live numbers.
PLAIN_EDGE_COLOUR = "#455a64"

#: Fill and stroke of node boxes by kind.
NODE_COLOURS: dict[str, tuple[str, str]] = {
    "event": ("#e3f2fd", "#1565c0"),
    "handler": ("#ede7f6", "#5e35b1"),
}

#: At most this many handler lines on one event-view edge label; the rest are
#: summarised, so one busy edge cannot push the layout wide.
MAX_LABEL_LINES = 3


def worst(healths: list[Health]) -> Health:
    """The most severe of `healths` (UNKNOWN when there are none)."""
    if not healths:
        return Health.UNKNOWN
    return max(healths, key=HEALTH_RANK.__getitem__)


def format_count(value: int | None) -> str:
    """An integer with thousands separators, or `n/a`."""
    return "n/a" if value is None else f"{value:,}"


def format_rate(value: float | None) -> str:
    """Messages per second with one decimal, or `n/a/s` when unknown."""
    return "n/a/s" if value is None else f"{value:,.1f}/s"


def edge_numbers(stats: EdgeStats | None) -> str:
    """One line of live numbers for a consume or produce edge."""
    if stats is None:
        return "no data"
    if stats.kind == "produces":
        return format_rate(stats.rate)
    return f"lag {format_count(stats.lag)} · {format_rate(stats.rate)} · {stats.status}"


def event_numbers(stats: EventStats | None) -> str | None:
    """A line of live facts under an event's name, or None without data."""
    if stats is None:
        return None
    if not stats.exists:
        return "no topic"
    return f"{format_rate(stats.rate)} · {format_count(stats.messages)} msgs"


def handler_numbers(stats: HandlerStats | None) -> str | None:
    """A line of live facts under a handler's name, or None without data."""
    if stats is None:
        return None
    members = len(stats.members)
    noun = "member" if members == 1 else "members"
    return f"{stats.state or 'no group'} · {members} {noun}"


def cap_lines(lines: list[str]) -> list[str]:
    """Keep at most MAX_LABEL_LINES lines, the last one counting the rest."""
    if len(lines) <= MAX_LABEL_LINES:
        return lines
    kept = lines[: MAX_LABEL_LINES - 1]
    return [*kept, f"+{len(lines) - len(kept)} more"]
