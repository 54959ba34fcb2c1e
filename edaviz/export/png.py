"""PNG rendering of the SVG drawing with resvg: no browser, no system library.

resvg brings its own rasteriser and text shaper; it only needs font files. The
drawing names a monospace stack; a known monospace file found on the machine is
loaded alone (scanning every system font costs far more than the render of a
small graph), and otherwise resvg falls back to the system fonts it finds.
"""

from __future__ import annotations

import logging
import math
import re
from functools import cache
from pathlib import Path

import resvg_py

from edaviz.errors import EdavizError

log = logging.getLogger(__name__)

#: Monospace fonts tried in order: family name, regular file, bold file (the
#: title is bold; without the bold file resvg draws it regular).
_MONOSPACE_FILES = (
    ("DejaVu Sans Mono", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    ("Liberation Mono", "LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf"),
    ("Noto Sans Mono", "NotoSansMono-Regular.ttf", "NotoSansMono-Bold.ttf"),
    ("Menlo", "Menlo.ttc", "Menlo.ttc"),
    ("Consolas", "consola.ttf", "consolab.ttf"),
)

#: Where operating systems keep fonts.
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)

#: Largest image rendered, in pixels. A 500-node flow draws at about 16k x 12k
#: (200 megapixels, 800 MB of RGBA, a minute to rasterise); past this the image
#: is scaled down to fit, and the SVG remains the full-size version.
MAX_PIXELS = 40_000_000

_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)"[^>]*?\bheight="([0-9.]+)"')


@cache
def monospace_font() -> tuple[str, tuple[Path, ...]] | None:
    """The first known monospace family on this machine, with its font files."""
    for family, regular, bold in _MONOSPACE_FILES:
        for folder in _FONT_DIRS:
            root = Path(folder).expanduser()
            if not root.is_dir():
                continue
            for found in root.rglob(regular):
                files = {found, *found.parent.glob(bold)}
                return family, tuple(sorted(files))
    return None


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
    font = monospace_font()
    if zoom is None:
        zoom = fit_zoom(svg)
    options: dict = {"background": "#ffffff", "zoom": zoom}
    if font is not None:
        family, paths = font
        options.update(
            skip_system_fonts=True,
            font_files=[str(path) for path in paths],
            monospace_family=family,
            font_family=family,
        )
    else:
        log.info("no known monospace font file found; using system fonts")
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=svg, **options))
    except ValueError as exc:
        raise EdavizError(f"could not render PNG: {exc}") from exc
