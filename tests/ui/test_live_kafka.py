"""The app against the real broker: simulated traffic shows up as live rates."""

from __future__ import annotations

import asyncio
import contextlib
import re

from edaviz.core.document import FlowDocument
from edaviz.core.graph import NodeKey
from edaviz.kafka.connection import ConnectionSettings
from edaviz.kafka.simulator import Simulator
from edaviz.metrics.engine import MetricsEngine
from edaviz.ui.app import EdavizApp
from edaviz.ui.sources import EngineMetrics

FLOW = """\
edaviz: 1
name: live-ui
events:
  orders:
    topic: {orders}
    partitions: 2
  shipped:
    topic: {shipped}
    partitions: 1
handlers:
  shop:
    produces: [orders]
    simulate: {{rate: 40}}
  shipper:
    group: {group}
    consumes: [orders]
    produces: [shipped]
"""

RATE = re.compile(r"(?<![\d.])(?:[1-9][\d.]*k?|0\.[1-9]\d*)/s")


def visible_text(app: EdavizApp) -> str:
    """The graph's rows exactly as they are on screen now."""
    view = app.graph_view
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def test_simulated_traffic_shows_nonzero_rates(
    kafka_broker, unique_name, tmp_path
) -> None:
    names = {k: unique_name(k) for k in ("orders", "shipped", "group")}
    path = tmp_path / "live.yaml"
    path.write_text(FLOW.format(**names))
    document = FlowDocument.open(path)
    assert document.flow is not None
    simulator = Simulator(
        document.flow, {"bootstrap_servers": kafka_broker.bootstrap}, seed=5
    )
    traffic = asyncio.create_task(simulator.run())
    settings = ConnectionSettings(
        bootstrap=kafka_broker.bootstrap, bootstrap_source="the test broker"
    )
    engine = MetricsEngine(document.flow, settings, interval=0.5, window=6.0)
    app = EdavizApp(document, metrics=EngineMetrics(engine))
    produce = (NodeKey("handler", "shop"), NodeKey("event", "orders"))
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 90
            while not RATE.search(
                " ".join(app.graph_view.paint.labels.get(produce, ()))
            ):
                assert loop.time() < deadline, f"no live rate; {app.snapshot!r:.300}"
                assert not traffic.done(), traffic.exception()
                await pilot.pause(0.25)
            await pilot.pause(0.3)  # one more redraw tick paints the screen
            screen = visible_text(app)
            assert RATE.search(screen), screen
            assert "LIVE" in str(app.status_bar.render())
            app.selected_node = NodeKey("event", "orders")
            await pilot.pause(0.3)
            assert "rate" in str(app.query_one("#detail-facts").render())
    finally:
        simulator.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(traffic, 30)
