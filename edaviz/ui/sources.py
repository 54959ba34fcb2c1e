"""Where the app's live numbers come from: anything with `.latest` and start/stop.

The app never waits on Kafka: it reads `latest` a few times per second and the
source fills it in the background. Tests use `FixedMetrics` with hand-made
snapshots; `edaviz open` wraps the metrics engine in `EngineMetrics`.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, Protocol, runtime_checkable

from edaviz.metrics.snapshot import Snapshot

log = logging.getLogger(__name__)


@runtime_checkable
class MetricsSource(Protocol):
    """A producer of snapshots the app can poll."""

    @property
    def latest(self) -> Snapshot | None:
        """The newest snapshot, or None before the first."""

    async def start(self) -> None:
        """Begin producing snapshots (returns once started)."""

    async def stop(self) -> None:
        """Stop and release every connection."""


class FixedMetrics:
    """Snapshots set by hand: for tests, screenshots and benchmarks."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.latest: Snapshot | None = snapshot
        self.started = False

    def push(self, snapshot: Snapshot) -> None:
        """Make `snapshot` the newest."""
        self.latest = snapshot

    async def start(self) -> None:
        """Nothing to start."""
        self.started = True

    async def stop(self) -> None:
        """Nothing to stop."""
        self.started = False


class EngineMetrics:
    """The metrics engine seen as a source: entered on start, left on stop."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._entered = False

    @property
    def latest(self) -> Snapshot | None:
        """The engine's newest snapshot."""
        return self.engine.latest

    async def start(self) -> None:
        """Start the engine's polling task."""
        if hasattr(self.engine, "start"):
            started = self.engine.start()
            if inspect.isawaitable(started):
                await started
        else:
            await self.engine.__aenter__()
        self._entered = True

    async def stop(self) -> None:
        """Stop polling and close the engine's clients."""
        if not self._entered:
            return
        self._entered = False
        if hasattr(self.engine, "stop"):
            stopped = self.engine.stop()
            if inspect.isawaitable(stopped):
                await stopped
        else:
            await self.engine.__aexit__(None, None, None)
