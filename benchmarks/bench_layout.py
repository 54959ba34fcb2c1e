"""Layout speed and edge crossings of edaviz against Graphviz `dot`.

Run: `.venv/bin/python benchmarks/bench_layout.py [--repeat N]`.

Graphs: seeded generated layered DAGs of 50, 200 and 500 nodes (about 1.2 edges
per node, most between neighbouring layers, some spanning two or three), and the
full and the events-only view of every example flow in `flows/*.yaml`.

Time: the best of N runs of `compute_layout` (without and with 14x1 edge labels),
as CPU time of this process, so that other load on the machine does not count;
"wall" repeats the labelled 500-node case in wall-clock time.

Crossings, counted the same way for both tools: every layer (rank) is a line
across the flow through the middle of its nodes. Each edge is sampled where it
meets every layer line from its source's layer to its target's: at its two ends
the sample is the centre of the end node (so edges sharing a node never count as
crossing there), in between it is where the drawn edge passes, interpolated
along dot's spline (from `dot -Tplain`, Bezier control points evaluated densely)
or along edaviz's orthogonal route. Two edges cross between consecutive layer
lines when their samples swap order strictly (a tie is no crossing). Both tools
get the same graph, node sizes in proportion and no labels. The edaviz column
"routed" is `count_crossings` of the drawing itself (right-angle meetings of
route segments), which is what a reader sees in the terminal.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Hashable
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edaviz.layout import Layout, compute_layout, count_crossings  # noqa: E402

Sizes = dict[Hashable, tuple[int, int]]


def layered_dag(nodes: int, seed: int) -> nx.DiGraph:
    """A random layered DAG: a few nodes per layer, about 1.2 edges per node."""
    rng = random.Random(seed)
    layers: list[list[str]] = []
    names = [f"n{i}" for i in range(nodes)]
    at = 0
    while at < nodes:
        width = rng.randint(2, max(3, int(nodes**0.5)))
        layers.append(names[at : at + width])
        at += width
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    for depth, layer in enumerate(layers[1:], start=1):
        for node in layer:
            above = layers[depth - 1]
            graph.add_edge(rng.choice(above), node)
    target = int(nodes * 1.2)
    while graph.number_of_edges() < target:
        depth = rng.randrange(len(layers) - 1)
        span = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        if depth + span >= len(layers):
            continue
        graph.add_edge(rng.choice(layers[depth]), rng.choice(layers[depth + span]))
    return graph


def box_sizes(graph: nx.DiGraph, seed: int = 0) -> Sizes:
    """Boxes as the UI draws them: the name plus border and padding, 3 rows."""
    return {node: (len(str(node)) + 4, 3) for node in graph}


def best_time(
    run: Callable[[], object],
    repeat: int,
    clock: Callable[[], float] = time.process_time,
) -> float:
    """The fastest of `repeat` runs, in milliseconds of `clock`."""
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        run()
        best = min(best, clock() - start)
    return best * 1000


def crossings_between_levels(samples: list[dict[int, float]]) -> int:
    """Count order swaps of edge samples between consecutive levels."""
    by_pair: dict[int, list[tuple[float, float]]] = {}
    for sample in samples:
        for level, value in sample.items():
            if level + 1 in sample:
                by_pair.setdefault(level, []).append((value, sample[level + 1]))
    count = 0
    for pairs in by_pair.values():
        pairs.sort()
        for i, (a0, a1) in enumerate(pairs):
            for b0, b1 in pairs[i + 1 :]:
                if b0 > a0 and b1 < a1:
                    count += 1
    return count


def _along(points: list[tuple[float, float]], main: float) -> float | None:
    """The cross coordinate where a polyline, monotone in main, meets `main`."""
    for (am, ac), (bm, bc) in zip(points, points[1:], strict=False):
        low, high = min(am, bm), max(am, bm)
        if low <= main <= high:
            if am == bm:
                return (ac + bc) / 2
            return ac + (bc - ac) * (main - am) / (bm - am)
    return None


def edaviz_level_crossings(layout: Layout) -> int:
    """Crossings of an edaviz layout, counted between layer lines (see above)."""
    lr = layout.direction == "LR"
    level_main: dict[int, float] = {}
    for box in layout.nodes.values():
        centre = box.x + box.width / 2 if lr else box.y + box.height / 2
        level_main.setdefault(box.layer, centre)
    samples = []
    for (u, v), route in layout.edges.items():
        src, dst = layout.nodes[u], layout.nodes[v]
        points = [(x, y) if lr else (y, x) for x, y in route.points]
        sample: dict[int, float] = {
            src.layer: src.y + src.height / 2 if lr else src.x + src.width / 2,
            dst.layer: dst.y + dst.height / 2 if lr else dst.x + dst.width / 2,
        }
        for level in range(src.layer + 1, dst.layer):
            value = _along(points, level_main[level])
            if value is not None:
                sample[level] = value
        samples.append(sample)
    return crossings_between_levels(samples)


def _bezier(points: list[tuple[float, float]], steps: int = 16) -> list:
    out = [points[0]]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        for step in range(1, steps + 1):
            t = step / steps
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
            out.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
                )
            )
    return out


def dot_crossings(graph: nx.DiGraph, sizes: Sizes, dot: str) -> tuple[int, float]:
    """Crossings of dot's drawing (counted as above) and dot's time in ms."""
    names = {node: f"n{i}" for i, node in enumerate(graph)}
    lines = ["digraph G {", "node [shape=box, fixedsize=true];"]
    for node, name in names.items():
        width, height = sizes[node]
        # A character cell is about twice as high as wide; 0.1 in per column.
        lines.append(f"{name} [width={width * 0.1:.2f}, height={height * 0.2:.2f}];")
    for u, v in graph.edges:
        lines.append(f"{names[u]} -> {names[v]};")
    lines.append("}")
    start = time.perf_counter()
    out = subprocess.run(
        [dot, "-Tplain"],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    elapsed = (time.perf_counter() - start) * 1000

    centre: dict[str, tuple[float, float]] = {}
    splines: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "node":
            centre[parts[1]] = (float(parts[2]), float(parts[3]))
        elif parts[0] == "edge":
            count = int(parts[3])
            coords = [float(p) for p in parts[4 : 4 + 2 * count]]
            # In dot's TB output y grows upwards; use -y as "main".
            splines[(parts[1], parts[2])] = [
                (-coords[i + 1], coords[i]) for i in range(0, len(coords), 2)
            ]
    levels = sorted({round(-y, 3) for _, y in centre.values()})
    level_of = {value: i for i, value in enumerate(levels)}
    samples = []
    for u, v in graph.edges:
        a, b = names[u], names[v]
        top, bottom = (
            level_of[round(-centre[a][1], 3)],
            level_of[round(-centre[b][1], 3)],
        )
        sample = {top: centre[a][0], bottom: centre[b][0]}
        curve = _bezier(splines[(a, b)])
        for level in range(top + 1, bottom):
            value = _along(curve, levels[level])
            if value is not None:
                sample[level] = value
        samples.append(sample)
    return crossings_between_levels(samples), elapsed


def cases() -> list[tuple[str, nx.DiGraph]]:
    """Generated graphs, then the example flows that load."""
    found = [(f"generated-{n}", layered_dag(n, seed=n)) for n in (50, 200, 500)]
    flows = sorted((ROOT / "flows").glob("*.yaml"))
    if not flows:
        print("no flows/*.yaml found; example flows skipped")
    try:
        from edaviz.core.graph import FlowGraph
        from edaviz.core.loader import load_flow_or_raise
    except ImportError as error:
        print(f"flow loader unavailable ({error}); example flows skipped")
        return found
    for path in flows:
        graphs = FlowGraph(load_flow_or_raise(path))
        found.append((path.stem, graphs.full))
        found.append((f"{path.stem} (events)", graphs.events_only))
    return found


def main() -> None:
    """Print one row per graph."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per graph")
    args = parser.parse_args()
    dot = shutil.which("dot")
    if dot is None:
        print("Graphviz dot not found: crossing comparison skipped")

    header = (
        f"{'graph':<30}{'nodes':>6}{'edges':>6}{'cpu ms':>8}{'+labels':>8}"
        f"{'routed':>8}{'edaviz':>8}{'dot':>6}{'dot ms':>8}"
    )
    print(header)
    print("-" * len(header))
    total_ours = total_dot = 0
    for name, graph in cases():
        sizes = box_sizes(graph)
        labels = {edge: (14, 1) for edge in graph.edges}
        plain = best_time(lambda g=graph, s=sizes: compute_layout(g, s), args.repeat)
        labelled = best_time(
            lambda g=graph, s=sizes, lb=labels: compute_layout(g, s, label_sizes=lb),
            args.repeat,
        )
        layout = compute_layout(graph, sizes)
        routed = count_crossings(layout)
        ours = edaviz_level_crossings(layout)
        theirs, dot_ms = ("-", "-") if dot is None else dot_crossings(graph, sizes, dot)
        if dot is not None:
            total_ours += ours
            total_dot += theirs  # type: ignore[operator]
            dot_ms = f"{dot_ms:.0f}"  # type: ignore[str-format]
        print(
            f"{name:<30}{graph.number_of_nodes():>6}{graph.number_of_edges():>6}"
            f"{plain:>8.1f}{labelled:>8.1f}{routed:>8}{ours:>8}{theirs:>6}{dot_ms:>8}"
        )
    if dot is not None:
        print(f"total crossings: edaviz {total_ours}, dot {total_dot}")
    big = layered_dag(500, seed=500)
    sizes = box_sizes(big)
    labels = {edge: (14, 1) for edge in big.edges}
    wall = best_time(
        lambda: compute_layout(big, sizes, label_sizes=labels),
        args.repeat,
        clock=time.perf_counter,
    )
    print(f"wall time, 500 nodes with labels: {wall:.0f} ms (best of {args.repeat})")


if __name__ == "__main__":
    main()
