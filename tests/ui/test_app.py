"""Pilot tests of the app: navigation, selection, panels, tail, toggles, modes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.widgets import DataTable, Static

from edaviz.core.document import FlowDocument
from edaviz.core.graph import NodeKey
from edaviz.metrics.snapshot import ClusterState, TailRecord
from edaviz.ui.app import EdavizApp
from edaviz.ui.graph_view import GraphView
from edaviz.ui.messages import FlowEdited
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics
from edaviz.ui.tail import TailView

SIZE = (120, 40)
DEMO_FLOW = Path(__file__).parents[2] / "flows" / "order-saga.yaml"
CHECKOUT = NodeKey("handler", "checkout")
PLACED = NodeKey("event", "order-placed")
VALIDATOR = NodeKey("handler", "validator")
SHIPPING = NodeKey("handler", "shipping")


def plain(app, selector: str) -> str:
    """The plain text a Static shows."""
    content = app.query_one(selector, Static).render()
    return content.plain if hasattr(content, "plain") else str(content)


def screen_text(view: GraphView) -> str:
    """Every row of the graph as the user would read it (whole scene)."""
    return "\n".join(view.render_row_text(y) for y in range(view.scene.height))


async def test_design_mode_draws_graph_without_numbers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.graph_view
        assert len(view.scene.boxes) == 10
        assert view.paint.labels == {}
        assert "DESIGN" in plain(app, "#status")
        assert "no cluster configured" in plain(app, "#status")
        assert "without live numbers" in plain(app, "#banner")
        assert "/s" not in screen_text(view)


async def test_live_numbers_appear_on_edges(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app.graph_view)
        assert "480/s" in text and "lag 53" in text
        assert "LIVE" in plain(app, "#status")
        assert "bottleneck shipping" in plain(app, "#status")


async def test_tab_and_arrows_move_along_the_graph(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        assert app.selected_node == CHECKOUT
        await pilot.press("right")
        assert app.selected_node == PLACED
        await pilot.press("right")
        assert app.selected_node == VALIDATOR
        await pilot.press("left")
        assert app.selected_node == PLACED
        await pilot.press("shift+tab")
        assert app.selected_node == CHECKOUT
        await pilot.press("left")  # a source has nothing upstream: stays
        assert app.selected_node == CHECKOUT


async def test_up_and_down_move_within_a_layer(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = NodeKey("event", "payment-captured")
        await pilot.pause()
        await pilot.press("down")
        assert app.selected_node == NodeKey("event", "payment-failed")
        await pilot.press("up")
        assert app.selected_node == NodeKey("event", "payment-captured")


async def test_click_selects_the_node_under_the_mouse(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        box = app.graph_view.scene.boxes[VALIDATOR]
        view = app.graph_view
        pad_x, pad_y = view.padding_cells()
        x = box.x + 2 - view.scroll_offset.x + pad_x
        y = box.y + 1 - view.scroll_offset.y + pad_y
        assert await pilot.click("#graph", offset=(x, y))
        assert app.selected_node == VALIDATOR


async def test_selection_highlights_its_edges(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = VALIDATOR
        await pilot.pause()
        view = app.graph_view
        scene = view.scene
        glyphs: dict[tuple, set[str]] = {}
        for y in range(scene.height):
            row = view.render_row_text(y)
            for x, (_glyph, owner, _part) in scene.row(y).items():
                if not isinstance(owner, NodeKey) and owner and len(owner) == 1:
                    glyphs.setdefault(owner[0], set()).add(row[x])
        assert "━" in glyphs[(PLACED, VALIDATOR)]
        assert "━" in glyphs[(VALIDATOR, NodeKey("event", "order-validated"))]
        assert "━" not in glyphs[(CHECKOUT, PLACED)]
        assert "─" in glyphs[(CHECKOUT, PLACED)]
        assert view.render_row_text(scene.boxes[VALIDATOR].y).count("═") > 3


async def test_find_selects_a_node_by_name(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.press(*"ship")
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected_node == SHIPPING
        await pilot.press("slash", *"shipped", "enter")
        await pilot.pause()
        assert app.selected_node == NodeKey("event", "order-shipped")


async def test_event_panel_shows_facts_sparkline_and_tail(
    make_app, live_snapshot
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = PLACED
        await pilot.pause()
        assert app.detail.has_class("-shown")
        assert "Event order-placed" in plain(app, "#detail-title")
        facts = plain(app, "#detail-facts")
        assert "partitions  3" in facts
        assert "480/s" in facts and "(estimate)" in facts
        assert "producers   checkout" in facts
        assert app.query_one("#detail-spark").display
        body = plain(app, "#tail-body")
        first = live_snapshot.event("order-placed").tail[0]
        assert body.startswith(f"p{first.partition} @{first.offset}")
        assert '"currency": "EUR"' in body  # pretty-printed JSON
        assert "trace-id=" in body


async def test_handler_panel_shows_group_lags_and_edge_health(
    make_app, live_snapshot
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = SHIPPING
        await pilot.pause()
        facts = plain(app, "#detail-facts")
        assert "state       Stable" in facts
        assert "members     2" in facts
        table = app.query_one("#detail-lags", DataTable)
        assert table.row_count == 3  # payment-captured has three partitions
        edges = plain(app, "#detail-edges")
        assert "← payment-captured WARN" in edges
        assert "growing" in edges
        assert "→ order-shipped OK" in edges
        assert not app.query_one(TailView).display


def _with_tail(snapshot, event_id: str, records: tuple[TailRecord, ...]):
    nodes = tuple(
        dataclasses.replace(n, tail=records + n.tail[: 6 - len(records)])
        if n.kind == "event" and n.id == event_id
        else n
        for n in snapshot.nodes
    )
    return dataclasses.replace(
        snapshot, nodes=nodes, sequence=snapshot.sequence + 1, _index={}
    )


def _record(offset: int, value: bytes, key: bytes = b"k") -> TailRecord:
    return TailRecord(0, offset, 1_768_478_400_000, key, value, (), len(value))


async def test_pause_holds_the_tail_and_counts_new_records(
    make_app, live_snapshot
) -> None:
    metrics = FixedMetrics(live_snapshot)
    app = make_app(metrics=metrics)
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = PLACED
        await pilot.pause()
        before = plain(app, "#tail-body")
        await pilot.press("p")
        assert "paused" in plain(app, "#tail-status")
        newer = (_record(90001, b'{"n": 2}'), _record(90000, b'{"n": 1}'))
        metrics.push(_with_tail(live_snapshot, "order-placed", newer))
        await pilot.pause(0.4)  # one redraw tick
        app.redraw()
        assert "+2 new" in plain(app, "#tail-status")
        assert plain(app, "#tail-body") == before
        await pilot.press("p")
        assert "live" in plain(app, "#tail-status")
        assert plain(app, "#tail-body").startswith("p0 @90001")


async def test_filter_keeps_matching_records(make_app, live_snapshot) -> None:
    records = (_record(7, b'{"sku": "red-shoe"}'), _record(6, b'{"sku": "blue-hat"}'))
    app = make_app(_with_tail(live_snapshot, "order-placed", records))
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = PLACED
        await pilot.pause()
        await pilot.press("t", *"shoe")
        await pilot.pause()
        body = plain(app, "#tail-body")
        assert "red-shoe" in body and "blue-hat" not in body
        assert "1 match" in plain(app, "#tail-status")
        await pilot.press("escape")
        assert app.focused is app.graph_view
        assert app.selected_node == PLACED


async def test_hostile_payloads_show_literally(make_app, live_snapshot) -> None:
    records = (
        _record(3, b"[bold red]boom[/] \x1b[31mred\x1b[0m", key=b"[link=x]k[/link]"),
    )
    app = make_app(_with_tail(live_snapshot, "order-placed", records))
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = PLACED
        await pilot.pause()
        body = app.query_one("#tail-body", Static).render()
        assert "[bold red]boom[/]" in body.plain
        assert "\\x1b[31m" in body.plain
        assert "\x1b" not in body.plain
        assert "[link=x]k[/link]" in body.plain


async def test_toggles_relayout_zoom_direction_and_view(
    make_app, live_snapshot
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.graph_view
        count = view.layout_count
        compact_height = view.scene.boxes[PLACED].height
        await pilot.press("z")
        assert view.zoom == "detailed"
        assert view.scene.boxes[PLACED].height > compact_height
        assert "480/s" in view.render_row_text(view.scene.boxes[PLACED].metric_row)
        await pilot.press("o")
        assert view.direction == "TB"
        box = view.scene.boxes[PLACED]
        assert view.scene.boxes[VALIDATOR].y > box.y  # downstream is below
        await pilot.press("v")
        assert all(n.kind == "event" for n in view.graph.nodes)
        assert "events only" in plain(app, "#status")
        await pilot.press("v")
        assert CHECKOUT in view.graph
        await pilot.press("f")
        assert view.layout_count > count + 3
        region = view.scrollable_content_region
        fits = view.scene.width <= region.width and view.scene.height <= region.height
        assert fits or view.zoom == "overview"


async def test_overview_zoom_draws_one_line_nodes_and_fits_the_demo_flow() -> None:
    document = FlowDocument.open(DEMO_FLOW)
    snapshot = sample_snapshot(document.flow, troubled=("payment-service",))
    app = EdavizApp(document, metrics=FixedMetrics(snapshot), clock=lambda: SAMPLE_TIME)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        view = app.graph_view
        await pilot.press("f")
        assert (view.zoom, view.direction) == ("overview", "TB")
        region = view.scrollable_content_region
        assert view.scene.width <= region.width
        assert view.scene.height <= region.height
        text = screen_text(view)
        assert "[payment-service]" in text
        assert "(order.placed)" in text
        assert all(box.height == 1 for box in view.scene.boxes.values())
        app.selected_node = NodeKey("handler", "payment-service")
        await pilot.pause()
        assert "»payment-service«" in screen_text(view)
        for zoom in ("compact", "detailed", "overview"):
            await pilot.press("z")
            assert view.zoom == zoom


async def test_new_snapshot_repaints_without_relayout(make_app, live_snapshot) -> None:
    metrics = FixedMetrics(live_snapshot)
    app = make_app(metrics=metrics)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.graph_view
        count = view.layout_count
        edges = tuple(
            dataclasses.replace(e, rate=2500.0)
            if (e.source, e.target) == ("checkout", "order-placed")
            else e
            for e in live_snapshot.edges
        )
        metrics.push(
            dataclasses.replace(live_snapshot, edges=edges, sequence=2, _index={})
        )
        app.redraw()
        await pilot.pause()
        assert view.layout_count == count
        assert view.paint.labels[(CHECKOUT, PLACED)] == ("2.5k/s",)
        assert "2.5k/s" in screen_text(view)


async def test_disconnected_cluster_says_so(make_app, live_snapshot) -> None:
    down = dataclasses.replace(
        live_snapshot,
        cluster=ClusterState(
            "localhost:9092", False, "refused", live_snapshot.taken_at
        ),
    )
    app = make_app(down)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = plain(app, "#status")
        assert "OFFLINE" in status and "unreachable" in status
        assert app.graph_view.paint.labels == {}


async def test_escape_clears_selection_and_hides_panel(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        assert app.detail.has_class("-shown")
        await pilot.press("escape")
        assert app.selected_node is None
        assert not app.detail.has_class("-shown")


async def test_help_screen_opens_and_closes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "Screen"


async def test_every_action_is_in_the_command_palette(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in (
            "Find node",
            "Cycle zoom",
            "Fit to screen",
            "Toggle direction",
            "Toggle events-only view",
            "Pause tail",
            "Filter tail",
            "Help",
        ):
            assert title in titles


async def test_flow_edit_lays_out_again(make_app, shop) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shop.add_event("refund-issued")
        app.post_message(FlowEdited(reason="add event"))
        await pilot.pause()
        assert NodeKey("event", "refund-issued") in app.graph_view.scene.boxes


async def test_errors_are_marked_on_the_graph(tmp_path, make_app) -> None:
    from edaviz.core.document import FlowDocument
    from edaviz.ui.app import EdavizApp

    path = tmp_path / "broken.yaml"
    path.write_text(
        "edaviz: 1\nname: broken\nevents:\n  a: {}\nhandlers:\n"
        "  h:\n    consumes: [a, missing]\n"
    )
    doc = FlowDocument.open(path)
    assert doc.flow is None
    app = EdavizApp(doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.graph_view
        assert NodeKey("handler", "h") in view.faulty_nodes or view.faulty_edges


async def test_shift_arrows_and_dragging_pan_the_view(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.graph_view
        assert view.scroll_x == 0
        await pilot.press("shift+right")
        assert view.scroll_x == 8
        assert app.selected_node is None
        await pilot.mouse_down("#graph", offset=(50, 5))
        await pilot.hover("#graph", offset=(40, 5))
        await pilot.mouse_up("#graph", offset=(40, 5))
        await pilot.pause()
        assert view.scroll_x > 8


async def test_queued_selection_messages_do_not_undo_a_newer_selection(
    make_app, live_snapshot
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        seen: list[NodeKey | None] = []
        original = app.watch_selected_node

        def record(node: NodeKey | None) -> None:
            seen.append(node)
            original(node)

        app.watch_selected_node = record
        # Two changes before either SelectionChanged is handled.
        app.selected_node = CHECKOUT
        app.selected_node = SHIPPING
        for _ in range(5):
            await pilot.pause()
        assert app.selected_node == SHIPPING
        assert app.graph_view.selected == SHIPPING
        assert seen == [CHECKOUT, SHIPPING]


async def test_a_flow_too_wide_for_the_screen_opens_fitted(
    make_app, live_snapshot
) -> None:
    narrow = (60, 40)
    async with make_app(live_snapshot).run_test(size=narrow) as pilot:
        await pilot.pause()
        assert app_overflows(pilot.app)  # the default, left to right, is cut off
    app = make_app(live_snapshot, fit_on_open=True)
    async with app.run_test(size=narrow) as pilot:
        await pilot.pause()
        assert app.graph_view.direction == "TB"
        assert not app_overflows(app, height=False)


def app_overflows(app, height: bool = True) -> bool:
    view = app.graph_view
    region = view.scrollable_content_region
    return view.scene.width > region.width or (
        height and view.scene.height > region.height
    )
