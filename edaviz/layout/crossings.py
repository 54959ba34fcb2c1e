"""Counting the edge crossings of a routed drawing."""

from __future__ import annotations

import bisect
from collections import defaultdict

from edaviz.layout.model import Layout


def count_crossings(layout: Layout) -> int:
    """Edge crossings of the routed drawing.

    A crossing is a horizontal segment of one route and a vertical segment of
    another that meet at a cell inside both (not at an end of either). Routes
    that share a fork or merge, or run along each other, do not cross there; a
    route crossing a shared trunk counts once per edge in the trunk. A route never
    crosses itself, since it only ever advances along the flow.
    """
    # Sweep across x: horizontal segments are live strictly between their ends,
    # and each vertical segment counts the live rows strictly inside its span.
    starts: dict[int, list[int]] = defaultdict(list)
    removals: dict[int, list[int]] = defaultdict(list)
    verticals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for route in layout.edges.values():
        for (ax, ay), (bx, by) in zip(route.points, route.points[1:], strict=False):
            if ay == by and ax != bx:
                low, high = min(ax, bx), max(ax, bx)
                starts[low].append(ay)
                removals[high].append(ay)
            elif ax == bx and ay != by:
                verticals[ax].append((min(ay, by), max(ay, by)))

    live: list[int] = []
    count = 0
    for x in sorted(set(starts) | set(removals) | set(verticals)):
        for row in removals.get(x, ()):
            del live[bisect.bisect_left(live, row)]
        for low, high in verticals.get(x, ()):
            count += bisect.bisect_left(live, high) - bisect.bisect_right(live, low)
        for row in starts.get(x, ()):
            bisect.insort(live, row)
    return count
