"""The live tail of an event's topic: newest first, pausable, filterable.

Record bytes are untrusted: they go through `edaviz.metrics.payload` and are
wrapped in `rich.text.Text`, which never interprets markup, so a value that
looks like `[bold]` or holds escape sequences shows literally.
"""

from __future__ import annotations

import logging

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from edaviz.metrics import payload
from edaviz.metrics.snapshot import TailRecord
from edaviz.ui.format import timestamp

log = logging.getLogger(__name__)

#: Records shown at once; the snapshot's tail is already bounded, this bounds
#: the text the panel renders.
MAX_SHOWN = 40

#: Characters of a value shown in the panel.
VALUE_LIMIT = 1200

#: Records remembered to count "+N new" while paused.
MAX_KNOWN = 5000


def record_text(record: TailRecord) -> tuple[str, str, str]:
    """Safe plain strings of a record's key, headers and value."""
    key = payload.render_bytes(record.key, limit=80)
    headers = payload.render_headers(record.headers)
    value = payload.render_bytes(
        record.value,
        limit=VALUE_LIMIT,
        total_size=record.value_size or None,
        multiline=True,
    )
    return key, headers, value


def render_record(record: TailRecord) -> Text:
    """One record as styled text: a header line, headers, then the value."""
    key, headers, value = record_text(record)
    text = Text()
    text.append(f"p{record.partition}", style="bold")
    text.append(f" @{record.offset}", style="bold")
    text.append(f"  {timestamp(record.timestamp_ms)}\n", style="dim")
    text.append("key ", style="dim")
    text.append(key)
    text.append("\n")
    if headers:
        text.append("headers ", style="dim")
        text.append(headers)
        text.append("\n")
    text.append(value)
    return text


class TailView(Vertical):
    """The newest records of a topic, with pause ("+N new") and a text filter."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.paused = False
        self.pending = 0
        self.filter_text = ""
        self._latest: tuple[TailRecord, ...] = ()
        self._shown: tuple[TailRecord, ...] = ()
        self._known: set[tuple[int, int]] = set()
        self._topic: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="tail-status", markup=False)
        yield Input(placeholder="filter the tail (t)", id="tail-filter")
        with VerticalScroll(id="tail-scroll"):
            yield Static(id="tail-body", markup=False)

    def reset(self, topic: str | None) -> None:
        """Start over for another topic (a new selection)."""
        self._topic = topic
        self._latest = self._shown = ()
        self._known.clear()
        self.pending = 0
        self._refresh_view()

    def feed(self, tail: tuple[TailRecord, ...]) -> None:
        """Take the newest tail from a snapshot (newest first)."""
        if tail == self._latest:
            return
        self._latest = tail
        fresh = [r for r in tail if (r.partition, r.offset) not in self._known]
        if len(self._known) > MAX_KNOWN:
            self._known = {(r.partition, r.offset) for r in tail}
        self._known.update((r.partition, r.offset) for r in fresh)
        if self.paused:
            self.pending += len(fresh)
        else:
            self._shown = tail
        self._refresh_view()

    def toggle_pause(self) -> None:
        """Freeze the tail, or resume showing the newest records."""
        self.paused = not self.paused
        if not self.paused:
            self._shown = self._latest
            self.pending = 0
        self._refresh_view()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Apply the filter as it is typed."""
        if event.input.id == "tail-filter":
            self.filter_text = event.value
            self._refresh_view()

    def matches(self, record: TailRecord) -> bool:
        """True when the record's key, headers or value contains the filter."""
        needle = self.filter_text.strip().lower()
        if not needle:
            return True
        return any(needle in part.lower() for part in record_text(record))

    def visible_records(self) -> list[TailRecord]:
        """The records on screen, newest first, after the filter."""
        return [r for r in self._shown if self.matches(r)][:MAX_SHOWN]

    def _refresh_view(self) -> None:
        if not self.is_mounted:
            return
        records = self.visible_records()
        status = Text()
        status.append("Tail ", style="bold")
        if self.paused:
            status.append("paused", style="bold yellow")
            status.append(f"  +{self.pending} new" if self.pending else "  no new")
            status.append("  (p resumes)", style="dim")
        else:
            status.append("live", style="bold green")
            status.append("  newest first  (p pauses)", style="dim")
        if self.filter_text.strip():
            status.append(f"\n{len(records)} match the filter", style="dim")
        self.query_one("#tail-status", Static).update(status)
        body = Text()
        if not records:
            body.append(
                "no records match" if self._shown else "no records yet", style="dim"
            )
        for i, record in enumerate(records):
            if i:
                body.append("\n─\n", style="dim")
            body.append_text(render_record(record))
        self.query_one("#tail-body", Static).update(body)
