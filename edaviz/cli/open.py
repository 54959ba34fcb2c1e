"""`edaviz open`: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `open` sub-command."""
    parser = subparsers.add_parser("open", help="(not available yet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Say that this command is not available yet."""
    print("edaviz open is not available yet")
    return 2
