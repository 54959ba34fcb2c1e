"""Pilot tests: exporting the graph (`s`) and the screen (`S`) from the UI."""

from __future__ import annotations

import dataclasses
import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

from textual.widgets import Input, Static

from edaviz.core.graph import NodeKey
from edaviz.ui import exporting
from edaviz.ui.editing_screens import TextPrompt
from edaviz.ui.screens import help_text

SIZE = (120, 40)
PLACED = NodeKey("event", "order-placed")
SECRET = "hunter2-secret-value"


def notes(app) -> list[tuple[str, str, str]]:
    """(title, message, severity) of every notification so far."""
    return [(n.title, n.message, n.severity) for n in app._notifications]


async def export_to(app, pilot, path: Path | None) -> Input:
    """Press `s`, type `path` (None: keep the default), press Enter."""
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(app.screen, TextPrompt)
    field = app.screen.query_one(Input)
    if path is not None:
        field.value = str(path)
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    return field


async def test_export_prompt_defaults_to_an_svg_of_the_flow(make_app, tmp_path) -> None:
    app = make_app()
    app.export_folder = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        default = Path(app.screen.query_one(Input).value)
        assert default.parent == tmp_path
        assert default.name.startswith("shop-") and default.suffix == ".svg"
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        root = ET.parse(default).getroot()
        assert root.tag.endswith("svg")
        assert ("", f"Exported {default}", "information") in notes(app)


async def test_export_follows_view_direction_and_live_snapshot(
    make_app, live_snapshot, shop, tmp_path
) -> None:
    shop.set_fields(PLACED, {"description": SECRET})
    app = make_app(live_snapshot, settings=SimpleNamespace(sasl_password=SECRET))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "o")
        await pilot.pause()
        target = tmp_path / "events.json"
        await export_to(app, pilot, target)
        text = target.read_text(encoding="utf-8")
        doc = json.loads(text)
        assert doc["view"] == "events" and doc["direction"] == "TB"
        kinds = {node["kind"] for node in doc["layout"]["nodes"]}
        assert kinds == {"event"}
        assert doc["snapshot"]["sequence"] == live_snapshot.sequence
        assert SECRET not in text
        assert any(m == f"Exported {target}" for _, m, _ in notes(app))


async def test_export_without_a_connection_has_no_numbers(
    make_app, live_snapshot, tmp_path
) -> None:
    cluster = dataclasses.replace(live_snapshot.cluster, connected=False)
    app = make_app(dataclasses.replace(live_snapshot, cluster=cluster))
    async with app.run_test(size=SIZE) as pilot:
        target = tmp_path / "offline.json"
        await export_to(app, pilot, target)
        doc = json.loads(target.read_text(encoding="utf-8"))
        assert doc["snapshot"] is None
        assert doc["view"] == "full" and doc["direction"] == "LR"


async def test_export_to_png_mermaid_and_dot(make_app, live_snapshot, tmp_path) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        for name in ("graph.png", "graph.mmd", "graph.dot"):
            await export_to(app, pilot, tmp_path / name)
        assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert "\nflowchart LR\n" in (tmp_path / "graph.mmd").read_text()
        assert "digraph" in (tmp_path / "graph.dot").read_text()


async def test_ui_keeps_working_while_an_export_runs(
    make_app, tmp_path, monkeypatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real_export = exporting.export_flow

    def slow_export(*args, **kwargs):
        started.set()
        assert release.wait(10), "the test never released the export"
        return real_export(*args, **kwargs)

    monkeypatch.setattr(exporting, "export_flow", slow_export)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        worker = app.start_export(tmp_path / "slow.svg")
        for _ in range(500):  # the worker starts on a later turn of the loop
            if started.is_set():
                break
            await pilot.pause(0.01)
        assert started.is_set()
        await pilot.press("z")
        await pilot.pause()
        assert app.graph_view.zoom == "detailed"
        assert worker.is_running
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (tmp_path / "slow.svg").exists()


async def test_unknown_extension_is_refused_in_the_prompt(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "graph.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        error = app.screen.query_one("#prompt-error", Static).render()
        assert "svg, png, mmd, dot, json" in str(error)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TextPrompt)
        assert list(tmp_path.iterdir()) == []


async def test_export_failure_is_a_titled_error(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        target = tmp_path / "missing-folder" / "graph.svg"
        await export_to(app, pilot, target)
        assert not target.exists()
        failures = [(m, s) for t, m, s in notes(app) if t == "Export failed"]
        assert len(failures) == 1
        message, severity = failures[0]
        assert severity == "error" and "does not exist" in message


async def test_screenshot_writes_an_svg_of_the_screen(make_app, tmp_path) -> None:
    app = make_app()
    app.export_folder = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        shots = list(tmp_path.glob("shop-screen-*.svg"))
        assert len(shots) == 1
        root = ET.parse(shots[0]).getroot()
        assert root.tag.endswith("svg")
        assert "order-placed" in shots[0].read_text(encoding="utf-8").replace(
            "&#160;", " "
        )
        assert ("", f"Screenshot saved to {shots[0]}", "information") in notes(app)


async def test_export_and_screenshot_are_in_palette_and_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Export graph", "Screenshot"} <= titles
    text = help_text()
    assert "| `s` | Export" in text and "| `S` (Shift+S) | " in text
