"""Crossing reduction: the order of the items within each rank.

Two or three trials, from depth-first orders taken from the sources, from the
sinks and (small graphs) the mirror image of the first. Each alternates down
and up sweeps that sort every rank by its neighbours in the rank just fixed
(weighted median, or barycenter every other pair of sweeps), each sweep followed
by adjacent transpositions, and keeps the best ordering seen. Label ranks only
subdivide links, so they are contracted while ordering. Nothing is random: ties
keep the current order, which starts from input order.
"""

from __future__ import annotations

import bisect
import logging

from edaviz.layout.items import ItemGraph

log = logging.getLogger(__name__)

#: Sweep budget by item count (label ranks are contracted first, so a 500-node
#: flow has about 700 items): a sweep with its transpositions costs about
#: 10 ms there, and more than 32 sweeps found nothing better on generated DAGs.
SWEEP_BUDGET = ((1000, 32), (4000, 16))
MIN_SWEEPS = 8
#: Up to this many items a third trial runs; it finds a few crossings fewer on
#: generated DAGs and costs a quarter more time, which only small graphs can
#: spare with the UI waiting.
MIRROR_TRIAL_ITEMS = 400
#: Sweeps without a new best before a trial stops.
PATIENCE = 10
#: Transposition passes per sweep; each pass is O(items * degree^2), and later
#: passes only revisit ranks next to a change.
TRANSPOSE_PASSES = 20


def order_items(items: ItemGraph) -> list[list[int]]:
    """Ranks as lists of item ids, in an order with few crossings."""
    if items.stride == 2 and items.rank_count > 1:
        return _order_through_labels(items)
    return _order(items)


