"""Placement across the flow: where each item sits within its rank.

A priority method: ranks start packed, then sweeps move each item towards the
median port of its neighbours in the rank just placed. Items are placed in
priority order (chains of dummies and labels first, so long edges run straight;
then nodes with more links), and an item may push lower-priority items aside but
never one already placed. Boxes keep their real breadths and a fixed gap.
"""

from __future__ import annotations

import bisect

from edaviz.layout.items import ItemGraph

#: Sweeps: down, up, down, up. The last one aligns nodes with what they feed,
#: which reads best for flows drawn from their sources.
SWEEPS = (True, False, True, False)
#: Chains (dummies, labels) outrank any node, so long edges stay straight.
CHAIN_PRIORITY = 1_000_000


def port(items: ItemGraph, pos: list[int], item: int) -> int:
    """The cross coordinate where links attach to an item: its middle cell."""
    return pos[item] + items.breadth[item] // 2


def place_items(items: ItemGraph, ranks: list[list[int]], gap: int) -> list[int]:
    """Cross coordinate of each item's leading side (top for LR, left for TB).

    Items of a rank keep their order and at least `gap` cells between them. The
    smallest coordinate is 0.
    """
    pos = [0] * len(items)
    for rank in ranks:
        at = 0
        for item in rank:
            pos[item] = at
            at += items.breadth[item] + gap

    for downward in SWEEPS:
        indices = range(1, len(ranks)) if downward else range(len(ranks) - 2, -1, -1)
        neighbours = items.up if downward else items.down
        opposite = items.down if downward else items.up
        for r in indices:
            _place_rank(items, ranks[r], pos, neighbours, opposite, gap)

    low = min(pos, default=0)
    return [p - low for p in pos]


def _place_rank(
    items: ItemGraph,
    rank: list[int],
    pos: list[int],
    neighbours: list[list[int]],
    opposite: list[list[int]],
    gap: int,
) -> None:
    count = len(rank)
    if count == 0:
        return
    # offset[i]: room the items before index i need, so the minimum distance
    # between the leading sides of items i < j is offset[j] - offset[i].
    offset = [0] * (count + 1)
    for i, item in enumerate(rank):
        offset[i + 1] = offset[i] + items.breadth[item] + gap

    desired: list[int] = []
    priority: list[tuple[int, int]] = []
    for i, item in enumerate(rank):
        near = neighbours[item]
        if items.kind[item] != "node" and len(near) == 1 and len(opposite[near[0]]) > 1:
            # A chain item next to a fork or a merge stays in line with the rest
            # of its chain: forks and merges share one track per direction, so
            # the bend costs least there (see routing).
            near = opposite[item]
        if near:
            ports = sorted(port(items, pos, n) for n in near)
            middle = len(ports) // 2
            target = (
                ports[middle]
                if len(ports) % 2
                else (ports[middle - 1] + ports[middle]) // 2
            )
            desired.append(target - items.breadth[item] // 2)
        else:
            desired.append(pos[item])
        weight = CHAIN_PRIORITY if items.kind[item] != "node" else len(near)
        priority.append((-weight, i))
    priority.sort()

    fixed: list[int] = []
    for _, k in priority:
        slot = bisect.bisect_left(fixed, k)
        low = None
        high = None
        if slot > 0:
            j = fixed[slot - 1]
            low = pos[rank[j]] + offset[k] - offset[j]
        if slot < len(fixed):
            j = fixed[slot]
            high = pos[rank[j]] - (offset[j] - offset[k])
        value = desired[k]
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        pos[rank[k]] = value
        # Push unplaced neighbours out of the way; placed ones bound the loop.
        stop = fixed[slot - 1] if slot > 0 else -1
        for i in range(k - 1, stop, -1):
            limit = pos[rank[i + 1]] - items.breadth[rank[i]] - gap
            if pos[rank[i]] <= limit:
                break
            pos[rank[i]] = limit
        stop = fixed[slot] if slot < len(fixed) else count
        for i in range(k + 1, stop):
            limit = pos[rank[i - 1]] + items.breadth[rank[i - 1]] + gap
            if pos[rank[i]] >= limit:
                break
            pos[rank[i]] = limit
        fixed.insert(slot, k)
