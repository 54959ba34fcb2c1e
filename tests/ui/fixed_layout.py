"""A simple, frozen layout for snapshot tests, so their pictures change only
when the UI does (the real layout has its own tests and keeps improving)."""

from __future__ import annotations

import networkx as nx

from edaviz.layout import EdgeRoute, Layout, NodeBox

GAP = 4


def fixed_layout(
    graph, sizes, *, direction="LR", label_sizes=None, tight=False
) -> Layout:  # noqa: ANN001, E501
    """Longest-path layers, file order within a layer, three-piece routes."""
    layer = {}
    for node in nx.topological_sort(graph):
        preds = list(graph.predecessors(node))
        layer[node] = 1 + max((layer[p] for p in preds), default=-1)
    layers: dict[int, list] = {}
    for node in graph:
        layers.setdefault(layer[node], []).append(node)
    lw, lh = max(label_sizes.values(), default=(0, 0)) if label_sizes else (0, 0)
    lr = direction == "LR"
    channel = (lw if lr else lh) + 2 * GAP
    boxes, main = {}, 0
    for rank in sorted(layers):
        nodes = layers[rank]
        depth = max(sizes[n][0 if lr else 1] for n in nodes)
        cross = 0
        for order, node in enumerate(nodes):
            w, h = sizes[node]
            x, y = (main, cross) if lr else (cross, main)
            boxes[node] = NodeBox(node, x, y, w, h, rank, order)
            cross += (h + 1 + lh) if lr else (w + 2 + lw)
        main += depth + channel
    edges = {}
    for u, v in graph.edges:
        a, b = boxes[u], boxes[v]
        if lr:
            sx, sy = a.x + a.width, a.y + a.height // 2
            tx, ty = b.x - 1, b.y + b.height // 2
            mx = sx + GAP + lw // 2
            points = [(sx, sy), (mx, sy), (mx, ty), (tx, ty)]
            label = (mx - lw // 2, sy - lh // 2) if label_sizes else None
        else:
            sx, sy = a.x + a.width // 2, a.y + a.height
            tx, ty = b.x + b.width // 2, b.y - 1
            my = sy + GAP
            points = [(sx, sy), (sx, my), (tx, my), (tx, ty)]
            label = (sx - lw // 2, sy + 1) if label_sizes else None
        simple = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        edges[(u, v)] = EdgeRoute(u, v, tuple(simple), label)
    width = max(b.x + b.width for b in boxes.values()) + 1
    height = max(b.y + b.height for b in boxes.values()) + 1
    return Layout(boxes, edges, width, height + lh, direction)
