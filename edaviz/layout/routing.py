"""Edge routing in the channels between ranks.

Each link between adjacent ranks runs straight when its two ports line up, and
otherwise as three segments: out of the upper item along the flow, across the
flow on a track in the channel, and into the lower item. Links leaving the same
item towards the same side share a track (a fork), as do links entering the same
item from the same side (a merge); everything else gets a track of its own.
Tracks are ordered to avoid crossings and, above all, collinear overlaps that
would read as false connections; where no order avoids one, a link takes a jog
over a free row. Tracks whose spans do not come near each other share a column,
which keeps channels narrow.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from edaviz.layout.items import ItemGraph
from edaviz.layout.placement import port

#: Cost of an order that lays a link's outgoing line over another link's incoming
#: line on the same row; such overlaps read as false connections, so they weigh
#: far more than a crossing.
OVERLAP_COST = 1000


@dataclass
class _Group:
    """Links of one channel that share a track."""

    key: int
    links: list[tuple[int, int]] = field(default_factory=list)
    left_rows: set[int] = field(default_factory=set)
    right_rows: set[int] = field(default_factory=set)
    low: int = 0
    high: int = 0
    owner: int | None = None
    """For a jog: the key of the group whose outgoing line it carries."""
    side: int = 0
    """For a jog: -1 when it comes before its owner's track, 1 after."""
    family: tuple[str, int] | None = None
    """For the halves of a fork or merge: the item they share. Halves meet only
    at its row, so they may share a column and draw as one T-junction."""


@dataclass
class ChannelPlan:
    """Track assignment of one channel.

    Attributes:
        track_of: the column index of each bent link's track.
        jog_of: for links that step aside to a free row, the column index of
            the step, the row, and -1 when the step comes before the main track
            or 1 when after it.
        tracks: how many columns the channel needs.
    """

    track_of: dict[tuple[int, int], int]
    jog_of: dict[tuple[int, int], tuple[int, int, int]]
    tracks: int


def plan_channel(items: ItemGraph, upper: list[int], pos: list[int]) -> ChannelPlan:
    """Assign tracks to the links from the items of rank `upper` to the next."""
    groups: dict[tuple[str, int, int], _Group] = {}
    for u in upper:
        for v in items.down[u]:
            # Forks and merges split by direction: the links going up and those
            # going down get a trunk each, which the track order can keep apart.
            side = (port(items, pos, v) > port(items, pos, u)) - (
                port(items, pos, v) < port(items, pos, u)
            )
            if side == 0:
                key = ("straight", u, v)
            elif len(items.down[u]) > 1:
                key = ("fork", u, side)
            elif len(items.up[v]) > 1:
                key = ("merge", v, side)
            else:
                key = ("link", u, v)
            group = groups.get(key)
            if group is None:
                family = key[:2] if key[0] in ("fork", "merge") else None
                group = groups[key] = _Group(key=len(groups), family=family)
            group.links.append((u, v))
            group.left_rows.add(port(items, pos, u))
            group.right_rows.add(port(items, pos, v))

    bent: list[_Group] = []
    port_rows: set[int] = set()
    for group in groups.values():
        rows = group.left_rows | group.right_rows
        port_rows |= rows
        group.low, group.high = min(rows), max(rows)
        if group.low != group.high:
            bent.append(group)
    if not bent:
        return ChannelPlan({}, {}, 0)

    near = _near_pairs(bent)
    jogs = _add_jogs(bent, near, port_rows)
    if jogs:
        bent.extend(jogs)
        near = _near_pairs(bent)
    order = _order_groups(bent, near)
    late = _late_jogs(order, near, port_rows, {jog.owner for jog in jogs})
    if late:
        jogs.extend(late)
        bent.extend(late)
        near = _near_pairs(bent)
        order = _order_groups(bent, near)
    rank_of = {g.key: i for i, g in enumerate(order)}
    column: dict[int, int] = {}
    for group in order:
        before = [
            column[other.key]
            for other in near[group.key]
            if rank_of[other.key] < rank_of[group.key]
        ]
        column[group.key] = max(before) + 1 if before else 0

    track_of = {link: column[group.key] for group in bent for link in group.links}
    by_key = {group.key: group for group in bent}
    jog_of = {
        link: (
            column[jog.key],
            min(jog.right_rows) if jog.side < 0 else min(jog.left_rows),
            jog.side,
        )
        for jog in jogs
        for link in by_key[jog.owner].links  # type: ignore[index]
    }
    return ChannelPlan(track_of, jog_of, max(column.values()) + 1)


