"""Checks every layout must pass, shared by the layout tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping

import networkx as nx

from edaviz.layout import Layout, NodeBox

Cell = tuple[int, int]


def route_cells(points: tuple[Cell, ...]) -> dict[Cell, set[str]]:
    """Every cell a route covers, with "h" and/or "v" for the lines through it."""
    cells: dict[Cell, set[str]] = defaultdict(set)
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        if ay == by:
            step = 1 if bx > ax else -1
            for x in range(ax, bx + step, step):
                cells[(x, ay)].add("h")
        else:
            step = 1 if by > ay else -1
            for y in range(ay, by + step, step):
                cells[(ax, y)].add("v")
    return cells


def box_cells(x: int, y: int, width: int, height: int) -> set[Cell]:
    """The cells of a rectangle."""
    return {(x + i, y + j) for i in range(width) for j in range(height)}


def overlaps(a: NodeBox, b: NodeBox) -> bool:
    """Whether two node boxes share a cell."""
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )


def check_layout(
    layout: Layout,
    graph: nx.DiGraph,
    sizes: Mapping[Hashable, tuple[int, int]],
    label_sizes: Mapping[tuple[Hashable, Hashable], tuple[int, int]] | None = None,
) -> None:
    """Assert every documented property of a layout."""
    lr = layout.direction == "LR"
    assert set(layout.nodes) == set(graph.nodes)
    assert set(layout.edges) == set(graph.edges)

    boxes = list(layout.nodes.values())
    for box in boxes:
        assert (box.width, box.height) == tuple(sizes[box.key])
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= layout.width
        assert box.y + box.height <= layout.height
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlaps(a, b), (a, b)

    occupied: dict[Cell, Hashable] = {}
    for box in boxes:
        for cell in box_cells(box.x, box.y, box.width, box.height):
            occupied[cell] = box.key

    label_cells: dict[Cell, tuple[Hashable, Hashable]] = {}
    for edge, route in layout.edges.items():
        if route.label_at is None:
            assert label_sizes is None or edge not in label_sizes
            continue
        assert label_sizes is not None and edge in label_sizes
        width, height = label_sizes[edge]
        for cell in box_cells(*route.label_at, width, height):
            assert cell not in occupied, (edge, cell, occupied[cell])
            assert cell not in label_cells, (edge, label_cells[cell])
            assert 0 <= cell[0] < layout.width and 0 <= cell[1] < layout.height
            label_cells[cell] = edge

    seen_cells: dict[Cell, list[tuple[tuple[Hashable, Hashable], set[str]]]] = (
        defaultdict(list)
    )
    for (u, v), route in layout.edges.items():
        assert (route.source, route.target) == (u, v)
        src, dst = layout.nodes[u], layout.nodes[v]
        assert src.layer < dst.layer
        points = route.points
        assert len(points) >= 2
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            assert (ax == bx) != (ay == by), points  # orthogonal, no repeats
        (fx, fy), (lx, ly) = points[0], points[-1]
        if lr:
            assert src.x + src.width <= dst.x
            assert fx == src.x + src.width and src.y <= fy < src.y + src.height
            assert lx == dst.x - 1 and dst.y <= ly < dst.y + dst.height
            mains = [x for x, _ in points]
        else:
            assert src.y + src.height <= dst.y
            assert fy == src.y + src.height and src.x <= fx < src.x + src.width
            assert ly == dst.y - 1 and dst.x <= lx < dst.x + dst.width
            mains = [y for _, y in points]
        assert mains == sorted(mains), points  # always advances along the flow

        cells = route_cells(points)
        for cell, lines in cells.items():
            assert cell not in occupied, ((u, v), cell, occupied[cell])
            assert 0 <= cell[0] < layout.width and 0 <= cell[1] < layout.height
            owner = label_cells.get(cell)
            assert owner is None or owner == (u, v), ((u, v), cell, owner)
            seen_cells[cell].append(((u, v), lines))
        if route.label_at is not None:
            width, height = label_sizes[(u, v)]  # type: ignore[index]
            x, y = route.label_at
            middle = (x, y + height // 2) if lr else (x + width // 2, y)
            run = (
                {(x + i, middle[1]) for i in range(width)}
                if lr
                else {(middle[0], y + j) for j in range(height)}
            )
            assert run <= set(cells), ((u, v), "route misses its label")

    # Routes of unrelated edges meet only where one crosses the other at right
    # angles; sharing a run or a corner would read as a connection.
    for cell, users in seen_cells.items():
        for i, (e1, l1) in enumerate(users):
            for e2, l2 in users[i + 1 :]:
                if e1[0] == e2[0] or e1[1] == e2[1]:
                    continue
                assert not (l1 & l2), (cell, e1, e2)


def sizes_for(graph: nx.DiGraph, height: int = 3) -> dict[Hashable, tuple[int, int]]:
    """Boxes as wide as their text plus a border and padding."""
    return {node: (len(str(node)) + 4, height) for node in graph}
