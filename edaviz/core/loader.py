"""Load a flow file: read, parse, check, and say exactly where anything is wrong.

`load_flow` never raises for bad input: everything wrong with the file becomes a
`Diagnostic`. `load_flow_or_raise` is for commands that need a valid flow and
stop otherwise. `validate_text` and `load_document` check text or an edited
ruamel document held in memory, without touching the disk.
"""

from __future__ import annotations

import codecs
import logging
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from edaviz.core.diagnostics import Diagnostic, render, tidy
from edaviz.core.flow import Flow
from edaviz.core.source import Position, PositionMap, from_document, parse_text
from edaviz.core.validate import check_data
from edaviz.errors import EdavizError, UsageError

log = logging.getLogger(__name__)

#: Largest flow file read. A 20,000-node flow (the benchmark's, ten times over)
#: takes 3.9 MiB and 3 s to check; 4 MiB of one-line events, the worst case,
#: about 12 s and 420 MB (16 MiB took 42 s and 1.2 GB).
MAX_FILE_BYTES = 4 * 1024 * 1024

_SECTION_OF = {"event": "events", "handler": "handlers"}


class FlowInvalid(EdavizError):
    """The flow file has errors; the message lists them, one per line."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(render(d for d in diagnostics if d.is_error))
        self.diagnostics = diagnostics


@dataclass(eq=False)
class LoadResult:
    """A flow file after checking: the flow when valid, and every diagnostic."""

    path: str
    """The file as named by the caller (`<stdin>`, `<memory>` for text)."""

    text: str
    """The text checked (empty when the file could not be decoded)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Errors and warnings in file order."""

    model: Flow | None = None
    """The parsed flow whenever its shape is right, even if the flow has semantic
    errors (undefined events, cycles): for views that draw an invalid flow."""

    positions: PositionMap = field(default_factory=PositionMap)
    """Where every key and value sits, by data path."""

    parsed: bool = False
    """True when the YAML itself could be read (no syntax error, bomb...)."""

    @property
    def flow(self) -> Flow | None:
        """The flow when the file has no errors (warnings allowed), else None."""
        return self.model if self.ok else None

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error."""
        return not any(d.is_error for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that are errors."""
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics that are warnings."""
        return [d for d in self.diagnostics if not d.is_error]

    @cached_property
    def document(self) -> Any:
        """The ruamel round-trip document (comments kept, for saving edits back),
        or None when the YAML cannot be read. Parsed on first use."""
        if not self.parsed:
            return None
        yaml = YAML(typ="rt")
        yaml.allow_duplicate_keys = True
        try:
            return yaml.load(self.text)
        except (YAMLError, RecursionError) as exc:
            log.debug("round-trip parse of %s failed: %s", self.path, exc)
            return None

    def position_of(
        self, kind: Literal["event", "handler"], node_id: str
    ) -> Position | None:
        """The 1-based (line, col) where an event or handler is defined."""
        section = _SECTION_OF.get(kind)
        if section is None:
            return None
        return self.positions.key((section, node_id))


def load_flow(path: str | Path) -> LoadResult:
    """Read and check a flow file. Raises UsageError only when it cannot be read
    at all (missing, a directory, no permission); "-" reads standard input."""
    raw = _read_bytes(str(path))
    name = "<stdin>" if str(path) == "-" else str(path)
    if len(raw) > MAX_FILE_BYTES:
        mebibytes, rest = divmod(MAX_FILE_BYTES, 1024 * 1024)
        limit = (
            f"{mebibytes} MiB" if mebibytes and not rest else f"{MAX_FILE_BYTES} bytes"
        )
        return _failed(name, f"the file is larger than {limit}, the limit for flows")
    body = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _undecodable_position(body, exc.start)
        message = f"the file is not UTF-8 text (byte 0x{body[exc.start]:02x})"
        diagnostic = Diagnostic(name, line, col, "error", message)
        return LoadResult(path=name, text="", diagnostics=[diagnostic])
    return validate_text(text, name)


def validate_text(text: str, path: str = "<memory>") -> LoadResult:
    """Check flow text held in memory, as if it were the file `path`."""
    source = parse_text(text, path)
    result = LoadResult(
        path=path,
        text=text,
        positions=source.positions,
        parsed=not source.fatal,
    )
    diagnostics = list(source.diagnostics)
    if not source.fatal:
        model, found = check_data(source.data, source.positions, path)
        diagnostics.extend(found)
        result.model = model
    result.diagnostics = tidy(diagnostics)
    return result


def load_document(document: Any, path: str = "<memory>") -> LoadResult:
    """Check an in-memory ruamel round-trip document (e.g. one being edited).

    Positions come from the document's line/column marks; `text` is empty.
    """
    source = from_document(document, path)
    result = LoadResult(path=path, text="", positions=source.positions)
    diagnostics = list(source.diagnostics)
    if not source.fatal:
        model, found = check_data(source.data, source.positions, path)
        diagnostics.extend(found)
        result.model = model
    result.diagnostics = tidy(diagnostics)
    # The document is the caller's own; hand it back instead of reparsing.
    result.__dict__["document"] = document
    return result


def load_flow_or_raise(path: str | Path) -> Flow:
    """The valid flow in `path`; raises FlowInvalid listing its errors, or
    UsageError when the file cannot be read. Warnings are logged."""
    result = load_flow(path)
    for warning in result.warnings:
        log.info("%s", warning)
    if result.flow is None:
        raise FlowInvalid(result.diagnostics)
    return result.flow


def _read_bytes(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    file = Path(name)
    try:
        with file.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a directory, not a flow file") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None


def _failed(path: str, message: str) -> LoadResult:
    diagnostic = Diagnostic(path, 1, 1, "error", message)
    return LoadResult(path=path, text="", diagnostics=[diagnostic])


def _undecodable_position(body: bytes, offset: int) -> Position:
    """Line and column of the byte at `offset`, the first that is not UTF-8,
    counted in characters (as every other diagnostic is): all before it
    decodes."""
    before = body[:offset].decode("utf-8")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    return line, col
