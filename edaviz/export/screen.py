"""Exports started from the UI: the terminal screen as SVG, and default file names.

The UI's export key asks for a path pre-filled with `default_export_path`, then
calls `edaviz.export.export_flow` with the snapshot on screen, or
`save_screenshot` for a picture of the terminal itself. Nothing here imports
Textual: any object with Textual's `export_screenshot()` will do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from edaviz.export import EXTENSIONS, Format, scrub_secrets, write_atomic
from edaviz.export.redact import secrets_of

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


class Screenshotter(Protocol):
    """What `save_screenshot` needs of the app: Textual's screenshot method."""

    def export_screenshot(self, *, title: str | None = None) -> str:
        """The current screen as an SVG document."""
        ...


def default_export_path(
    flow_name: str,
    fmt: Format | str = "svg",
    folder: str | os.PathLike[str] = ".",
    *,
    now: datetime | None = None,
) -> Path:
    """`FOLDER/<flow-name>-<UTC time>.<ext>`: a fresh, sortable file name."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    slug = _SLUG.sub("-", flow_name).strip("-.").lower() or "flow"
    ext = next((e for e, f in EXTENSIONS.items() if f == fmt), f".{fmt}")
    return Path(folder) / f"{slug}-{moment:%Y%m%d-%H%M%S}{ext}"


def save_screenshot(
    app: Screenshotter,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    secrets: Iterable[str] = (),
    settings: object | None = None,
) -> Path:
    """Write the app's screen as SVG to `path`, atomically, without secrets."""
    target = Path(path)
    svg = app.export_screenshot(title=title)
    hidden = set(secrets) | secrets_of(settings)
    write_atomic(target, scrub_secrets(svg, hidden).encode("utf-8"))
    return target
