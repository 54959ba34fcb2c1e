"""`edaviz validate`: check flow files and report each problem as PATH:LINE:COL."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from edaviz.core.diagnostics import Diagnostic, count
from edaviz.core.loader import load_flow
from edaviz.errors import UsageError

DESCRIPTION = """\
Check flow files: YAML syntax, fields and their types, references between
events and handlers, cycles, Kafka topic names. Each problem prints on stdout
as PATH:LINE:COL: error|warning: MESSAGE, the form editors and CI understand;
a one-line summary goes to stderr.

exit status: 0 all valid (warnings allowed), 1 some flow has errors,
2 a file could not be read or the command line is wrong.
"""

EPILOG = """\
examples:
  edaviz validate flows/*.yaml
  edaviz validate --strict --format json flow.yaml
  cat flow.yaml | edaviz validate -
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `validate` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="check flow files and report problems with line and column",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "flows",
        nargs="+",
        metavar="FLOW",
        help="flow file to check (YAML or JSON); '-' reads standard input",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings as errors (exit status 1)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print errors only (and warnings under --strict), no summary",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one PATH:LINE:COL line per problem (default); json: one "
        "JSON array of problems with node and edge ids",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check every flow named; return the exit status."""
    shown: list[Diagnostic] = []
    unreadable = invalid = 0
    errors = warnings = 0
    for name in args.flows:
        try:
            result = load_flow(name)
        except UsageError as exc:
            print(f"edaviz: error: {exc}", file=sys.stderr)
            unreadable += 1
            continue
        file_errors, file_warnings = count(result.diagnostics)
        errors += file_errors
        warnings += file_warnings
        if file_errors or (args.strict and file_warnings):
            invalid += 1
        # Under --strict a warning fails the flow, so even --quiet shows it.
        found = result.errors if args.quiet and not args.strict else result.diagnostics
        if args.format == "text":
            for diagnostic in found:
                print(diagnostic)
        shown.extend(found)

    if args.format == "json":
        print(json.dumps([_as_json(d) for d in shown], indent=2))
    if not args.quiet:
        summary = _summary(len(args.flows), invalid, unreadable, errors, warnings)
        print(f"edaviz: {summary}", file=sys.stderr)
    if unreadable:
        return 2
    return 1 if invalid else 0


def _as_json(diagnostic: Diagnostic) -> dict[str, object]:
    data = asdict(diagnostic)
    data["node"] = list(diagnostic.node) if diagnostic.node else None
    data["edge"] = list(diagnostic.edge) if diagnostic.edge else None
    return data


def _summary(total: int, invalid: int, unreadable: int, errors: int, warns: int) -> str:
    valid = total - invalid - unreadable
    parts = [f"{_plural(total, 'flow')} checked: {valid} valid"]
    if invalid:
        parts.append(f"{invalid} invalid")
    if unreadable:
        parts.append(f"{unreadable} unreadable")
    return (
        ", ".join(parts) + f" ({_plural(errors, 'error')}, {_plural(warns, 'warning')})"
    )


def _plural(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
