"""The Textual terminal UI: `run_app` opens a flow as a live graph."""

from __future__ import annotations

from typing import Any


def run_app(flow_path: str, **options: Any) -> int:
    """Open the UI on a flow file (see `edaviz.ui.app.run_app` for options)."""
    from edaviz.ui.app import run_app as _run_app

    return _run_app(flow_path, **options)


__all__ = ["run_app"]
