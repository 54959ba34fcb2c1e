"""Export a generated 500-node flow to every format and print the times.

Run: `.venv/bin/python benchmarks/bench_export.py [--nodes N] [--repeat R]`.
Each format is timed end to end (scene, layout, render, atomic write) and, side
by side, with the layout already computed, so the share the layout takes is
visible. A 50-node flow runs as the baseline the ratios are taken against.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from edaviz.core.flow import Flow
from edaviz.export import EXTENSIONS, FORMATS, export_flow
from edaviz.export.dot import render_dot
from edaviz.export.jsondoc import render_json
from edaviz.export.mermaid import render_mermaid
from edaviz.export.png import render_png
from edaviz.export.scene import build_scene
from edaviz.export.svg import render_svg
from edaviz.metrics.snapshot import ClusterState, EdgeStats, Health, Snapshot


def generate_flow(nodes: int, seed: int = 7) -> Flow:
    """An acyclic flow of about `nodes` nodes, half events and half handlers.

    Handler i consumes one or two events produced earlier and produces one or
    two new ones, so the graph is layered and as wide as real estates are.
    """
    rng = random.Random(seed)
    events = [f"evt.{i:04d}" for i in range(nodes // 2)]
    handlers: dict[str, dict] = {}
    produced = 0
    for i in range(nodes - nodes // 2):
        consumes = []
        if produced:
            pool = events[:produced]
            consumes = sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 2)))))
        count = rng.randint(1, 2)
        produces = events[produced : produced + count]
        produced += len(produces)
        handlers[f"svc-{i:04d}"] = {"consumes": consumes, "produces": produces}
    return Flow.model_validate(
        {
            "edaviz": 1,
            "name": f"generated {nodes}",
            "events": {e: {} for e in events},
            "handlers": handlers,
        }
    )


def live_snapshot(flow: Flow) -> Snapshot:
    """Made-up live numbers for every consume and produce edge."""
    rng = random.Random(3)
    healths = list(Health)
    edges = []
    for handler in flow.handlers.values():
        for event in handler.consumes:
            edges.append(
                EdgeStats(
                    event,
                    handler.id,
                    "consumes",
                    lag=rng.randint(0, 99_999),
                    rate=rng.random() * 500,
                    status=rng.choice(healths),
                )
            )
        for event in handler.produces:
            edges.append(EdgeStats(handler.id, event, "produces", rate=rng.random()))
    return Snapshot(
        flow=flow.name,
        taken_at=datetime.now(UTC),
        cluster=ClusterState("127.0.0.1:9092", True),
        edges=tuple(edges),
    )


def median_of(repeat: int, work: Callable[[], object]) -> float:
    """The median of `repeat` timings of `work()`, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(flow: Flow, snapshot: Snapshot | None, repeat: int) -> dict[str, float]:
    """Seconds per format end to end, plus the layout alone."""
    renderers = {
        "svg": render_svg,
        "png": lambda s: render_png(render_svg(s)),
        "mermaid": render_mermaid,
        "dot": render_dot,
        "json": render_json,
    }
    results: dict[str, float] = {}
    results["layout"] = median_of(
        repeat, lambda: build_scene(flow, snapshot=snapshot).layout
    )
    scene = build_scene(flow, snapshot=snapshot)
    _ = scene.layout
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            ext = next(e for e, f in EXTENSIONS.items() if f == fmt)
            path = Path(folder) / f"graph{ext}"

            def write(path: Path = path, fmt: str = fmt) -> None:
                export_flow(flow, path, fmt, snapshot=snapshot)

            def render(fmt: str = fmt) -> None:
                renderers[fmt](scene)

            results[fmt] = median_of(repeat, write)
            results[f"{fmt} render"] = median_of(repeat, render)
            results[f"{fmt} bytes"] = path.stat().st_size
    return results


def main() -> None:
    """Time every format on the big flow and on the baseline flow."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    flows = {n: generate_flow(n) for n in (args.baseline, args.nodes)}
    for label, live in (("static", False), ("live", True)):
        rows = {
            n: measure(flow, live_snapshot(flow) if live else None, args.repeat)
            for n, flow in flows.items()
        }
        big, base = rows[args.nodes], rows[args.baseline]
        edges = sum(
            len(h.consumes) + len(h.produces)
            for h in flows[args.nodes].handlers.values()
        )
        print(
            f"\n{label} export, {args.nodes} nodes / {edges} edges "
            f"(median of {args.repeat}; baseline {args.baseline} nodes)"
        )
        print(
            f"{'step':<16}{'time':>10}{'render only':>13}{'baseline':>10}"
            f"{'ratio':>8}{'size':>12}"
        )
        print(
            f"{'layout':<16}{big['layout'] * 1000:>8.1f}ms{'':>13}"
            f"{base['layout'] * 1000:>8.1f}ms"
            f"{big['layout'] / base['layout']:>7.1f}x"
        )
        for fmt in FORMATS:
            print(
                f"{fmt:<16}{big[fmt] * 1000:>8.1f}ms"
                f"{big[fmt + ' render'] * 1000:>11.1f}ms"
                f"{base[fmt] * 1000:>8.1f}ms"
                f"{big[fmt] / base[fmt]:>7.1f}x"
                f"{int(big[fmt + ' bytes']):>12,}"
            )


if __name__ == "__main__":
    main()
