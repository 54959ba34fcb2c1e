"""The `edaviz` command line: one sub-command per module of this package."""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import select
import sys
from collections.abc import Sequence

from edaviz import __version__
from edaviz.errors import EdavizError

log = logging.getLogger(__name__)

#: Sub-commands in the order `edaviz --help` lists them; each names a module of
#: this package that defines `register(subparsers)`.
COMMANDS = (
    "demo",
    "open",
    "watch",
    "validate",
    "export",
    "new",
    "simulate",
    "broker",
    "schema",
)

DESCRIPTION = """\
edaviz shows an event-driven system on Kafka as a live graph: events (topics)
and the handlers (consumer groups) that consume and produce them, with
throughput, consumer lag and health on every edge.
"""

EPILOG = """\
Start with `edaviz demo` to see it work against a local Kafka it starts itself.
Run `edaviz COMMAND --help` for the options of one command.
"""


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="edaviz",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"edaviz {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log more detail to stderr (repeat for debug output)",
    )
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", dest="command"
    )
    for name in COMMANDS:
        module = importlib.import_module(f"edaviz.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    _configure_logging(args.verbose)
    # Ids and messages may hold any character; a terminal that cannot show
    # one (LANG=en_US.ISO-8859-1) gets an escape, not a UnicodeEncodeError.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # a reader that left shows here, not at exit
        return status
    except EdavizError as exc:
        print(f"edaviz: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        if not _stdout_gone():
            raise
        # `edaviz validate ... | head` stops reading: end quietly, as the
        # shell's own tools do, with the status of a process killed by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13


def _stdout_gone() -> bool:
    """True when standard output is a pipe whose reader has exited."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False  # no poll (Windows) or no file descriptor (captured)


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING
    if verbosity == 1:
        level = logging.INFO
    elif verbosity > 1:
        level = logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if verbosity < 2:
        # aiokafka reports every retried request at WARNING and an unreachable
        # broker at ERROR; edaviz reports the connection state itself, in its
        # own words, so aiokafka speaks only with -vv.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
