"""PNG export decoded with zlib: a real image of the drawing, text included."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from edaviz.core.flow import Flow
from edaviz.export import export_bytes
from edaviz.export.svg import CELL_H, CELL_W, MARGIN
from edaviz.metrics.snapshot import Snapshot

from .png_reader import decode


def _dark(pixel: tuple[int, ...]) -> bool:
    return sum(pixel[:3]) < 3 * 128


def test_png_decodes_to_the_drawing_size(flow: Flow, snapshot: Snapshot) -> None:
    svg = ET.fromstring(export_bytes(flow, "svg", snapshot=snapshot))
    png = decode(export_bytes(flow, "png", snapshot=snapshot))
    assert (png.width, png.height) == (int(svg.get("width")), int(svg.get("height")))
    assert png.chunk_types[0] == b"IHDR" and b"IDAT" in png.chunk_types

    # The background is white and opaque.
    assert png.pixel(0, 0)[:3] == (255, 255, 255)


def test_png_renders_the_title_text(flow: Flow) -> None:
    png = decode(export_bytes(flow, "png"))
    # The title's first cells hold glyphs: dark pixels must appear there. Without
    # a usable font resvg draws no text at all and this band stays white.
    x0, y0 = MARGIN * CELL_W, MARGIN * CELL_H
    band = [
        png.pixel(x, y)
        for y in range(y0, y0 + CELL_H)
        for x in range(x0, x0 + 10 * CELL_W)
    ]
    assert sum(_dark(p) for p in band) > 50


def test_png_draws_coloured_boxes(flow: Flow) -> None:
    png = decode(export_bytes(flow, "png"))
    colours = {
        png.pixel(x, y)[:3]
        for y in range(0, png.height, 3)
        for x in range(0, png.width, 3)
    }
    assert (0xE3, 0xF2, 0xFD) in colours  # event fill
    assert (0xED, 0xE7, 0xF6) in colours  # handler fill
