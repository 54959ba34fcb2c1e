"""`edaviz watch FLOW`: live lag, rates and health of a flow, without the UI.

`--once` measures over one short window and prints one JSON document (or the
table, on a terminal without --json); otherwise one document per interval as
JSON Lines, or a compact table that redraws in place when stdout is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from typing import TYPE_CHECKING, TextIO

from edaviz.errors import UsageError

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from edaviz.core.flow import Flow
    from edaviz.kafka.connection import ConnectionSettings
    from edaviz.metrics.engine import MetricsEngine
    from edaviz.metrics.snapshot import Snapshot

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 2.0
DEFAULT_WINDOW = 30.0

#: Default measuring window of `--once`: six polls two seconds apart, long
#: enough to see two commits from a consumer on the usual 5 s auto-commit.
DEFAULT_ONCE_WINDOW = 10.0

#: Most records per topic `--tail` keeps: each holds up to 16 KiB of value, and
#: a tail is kept for every topic of the flow.
MAX_TAIL = 1000

HELP = "print live lag, rates and health of a flow (JSON or a table)"

DESCRIPTION = """\
Watch a flow's topics and consumer groups on a Kafka cluster, read-only.

Consume edge lag: sum over the topic's partitions of (end offset - committed
offset); partitions the group never committed are counted in
uncommitted_partitions instead. Rates are offset advance per second over a
sliding window. Exit status: 0, or 1 when --once could not reach Kafka.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `watch` sub-command."""
    from edaviz.kafka.connection import add_connection_arguments

    parser = subparsers.add_parser(
        "watch",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("flow", metavar="FLOW", help="flow file (YAML)")
    parser.add_argument(
        "--once",
        action="store_true",
        help="measure over one window, print once and exit "
        f"(window default {DEFAULT_ONCE_WINDOW:g} s)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="JSON output (JSON Lines without --once), even on a terminal",
    )
    parser.add_argument(
        "--interval",
        type=float,
        metavar="S",
        help=f"seconds between polls (default {DEFAULT_INTERVAL:g})",
    )
    parser.add_argument(
        "--window",
        type=float,
        metavar="S",
        help=f"rate window in seconds, 10-60 (default {DEFAULT_WINDOW:g}; "
        f"with --once: 1-60, default {DEFAULT_ONCE_WINDOW:g})",
    )
    parser.add_argument(
        "--tail",
        type=int,
        default=0,
        metavar="N",
        help="include the last N records of each topic in JSON, escaped and "
        f"truncated (0-{MAX_TAIL}, default 0)",
    )
    add_connection_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `edaviz watch`."""
    from edaviz.core.loader import load_flow_or_raise
    from edaviz.kafka.connection import resolve_settings

    interval, window = _timing(args)
    flow = load_flow_or_raise(args.flow)
    settings = resolve_settings(args, flow.cluster.bootstrap)
    try:
        table = sys.stdout.isatty() and not args.json
        if args.once:
            from edaviz.metrics.engine import measure_once

            snapshot = asyncio.run(
                measure_once(
                    flow,
                    settings,
                    window=window,
                    interval=interval,
                    tail_records=_tail_size(args.tail),
                )
            )
            if table:
                from rich.console import Console

                Console().print(render_table(snapshot))
            else:
                _print_json(_document(snapshot, args.tail), sys.stdout, indent=2)
            return 0 if snapshot.cluster.connected else 1
        asyncio.run(_stream(flow, settings, interval, window, args.tail, table))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`edaviz watch flow | head -1`): a normal end.
        # Point stdout at /dev/null so the interpreter's final flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


def _timing(args: argparse.Namespace) -> tuple[float, float]:
    interval = args.interval if args.interval is not None else DEFAULT_INTERVAL
    if not 0.1 <= interval <= 600:
        raise UsageError("--interval must be between 0.1 and 600 seconds")
    if args.once:
        window = args.window if args.window is not None else DEFAULT_ONCE_WINDOW
        if not 1 <= window <= 60:
            raise UsageError("--window with --once must be between 1 and 60 seconds")
        interval = min(interval, window)
    else:
        window = args.window if args.window is not None else DEFAULT_WINDOW
        if not 10 <= window <= 60:
            raise UsageError("--window must be between 10 and 60 seconds")
    if not 0 <= args.tail <= MAX_TAIL:
        raise UsageError(f"--tail must be between 0 and {MAX_TAIL} records")
    return interval, window


