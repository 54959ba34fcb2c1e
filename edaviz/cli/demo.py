"""`edaviz demo [FLOW]`: a local Kafka, live traffic on an example flow, and a view.

`run_demo` does the work and takes the view as a callable, so the live graph
(`edaviz.ui`) and the plain text summary are interchangeable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from edaviz.cli.simulate import (
    add_simulation_arguments,
    overrides_from_args,
    positive_number,
)
from edaviz.core.flow import Flow
from edaviz.core.loader import load_flow_or_raise
from edaviz.errors import EdavizError, UsageError
from edaviz.kafka.broker import LocalBroker
from edaviz.kafka.simulator import Simulator

log = logging.getLogger(__name__)

DEMO_FLOW = "order-saga.yaml"

#: Seconds between two refreshes of the text summary.
SUMMARY_INTERVAL_S = 2.0

DESCRIPTION = """\
See edaviz work with one command: start (or reuse) the local Kafka broker of
`edaviz broker`, play FLOW on it with `edaviz simulate` (default: the order
saga example, whose payment service is deliberately slow) and show it live.
Quitting stops what the demo started; a broker that already ran keeps running.
"""


@dataclass(frozen=True)
class DemoContext:
    """What a demo view needs: the flow, where it runs, and its simulator."""

    flow_path: Path
    """The flow file being played."""
    flow: Flow
    """The loaded flow."""
    bootstrap: str
    """Bootstrap address of the local broker."""
    simulator: Simulator
    """The running simulator (its `update()` changes handler knobs live)."""
    failure: Callable[[], BaseException | None]
    """The error that ended the simulator early, if any."""


#: A demo view: runs until the user quits; returns an exit status (None: 0).
Show = Callable[[DemoContext], int | None]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="run a local Kafka with live traffic and show it (start here)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "flow",
        metavar="FLOW",
        nargs="?",
        type=Path,
        help=f"the flow to play (default: the {DEMO_FLOW} example)",
    )
    parser.add_argument(
        "--text",
        action="store_true",
        help="print a text summary instead of opening the graph "
        "(the default when stdout is not a terminal)",
    )
    parser.add_argument(
        "--duration",
        type=positive_number,
        metavar="S",
        help="stop after S seconds (implies --text; default: until Ctrl-C)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="the broker's data directory (default: as `edaviz broker`)",
    )
    add_simulation_arguments(parser)
    parser.set_defaults(run=run)


def default_flow() -> Path:
    """The example flow: the repository's `flows/`, else the packaged copy."""
    checkout = Path(__file__).resolve().parents[2] / "flows" / DEMO_FLOW
    if checkout.is_file():
        return checkout
    packaged = resources.files("edaviz.examples").joinpath(DEMO_FLOW)
    return Path(str(packaged))


def run(args: argparse.Namespace) -> int:
    """Start the demo with the graph view, or the text summary."""
    flow_path = args.flow or default_flow()
    if not flow_path.is_file():
        raise UsageError(f"flow file not found: {flow_path}")
    flow = load_flow_or_raise(flow_path)
    use_text = args.text or args.duration is not None or not sys.stdout.isatty()
    show: Show
    if use_text:

        def show(ctx: DemoContext) -> int:
            return text_summary(ctx, duration=args.duration)

    else:
        show = graph_view
    return run_demo(
        flow_path,
        show=show,
        broker=LocalBroker(data_dir=args.data_dir, progress=_progress),
        simulator_options={
            "default_rate": args.rate,
            "overrides": overrides_from_args(flow, args),
            "seed": args.seed,
        },
    )


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_demo(
    flow_path: Path,
    *,
    show: Show,
    broker: LocalBroker | None = None,
    simulator_options: dict[str, Any] | None = None,
    progress: Callable[[str], None] = _progress,
) -> int:
    """Start or reuse the broker, simulate `flow_path`, call `show`, clean up.

    The simulator runs on its own thread and event loop, so `show` may block
    (a Textual app runs its own loop). On return, or Ctrl-C, the simulator
    stops, and so does the broker if this call started it.
    """
    flow = load_flow_or_raise(flow_path)
    broker = broker or LocalBroker(progress=progress)
    running = broker.status()
    started_here = running is None
    if running is None:
        progress(f"Starting Kafka {broker.version} on 127.0.0.1...")
        bootstrap = broker.start()
        broker.stop_when_gone()  # also when the demo itself is killed
    else:
        bootstrap = running.bootstrap
        progress(f"Using the local Kafka already running at {bootstrap}")
    try:
        simulator = Simulator(
            flow, {"bootstrap_servers": bootstrap}, **(simulator_options or {})
        )
        thread = _SimulatorThread(simulator)
        thread.start()
        progress(f"Simulating {flow.name!r} on {bootstrap}")
        try:
            ctx = DemoContext(flow_path, flow, bootstrap, simulator, thread.failure)
            return int(show(ctx) or 0)
        except KeyboardInterrupt:
            return 0
        finally:
            progress("Stopping the simulator...")
            thread.stop()
            error = thread.failure()
            if error is not None and not isinstance(error, EdavizError):
                raise EdavizError(f"the simulator failed: {error}") from error
            if error is not None:
                raise error
    finally:
        if started_here:
            progress("Stopping Kafka...")
            broker.stop()


