"""Network simplex layering: layers with the least total edge length.

The ranking problem (minimise the sum of `layer[v] - layer[u]` over edges with
every edge at least one layer long) is solved with the network simplex method on
a spanning tree of tight edges, as Gansner et al. describe for dot ("A Technique
for Drawing Directed Graphs", 1993). Each step walks the tree and recomputes its
cut values in O(V + E) with flat loops, keeps the tree's links in place as edges
leave and enter, and moves only the ranks of the part below the leaving edge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Work budget in pivots times (nodes + edges): each pivot walks the whole
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
    # Tree edges at each node, changed in place as edges leave and enter.
    links: list[list[int]] = [[] for _ in range(count)]
    for index, (tail, head) in enumerate(edges):
        if in_tree[index]:
            links[tail].append(index)
            links[head].append(index)
    pivots = max(50, PIVOT_WORK // (count + len(edges)))
    for _ in range(pivots):
        parent_edge, pre, order = _walk_tree(count, edges, links)
        size, cut = _cut_values(edges, parent_edge, order, net)
        leaving = min((e for e, value in cut.items() if value < 0), default=None)
        if leaving is None:
            break
        tail, head = edges[leaving]
        # The side of the leaving edge that hangs below it in the tree: its
        # nodes are numbered first..end-1 in preorder.
        below = tail if parent_edge[tail] == leaving else head
        first = pre[below]
        end = first + size[below]

        best, best_slack = None, None
        for index, (t, h) in enumerate(edges):
            if in_tree[index]:
                continue
            # The entering edge must cross the cut the same way round as the
            # leaving one, so that the tree stays spanning and ranks stay valid.
            t_in = first <= pre[t] < end
            h_in = first <= pre[h] < end
            crosses = (h_in and not t_in) if below == tail else (t_in and not h_in)
            if crosses and (best_slack is None or slack(index) < best_slack):
                best, best_slack = index, slack(index)
        if best is None:
            break
        in_tree[leaving] = False
        in_tree[best] = True
        links[tail].remove(leaving)
        links[head].remove(leaving)
        t, h = edges[best]
        links[t].append(best)
        links[h].append(best)
        # Tree edges stay tight, so only the part below moves, as one piece,
        # until the entering edge is tight too (node 0 stays where it is).
        delta = -best_slack if first <= pre[h] < end else best_slack
        for node in order[first:end]:
            ranks[node] += delta
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


def _walk_tree(
    count: int, edges: list[tuple[int, int]], links: list[list[int]]
) -> tuple[list[int], list[int], list[int]]:
    """Walk the tree depth first from node 0: each node's edge to its parent,
    its preorder number, and the preorder (every subtree is one run of it)."""
    parent_edge = [-1] * count
    pre = [0] * count
    order: list[int] = []
    seen = [False] * count
    seen[0] = True
    stack = [0]
    while stack:
        node = stack.pop()
        pre[node] = len(order)
        order.append(node)
        for index in links[node]:
            tail, head = edges[index]
            other = head if tail == node else tail
            if not seen[other]:
                seen[other] = True
                parent_edge[other] = index
                stack.append(other)
    return parent_edge, pre, order


def _cut_values(
    edges: list[tuple[int, int]],
    parent_edge: list[int],
    order: list[int],
    net: list[int],
) -> tuple[list[int], dict[int, int]]:
    """Subtree sizes and the cut value of every tree edge.

    Removing a tree edge splits the tree; its cut value is the number of edges
    from its tail's side to its head's side minus those going back. Edges inside
    a subtree cancel out, so for the subtree below the edge that difference is
    the sum of out-degree minus in-degree over the subtree's nodes.
    """
    below = list(net)
    size = [1] * len(net)
    cut: dict[int, int] = {}
    for node in reversed(order):
        tree_edge = parent_edge[node]
        if tree_edge < 0:
            continue
        tail, head = edges[tree_edge]
        cut[tree_edge] = below[node] if tail == node else -below[node]
        parent = head if tail == node else tail
        below[parent] += below[node]
        size[parent] += size[node]
    return size, cut
