"""Make the README screenshots: the demo flow's main screen and a detail panel.

    .venv/bin/python screenshots/make.py

writes screenshots/main.svg, main.png, detail.svg and detail.png: the demo
flow drawn top-down (`--direction LR` for left to right), whole on the main
screen, and beside the bottleneck's detail panel. The numbers are a fixed sample
(`edaviz.ui.sample`), so the pictures only change when the UI does. The PNGs
are drawn in DejaVu Sans Mono (Debian: fonts-dejavu-core), found with fc-list.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
from functools import cache
from pathlib import Path

import resvg_py

from edaviz.core.document import FlowDocument
from edaviz.core.graph import NodeKey
from edaviz.ui.app import EdavizApp
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics

ROOT = Path(__file__).resolve().parents[1]

#: The main screen: tall enough for the whole demo flow drawn top-down.
MAIN_SIZE = (124, 76)

#: The detail panel beside the graph, from the start of the flow to the
#: bottleneck and its two branches.
DETAIL_SIZE = (150, 48)

#: Rows (or columns) shown past the bottleneck, so its outgoing branch shows.
AFTER = 10

#: The monospace font the PNGs are drawn in. The SVG asks for Fira Code, which
#: resvg cannot fetch; its fallback left gaps in every vertical border.
MONO_FAMILY = "DejaVu Sans Mono"

#: Rich's SVG sets 20px text on 24.4px lines, each clipped to its line. DejaVu
#: Sans Mono's "│" is 1.188 em tall: 23.8px at 20px, a gap under every row. At
#: 20.7px it is 24.6px, and unclipped it meets the next row's; the glyphs grow
#: 0.26px wider than the 12.2px cells, which the SVG's textLength takes back.
PNG_STYLE = "text { font-size: 20.7px; clip-path: none; }"


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
            if view.direction != direction:
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


@cache
def mono_font_files() -> list[str]:
    """The font files of `MONO_FAMILY` on this machine (exits when none)."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}\n", f":family={MONO_FAMILY}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"cannot list fonts with fc-list: {error}") from error
    files = sorted(line for line in listed.splitlines() if line)
    if not files:
        raise SystemExit(
            f"no {MONO_FAMILY} font found (fc-list); install it "
            "(Debian: fonts-dejavu-core) so the PNGs' borders are continuous"
        )
    return files


def _save(app: EdavizApp, out: Path, name: str) -> Path:
    svg = out / f"{name}.svg"
    app.save_screenshot(filename=svg.name, path=str(out))
    png = resvg_py.svg_to_bytes(
        svg_path=str(svg),
        background="#000000",
        font_files=mono_font_files(),
        monospace_family=MONO_FAMILY,
        style_sheet=PNG_STYLE,
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
