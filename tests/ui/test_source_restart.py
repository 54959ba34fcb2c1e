"""Pilot tests: after an edit, the live numbers come from a source for the new flow."""

from __future__ import annotations

from edaviz.core.document import FlowDocument
from edaviz.core.flow import Flow
from edaviz.core.graph import NodeKey
from edaviz.ui.app import EdavizApp
from edaviz.ui.messages import FlowEdited
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics

SIZE = (120, 40)
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


async def test_edit_keeping_topics_and_groups_keeps_the_source(shop) -> None:
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
