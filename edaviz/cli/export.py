"""`edaviz export`: write a flow's graph to SVG, PNG, Mermaid, DOT or JSON."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

from edaviz.core.flow import Flow
from edaviz.errors import EdavizError, UsageError
from edaviz.export import EXTENSIONS, FORMATS, export_flow, format_for_path
from edaviz.export.redact import safe_bootstrap
from edaviz.kafka.connection import (
    ConnectionSettings,
    add_connection_arguments,
    resolve_settings,
)
from edaviz.metrics.snapshot import Snapshot

log = logging.getLogger(__name__)

#: Seconds `--live` measures, as `edaviz watch --once` does: long enough to see
#: two commits from a consumer on the usual 5 s auto-commit.
DEFAULT_WINDOW = 10.0

DESCRIPTION = """\
Write the graph of a flow to a file, for design documents, incident reports and
wikis. The format follows the file's extension unless --format is given:
  .svg  vector drawing          .png          raster image of the drawing
  .mmd  Mermaid flowchart       .dot / .gv    Graphviz DOT
  .json flow, layout and (with --live) the metrics snapshot
With --live, edaviz connects to the cluster, measures once (as
`edaviz watch --once` does) and puts lag, rates and health on the edges.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` sub-command."""
    parser = subparsers.add_parser(
        "export",
        help="write the graph to SVG, PNG, Mermaid, DOT or JSON",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("flow", metavar="FLOW", help="the flow file (YAML)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        required=True,
        help="the file to write; replaced atomically if it exists",
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from the extension of FILE: "
        + ", ".join(EXTENSIONS)
        + ")",
    )
    parser.add_argument(
        "--view",
        choices=("full", "events"),
        default="full",
        help="full: events and handlers (default); events: events only, linked "
        "through the handlers between them",
    )
    parser.add_argument(
        "--direction",
        choices=("LR", "TB"),
        default="LR",
        help="lay the flow out left to right (default) or top to bottom",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="measure the cluster once and show lag, rates and health",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=DEFAULT_WINDOW,
        metavar="SECONDS",
        help=f"with --live: seconds measured, polled every 2 s; rates come from "
        f"the whole span (1-60, default {DEFAULT_WINDOW:g})",
    )
    add_connection_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the flow, optionally measure it once, and write the export."""
    from edaviz.core.loader import load_flow_or_raise

    output = Path(args.output)
    fmt = format_for_path(output, args.format)
    flow = load_flow_or_raise(Path(args.flow))

    snapshot = None
    settings = None
    if not 1 <= args.window <= 60:
        raise UsageError("--window must be between 1 and 60 seconds")
    if args.live:
        snapshot, settings = _measure(flow, args)

    written = export_flow(
        flow,
        output,
        fmt,
        view=args.view,
        snapshot=snapshot,
        direction=args.direction,
        settings=settings,
    )
    print(f"wrote {written} ({fmt})", file=sys.stderr)
    return 0


def _measure(
    flow: Flow, args: argparse.Namespace
) -> tuple[Snapshot, ConnectionSettings]:
    """One measured snapshot of the flow, as `watch --once` takes it."""
    from edaviz.metrics.engine import measure_once

    settings = resolve_settings(args, flow.cluster.bootstrap)
    where = safe_bootstrap(settings.bootstrap)
    print(
        f"edaviz: measuring {flow.name!r} on {where} over {args.window:g}s ...",
        file=sys.stderr,
        end="",
        flush=True,
    )
    started = time.monotonic()
    outcome = "failed"
    try:
        # No record tails: an export shows numbers, never payloads.
        snapshot = asyncio.run(measure_once(flow, settings, window=args.window))
        outcome = "done" if snapshot.cluster.connected else "not connected"
    finally:
        took = time.monotonic() - started
        print(f" {outcome} in {took:.1f}s", file=sys.stderr, flush=True)
    if not snapshot.cluster.connected:
        reason = snapshot.cluster.error or "no answer"
        raise EdavizError(f"could not measure: cannot reach Kafka at {where}: {reason}")
    return snapshot, settings
