"""Make the README screenshots: the demo flow's main screen and a detail panel.

    .venv/bin/python screenshots/make.py

writes screenshots/main.svg, main.png, detail.svg and detail.png: the demo
flow on a 120x40 terminal as `edaviz demo` opens it (fitted to the screen), and
in boxes drawn top-down (`--direction LR` for left to right) beside the
bottleneck's detail panel. The numbers are a fixed sample
(`edaviz.ui.sample`), so the pictures only change when the UI does. The PNGs
are drawn in IBM Plex Mono, the font edaviz ships for its PNG export.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path

import resvg_py

from edaviz.core.document import FlowDocument
from edaviz.core.graph import NodeKey
from edaviz.export.png import monospace_font
from edaviz.ui.app import EdavizApp
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics

ROOT = Path(__file__).resolve().parents[1]

#: The main screen: a common terminal size, where the demo opens fitted.
MAIN_SIZE = (120, 40)

#: The detail panel beside the graph, from the start of the flow to the
#: bottleneck and its two branches.
DETAIL_SIZE = (150, 48)

#: Rows (or columns) shown past the bottleneck, so its outgoing branch shows.
AFTER = 10

#: Plex's italics, for the descriptions in the detail panel, beside the regular
#: and bold files the PNG export ships.
ITALIC_FILES = ("IBMPlexMono-Italic.ttf", "IBMPlexMono-BoldItalic.ttf")

#: Where the glyphs Plex lacks (▼ ◇ ●) come from: a monospace font whose
#: symbols are one cell wide, so arrowheads sit on their lines. A proportional
#: system font, resvg's pick otherwise, puts them 3px off to the right.
FALLBACK_FAMILY = "DejaVu Sans Mono"


async def shoot(
    flow: Path,
    out: Path,
    bottleneck: str,
    detail: str,
    direction: str = "TB",
) -> list[Path]:
    """Render both screens to SVG and PNG; returns the files written."""
    document = FlowDocument.open(flow)
    snapshot = sample_snapshot(document.flow, troubled=(bottleneck,), seed=11)
    written = []
    for name, size, selected in (
        ("main", MAIN_SIZE, None),
        ("detail", DETAIL_SIZE, NodeKey("handler", detail)),
    ):
        app = EdavizApp(
            document, metrics=FixedMetrics(snapshot), clock=lambda: SAMPLE_TIME
        )
        async with app.run_test(size=size) as pilot:
            view = app.graph_view
            if selected is None:
                await pilot.press("f")
            elif view.direction != direction:
                await pilot.press("o")
            app.selected_node = selected
            await pilot.pause()
            _show_from_start(app, NodeKey("handler", bottleneck))
            await pilot.pause()
            written.append(_save(app, out, name))
    return written


def _show_from_start(app: EdavizApp, node: NodeKey) -> None:
    """Scroll as little as possible from the flow's start to show `node`
    and what follows it (the lag into it and the branches out of it)."""
    view = app.graph_view
    box = view.scene.boxes[node]
    view.scroll_to(
        max(0, box.x + box.width + AFTER - view.size.width),
        max(0, box.y + box.height + AFTER - view.size.height),
        animate=False,
    )


def fallback_files() -> list[str]:
    """The files of `FALLBACK_FAMILY` on this machine, by fc-list (maybe none)."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}\n", f":family={FALLBACK_FAMILY}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted(line for line in listed.splitlines() if line)


def png_fonts() -> dict[str, object]:
    """The resvg font options of the PNGs: IBM Plex Mono, as in the PNG export.

    The SVG asks for Fira Code, which resvg cannot fetch; its fallback font drew
    "│" shorter than Rich's 24.4px rows, dashing every vertical border. Plex's
    "│" is 1.3 em (26px at 20px) and meets the next row's.
    """
    family, paths = monospace_font()
    folder = paths[0].parent
    italics = [folder / name for name in ITALIC_FILES if (folder / name).exists()]
    fallback = fallback_files()
    if not fallback:
        print(
            f"{FALLBACK_FAMILY} not found (fc-list): arrowheads come from a "
            "system font (Debian: apt-get install fonts-dejavu-core)",
            file=sys.stderr,
        )
    return {
        "font_files": [str(path) for path in (*paths, *italics)] + fallback,
        "font_family": family,
        "monospace_family": family,
        # The window title asks for arial; resvg falls back to serif for a
        # family it lacks, so that is Plex too.
        "serif_family": family,
        "sans_serif_family": family,
        # Only these fonts, so every glyph comes from a known one.
        "skip_system_fonts": bool(fallback),
    }


def _save(app: EdavizApp, out: Path, name: str) -> Path:
    svg = out / f"{name}.svg"
    app.save_screenshot(filename=svg.name, path=str(out))
    png = resvg_py.svg_to_bytes(
        svg_path=str(svg),
        background="#000000",
        **png_fonts(),
    )
    (out / f"{name}.png").write_bytes(bytes(png))
    return svg


def main() -> None:
    """Parse the options and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow", type=Path, default=ROOT / "flows" / "order-saga.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--bottleneck", default="payment-service")
    parser.add_argument("--detail", default="payment-service")
    parser.add_argument("--direction", choices=("TB", "LR"), default="TB")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shots = shoot(args.flow, args.out, args.bottleneck, args.detail, args.direction)
    for path in asyncio.run(shots):
        print(f"wrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
