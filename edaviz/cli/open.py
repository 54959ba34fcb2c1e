"""`edaviz open FLOW`: the flow as a live graph in the terminal."""

from __future__ import annotations

import argparse
import logging

from edaviz.kafka.connection import add_connection_arguments, resolve_settings

log = logging.getLogger(__name__)

DESCRIPTION = """\
Open a flow file as a graph: events (topics) and handlers (consumer groups),
with throughput, consumer lag and health on every edge, measured live.

With no cluster configured (no --bootstrap-server, $KAFKA_BOOTSTRAP_SERVERS,
cluster.bootstrap in the flow, a config file, nor a running `edaviz broker`)
the graph opens in design mode, without numbers. Press ? in the app for the
keys.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `open` sub-command."""
    parser = subparsers.add_parser(
        "open",
        help="open a flow as a live graph in the terminal",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("flow", metavar="FLOW", help="the flow file (YAML)")
    parser.add_argument(
        "--design",
        action="store_true",
        help="design mode: do not connect, draw the graph without numbers",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds between two measurements (default 2)",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="span rates are computed over (default 30)",
    )
    add_connection_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Open the app on the flow; returns when the user quits."""
    from edaviz.core.document import FlowDocument
    from edaviz.ui.app import run_app

    document = FlowDocument.open(args.flow)
    settings = None
    reason = "design mode (--design): not connected" if args.design else None
    if not args.design:
        settings = resolve_settings(args, document.cluster_bootstrap)
        if settings.bootstrap_source == "default":
            # Nothing named a cluster: guessing localhost would show a
            # disconnected graph to someone who only wants to design.
            log.info("no cluster configured: opening in design mode")
            settings = None
    return run_app(
        args.flow,
        settings=settings,
        document=document,
        interval=args.interval,
        window=args.window,
        design_reason=reason,
    )
