"""How long `edaviz validate` takes on a generated 2,000-node flow.

Prints the median of several runs, split into parsing (YAML to plain data with
positions) and checks (model, references, topics, cycles), once with libyaml
(`ruamel.yaml.clib`) and once with the pure-Python parser as the baseline.

    .venv/bin/python benchmarks/bench_validate.py [--nodes 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from ruamel.yaml import main as ruamel_main

from edaviz.core import source
from edaviz.core.loader import validate_text
from edaviz.core.source import parse_text
from edaviz.core.validate import check_data


def generate_flow(nodes: int) -> str:
    """A layered, acyclic flow with half events and half handlers: handler i
    produces event i and consumes two earlier events; the first ten are sources."""
    count = nodes // 2
    lines = [
        "edaviz: 1",
        "name: generated",
        "description: A generated flow for the validation benchmark.",
        "events:",
    ]
    for i in range(count):
        lines += [
            f"  domain{i % 17}.thing-{i:05d}.happened:",
            f"    topic: bench.domain{i % 17}.thing-{i:05d}",
            f"    partitions: {3 if i % 2 else 6}",
            f"    description: Thing {i} happened somewhere in domain {i % 17}.",
        ]
    lines.append("handlers:")
    for i in range(count):
        lines += [f"  service-{i:05d}:  # one consumer group per service"]
        if i >= 10:
            inputs = sorted({i - 10, i // 3})
            refs = ", ".join(_event(j) for j in inputs)
            lines.append(f"    consumes: [{refs}]")
        lines += [
            "    produces:",
            f"      - {_event(i)}",
            f"    owner: team-{i % 23}",
            f"    description: Service {i} turns its inputs into thing {i}.",
        ]
    return "\n".join(lines) + "\n"


def _event(i: int) -> str:
    return f"domain{i % 17}.thing-{i:05d}.happened"


def measure(text: str, runs: int, clock: Callable[[], float]) -> tuple[float, float]:
    """Median seconds for parsing and for checking `text`, by `clock`."""
    parse_times, check_times = [], []
    for _ in range(runs):
        start = clock()
        parsed = parse_text(text, "generated.yaml")
        middle = clock()
        _, diagnostics = check_data(parsed.data, parsed.positions, "generated.yaml")
        end = clock()
        assert not parsed.diagnostics and not diagnostics, "the flow must be valid"
        parse_times.append(middle - start)
        check_times.append(end - middle)
    return statistics.median(parse_times), statistics.median(check_times)


def main() -> None:
    """Generate, validate, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    text = generate_flow(args.nodes)
    result = validate_text(text, "generated.yaml")
    assert result.flow is not None, result.diagnostics[:3]
    flow = result.flow
    edges = sum(len(h.consumes) + len(h.produces) for h in flow.handlers.values())
    print(
        f"generated flow: {len(flow.events)} events + {len(flow.handlers)} handlers "
        f"= {len(flow.events) + len(flow.handlers)} nodes, {edges} edges, "
        f"{len(text.splitlines())} lines, {len(text) // 1024} KiB"
    )

    if ruamel_main.CParser is None:
        print("ruamel.yaml.clib is not installed: the libyaml rows use pure Python")
    # Wall time is what a user waits; CPU time of this process is steadier on a
    # busy machine, where other processes take turns on the cores.
    rows = []
    for label, prefer in (("libyaml", True), ("pure Python", False)):
        source.PREFER_LIBYAML = prefer
        runs = args.runs if prefer else max(3, args.runs // 2)
        for clock_name, clock in (
            ("wall", time.perf_counter),
            ("cpu", time.process_time),
        ):
            parse, checks = measure(text, runs, clock)
            rows.append((f"{label}, {clock_name}", parse, checks, runs))
    source.PREFER_LIBYAML = True

    print(f"{'parser, clock':<19} {'total':>9} {'parse':>9} {'checks':>9}   runs")
    for label, parse, checks, runs in rows:
        print(
            f"{label:<19} {_ms(parse + checks)} {_ms(parse)} {_ms(checks)}   "
            f"median of {runs}"
        )
    fast, slow = rows[1], rows[3]
    ratio = (slow[1] + slow[2]) / (fast[1] + fast[2])
    print(f"libyaml is {ratio:.1f}x faster than the pure-Python baseline (CPU time)")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f}ms"


if __name__ == "__main__":
    main()
