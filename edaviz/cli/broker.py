"""`edaviz broker start|stop|status`: the local single-node Kafka."""

from __future__ import annotations

import argparse
import sys

from edaviz.errors import UsageError
from edaviz.kafka.broker import LocalBroker

DESCRIPTION = """\
Run a single-node Apache Kafka (KRaft mode) on 127.0.0.1 from the official
jars, fetched once from Maven Central into ~/.cache/edaviz (needs Java 17+ and
Maven). The broker keeps running after `start` returns; `stop` ends it.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `broker` sub-command."""
    parser = subparsers.add_parser(
        "broker",
        help="start, stop or inspect the local Kafka broker",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", dest="action")

    start = actions.add_parser(
        "start",
        help="start the broker (or report it runs)",
        description="Start the local Kafka broker in the background and print its "
        "bootstrap address; when it already runs, say where. The first start "
        "fetches the Kafka jars (needs Java 17+ and Maven).",
    )
    start.add_argument(
        "--port",
        type=_port,
        help="client port on 127.0.0.1 (default: the last one used, else a free one)",
    )
    start.add_argument(
        "--foreground",
        action="store_true",
        help="stay attached and stop the broker on Ctrl-C",
    )
    stop = actions.add_parser(
        "stop",
        help="stop the broker",
        description="Stop the local Kafka broker that `edaviz broker start` "
        "started; its data directory stays.",
    )
    status = actions.add_parser(
        "status",
        help="say whether the broker runs, and where",
        description="Say whether the local Kafka broker runs: its address, process, "
        "data directory and log file. Exits with 3 when it does not run.",
    )
    for sub in (start, stop, status):
        sub.add_argument(
            "--data-dir",
            metavar="DIR",
            help="the broker's data directory "
            "(default: ~/.cache/edaviz/kafka-VERSION/data)",
        )
        sub.add_argument(
            "--kafka-version",
            metavar="V",
            help="Apache Kafka version (default: $EDAVIZ_KAFKA_VERSION or 4.4.0)",
        )
    parser.set_defaults(run=run, action=None)


def _port(text: str) -> int:
    """A TCP port number from the command line (1-65535)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return port


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Carry out one broker action."""
    if args.action is None:
        raise UsageError("say what to do: edaviz broker start|stop|status")
    broker = LocalBroker(
        version=args.kafka_version,
        port=getattr(args, "port", None),
        data_dir=args.data_dir,
        progress=_progress,
    )
    if args.action == "status":
        return _status(broker)
    if args.action == "stop":
        if broker.stop():
            print("Kafka stopped")
        else:
            print("Kafka is not running")
        return 0
    return _start(broker, foreground=args.foreground)


def _status(broker: LocalBroker) -> int:
    state = broker.status()
    if state is None:
        print(f"Kafka is not running (data: {broker.data_dir})")
        return 3
    answering = broker.is_ready()
    print(f"Kafka {state.version} is running at {state.bootstrap} (pid {state.pid})")
    print(f"  data: {state.data_dir}")
    print(f"  log:  {broker.log_file}")
    if not answering:
        print("  warning: the broker does not answer metadata requests yet")
    return 0


def _start(broker: LocalBroker, *, foreground: bool) -> int:
    running = broker.status()
    if running is not None:
        if broker.requested_port is not None and broker.requested_port != running.port:
            raise UsageError(
                f"Kafka already runs at {running.bootstrap} for {broker.data_dir}; "
                "stop it first to use another port"
            )
        print(f"Kafka is already running at {running.bootstrap}")
        return 0
    _progress(f"Starting Kafka {broker.version}...")
    bootstrap = broker.start()
    print(bootstrap if not foreground else f"Kafka is running at {bootstrap}")
    sys.stdout.flush()
    if not foreground:
        _progress(f"Logs: {broker.log_file}  (stop with `edaviz broker stop`)")
        return 0
    _progress("Press Ctrl-C to stop.")
    try:
        broker.wait()
    except KeyboardInterrupt:
        _progress("Stopping Kafka...")
    finally:
        broker.stop()
    return 0
