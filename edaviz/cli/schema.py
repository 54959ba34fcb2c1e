"""`edaviz schema`: print the JSON Schema of flow files for editors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edaviz.core.schema import flow_json_schema
from edaviz.errors import UsageError

DESCRIPTION = """\
Print the JSON Schema (draft 2020-12) of the flow file format. Editors with a
YAML language server (VS Code's YAML extension, Neovim, Helix...) use it to
check and complete flow files as you type.
"""

EPILOG = """\
use it in an editor:
  edaviz schema -o flow.schema.json
  then start each flow file with the line
  # yaml-language-server: $schema=flow.schema.json
  (the path is relative to the flow file), or map a glob to the schema in the
  editor's settings, e.g. VS Code: "yaml.schemas": {"./flow.schema.json":
  "flows/*.yaml"}.

The schema checks the shape of a flow; `edaviz validate` also checks
references, cycles and topic names.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `schema` sub-command."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of flow files (for editor completion)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write the schema to PATH instead of standard output",
    )
    parser.set_defaults(run=run)


def schema_text() -> str:
    """The schema as the command prints it: indented JSON and a final newline."""
    return json.dumps(flow_json_schema(), indent=2) + "\n"


def run(args: argparse.Namespace) -> int:
    """Print or write the schema."""
    text = schema_text()
    if args.output is None:
        print(text, end="")
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from exc
    return 0