def _add_jogs(
    groups: list[_Group], near: dict[int, list[_Group]], taken: set[int]
) -> list[_Group]:
    """Resolve pairs that overlap in either track order with a jog.

    Two groups that swap rows (one leaves on a row the other enters, and the
    other way round) overlap whichever goes left. One of them then steps to a
    row no item uses on a jog track of its own, before its main track (leaving)
    or after it (entering), so the two cross instead.
    """
    jogs: list[_Group] = []
    next_key = max(group.key for group in groups) + 1
    jogged: set[int] = set()
    for first in groups:
        for second in near[first.key]:
            if first.key in jogged or second.key in jogged:
                continue
            if min(_cost(first, second), _cost(second, first)) < OVERLAP_COST:
                continue
            jog = _resolve(first, second, taken, next_key)
            if jog is None:
                jog = _resolve(second, first, taken, next_key)
            if jog is not None:
                jogs.append(jog)
                jogged.add(jog.owner)  # type: ignore[arg-type]
                next_key += 1
    return jogs


def _late_jogs(
    order: list[_Group],
    near: dict[int, list[_Group]],
    taken: set[int],
    jogged: set[int],
) -> list[_Group]:
    """Jogs for the overlaps an ordering still has (preference cycles of three
    or more groups): a group entering on a row that a group right of it leaves
    on, or the other way round, steps aside."""
    jogs: list[_Group] = []
    next_key = max(group.key for group in order) + 1
    rank_of = {group.key: i for i, group in enumerate(order)}
    for left in order:
        for right in near[left.key]:
            if rank_of[right.key] < rank_of[left.key]:
                continue
            if left.key in jogged or right.key in jogged:
                continue
            if not left.right_rows & right.left_rows:
                continue
            jog = _resolve(left, right, taken, next_key)
            if jog is not None:
                jogs.append(jog)
                jogged.add(jog.owner)  # type: ignore[arg-type]
                next_key += 1
    return jogs


def _resolve(left: _Group, right: _Group, taken: set[int], key: int) -> _Group | None:
    """A jog that stops `left` (drawn left) entering on a row where `right`
    leaves: `right` leaves on a free row instead, or else `left` enters on one.
    None when neither has a single row on that side or no row is free."""
    if len(right.left_rows) == 1:
        (row,) = right.left_rows
        targets = sorted(right.right_rows, key=lambda r: (abs(r - row), r))
        for toward in targets:
            jog = _jog(right, row, toward, taken, key, side=-1)
            if jog is not None:
                return jog
    if len(left.right_rows) == 1:
        (row,) = left.right_rows
        targets = sorted(left.left_rows, key=lambda r: (abs(r - row), r))
        for toward in targets:
            jog = _jog(left, row, toward, taken, key, side=1)
            if jog is not None:
                return jog
    return None


def _jog(
    mover: _Group, row: int, toward: int, taken: set[int], key: int, *, side: int
) -> _Group | None:
    """Move a group's single row on one side (-1 leaving, 1 entering) to the
    free row nearest `row` on the way to `toward`; return the jog that joins the
    two rows, or None without a free row."""
    step = 1 if toward > row else -1
    free = next((r for r in range(row + step, toward, step) if r not in taken), None)
    if free is None:
        return None
    taken.add(free)
    if side < 0:
        mover.left_rows = {free}
        jog = _Group(key=key, left_rows={row}, right_rows={free}, owner=mover.key)
    else:
        mover.right_rows = {free}
        jog = _Group(key=key, left_rows={free}, right_rows={row}, owner=mover.key)
    jog.side = side
    jog.low, jog.high = min(row, free), max(row, free)
    rows = mover.left_rows | mover.right_rows
    mover.low, mover.high = min(rows), max(rows)
    return jog


