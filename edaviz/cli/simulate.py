"""`edaviz simulate FLOW`: play a flow against Kafka with real producers and groups."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edaviz.core.flow import Flow, SimulationSettings
from edaviz.core.loader import load_flow_or_raise
from edaviz.errors import UsageError
from edaviz.kafka.connection import add_connection_arguments, resolve_settings
from edaviz.kafka.simulator import DEFAULT_RATE, Simulator

DESCRIPTION = """\
Make a flow live: create its topics (partitions from the flow, else 3), run
every source handler as a producer of realistic JSON events, and every other
handler as a real consumer group that consumes, waits its processing delay,
produces and commits. Per-handler knobs come from each handler's `simulate:`
block and can be overridden here. Ctrl-C stops cleanly (groups commit and
leave).

Without a connection setting, simulate uses the local broker of
`edaviz broker start` when one runs.
"""

#: Seconds between progress lines.
REPORT_INTERVAL_S = 2.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `simulate` sub-command."""
    parser = subparsers.add_parser(
        "simulate",
        help="play a flow against Kafka: producers and consumer groups",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("flow", metavar="FLOW", type=Path, help="the flow file")
    add_simulation_arguments(parser)
    parser.add_argument(
        "--duration",
        type=positive_number,
        metavar="S",
        help="stop after S seconds (default: run until Ctrl-C)",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print no progress lines"
    )
    add_connection_arguments(parser)
    parser.set_defaults(run=run)


def add_simulation_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulation knobs shared by `simulate` and `demo`."""
    group = parser.add_argument_group(
        "simulation", "HANDLER is a handler id of the flow; options repeat."
    )
    group.add_argument(
        "--rate",
        type=positive_number,
        default=DEFAULT_RATE,
        metavar="N",
        help="events/s of source handlers without their own rate "
        f"(default {DEFAULT_RATE:g})",
    )
    group.add_argument(
        "--handler-rate",
        action="append",
        default=[],
        metavar="HANDLER=N",
        help="events/s of one source handler",
    )
    group.add_argument(
        "--delay",
        action="append",
        default=[],
        metavar="HANDLER=MS",
        help="processing time per event of one handler, in ms",
    )
    group.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="HANDLER=P",
        help="share (0-1) of events a handler fails (sent to its last produced event)",
    )
    group.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="HANDLER=P",
        help="share (0-1) of events a handler drops",
    )
    group.add_argument(
        "--pause",
        action="append",
        default=[],
        metavar="HANDLER",
        help="start a handler paused (its group exists but does not move)",
    )
    group.add_argument("--seed", type=int, help="seed for payloads and failures")


def positive_number(text: str) -> float:
    """A finite number above 0, as --rate and --duration take."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def overrides_from_args(
    flow: Flow, args: argparse.Namespace
) -> dict[str, SimulationSettings]:
    """Per-handler settings: the flow's `simulate` blocks with the flags applied."""
    changes: dict[str, dict[str, Any]] = {}
    for flag, field, values in (
        ("--handler-rate", "rate", args.handler_rate),
        ("--delay", "delay_ms", args.delay),
        ("--fail", "failure_rate", args.fail),
        ("--drop", "drop_rate", args.drop),
    ):
        for item in values:
            handler, value = _parse_pair(flag, item)
            changes.setdefault(handler, {})[field] = value
    for handler in args.pause:
        changes.setdefault(handler, {})["paused"] = True

    result = {}
    for handler_id, update in changes.items():
        if handler_id not in flow.handlers:
            known = ", ".join(flow.handlers) or "none"
            raise UsageError(
                f"no handler {handler_id!r} in flow {flow.name!r} (handlers: {known})"
            )
        base = flow.handlers[handler_id].simulate.model_dump()
        try:
            result[handler_id] = SimulationSettings.model_validate({**base, **update})
        except ValueError as exc:
            raise UsageError(f"bad setting for handler {handler_id!r}: {exc}") from None
    return result


def _parse_pair(flag: str, item: str) -> tuple[str, float]:
    handler, sep, value = item.partition("=")
    try:
        number = float(value)
        if not sep or not handler or not math.isfinite(number):
            raise ValueError
        return handler, number
    except ValueError:
        raise UsageError(f"{flag} expects HANDLER=NUMBER, got {item!r}") from None


def client_kwargs_for(flow: Flow, args: argparse.Namespace) -> dict[str, Any]:
    """aiokafka connection keywords, found in the usual order of precedence."""
    return resolve_settings(args, flow.cluster.bootstrap).client_kwargs()


async def run_simulator(
    simulator: Simulator,
    duration: float | None,
    report: Callable[[Simulator], None] | None = None,
) -> None:
    """Run `simulator`; the first Ctrl-C stops it cleanly, a second one aborts."""
    loop = asyncio.get_running_loop()

    def on_interrupt() -> None:
        simulator.stop()
        loop.remove_signal_handler(signal.SIGINT)

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    reporter = None
    if report is not None:
        reporter = asyncio.create_task(_report_every(simulator, report))
    try:
        await simulator.run(duration)
    finally:
        if reporter is not None:
            reporter.cancel()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)


async def _report_every(simulator: Simulator, report: Callable[[Simulator], None]):
    while True:
        await asyncio.sleep(REPORT_INTERVAL_S)
        report(simulator)


def progress_line(simulator: Simulator) -> str:
    """One line: elapsed time, records produced and handled, failures, drops."""
    stats = simulator.stats
    elapsed = max(1e-9, time.monotonic() - stats.started)
    produced = sum(stats.produced.values())
    return (
        f"{elapsed:6.0f}s  produced {produced} ({produced / elapsed:.1f}/s)  "
        f"handled {sum(stats.consumed.values())}  "
        f"failed {sum(stats.failed.values())}  dropped {sum(stats.dropped.values())}"
    )


def run(args: argparse.Namespace) -> int:
    """Load the flow and simulate it until Ctrl-C or --duration."""
    flow = load_flow_or_raise(args.flow)
    simulator = Simulator(
        flow,
        client_kwargs_for(flow, args),
        default_rate=args.rate,
        overrides=overrides_from_args(flow, args),
        seed=args.seed,
    )
    bootstrap = simulator.client_kwargs["bootstrap_servers"]
    print(f"Simulating {flow.name!r} on {bootstrap} (Ctrl-C stops)", file=sys.stderr)

    def report(sim: Simulator) -> None:
        print(progress_line(sim), file=sys.stderr, flush=True)

    asyncio.run(run_simulator(simulator, args.duration, None if args.quiet else report))
    if not args.quiet:
        print(progress_line(simulator), file=sys.stderr)
    return 0
