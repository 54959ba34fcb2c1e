"""`edaviz new`: write a commented starter flow file to edit."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from importlib.resources import files
from pathlib import Path

from edaviz.core.atomic import atomic_write
from edaviz.errors import UsageError

DESCRIPTION = """\
Write a small, commented flow file to start from: three events, a source
handler, a handler with a failure branch and a sink. It validates as written.
NAME is the flow's name, or the file to write when it ends in .yaml or .yml or
holds a path separator (the flow is then named after the file). Refuses to
overwrite an existing file unless --force.
"""

EPILOG = """\
examples:
  edaviz new checkout                  # writes checkout.yaml
  edaviz new flows/checkout.yaml       # writes flows/checkout.yaml
  edaviz new "Checkout saga" -o flows/checkout.yaml
"""

_YAML_SUFFIXES = (".yaml", ".yml")

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
    parser.add_argument(
        "name",
        metavar="NAME",
        help="the flow's name, or the file to write (ends in .yaml or .yml, or "
        "holds a /)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write (default: NAME.yaml in the current directory, or NAME "
        "itself when it is a path)",
    )
    parser.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="replace the file if it exists",
    )
    parser.set_defaults(run=run)


def starter_flow(name: str, file_name: str) -> str:
    """The starter flow text for a flow called `name` saved as `file_name`."""
    template = files("edaviz.cli").joinpath("starter-flow.yaml").read_text("utf-8")
    plain = _PLAIN_NAME.fullmatch(name) and name.lower() not in _YAML_WORDS
    quoted = name.rstrip() if plain else json.dumps(name, ensure_ascii=False)
    text = template.replace("name: __NAME__", f"name: {quoted}")
    comment_safe = " ".join(name.split())
    return text.replace("__NAME__", comment_safe).replace("__FILE__", file_name)


def run(args: argparse.Namespace) -> int:
    """Write the starter flow; overwrite only with --force."""
    if not args.name.strip():
        raise UsageError("the flow name must not be empty")
    name, target = flow_name_and_target(args.name, args.output)
    _check_target(target, force=args.force)
    text = starter_flow(name, str(target))
    try:
        if args.force:
            atomic_write(target, text.encode("utf-8"))
        else:
            with target.open("x", encoding="utf-8") as handle:
                handle.write(text)
    except FileExistsError:
        raise UsageError(_exists_message(target)) from None
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {target}; check it with: edaviz validate {target}", file=sys.stderr)
    return 0


def flow_name_and_target(name: str, output: str | None) -> tuple[str, Path]:
    """The flow's name and the file to write for `edaviz new NAME [-o PATH]`.

    A NAME that looks like a path (a .yaml or .yml suffix, or a directory part)
    is the file, and the flow is named after its stem; a plain NAME is the flow's
    name and the file is NAME.yaml in the current directory.
    """
    name = name.strip()
    if not _is_path(name):
        return name, Path(output or f"{_file_stem(name)}.yaml")
    path = Path(name)
    if name.endswith(("/", os.sep)) or not path.name:
        raise UsageError(
            f"{name} names a directory; give the file to write, e.g. "
            f"{Path(name, 'checkout.yaml')}"
        )
    if path.suffix.lower() not in _YAML_SUFFIXES:
        path = path.with_name(f"{path.name}.yaml")
    stem = path.stem.strip() or "flow"
    return stem, Path(output) if output else path


def _is_path(name: str) -> bool:
    separators = {"/", os.sep, os.altsep} - {None}
    return name.lower().endswith(_YAML_SUFFIXES) or any(
        separator in name for separator in separators
    )


def _check_target(target: Path, *, force: bool) -> None:
    """Refuse a target that cannot or should not be written, before writing."""
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give the file to write")
    if target.exists() and not force:
        raise UsageError(_exists_message(target))
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"{target}: directory {parent} does not exist")


def _exists_message(target: Path) -> str:
    return (
        f"{target} already exists; not overwriting it (replace it with --force, "
        "or choose another path with -o)"
    )


def _file_stem(name: str) -> str:
    stem = re.sub(r"[^\w.-]+", "-", name.strip()).strip("-.")
    return stem or "flow"
