"""`edaviz new`: write a commented starter flow file to edit."""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib.resources import files
from pathlib import Path

from edaviz.errors import UsageError

DESCRIPTION = """\
Write a small, commented flow file to start from: three events, a source
handler, a handler with a failure branch and a sink. It validates as written.
Refuses to overwrite an existing file.
"""

EPILOG = """\
examples:
  edaviz new checkout                  # writes checkout.yaml
  edaviz new checkout -o flows/checkout.yaml
"""

_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._ -]*")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `new` sub-command."""
    parser = subparsers.add_parser(
        "new",
        help="write a commented starter flow file",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="the flow's name")
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write (default: NAME.yaml in the current directory)",
    )
    parser.set_defaults(run=run)


def starter_flow(name: str, file_name: str) -> str:
    """The starter flow text for a flow called `name` saved as `file_name`."""
    template = files("edaviz.cli").joinpath("starter-flow.yaml").read_text("utf-8")
    plain = _PLAIN_NAME.fullmatch(name) and name.lower() not in _YAML_WORDS
    quoted = name.rstrip() if plain else json.dumps(name)
    text = template.replace("name: __NAME__", f"name: {quoted}")
    comment_safe = " ".join(name.split())
    return text.replace("__NAME__", comment_safe).replace("__FILE__", file_name)


def run(args: argparse.Namespace) -> int:
    """Write the starter flow; never overwrite."""
    if not args.name.strip():
        raise UsageError("the flow name must not be empty")
    target = Path(args.output or f"{_file_stem(args.name)}.yaml")
    text = starter_flow(args.name.strip(), str(target))
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(
            f"{target} already exists; not overwriting it (choose another path with -o)"
        ) from None
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {target}; check it with: edaviz validate {target}", file=sys.stderr)
    return 0


def _file_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.")
    return stem or "flow"
