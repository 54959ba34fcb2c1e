"""The proper layered graph the later stages work on.

Every node becomes an item; every edge becomes a chain of items, one per rank it
crosses, so that each link joins adjacent ranks. With edge labels the ranks are
doubled: nodes sit on even ranks and each labelled edge has a label item on an
odd rank, which gives every label its own slot, sized like a small node.

Sizes are in the layout's own frame: `depth` runs along the flow (width for LR,
height for TB) and `breadth` across it (height for LR, width for TB).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx

ItemKind = Literal["node", "label", "dummy"]
Edge = tuple[Hashable, Hashable]


@dataclass
class ItemGraph:
    """Items of one component with their ranks, sizes and links (mutable)."""

    rank: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    breadth: list[int] = field(default_factory=list)
    kind: list[ItemKind] = field(default_factory=list)
    up: list[list[int]] = field(default_factory=list)
    down: list[list[int]] = field(default_factory=list)
    node_item: dict[Hashable, int] = field(default_factory=dict)
    item_node: dict[int, Hashable] = field(default_factory=dict)
    chains: dict[Edge, list[int]] = field(default_factory=dict)
    label_item: dict[Edge, int] = field(default_factory=dict)
    rank_count: int = 0
    stride: int = 1
    """2 when ranks are doubled for labels (odd ranks hold only chain items)."""

    def add(self, rank: int, depth: int, breadth: int, kind: ItemKind) -> int:
        """Append an item and return its id."""
        self.rank.append(rank)
        self.depth.append(depth)
        self.breadth.append(breadth)
        self.kind.append(kind)
        self.up.append([])
        self.down.append([])
        self.rank_count = max(self.rank_count, rank + 1)
        return len(self.rank) - 1

    def link(self, upper: int, lower: int) -> None:
        """Join an item to one on the next rank."""
        self.down[upper].append(lower)
        self.up[lower].append(upper)

    def __len__(self) -> int:
        return len(self.rank)


def build_items(
    graph: nx.DiGraph,
    nodes: Sequence[Hashable],
    layers: Mapping[Hashable, int],
    sizes: Mapping[Hashable, tuple[int, int]],
    label_sizes: Mapping[Edge, tuple[int, int]] | None,
    *,
    across: int,
) -> ItemGraph:
    """Build the item graph of one component.

    `sizes` and `label_sizes` are already in (depth, breadth) form; `across` is
    the breadth of a dummy item (the line it carries).
    """
    stride = 2 if label_sizes is not None else 1
    items = ItemGraph(stride=stride)
    for node in nodes:
        depth, breadth = sizes[node]
        item = items.add(layers[node] * stride, depth, breadth, "node")
        items.node_item[node] = item
        items.item_node[item] = node

    for node in nodes:
        for succ in graph.successors(node):
            edge = (node, succ)
            first = items.rank[items.node_item[node]]
            last = items.rank[items.node_item[succ]]
            label_rank = None
            if label_sizes is not None and edge in label_sizes:
                # The label goes on the odd rank nearest the edge's middle (the
                # earlier one on a tie), so long edges keep it between the ends.
                label_rank = first + 1 + 2 * ((last - first - 2) // 4)
            chain = [items.node_item[node]]
            for rank in range(first + 1, last):
                if rank == label_rank:
                    depth, breadth = label_sizes[edge]  # type: ignore[index]
                    item = items.add(rank, depth, breadth, "label")
                    items.label_item[edge] = item
                else:
                    item = items.add(rank, 0, across, "dummy")
                chain.append(item)
            chain.append(items.node_item[succ])
            for upper, lower in zip(chain, chain[1:], strict=False):
                items.link(upper, lower)
            items.chains[edge] = chain
    return items
