"""UI-side exports: the terminal screen as SVG and default export file names."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from edaviz.export.screen import default_export_path, save_screenshot
from edaviz.kafka.connection import ConnectionSettings

SECRET = "s3cr3t-on-screen"


class Tiny(App[None]):
    """An app that (wrongly) shows a secret, to prove it is masked."""

    def compose(self) -> ComposeResult:
        yield Static(f"orders -> payments  lag 42  pw={SECRET}")


async def test_screen_svg_is_written_atomically_without_secrets(
    tmp_path: Path,
) -> None:
    out = tmp_path / "screen.svg"
    async with Tiny().run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        save_screenshot(pilot.app, out, title="edaviz", secrets=[SECRET])
    data = out.read_text()
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    assert SECRET not in data and "lag" in data
    assert [p.name for p in tmp_path.iterdir()] == ["screen.svg"]


class Status(App[None]):
    """An app whose status line shows the bootstrap as configured."""

    def compose(self) -> ComposeResult:
        yield Static("connected to sasl://bob:hunter2@k1:9092")


async def test_screen_svg_masks_credentials_in_the_bootstrap(tmp_path: Path) -> None:
    out = tmp_path / "screen.svg"
    settings = ConnectionSettings(bootstrap="sasl://bob:hunter2@k1:9092")
    async with Status().run_test(size=(60, 4)) as pilot:
        await pilot.pause()
        save_screenshot(pilot.app, out, settings=settings)
    data = out.read_text()
    assert "hunter2" not in data and "k1:9092" in data


def test_default_export_path() -> None:
    moment = datetime(2026, 12, 3, 18, 30, 5, tzinfo=UTC)
    path = default_export_path('Orders <&> "shop"', "mermaid", "/tmp", now=moment)
    assert path == Path("/tmp/orders-shop-20261203-183005.mmd")
    assert default_export_path("x", "png", now=moment).name == "x-20261203-183005.png"
