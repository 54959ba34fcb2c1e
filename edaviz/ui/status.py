"""The status bar: cluster, connection, age of the last update, bottleneck."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from edaviz.metrics.snapshot import Snapshot
from edaviz.ui.format import age, duration


def status_text(
    *,
    design_reason: str | None,
    snapshot: Snapshot | None,
    now: datetime,
    zoom: str,
    direction: str,
    view: str,
    dirty: bool = False,
) -> Text:
    """The status line for the current state of the app."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if design_reason is not None:
        text.append(" DESIGN ", style="reverse bold")
        text.append(f" {design_reason}")
    elif snapshot is None or _connecting(snapshot):
        text.append(" CONNECTING ", style="reverse yellow")
        where = f" to {snapshot.cluster.bootstrap}" if snapshot else ""
        text.append(f" waiting for the first measurement{where}")
    else:
        cluster = snapshot.cluster
        if cluster.connected:
            text.append(" LIVE ", style="reverse bold green")
            text.append(f" {cluster.bootstrap}  ")
            text.append("● connected", style="green")
        else:
            text.append(" OFFLINE ", style="reverse bold red")
            text.append(f" {cluster.bootstrap}  ")
            since = cluster.disconnected_since
            gone = f" for {duration((now - since).total_seconds())}" if since else ""
            text.append(f"○ unreachable{gone}, retrying", style="red")
            text.append(" · no live numbers", style="dim")
        text.append(f"  updated {age(snapshot.taken_at, now)}", style="dim")
        if cluster.connected and snapshot.bottleneck:
            text.append("  bottleneck ", style="dim")
            text.append(snapshot.bottleneck, style="bold dark_orange")
    text.append(f"  [{view} · {zoom} · {direction}]", style="dim")
    if dirty:
        text.append("  modified", style="bold yellow")
    return text


def _connecting(snapshot: Snapshot) -> bool:
    """True before the first poll answered (no error, never disconnected)."""
    cluster = snapshot.cluster
    return (
        not cluster.connected
        and cluster.error is None
        and cluster.disconnected_since is None
    )


class StatusBar(Static):
    """One line at the bottom: what the app is connected to and how fresh it is."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self._last: Text | None = None

    def show(self, text: Text) -> None:
        """Update only when the line actually changes."""
        if self._last is not None and text.plain == self._last.plain:
            return
        self._last = text
        self.update(text)