def _order_through_labels(items: ItemGraph) -> list[list[int]]:
    """Order the node ranks with each label rank contracted, then put every
    label-rank item in the order of its two ends.

    A label rank only subdivides links, so this finds the same crossings at
    half the work: they all fall between the label rank and the next.
    """
    keep = [item for item in range(len(items)) if items.rank[item] % 2 == 0]
    index = {item: k for k, item in enumerate(keep)}
    contracted = ItemGraph()
    for item in keep:
        contracted.add(items.rank[item] // 2, 0, 0, items.kind[item])
    for item in keep:
        for middle in items.down[item]:
            (lower,) = items.down[middle]
            contracted.link(index[item], index[lower])

    ranks: list[list[int]] = [[] for _ in range(items.rank_count)]
    position = [0] * len(items)
    for r, rank in enumerate(_order(contracted)):
        for at, k in enumerate(rank):
            ranks[2 * r].append(keep[k])
            position[keep[k]] = at
    middles = [item for item in range(len(items)) if items.rank[item] % 2 == 1]
    middles.sort(key=lambda m: (position[items.up[m][0]], position[items.down[m][0]]))
    for middle in middles:
        ranks[items.rank[middle]].append(middle)
    return ranks


def _order(items: ItemGraph) -> list[list[int]]:
    """Order a proper layered graph by sweeps and transpositions.

    Trials start from a depth-first order from the sources, one from the sinks
    and, for small graphs, the mirror image of the first; the ordering with the
    fewest crossings wins (the earliest on a tie).
    """
    if items.rank_count < 2:
        return _initial_order(items, items.down, items.up)
    sweeps = next((n for limit, n in SWEEP_BUDGET if len(items) <= limit), MIN_SWEEPS)
    best: list[list[int]] = []
    best_count = -1
    from_sources = _initial_order(items, items.down, items.up)
    starts = [from_sources, _initial_order(items, items.up, items.down)]
    if len(items) <= MIRROR_TRIAL_ITEMS:
        # The mirror image: sweeps break ties by position, so it settles
        # elsewhere.
        starts.append([list(reversed(rank)) for rank in from_sources])
    for start in starts:
        ranks, count = _trial(items, start, sweeps)
        if best_count < 0 or count < best_count:
            best, best_count = ranks, count
        if best_count == 0:
            break
    log.debug("ordering: %d items, %d crossings", len(items), best_count)
    return best


def _trial(
    items: ItemGraph, ranks: list[list[int]], sweeps: int
) -> tuple[list[list[int]], int]:
    """Improve one starting order; return the best ordering seen and its count."""
    position = _positions(items, ranks)
    best = [list(rank) for rank in ranks]
    best_count = total_crossings(items, ranks, position)
    stale = 0
    for sweep in range(sweeps):
        if best_count == 0:
            break
        # Alternate the direction every sweep and the sort key (median,
        # barycenter) and transposition on ties every other pair of sweeps:
        # each variant settles in places the others can leave.
        downward = sweep % 2 == 0
        varied = sweep % 4 >= 2
        _sort_sweep(items, ranks, position, downward, median=not varied)
        _transpose(items, ranks, position, swap_ties=varied)
        count = total_crossings(items, ranks, position)
        if count < best_count:
            best, best_count, stale = [list(rank) for rank in ranks], count, 0
        else:
            stale += 1
            if stale >= PATIENCE:
                break
    return best, best_count


def _initial_order(
    items: ItemGraph, forward: list[list[int]], backward: list[list[int]]
) -> list[list[int]]:
    """Ranks filled in depth-first order along `forward` links, in input order,
    starting from the items without `backward` links."""
    ranks: list[list[int]] = [[] for _ in range(items.rank_count)]
    seen = [False] * len(items)
    for start in range(len(items)):
        if seen[start] or backward[start]:
            continue
        stack = [start]
        while stack:
            item = stack.pop()
            if seen[item]:
                continue
            seen[item] = True
            ranks[items.rank[item]].append(item)
            stack.extend(reversed(forward[item]))
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


def _sort_sweep(
    items: ItemGraph,
    ranks: list[list[int]],
    position: list[int],
    downward: bool,
    *,
    median: bool,
) -> None:
    """Sort each rank by its neighbours in the rank before it in the sweep."""
    indices = range(1, len(ranks)) if downward else range(len(ranks) - 2, -1, -1)
    neighbours = items.up if downward else items.down
    for r in indices:
        rank = ranks[r]
        movable: list[tuple[float, int, int]] = []
        for index, item in enumerate(rank):
            near = neighbours[item]
            if not near:
                continue
            if median:
                value = _median(sorted(position[n] for n in near))
            else:
                value = sum(position[n] for n in near) / len(near)
            movable.append((value, index, item))
        movable.sort()
        # Items without neighbours on that side keep their slot.
        fill = iter(movable)
        new_rank = [next(fill)[2] if neighbours[item] else item for item in rank]
        ranks[r] = new_rank
        for index, item in enumerate(new_rank):
            position[item] = index


def _sorted_positions(links: list[list[int]], position: list[int]) -> list[list[int]]:
    """Sorted positions of every item's neighbours on one side."""
    return [
        [position[near[0]]] if len(near) == 1 else sorted([position[n] for n in near])
        for near in links
    ]


def _pair_crossings(left: list[int], right: list[int]) -> tuple[int, int]:
    """Crossings between two items' links to one side, given the sorted
    positions of their neighbours there: as they are, and swapped."""
    kept = swapped = 0
    size = len(right)
    for a in left:
        kept += bisect.bisect_left(right, a)
        swapped += size - bisect.bisect_right(right, a)
    return kept, swapped


def _transpose(
    items: ItemGraph, ranks: list[list[int]], position: list[int], *, swap_ties: bool
) -> None:
    """Swap neighbours in a rank while that removes crossings.

    Only ranks next to a rank that changed in the last pass are looked at again.
    """
    up, down = items.up, items.down
    # Sorted neighbour positions of every item, kept in step with each swap:
    # a swap only moves two items, so only their neighbours' lists change.
    up_at = _sorted_positions(up, position)
    down_at = _sorted_positions(down, position)
    dirty = set(range(len(ranks)))
    for _ in range(TRANSPOSE_PASSES):
        improved = False
        changed: set[int] = set()
        for r in sorted(dirty):
            rank = ranks[r]
            if len(rank) < 2:
                continue
            for i in range(len(rank) - 1):
                u, v = rank[i], rank[i + 1]
                kept = swapped = 0
                for left, right in ((up_at[u], up_at[v]), (down_at[u], down_at[v])):
                    if not left or not right:
                        continue
                    if len(left) == 1 and len(right) == 1:
                        # Most items are dummies with one link each side.
                        if left[0] > right[0]:
                            kept += 1
                        elif left[0] < right[0]:
                            swapped += 1
                    else:
                        k, s = _pair_crossings(left, right)
                        kept += k
                        swapped += s
                if swapped < kept or (swap_ties and kept and swapped == kept):
                    rank[i], rank[i + 1] = v, u
                    position[u], position[v] = i + 1, i
                    for near in (up[u], up[v]):
                        for n in near:
                            down_at[n] = sorted([position[m] for m in down[n]])
                    for near in (down[u], down[v]):
                        for n in near:
                            up_at[n] = sorted([position[m] for m in up[n]])
                    changed.add(r)
                    improved = improved or swapped < kept
        if not improved:
            break
        dirty = {n for r in changed for n in (r - 1, r, r + 1) if 0 <= n < len(ranks)}


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
