"""`edaviz new`: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `new` sub-command."""
    parser = subparsers.add_parser("new", help="(not available yet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Say that this command is not available yet."""
    print("edaviz new is not available yet")
    return 2
