"""Graph view speed: layout and first render of a 500-node flow, and a redraw.

Run: `.venv/bin/python benchmarks/bench_ui.py [--nodes N] [--repeat R]`.

Printed per flow size (a 50-node flow is the baseline for the ratios):
- layout: `compute_layout` with the real box and label sizes;
- scene: rasterising the layout into cells (boxes, routes, arrowheads);
- first frame: every row on a 200x60 screen rendered from a cold cache;
- open: the app started headless until its first screen is composed;
- redraw: a new snapshot applied (paint diff, panel, status) and the rows it
  touched rendered again, next to a full repaint of the screen for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from edaviz.core.document import FlowDocument
from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.layout import compute_layout
from edaviz.ui.app import EdavizApp
from edaviz.ui.live import paint_for
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.scene import build_scene, label_size, node_lines, node_size
from edaviz.ui.sources import FixedMetrics

SCREEN = (200, 60)


def generate_flow(nodes: int, seed: int = 3) -> dict:
    """A layered acyclic flow of `nodes` nodes, half events, half handlers."""
    rng = random.Random(seed)
    events = [f"event-{i:04d}" for i in range(nodes // 2)]
    handlers: dict[str, dict] = {}
    made = 0
    for i in range(nodes - nodes // 2):
        pool = events[:made]
        consumes = sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 2)))))
        produces = events[made : made + rng.randint(1, 2)]
        made += len(produces)
        handlers[f"service-{i:04d}"] = {"consumes": consumes, "produces": produces}
    return {
        "edaviz": 1,
        "name": f"generated-{nodes}",
        "events": {e: {"partitions": 3} for e in events},
        "handlers": handlers,
    }


def best(run: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_layout(flow: Flow, repeat: int) -> dict[str, float]:
    """Layout and scene times, without the app."""
    graph = FlowGraph(flow).full
    lines = {n: node_lines(graph, n, "compact", flow) for n in graph}
    sizes = {n: node_size(text) for n, text in lines.items()}
    labels = {e: label_size("LR") for e in graph.edges}
    result = compute_layout(graph, sizes, direction="LR", label_sizes=labels)
    return {
        "layout": best(
            lambda: compute_layout(graph, sizes, direction="LR", label_sizes=labels),
            repeat,
        ),
        "scene": best(
            lambda: build_scene(
                result, graph, lines, with_labels=True, label_box=label_size("LR")
            ),
            repeat,
        ),
    }


async def bench_app(doc: FlowDocument, repeat: int) -> dict[str, float]:
    """Open, first frame and redraw times inside a headless app."""
    flow = doc.flow
    snapshots = [sample_snapshot(flow, seed=s, sequence=s) for s in range(1, 4)]
    metrics = FixedMetrics(snapshots[0])
    app = EdavizApp(doc, metrics=metrics, clock=lambda: SAMPLE_TIME)
    start = time.perf_counter()
    async with app.run_test(size=SCREEN) as pilot:
        await pilot.pause()
        opened = time.perf_counter() - start
        view = app.graph_view
        rows = view.size.height

        def full_frame() -> None:
            view._strips.clear()
            view.scene._cache.clear()
            for y in range(rows):
                view.render_line(y)

        first = best(full_frame, repeat)
        turns = iter(range(10**9))

        def redraw() -> None:
            n = next(turns)
            snap = snapshots[1 + n % 2]
            metrics.push(dataclasses.replace(snap, sequence=100 + n, _index={}))
            app.redraw()
            for y in range(rows):
                view.render_line(y)

        redraw_time = statistics.median(best(redraw, 1) for _ in range(repeat))
        paint = best(lambda: paint_for(view.graph, snapshots[1]), repeat)
    return {
        "open": opened,
        "first frame": first,
        "redraw": redraw_time,
        "paint, detailed": paint,
    }


def main() -> None:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in (50, args.nodes):
            path = Path(tmp) / f"generated-{nodes}.yaml"
            # JSON is YAML: the flow file is written without a YAML emitter.
            path.write_text(json.dumps(generate_flow(nodes), indent=1))
            doc = FlowDocument.open(path)
            figures = bench_layout(doc.flow, args.repeat)
            figures.update(asyncio.run(bench_app(doc, args.repeat)))
            results[nodes] = figures
    base, big = results[50], results[args.nodes]
    print(f"graph view, screen {SCREEN[0]}x{SCREEN[1]}, best of {args.repeat}")
    print(f"{'step':<14}{'50 nodes':>12}{f'{args.nodes} nodes':>14}{'ratio':>9}")
    for step in base:
        ratio = big[step] / base[step] if base[step] else float("nan")
        print(
            f"{step:<14}{base[step] * 1000:>10.1f}ms{big[step] * 1000:>12.1f}ms"
            f"{ratio:>8.1f}x"
        )
    total = big["layout"] + big["scene"] + big["first frame"]
    print(f"layout + scene + first frame, {args.nodes} nodes: {total * 1000:.0f} ms")
    print(
        f"redraw vs full repaint, {args.nodes} nodes: "
        f"{big['redraw'] / big['first frame']:.2f}x"
    )


if __name__ == "__main__":
    main()
