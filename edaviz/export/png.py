"""PNG rendering of the SVG drawing with resvg: no browser, no system library.

resvg brings its own rasteriser and text shaper; it only needs font files. They
come with edaviz (IBM Plex Mono, OFL, from PyPI), so a PNG has the same glyphs
and widths on every machine, none of its fonts looked up or installed by hand.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import fontpkg_ibm_plex_mono
import resvg_py

from edaviz.errors import EdavizError

log = logging.getLogger(__name__)

#: The files of the shipped family: regular for labels, bold for the title.
FONT_FILES = ("IBMPlexMono-Regular.ttf", "IBMPlexMono-Bold.ttf")

#: Largest image rendered, in pixels. A 500-node flow draws at about 16k x 12k
#: (200 megapixels, 800 MB of RGBA, a minute to rasterise); past this the image
#: is scaled down to fit, and the SVG remains the full-size version.
MAX_PIXELS = 40_000_000

_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)"[^>]*?\bheight="([0-9.]+)"')


def monospace_font() -> tuple[str, tuple[Path, ...]]:
    """The monospace family PNGs are drawn with, and its font files."""
    folder = fontpkg_ibm_plex_mono.ROOT / "files"
    return fontpkg_ibm_plex_mono.FAMILY, tuple(folder / name for name in FONT_FILES)


def fit_zoom(svg: str, max_pixels: int = MAX_PIXELS) -> float:
    """1.0, or the scale that brings the drawing within `max_pixels`."""
    match = _SIZE.search(svg)
    if match is None:
        return 1.0
    area = float(match[1]) * float(match[2])
    if area <= max_pixels:
        return 1.0
    zoom = math.sqrt(max_pixels / area)
    log.warning(
        "drawing of %sx%s px scaled by %.2f to stay within %d megapixels",
        match[1],
        match[2],
        zoom,
        max_pixels // 1_000_000,
    )
    return zoom


def render_png(svg: str, *, zoom: float | None = None) -> bytes:
    """Rasterise an SVG document to PNG bytes (scaled down if huge, by default)."""
    family, paths = monospace_font()
    if zoom is None:
        zoom = fit_zoom(svg)
    options = {
        "background": "#ffffff",
        "zoom": zoom,
        "skip_system_fonts": True,
        "font_files": [str(path) for path in paths],
        "monospace_family": family,
        "font_family": family,
    }
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=svg, **options))
    except ValueError as exc:
        raise EdavizError(f"could not render PNG: {exc}") from exc
