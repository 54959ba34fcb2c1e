"""Pilot tests: the compact footer offers only the keys that apply right now."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from edaviz.core.graph import NodeKey
from edaviz.ui.app import FOOTER_PRIORITY
from edaviz.ui.footer import fitting
from edaviz.ui.messages import FlowEdited
from edaviz.ui.screens import help_text

SIZE = (120, 40)
WIDE = (200, 40)
PLACED = NodeKey("event", "order-placed")
SHIPPING = NodeKey("handler", "shipping")
TAIL = {"toggle_pause", "filter_tail"}
NODE_EDITS = {"rename", "delete_node", "connect", "disconnect", "edit_fields"}
HISTORY = {"undo", "redo"}
ALWAYS = {"quit", "help", "find", "toggle_zoom", "fit", "toggle_view"}
ALWAYS |= {"add_event", "add_handler", "save", "export", "screenshot"}


def footer_keys(app) -> list[FooterKey]:
    """The keys the footer shows."""
    return list(app.query_one(Footer).query(FooterKey))


def footer_actions(app) -> set[str]:
    """The actions of the keys the footer shows."""
    return {key.action for key in footer_keys(app)}


async def settle(pilot) -> None:
    """Let the footer take in refreshed bindings."""
    await pilot.pause()
    await pilot.pause()


async def test_footer_is_compact_and_hides_what_does_not_apply(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.query_one(Footer).compact
        shown = footer_actions(app)
        assert shown >= ALWAYS
        assert not shown & (TAIL | NODE_EDITS | HISTORY)


async def test_selecting_a_node_offers_its_edits(make_app, live_snapshot) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = SHIPPING
        await settle(pilot)
        shown = footer_actions(app)
        assert shown >= NODE_EDITS
        assert not shown & TAIL

        app.selected_node = PLACED
        await settle(pilot)
        assert footer_actions(app) >= (NODE_EDITS | TAIL)

        await pilot.press("escape")
        await settle(pilot)
        assert not footer_actions(app) & (NODE_EDITS | TAIL)


async def test_tail_keys_need_live_numbers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.selected_node = PLACED
        await settle(pilot)
        shown = footer_actions(app)
        assert shown >= NODE_EDITS
        assert not shown & TAIL


async def test_undo_and_redo_appear_with_history(make_app, shop) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not footer_actions(app) & HISTORY
        shop.add_event("refund-issued")
        app.post_message(FlowEdited(reason="add event"))
        await settle(pilot)
        shown = footer_actions(app)
        assert "undo" in shown and "redo" not in shown

        await pilot.press("ctrl+z")
        await settle(pilot)
        shown = footer_actions(app)
        assert "redo" in shown and "undo" not in shown

        await pilot.press("ctrl+y")
        await settle(pilot)
        shown = footer_actions(app)
        assert "undo" in shown and "redo" not in shown


async def test_footer_fits_200_columns_with_everything_offered(
    make_app, live_snapshot, shop
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=WIDE) as pilot:
        shop.add_event("refund-issued")
        shop.undo()
        shop.redo()
        shop.add_event("refund-denied")
        shop.undo()
        app.post_message(FlowEdited(reason="history both ways"))
        app.selected_node = PLACED
        await settle(pilot)
        keys = footer_keys(app)
        assert {key.action for key in keys} >= (NODE_EDITS | TAIL | HISTORY)
        assert max(key.region.right for key in keys) <= WIDE[0]


def assert_footer_fits(app, width: int) -> list[str]:
    """Every key the footer shows lies whole on screen, clear of the others;
    returns the shown actions, left to right."""
    footer = app.query_one(Footer)
    assert footer.region.width == width
    keys = sorted(footer_keys(app), key=lambda key: key.region.x)
    palette = keys[-1]
    assert "-command-palette" in palette.classes
    assert palette.region.right == width  # nothing shows after it
    right = 0
    for key in keys:
        text = f"{key.key_display} {key.description}"
        assert key.render().plain.strip("▏") == text
        extra = 1 if key is palette else 0  # its left border
        assert key.region.width == cell_len(text) + extra, text
        assert key.region.x >= right, f"{text} overlaps the key before it"
        right = key.region.right
    assert right <= width
    return [key.action for key in keys[:-1]]


async def busy_footer(app, pilot, shop) -> None:
    """An event with a live tail selected, with undo and redo history."""
    shop.add_event("refund-issued")
    shop.add_event("refund-denied")
    shop.undo()
    app.post_message(FlowEdited(reason="history both ways"))
    app.selected_node = PLACED
    await settle(pilot)


@pytest.mark.parametrize("width", [80, 120])
async def test_footer_keys_are_whole_at_common_widths(
    make_app, live_snapshot, shop, width
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=(width, 40)) as pilot:
        await settle(pilot)
        idle = assert_footer_fits(app, width)
        assert {"quit", "help", "add_event", "save"} <= set(idle)

        await busy_footer(app, pilot, shop)
        busy = assert_footer_fits(app, width)
        # The selection's keys come before the view's and the exports.
        assert {"quit", "help"} | NODE_EDITS <= set(busy)
        assert "export" not in busy
        if width == 120:
            assert TAIL | HISTORY | {"save"} <= set(busy)


async def test_footer_chooses_again_when_the_terminal_narrows(
    make_app, live_snapshot, shop
) -> None:
    app = make_app(live_snapshot)
    async with app.run_test(size=(200, 40)) as pilot:
        await busy_footer(app, pilot, shop)
        assert len(assert_footer_fits(app, 200)) == len(FOOTER_PRIORITY)
        await pilot.resize_terminal(80, 40)
        await settle(pilot)
        assert_footer_fits(app, 80)


def test_keys_are_chosen_in_priority_order_while_they_fit() -> None:
    widths = [("quit", 7), ("rename", 9), ("export", 9), ("fit", 6)]
    assert fitting(widths, 25) == {"quit", "rename", "export"}
    # A smaller key further down does not jump the queue.
    assert fitting(widths, 22) == {"quit", "rename"}
    assert fitting(widths, 0) == set()


async def test_hidden_keys_stay_in_palette_and_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
    for title in ("Rename node", "Delete node", "Connect", "Disconnect"):
        assert title in titles
    for title in ("Edit fields", "Undo", "Redo", "Pause tail", "Filter tail"):
        assert title in titles
    text = help_text()
    for key in ("`r`", "`c`", "`x`", "`e`", "`Ctrl+Z` / `Ctrl+Y`", "`p`", "`t`"):
        assert f"| {key} |" in text
