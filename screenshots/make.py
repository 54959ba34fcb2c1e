"""Make the README screenshots: the demo flow's main screen and a detail panel.

    .venv/bin/python screenshots/make.py

writes screenshots/main.svg, main.png, detail.svg and detail.png. The numbers
are a fixed sample (`edaviz.ui.sample`), so the pictures only change when the
UI does.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import resvg_py

from edaviz.core.document import FlowDocument
from edaviz.core.graph import NodeKey
from edaviz.ui.app import EdavizApp
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics

ROOT = Path(__file__).resolve().parents[1]
SIZE = (180, 44)


async def shoot(flow: Path, out: Path, bottleneck: str, detail: str) -> list[Path]:
    """Render both screens to SVG and PNG; returns the files written."""
    document = FlowDocument.open(flow)
    snapshot = sample_snapshot(document.flow, troubled=(bottleneck,), seed=11)
    app = EdavizApp(document, metrics=FixedMetrics(snapshot), clock=lambda: SAMPLE_TIME)
    written = []
    async with app.run_test(size=SIZE) as pilot:
        # The flow is wider than any terminal: show the part around the
        # bottleneck, where the lag and the failure branch are.
        view = app.graph_view
        box = view.scene.boxes[NodeKey("handler", bottleneck)]
        view.scroll_to(
            box.x + box.width // 2 - view.size.width // 2,
            box.y + box.height // 2 - view.size.height // 2,
            animate=False,
        )
        await pilot.pause()
        written.append(_save(app, out, "main"))
        app.selected_node = NodeKey("handler", detail)
        await pilot.pause()
        written.append(_save(app, out, "detail"))
    return written


def _save(app: EdavizApp, out: Path, name: str) -> Path:
    svg = out / f"{name}.svg"
    app.save_screenshot(filename=svg.name, path=str(out))
    png = bytes(resvg_py.svg_to_bytes(svg_path=str(svg), background="#000000"))
    (out / f"{name}.png").write_bytes(png)
    return svg


def main() -> None:
    """Parse the options and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow", type=Path, default=ROOT / "flows" / "order-saga.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--bottleneck", default="payment-service")
    parser.add_argument("--detail", default="payment-service")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.flow, args.out, args.bottleneck, args.detail)):
        print(f"wrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