async def _stream(
    flow: Flow,
    settings: ConnectionSettings,
    interval: float,
    window: float,
    tail: int,
    table: bool,
) -> None:
    from edaviz.metrics.engine import MetricsEngine

    engine = MetricsEngine(flow, settings, interval, window, _tail_size(tail))
    async with engine:
        if table:
            await _show_table(engine)
            return
        async for snapshot in engine.snapshots():
            _print_json(_document(snapshot, tail), sys.stdout)


#: Records tailed per topic even without --tail: the bytes/s estimate needs a
#: sample of record sizes.
SIZE_SAMPLE = 10


def _tail_size(requested: int) -> int:
    return max(requested, SIZE_SAMPLE)


def _document(snapshot: Snapshot, tail: int) -> dict:
    """The JSON document, with each topic's tail cut to the --tail asked for."""
    doc = snapshot.to_json()
    for node in doc["nodes"]:
        if "tail" in node:
            node["tail"] = node["tail"][:tail]
    return doc


def _print_json(doc: dict, out: TextIO, indent: int | None = None) -> None:
    out.write(json.dumps(doc, indent=indent, ensure_ascii=False) + "\n")
    out.flush()


async def _show_table(engine: MetricsEngine) -> None:
    """Redraw a compact table in place for each snapshot, until interrupted."""
    from rich.console import Console
    from rich.live import Live

    console = Console()
    with Live(render_table(engine.latest), console=console, auto_refresh=False) as live:
        async for snapshot in engine.snapshots():
            live.update(render_table(snapshot), refresh=True)


def render_table(snapshot: Snapshot) -> Table:
    """The compact table of one snapshot (plain cells: nothing is markup)."""
    from rich.table import Table
    from rich.text import Text

    from edaviz.metrics.payload import escape_text

    # Rich passes escape sequences through: an error text can come from a broker.
    cluster = snapshot.cluster
    if cluster.connected:
        state = f"connected to {cluster.bootstrap}"
    else:
        since = cluster.disconnected_since
        state = f"DISCONNECTED from {cluster.bootstrap}" + (
            f" since {since:%H:%M:%S} ({cluster.error})" if since else " (connecting)"
        )
    state = escape_text(state)
    caption = f"window {snapshot.window_s:.0f} s"
    if snapshot.bottleneck:
        caption += f" · bottleneck: {snapshot.bottleneck}"
    if any(e.shared_topic for e in snapshot.edges):
        caption += " · * topic rate: several handlers produce it"
    table = Table(
        title=Text(f"{escape_text(snapshot.flow)} — {state}"),
        caption=Text(caption),
        box=None,
        header_style="bold",
    )
    for name in ("edge", "lag", "max/part", "no commit", "msg/s", "time lag", "health"):
        table.add_column(
            name, justify="left" if name in ("edge", "health") else "right"
        )
    for edge in snapshot.edges:
        arrow = f"{edge.source} → {edge.target}"
        rate = "-" if edge.rate is None else f"{edge.rate:,.1f}"
        if edge.shared_topic:
            rate += "*"
        health = "" if edge.kind == "produces" else str(edge.status)
        handler = snapshot.handler(edge.target) if edge.kind == "consumes" else None
        if handler is not None and handler.error:
            health += f" ({escape_text(handler.error)})"
        if edge.trend and edge.kind == "consumes":
            health += f" {edge.trend}"
            if edge.drain_eta_s is not None:
                health += f" (~{edge.drain_eta_s:,.0f} s)"
        table.add_row(
            Text(arrow),
            _num(edge.lag),
            _num(edge.max_partition_lag),
            _num(edge.uncommitted_partitions or None),
            Text(rate),
            Text("-" if edge.time_lag_s is None else f"{edge.time_lag_s:,.1f} s"),
            Text(health),
        )
    return table


def _num(value: int | None) -> Text:
    from rich.text import Text

    return Text("-" if value is None else f"{value:,}")