def _near_pairs(groups: list[_Group]) -> dict[int, list[_Group]]:
    """For each group, the groups whose spans overlap or touch its own."""
    near: dict[int, list[_Group]] = {g.key: [] for g in groups}
    active: list[_Group] = []
    for group in sorted(groups, key=lambda g: (g.low, g.key)):
        # Spans one row apart would draw as one line in a shared column.
        active = [g for g in active if g.high + 1 >= group.low]
        for other in active:
            if group.family is not None and other.family == group.family:
                continue
            near[group.key].append(other)
            near[other.key].append(group)
        active.append(group)
    return near


def _cost(left: _Group, right: _Group) -> int:
    """Crossings and overlaps when `left` takes the track left of `right`."""
    cost = 0
    for row in right.left_rows:
        if left.low < row < left.high:
            cost += 1
        if row in left.right_rows:
            cost += OVERLAP_COST
    for row in left.right_rows:
        if right.low < row < right.high:
            cost += 1
    return cost


def _order_groups(groups: list[_Group], near: dict[int, list[_Group]]) -> list[_Group]:
    """Left-to-right track order: a topological order of pairwise preferences.

    When preferences form a cycle, the group with the least preferred weight
    against it goes next.
    """
    by_key = {g.key: g for g in groups}
    prefer: dict[int, dict[int, int]] = {g.key: {} for g in groups}
    incoming: dict[int, dict[int, int]] = {g.key: {} for g in groups}
    for group in groups:
        for other in near[group.key]:
            if other.key <= group.key:
                continue
            if other.owner == group.key:
                # A jog sits on the side of its owner's track it stands for.
                first, then = (other, group) if other.side < 0 else (group, other)
                prefer[first.key][then.key] = OVERLAP_COST
                incoming[then.key][first.key] = OVERLAP_COST
                continue
            ahead = _cost(group, other)
            behind = _cost(other, group)
            if ahead < behind:
                prefer[group.key][other.key] = behind - ahead
                incoming[other.key][group.key] = behind - ahead
            elif behind < ahead:
                prefer[other.key][group.key] = ahead - behind
                incoming[group.key][other.key] = ahead - behind

    def default(g: _Group) -> tuple[int, int, int]:
        return (min(g.left_rows), min(g.right_rows), g.key)

    pending = {key: len(incoming[key]) for key in by_key}
    # Preferred weight against each group from the groups not placed yet, kept
    # up to date as groups are placed so that breaking a cycle needs no sums.
    weight_in = {key: sum(incoming[key].values()) for key in by_key}
    heap = [(default(g), g.key) for g in groups if pending[g.key] == 0]
    heapq.heapify(heap)
    done: set[int] = set()
    order: list[_Group] = []
    while len(order) < len(groups):
        if not heap:
            rest = [g for g in groups if g.key not in done]
            pick = min(
                rest,
                key=lambda g: (weight_in[g.key], default(g)),
            )
            heap.append((default(pick), pick.key))
        _, key = heapq.heappop(heap)
        if key in done:
            continue
        done.add(key)
        order.append(by_key[key])
        for other, weight in prefer[key].items():
            weight_in[other] -= weight
            if other in done:
                continue
            pending[other] -= 1
            if pending[other] == 0:
                heapq.heappush(heap, (default(by_key[other]), other))
    return order


def simplify(points: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Drop repeated points and the middle of collinear runs."""
    out: list[tuple[int, int]] = []
    for point in points:
        if out and out[-1] == point:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (ax == bx == point[0]) or (ay == by == point[1]):
                out[-1] = point
                continue
        out.append(point)
    return tuple(out)
