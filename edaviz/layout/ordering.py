"""Crossing reduction: the order of the items within each rank.

A depth-first initial order, then alternating down and up sweeps that sort each
rank by the weighted median of its neighbours in the rank just fixed, each
followed by adjacent transpositions. The best ordering seen is kept. Nothing is
random: ties keep the current order, which starts from the input order.
"""

from __future__ import annotations

import logging

from edaviz.layout.items import ItemGraph

log = logging.getLogger(__name__)

#: Sweep budget by item count: a sweep costs about O(links * log), and these keep
#: a 500-node flow (about 2,000 items with labels) near 100 ms.
SWEEP_BUDGET = ((300, 24), (1500, 12), (4000, 8))
MIN_SWEEPS = 4
#: Transposition passes per sweep; each pass is O(items * degree^2).
TRANSPOSE_PASSES = 4


def order_items(items: ItemGraph) -> list[list[int]]:
    """Ranks as lists of item ids, in an order with few crossings."""
    ranks = _initial_order(items)
    if items.rank_count < 2:
        return ranks
    position = _positions(items, ranks)
    best = [list(rank) for rank in ranks]
    best_count = total_crossings(items, ranks, position)
    sweeps = next((n for limit, n in SWEEP_BUDGET if len(items) <= limit), MIN_SWEEPS)
    stale = 0
    for sweep in range(sweeps):
        if best_count == 0:
            break
        downward = sweep % 2 == 0
        _median_sweep(items, ranks, position, downward)
        _transpose(items, ranks, position)
        count = total_crossings(items, ranks, position)
        if count < best_count:
            best, best_count, stale = [list(rank) for rank in ranks], count, 0
        else:
            stale += 1
            # Four sweeps without progress: the heuristic has settled.
            if stale >= 4:
                break
    log.debug("ordering: %d items, %d crossings", len(items), best_count)
    return best


def _initial_order(items: ItemGraph) -> list[list[int]]:
    """Ranks filled in depth-first order from the sources, in input order."""
    ranks: list[list[int]] = [[] for _ in range(items.rank_count)]
    seen = [False] * len(items)
    for start in range(len(items)):
        if seen[start] or items.up[start]:
            continue
        stack = [start]
        while stack:
            item = stack.pop()
            if seen[item]:
                continue
            seen[item] = True
            ranks[items.rank[item]].append(item)
            stack.extend(reversed(items.down[item]))
    # Every item is reachable from a source of a DAG; this only guards the
    # invariant should a caller hand in something else.
    for item in range(len(items)):
        if not seen[item]:
            ranks[items.rank[item]].append(item)
    return ranks


def _positions(items: ItemGraph, ranks: list[list[int]]) -> list[int]:
    position = [0] * len(items)
    for rank in ranks:
        for index, item in enumerate(rank):
            position[item] = index
    return position


def _median(values: list[int]) -> float:
    """The weighted median of sorted positions, as in dot's ordering step."""
    count = len(values)
    middle = count // 2
    if count % 2 == 1:
        return float(values[middle])
    if count == 2:
        return (values[0] + values[1]) / 2
    left = values[middle - 1] - values[0]
    right = values[-1] - values[middle]
    if left + right == 0:
        return (values[middle - 1] + values[middle]) / 2
    return (values[middle - 1] * right + values[middle] * left) / (left + right)


def _median_sweep(
    items: ItemGraph, ranks: list[list[int]], position: list[int], downward: bool
) -> None:
    indices = range(1, len(ranks)) if downward else range(len(ranks) - 2, -1, -1)
    neighbours = items.up if downward else items.down
    for r in indices:
        rank = ranks[r]
        movable: list[tuple[float, int, int]] = []
        for index, item in enumerate(rank):
            near = neighbours[item]
            if near:
                value = _median(sorted(position[n] for n in near))
                movable.append((value, index, item))
        movable.sort()
        # Items without neighbours on that side keep their slot.
        fill = iter(movable)
        new_rank = [next(fill)[2] if neighbours[item] else item for item in rank]
        ranks[r] = new_rank
        for index, item in enumerate(new_rank):
            position[item] = index


def _pair_crossings(
    items: ItemGraph, left: int, right: int, position: list[int]
) -> int:
    """Crossings between the links of two items when `left` is left of `right`."""
    count = 0
    for side in (items.up, items.down):
        right_positions = [position[n] for n in side[right]]
        if not right_positions:
            continue
        for a in side[left]:
            pa = position[a]
            for pb in right_positions:
                if pa > pb:
                    count += 1
    return count


def _transpose(items: ItemGraph, ranks: list[list[int]], position: list[int]) -> None:
    for _ in range(TRANSPOSE_PASSES):
        improved = False
        for rank in ranks:
            for i in range(len(rank) - 1):
                u, v = rank[i], rank[i + 1]
                before = _pair_crossings(items, u, v, position)
                if before == 0:
                    continue
                after = _pair_crossings(items, v, u, position)
                if after < before:
                    rank[i], rank[i + 1] = v, u
                    position[u], position[v] = i + 1, i
                    improved = True
        if not improved:
            break


def rank_crossings(items: ItemGraph, upper: list[int], position: list[int]) -> int:
    """Crossings between the links leaving `upper` and the next rank."""
    pairs = sorted((position[u], position[v]) for u in upper for v in items.down[u])
    if not pairs:
        return 0
    size = max(p for _, p in pairs) + 1
    tree = [0] * (size + 1)
    count = 0
    # Fenwick tree over lower positions: each link crosses the earlier links
    # that end strictly further along the lower rank.
    for seen, (_, lower) in enumerate(pairs):
        i = lower + 1
        not_greater = 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        count += seen - not_greater
        i = lower + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def total_crossings(
    items: ItemGraph, ranks: list[list[int]], position: list[int]
) -> int:
    """Crossings of the whole ordering, summed over adjacent rank pairs."""
    return sum(rank_crossings(items, rank, position) for rank in ranks[:-1])
