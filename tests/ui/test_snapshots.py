"""SVG snapshots of the main screen and the detail panels on fixed data.

Regenerate after an intended change with `pytest tests/ui --snapshot-update`
and look at the SVGs before committing them. They use a frozen stand-in layout
so that improvements to the real one do not change them.
"""

from __future__ import annotations

import pytest

from edaviz.core.graph import NodeKey
from tests.ui.fixed_layout import fixed_layout

SIZE = (130, 36)


@pytest.fixture(autouse=True)
def frozen_layout(monkeypatch) -> None:
    """Draw with the frozen layout: these pictures check the UI, not the layout."""
    monkeypatch.setattr("edaviz.layout.compute_layout", fixed_layout)


def test_main_screen_live(snap_compare, make_app, live_snapshot) -> None:
    assert snap_compare(make_app(live_snapshot), terminal_size=SIZE)


def test_event_detail_panel(snap_compare, make_app, live_snapshot) -> None:
    async def select(pilot) -> None:
        pilot.app.selected_node = NodeKey("event", "order-placed")
        await pilot.pause()

    assert snap_compare(make_app(live_snapshot), terminal_size=SIZE, run_before=select)


def test_handler_detail_panel(snap_compare, make_app, live_snapshot) -> None:
    async def select(pilot) -> None:
        pilot.app.selected_node = NodeKey("handler", "shipping")
        await pilot.pause()

    assert snap_compare(make_app(live_snapshot), terminal_size=SIZE, run_before=select)


def test_design_mode_top_down(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, press=["o", "tab"])