class _SimulatorThread(threading.Thread):
    """Runs a simulator on its own event loop until `stop()`."""

    def __init__(self, simulator: Simulator) -> None:
        super().__init__(name="edaviz-simulator", daemon=True)
        self.simulator = simulator
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def run(self) -> None:
        """Thread body: the simulator's own loop."""
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported through failure()
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        await self.simulator.run()

    def failure(self) -> BaseException | None:
        """The error the simulator ended with, if it ended early."""
        return self._error

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the simulator to stop (groups commit and leave) and wait."""
        self._ready.wait(timeout_s)
        if self._loop is not None and self.is_alive():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.simulator.stop)
        self.join(timeout_s)


def graph_view(ctx: DemoContext) -> int:
    """The live graph of `edaviz open`, connected to the demo's broker."""
    from edaviz.kafka.connection import ConnectionSettings
    from edaviz.ui.app import run_app

    settings = ConnectionSettings(
        bootstrap=ctx.bootstrap, bootstrap_source="the local demo broker"
    )
    return run_app(str(ctx.flow_path), settings=settings)


def text_summary(ctx: DemoContext, *, duration: float | None = None) -> int:
    """Print end offsets per topic and lag per group every 2 s until Ctrl-C."""
    deadline = None if duration is None else time.monotonic() + duration

    async def loop() -> None:
        while deadline is None or time.monotonic() < deadline:
            if ctx.failure() is not None:
                return
            try:
                lines = await summary_lines(ctx.flow, ctx.bootstrap)
            except KafkaError as exc:
                lines = [f"(Kafka did not answer: {exc})"]
            print(
                f"--- {time.strftime('%H:%M:%S')}  {ctx.flow.name} on {ctx.bootstrap}"
            )
            print("\n".join(lines), flush=True)
            await asyncio.sleep(SUMMARY_INTERVAL_S)

    asyncio.run(loop())
    return 0


async def summary_lines(flow: Flow, bootstrap: str) -> list[str]:
    """Lines of text: each topic's end offset, then each group's lag per topic."""
    topics = sorted({e.topic for e in flow.events.values()})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        described = await admin.describe_topics(topics)
        tps = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if t["error_code"] == 0
            for p in t["partitions"]
        ]
        ends = await consumer.end_offsets(tps) if tps else {}
        lines = ["topics (end offset, summed over partitions):"]
        for topic in topics:
            total = sum(v for tp, v in ends.items() if tp.topic == topic)
            lines.append(f"  {topic:<32} {total:>10}")
        lines.append("groups (lag = end offset - committed offset):")
        for handler in flow.handlers.values():
            if handler.is_source:
                continue
            committed = await admin.list_consumer_group_offsets(handler.group)
            for event_id in handler.consumes:
                topic = flow.events[event_id].topic
                mine = [tp for tp in ends if tp.topic == topic]
                if not mine or any(tp not in committed for tp in mine):
                    lag_text = "-"
                else:
                    lag = sum(ends[tp] - committed[tp].offset for tp in mine)
                    lag_text = str(lag)
                lines.append(f"  {handler.group:<22} {topic:<24} lag {lag_text:>8}")
        return lines
    finally:
        await consumer.stop()
        await admin.close()
