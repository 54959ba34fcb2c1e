"""Exports from the UI: the graph to a file (`s`) and the terminal screen (`S`).

`ExportMixin` expects the app to provide `document`, `view` ("full" or
"events"), `graph_view` (with `.direction`), `metrics` (a source or None) and
`settings` (connection settings whose secrets never reach a file). Rendering a
big flow to PNG takes seconds, so the export runs in a thread worker and reports
back with a notification.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from edaviz.core.flow import Flow
from edaviz.errors import EdavizError
from edaviz.export import export_flow, format_for_path
from edaviz.export.screen import default_export_path, save_screenshot
from edaviz.ui.editing_screens import TextPrompt

log = logging.getLogger(__name__)

#: Extensions the export prompt accepts, in the order its title lists them.
EXPORT_EXTENSIONS = "svg, png, mmd, dot, json"


def path_problem(value: str) -> str | None:
    """Why `value` cannot be an export path (None when it can)."""
    if not value:
        return "Type a file name."
    try:
        format_for_path(value)
    except EdavizError:
        return f"End the name with one of: {EXPORT_EXTENSIONS}."
    return None


class ExportMixin:
    """Adds the export and screenshot key bindings and actions to the app."""

    BINDINGS: list = [
        Binding("s", "export", "Export"),
        Binding("S", "screenshot", "Screenshot"),
    ]

    export_folder: str | os.PathLike[str] = "."
    """Where the export prompt and screenshots put their files by default."""

    # Provided by the app (see the module docstring).
    document: Any
    view: str
    graph_view: Any
    metrics: Any
    settings: object | None
    title: str
    notify: Callable[..., None]
    push_screen: Callable[..., Any]
    run_worker: Callable[..., Any]
    call_from_thread: Callable[..., Any]

    def _exportable_flow(self) -> Flow | None:
        flow = self.document.flow
        if flow is None:
            self.notify(
                "The flow has errors; fix them before exporting.",
                title="Export failed",
                severity="error",
            )
        return flow

    def action_export(self) -> None:
        """Ask for a path, then export the graph as shown (view and direction)."""
        flow = self._exportable_flow()
        if flow is None:
            return
        default = default_export_path(flow.name, "svg", self.export_folder)

        def chosen(path: str | None) -> None:
            if path:
                self.start_export(Path(path).expanduser())

        prompt = TextPrompt(
            f"Export the graph to ({EXPORT_EXTENSIONS})",
            str(default),
            check=path_problem,
        )
        self.push_screen(prompt, chosen)

    def start_export(self, path: Path) -> Any:
        """Export the current view to `path` in a thread; returns the worker."""
        flow = self._exportable_flow()
        if flow is None:
            return None
        # Read on the UI thread: the view may change while the file is written.
        latest = self.metrics.latest if self.metrics is not None else None
        if latest is not None and not latest.cluster.connected:
            # Numbers from before the connection dropped would pass for current.
            latest = None
        options = {
            "view": "events" if self.view == "events" else "full",
            "direction": self.graph_view.direction,
            "snapshot": latest,
            "settings": self.settings,
        }

        def work() -> None:
            try:
                written = export_flow(flow, path, **options)
            except (EdavizError, OSError) as error:
                self.call_from_thread(
                    self.notify, str(error), title="Export failed", severity="error"
                )
            except Exception as error:  # a renderer bug: say so, keep the app up
                log.exception("exporting %s failed", path)
                self.call_from_thread(
                    self.notify,
                    f"{path}: {error}",
                    title="Export failed",
                    severity="error",
                )
            else:
                self.call_from_thread(self.notify, f"Exported {written}")

        return self.run_worker(
            work, name="export", group="export", thread=True, exit_on_error=False
        )

    def action_screenshot(self) -> None:
        """Save the terminal screen as an SVG file."""
        flow = self.document.flow
        name = f"{flow.name if flow is not None else 'edaviz'}-screen"
        path = default_export_path(name, "svg", self.export_folder)
        try:
            written = save_screenshot(
                self, path, title=self.title, settings=self.settings
            )
        except (EdavizError, OSError) as error:
            self.notify(str(error), title="Screenshot failed", severity="error")
            return
        self.notify(f"Screenshot saved to {written}")

    def export_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The export actions, for the command palette."""
        yield SystemCommand(
            "Export graph",
            "SVG, PNG, Mermaid, DOT or JSON of the current view (s)",
            self.action_export,
        )
        yield SystemCommand(
            "Screenshot",
            "Save the terminal screen as SVG (Shift+S)",
            self.action_screenshot,
        )
