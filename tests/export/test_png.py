"""PNG export decoded with zlib: a real image of the drawing, text included."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache

from edaviz.core.flow import Flow
from edaviz.export import export_bytes
from edaviz.export.png import fit_zoom, monospace_font
from edaviz.export.svg import CELL_H, CELL_W, MARGIN

from .conftest import FLOW_DATA, make_snapshot
from .png_reader import Png, decode


@cache
def rendered(live: bool) -> tuple[bytes, Png]:
    """The SVG and the decoded PNG of the sample flow (decoding is slow in
    pure Python, so each image is decoded once per test session)."""
    flow = Flow.model_validate(FLOW_DATA)
    snapshot = make_snapshot() if live else None
    svg = export_bytes(flow, "svg", snapshot=snapshot)
    return svg, decode(export_bytes(flow, "png", snapshot=snapshot))


def _dark(pixel: tuple[int, ...]) -> bool:
    return sum(pixel[:3]) < 3 * 128


def test_png_decodes_to_the_drawing_size() -> None:
    svg, png = rendered(live=True)
    root = ET.fromstring(svg)
    assert (png.width, png.height) == (int(root.get("width")), int(root.get("height")))
    assert png.chunk_types[0] == b"IHDR" and b"IDAT" in png.chunk_types
    assert png.pixel(0, 0)[:3] == (255, 255, 255)  # white, opaque background


def test_png_renders_the_title_text() -> None:
    assert all(path.is_file() for path in monospace_font()[1])
    _, png = rendered(live=False)
    # The title's first cells hold glyphs: dark pixels must appear there. Without
    # a usable font resvg draws no text at all and this band stays white.
    x0, y0 = MARGIN * CELL_W, MARGIN * CELL_H
    band = [
        png.pixel(x, y)
        for y in range(y0, y0 + CELL_H)
        for x in range(x0, x0 + 10 * CELL_W)
    ]
    assert sum(_dark(p) for p in band) > 50


def test_png_draws_coloured_boxes_and_health() -> None:
    _, png = rendered(live=True)
    colours = {
        png.pixel(x, y)[:3]
        for y in range(0, png.height, 2)
        for x in range(0, png.width, 2)
    }
    assert (0xE3, 0xF2, 0xFD) in colours  # event fill
    assert (0xED, 0xE7, 0xF6) in colours  # handler fill
    assert (0xC6, 0x28, 0x28) in colours  # the STOP edge


def test_huge_drawings_are_scaled_to_the_pixel_cap() -> None:
    head = '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}">'
    assert fit_zoom(head.format(800, 600)) == 1.0
    zoom = fit_zoom(head.format(16_000, 10_000), max_pixels=40_000_000)
    assert abs(16_000 * 10_000 * zoom**2 - 40_000_000) < 1_000
