"""Network simplex layering: layers with the least total edge length.

The ranking problem (minimise the sum of `layer[v] - layer[u]` over edges with
every edge at least one layer long) is solved with the network simplex method on
a spanning tree of tight edges, as Gansner et al. describe for dot ("A Technique
for Drawing Directed Graphs", 1993). The tree keeps a preorder numbering and
the cut value of every tree edge; after each exchange only the subtree that
changed shape (below the entering edge's common ancestor) is walked again, and
only the smaller of the two sides of the cut moves rank.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Work budget in pivots times (nodes + edges): a pivot walks at most the whole
#: tree, so this caps the layering's time. Flows of 500 nodes reach the optimum
#: in about 100 pivots, well inside it; far larger graphs stop early with
#: valid, slightly longer layers.
PIVOT_WORK = 2_000_000


def optimal_ranks(count: int, edges: list[tuple[int, int]], ranks: list[int]) -> None:
    """Improve a valid ranking of nodes 0..count-1 in place.

    `edges` are (tail, head) pairs of a connected DAG; `ranks` must already give
    every edge a length of at least 1 (e.g. longest-path layers).
    """
    if count < 2 or not edges:
        return
    incident: list[list[int]] = [[] for _ in range(count)]
    net = [0] * count
    for index, (tail, head) in enumerate(edges):
        incident[tail].append(index)
        incident[head].append(index)
        net[tail] += 1
        net[head] -= 1

    def slack(index: int) -> int:
        tail, head = edges[index]
        return ranks[head] - ranks[tail] - 1

    in_tree = _feasible_tree(count, edges, incident, ranks, slack)
    tree = _Tree(count, edges, net)
    for index, (tail, head) in enumerate(edges):
        if in_tree[index]:
            tree.links[tail].append(index)
            tree.links[head].append(index)
    tree.walk(0)
    pivots = max(50, PIVOT_WORK // (count + len(edges)))
    for _ in range(pivots):
        if not tree.negative:
            break
        leaving = min(tree.negative)
        tail, head = edges[leaving]
        # The side of the leaving edge that hangs below it in the tree: its
        # nodes are numbered first..end-1 in preorder.
        below = tail if tree.parent_edge[tail] == leaving else head
        first = tree.pre[below]
        end = first + tree.size[below]
        inside = tree.order[first:end]
        outside = tree.order[:first] + tree.order[end:]

        # The entering edge must cross the cut the same way round as the
        # leaving one, so that the tree stays spanning and ranks stay valid.
        # Every crossing edge touches either side: look from the smaller one.
        pre = tree.pre
        best: tuple[int, int] | None = None
        for node in inside if len(inside) <= len(outside) else outside:
            for index in incident[node]:
                if in_tree[index]:
                    continue
                t, h = edges[index]
                t_in = first <= pre[t] < end
                h_in = first <= pre[h] < end
                if (h_in and not t_in) if below == tail else (t_in and not h_in):
                    candidate = (slack(index), index)
                    if best is None or candidate < best:
                        best = candidate
        if best is None:
            break
        best_slack, entering = best
        t, h = edges[entering]
        # Tree edges stay tight, so the two sides move apart as wholes until
        # the entering edge is tight too; moving the smaller side is enough.
        delta = -best_slack if first <= pre[h] < end else best_slack
        if len(inside) <= len(outside):
            for node in inside:
                ranks[node] += delta
        else:
            for node in outside:
                ranks[node] -= delta
        top = tree.common_ancestor(t, h)
        in_tree[leaving] = False
        in_tree[entering] = True
        tree.exchange(leaving, entering)
        tree.walk(top)
    else:
        log.debug("network simplex stopped after %d pivots", pivots)


def _feasible_tree(
    count: int,
    edges: list[tuple[int, int]],
    incident: list[list[int]],
    ranks: list[int],
    slack: Callable[[int], int],
) -> list[bool]:
    """A spanning tree of tight edges, shifting ranks until one exists."""
    in_tree = [False] * len(edges)
    while True:
        member = [False] * count
        member[0] = True
        stack, size = [0], 1
        for index in range(len(edges)):
            in_tree[index] = False
        while stack:
            node = stack.pop()
            for index in incident[node]:
                tail, head = edges[index]
                other = head if tail == node else tail
                if not member[other] and slack(index) == 0:
                    member[other] = True
                    in_tree[index] = True
                    size += 1
                    stack.append(other)
        if size == count:
            return in_tree
        best, best_slack = None, None
        for index, (tail, head) in enumerate(edges):
            if member[tail] != member[head] and (
                best_slack is None or slack(index) < best_slack
            ):
                best, best_slack = index, slack(index)
        assert best is not None, "the graph must be connected"
        tail, head = edges[best]
        # Pull the tree towards the outside node so the edge becomes tight.
        delta = best_slack if member[tail] else -best_slack
        for node in range(count):
            if member[node]:
                ranks[node] += delta


class _Tree:
    """A spanning tree with a preorder numbering (every subtree is one run of
    it) and the cut value of every tree edge.

    Removing a tree edge splits the tree; its cut value is the number of edges
    from its tail's side to its head's side minus those going back. Edges inside
    a subtree cancel out, so for the subtree below the edge that difference is
    the sum of out-degree minus in-degree over the subtree's nodes.
    """

    def __init__(self, count: int, edges: list[tuple[int, int]], net: list[int]):
        self.edges = edges
        self.net = net
        self.links: list[list[int]] = [[] for _ in range(count)]
        self.parent_edge = [-1] * count
        self.parent = [-1] * count
        self.pre = [0] * count
        self.size = [1] * count
        self.below = list(net)
        self.order = [0] * count
        self.cut: dict[int, int] = {}
        self.negative: set[int] = set()
        """Tree edges with a negative cut value."""

    def common_ancestor(self, a: int, b: int) -> int:
        """The deepest node whose subtree holds both `a` and `b`."""
        pre, size, at = self.pre, self.size, self.pre[b]
        while not pre[a] <= at < pre[a] + size[a]:
            a = self.parent[a]
        return a

    def exchange(self, leaving: int, entering: int) -> None:
        """Swap a tree edge for a non-tree edge (numbering is then stale)."""
        tail, head = self.edges[leaving]
        self.links[tail].remove(leaving)
        self.links[head].remove(leaving)
        tail, head = self.edges[entering]
        self.links[tail].append(entering)
        self.links[head].append(entering)
        del self.cut[leaving]
        self.negative.discard(leaving)

    def walk(self, root: int) -> None:
        """Renumber the subtree of `root` and recompute its cut values.

        After an exchange only the subtree of the entering edge's common
        ancestor changes shape; its node set, and so everything outside it,
        stays the same.
        """
        edges, links, net = self.edges, self.links, self.net
        parent_edge, parent, pre = self.parent_edge, self.parent, self.pre
        size, below, order = self.size, self.below, self.order
        number = pre[root]
        visited: list[int] = []
        stack = [root]
        while stack:
            node = stack.pop()
            pre[node] = number
            order[number] = node
            number += 1
            size[node] = 1
            below[node] = net[node]
            visited.append(node)
            up = parent_edge[node]
            for index in links[node]:
                if index == up:
                    continue
                tail, head = edges[index]
                other = head if tail == node else tail
                parent_edge[other] = index
                parent[other] = node
                stack.append(other)
        cut, negative = self.cut, self.negative
        for node in reversed(visited[1:]):
            index = parent_edge[node]
            up = parent[node]
            size[up] += size[node]
            below[up] += below[node]
            value = below[node] if edges[index][0] == node else -below[node]
            cut[index] = value
            if value < 0:
                negative.add(index)
            else:
                negative.discard(index)
