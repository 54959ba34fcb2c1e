"""Fixtures for the UI tests: the shop flow, sample snapshots, an app factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from edaviz.core.document import FlowDocument
from edaviz.metrics.snapshot import Snapshot
from edaviz.ui.app import EdavizApp
from edaviz.ui.sample import SAMPLE_TIME, sample_snapshot
from edaviz.ui.sources import FixedMetrics

SHOP = Path(__file__).with_name("shop.yaml")


@pytest.fixture
def shop() -> FlowDocument:
    """The shop flow, freshly opened."""
    return FlowDocument.open(SHOP)


@pytest.fixture
def live_snapshot(shop: FlowDocument) -> Snapshot:
    """A connected snapshot of the shop with shipping falling behind."""
    return sample_snapshot(shop.flow, troubled=("shipping",))


@pytest.fixture
def make_app(shop: FlowDocument) -> Callable[..., EdavizApp]:
    """Build an app on the shop flow; `snapshot=None` means design mode."""

    def make(snapshot: Snapshot | None = None, **kwargs: object) -> EdavizApp:
        metrics = FixedMetrics(snapshot) if snapshot is not None else None
        return EdavizApp(
            shop,
            metrics=kwargs.pop("metrics", metrics),
            clock=lambda: SAMPLE_TIME,
            **kwargs,
        )

    return make
