"""Exporters: SVG, PNG, Mermaid, DOT and JSON snapshots of a flow graph.

`export_bytes` renders a flow in one format; `export_flow` writes it to a file
atomically. The CLI (`edaviz export`) and the UI both call these.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

from edaviz.core.flow import Flow
from edaviz.errors import EdavizError, UsageError
from edaviz.export.dot import dot_string, render_dot
from edaviz.export.jsondoc import render_json
from edaviz.export.mermaid import mermaid_text, render_mermaid
from edaviz.export.png import render_png
from edaviz.export.redact import bootstrap_credentials, scrub, secrets_of
from edaviz.export.scene import Direction, Scene, View, build_scene
from edaviz.export.svg import render_svg
from edaviz.metrics.snapshot import Snapshot

log = logging.getLogger(__name__)

Format = Literal["svg", "png", "mermaid", "dot", "json"]

#: Every format, in the order help texts list them.
FORMATS: tuple[Format, ...] = ("svg", "png", "mermaid", "dot", "json")

#: File extensions and the format each one means.
EXTENSIONS: dict[str, Format] = {
    ".svg": "svg",
    ".png": "png",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
    ".json": "json",
}

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "Format",
    "export_bytes",
    "export_flow",
    "format_for_path",
    "scrub_secrets",
    "write_atomic",
]


def format_for_path(path: str | os.PathLike[str], fmt: str | None = None) -> Format:
    """The format to write `path` in: `fmt` when given, else from the extension."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(
                f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}"
            )
        return fmt  # type: ignore[return-value]
    suffix = Path(path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    known = ", ".join(EXTENSIONS)
    what = f"extension {suffix!r}" if suffix else "no extension"
    raise UsageError(
        f"cannot tell the export format of {os.fspath(path)!r} ({what}); "
        f"use one of {known} or pass --format"
    )


def export_bytes(
    flow: Flow,
    fmt: Format,
    *,
    view: View = "full",
    snapshot: Snapshot | None = None,
    direction: Direction = "LR",
    secrets: Iterable[str] = (),
    settings: object | None = None,
) -> bytes:
    """Render `flow` in `fmt` and return the file's bytes.

    Args:
        view: `full` (events and handlers) or `events` (events only).
        snapshot: live metrics to show on edges and in the caption.
        direction: `LR` (left to right) or `TB` (top to bottom).
        secrets: strings that must not appear in the output.
        settings: connection settings whose secret fields must not appear.
    """
    scene = build_scene(flow, view=view, snapshot=snapshot, direction=direction)
    hidden = set(secrets) | secrets_of(settings)
    hidden |= bootstrap_credentials(flow.cluster.bootstrap)
    if fmt == "png":
        return render_png(scrub_secrets(render_svg(scene), hidden))
    text = _render_text(scene, fmt)
    return scrub_secrets(text, hidden).encode("utf-8")


def _render_text(scene: Scene, fmt: Format) -> str:
    renderers = {
        "svg": render_svg,
        "mermaid": render_mermaid,
        "dot": render_dot,
        "json": render_json,
    }
    if fmt not in renderers:
        raise UsageError(f"unknown export format {fmt!r}")
    return renderers[fmt](scene)


def scrub_secrets(text: str, secrets: set[str]) -> str:
    """Mask each secret in its raw form and as each format would escape it."""
    if not secrets:
        return text
    forms: set[str] = set()
    for secret in secrets:
        forms.update({secret, escape(secret), json.dumps(secret)[1:-1]})
        forms.update({dot_string(secret)[1:-1], mermaid_text(secret)})
    return scrub(text, forms)


def export_flow(
    flow: Flow,
    path: str | os.PathLike[str],
    fmt: Format | None = None,
    *,
    view: View = "full",
    snapshot: Snapshot | None = None,
    direction: Direction = "LR",
    secrets: Iterable[str] = (),
    settings: object | None = None,
) -> Path:
    """Write `flow` to `path` (format from the extension unless `fmt` is given).

    The file appears whole or not at all: the bytes go to a temporary file in the
    same folder, which then replaces `path`.
    """
    target = Path(path)
    chosen = format_for_path(target, fmt)
    data = export_bytes(
        flow,
        chosen,
        view=view,
        snapshot=snapshot,
        direction=direction,
        secrets=secrets,
        settings=settings,
    )
    write_atomic(target, data)
    log.info("exported %s (%s, %d bytes)", target, chosen, len(data))
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; an export is a document meant for sharing.
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise EdavizError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
