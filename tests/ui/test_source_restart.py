"""Pilot tests: after an edit, the live numbers come from a source for the new flow.

A new source is built when the topics, the groups, which node id stands for
which topic or group, or the consume/produce edges change.
"""

from __future__ import annotations

from pathlib import Path

from edaviz.core.document import FlowDocument
from edaviz.core.flow import Flow
from edaviz.core.graph import NodeKey
from edaviz.ui.app import EdavizApp, measured_names
from edaviz.ui.messages import FlowEdited
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics

SIZE = (120, 40)
SHOP = Path(__file__).with_name("shop.yaml")
PLACED = NodeKey("event", "order-placed")


class Sources:
    """A source factory that remembers every source it built, with its flow."""

    def __init__(self) -> None:
        self.built: list[tuple[Flow, FixedMetrics]] = []

    def __call__(self, flow: Flow) -> FixedMetrics:
        source = FixedMetrics(sample_snapshot(flow))
        self.built.append((flow, source))
        return source


def make_app(shop: FlowDocument, sources: Sources) -> tuple[EdavizApp, FixedMetrics]:
    first = FixedMetrics(sample_snapshot(shop.flow))
    app = EdavizApp(shop, metrics=first, metrics_for=sources, clock=lambda: SAMPLE_TIME)
    return app, first


async def settle(pilot, done, message: str) -> None:
    """Let the app run until `done()` holds (a bounded number of turns)."""
    for _ in range(200):
        if done():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {message}")


async def test_new_topic_rebuilds_the_source_for_the_edited_flow(shop) -> None:
    sources = Sources()
    app, first = make_app(shop, sources)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: first.started, "the first source to start")
        shop.add_event("refund-issued")
        app.post_message(FlowEdited(reason="add event"))
        await settle(
            pilot,
            lambda: sources.built and sources.built[-1][1].started,
            "the rebuilt source to start",
        )
        assert len(sources.built) == 1
        flow, source = sources.built[0]
        assert "refund-issued" in flow.events
        assert flow is shop.flow
        assert app.metrics is source
        assert not first.started
        await settle(
            pilot,
            lambda: app.snapshot is source.latest,
            "a repaint from the new source",
        )
        assert app.snapshot.event("refund-issued") is not None
    assert not source.started


async def rebuilt_after(app, pilot, sources: Sources, first, reason: str) -> Flow:
    """Post the edit, wait for the one rebuilt source; returns its flow."""
    app.post_message(FlowEdited(reason=reason))
    await settle(
        pilot,
        lambda: sources.built and sources.built[-1][1].started,
        "the rebuilt source to start",
    )
    assert len(sources.built) == 1
    flow, source = sources.built[0]
    assert app.metrics is source and not first.started
    await settle(
        pilot, lambda: app.snapshot is source.latest, "a repaint from the new source"
    )
    return flow


async def test_rename_keeping_the_topic_rebuilds_the_source(shop) -> None:
    sources = Sources()
    app, first = make_app(shop, sources)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: first.started, "the first source to start")
        shop.rename(PLACED, "order-created")
        flow = await rebuilt_after(app, pilot, sources, first, "rename")
        # The topic is pinned to the old name: same topics, new node id.
        assert flow.events["order-created"].topic == "order-placed"
        assert app.snapshot.event("order-created") is not None


async def test_renamed_handler_rebuilds_the_source(shop) -> None:
    sources = Sources()
    app, first = make_app(shop, sources)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: first.started, "the first source to start")
        shop.rename(NodeKey("handler", "shipping"), "dispatch")
        flow = await rebuilt_after(app, pilot, sources, first, "rename")
        assert "dispatch" in flow.handlers
        assert app.snapshot.handler("dispatch") is not None


async def test_new_edge_rebuilds_the_source(shop) -> None:
    sources = Sources()
    app, first = make_app(shop, sources)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: first.started, "the first source to start")
        shop.connect("notifier", "order-placed", "consumes")
        flow = await rebuilt_after(app, pilot, sources, first, "connect")
        assert "order-placed" in flow.handlers["notifier"].consumes
        edges = {(e.source, e.target) for e in app.snapshot.edges}
        assert ("order-placed", "notifier") in edges


def test_measured_names_pair_ids_with_topics_groups_and_edges(shop) -> None:
    measured = measured_names(shop.flow)
    assert ("order-placed", "order-placed") in measured.topics
    assert ("shipping", "shipping") in measured.groups
    assert ("notifier", "payment-failed", "consumes") in measured.edges
    assert ("checkout", "order-placed", "produces") in measured.edges
    before = measured
    shop.set_fields(PLACED, {"description": "Checked out."})
    assert measured_names(shop.flow) == before
    shop.disconnect("notifier", "payment-failed", "consumes")
    assert measured_names(shop.flow).edges < before.edges


async def test_edit_keeping_topics_groups_and_edges_keeps_the_source(shop) -> None:
    sources = Sources()
    app, first = make_app(shop, sources)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: first.started, "the first source to start")
        shop.set_fields(PLACED, {"description": "Checked out."})
        app.post_message(FlowEdited(reason="describe"))
        await pilot.pause()
        await pilot.pause()
        assert sources.built == []
        assert app.metrics is first and first.started


async def test_invalid_flow_keeps_the_source_until_it_is_valid_again(shop) -> None:
    sources = Sources()
    app, first = make_app(shop, sources)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: first.started, "the first source to start")
        shop.set_fields(PLACED, {"partitions": 0, "topic": "orders.placed.v2"})
        assert not shop.is_valid
        app.post_message(FlowEdited(reason="broken"))
        await pilot.pause()
        await pilot.pause()
        assert sources.built == []
        assert app.metrics is first and first.started

        shop.set_fields(PLACED, {"partitions": 3})
        assert shop.is_valid
        app.post_message(FlowEdited(reason="fixed"))
        await settle(
            pilot,
            lambda: sources.built and sources.built[-1][1].started,
            "the rebuilt source to start",
        )
        assert len(sources.built) == 1
        assert sources.built[0][0].events["order-placed"].topic == "orders.placed.v2"
        assert not first.started


async def test_flow_opened_with_errors_is_measured_once_fixed(tmp_path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP.read_text().replace("partitions: 3", "partitions: 0", 1))
    document = FlowDocument.open(path)
    assert document.flow is None
    sources = Sources()
    app = EdavizApp(document, metrics_for=sources, clock=lambda: SAMPLE_TIME)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.status_bar.render().plain
        assert "flow has errors" in status and "no cluster" not in status
        assert app.screen.query("#banner")
        assert sources.built == []

        document.set_fields(PLACED, {"partitions": 3})
        app.post_message(FlowEdited(reason="fixed"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(sources.built) == 1
        source = sources.built[0][1]
        assert app.metrics is source and source.started
        app.redraw()
        assert app.snapshot is source.latest
        assert "LIVE" in app.status_bar.render().plain
        assert not app.screen.query("#banner")
        assert app.graph_view.with_labels
