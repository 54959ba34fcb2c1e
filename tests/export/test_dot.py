"""DOT export checked by Graphviz itself: `dot -Tsvg` must accept it."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.export import export_bytes
from edaviz.export.dot import dot_string
from edaviz.metrics.snapshot import Snapshot

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(
    DOT is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)


def run_dot(source: bytes) -> ET.Element:
    """Graphviz's SVG of `source`; fails the test if dot rejects it."""
    result = subprocess.run(
        [DOT, "-Tsvg"], input=source, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"Warning" not in result.stderr, result.stderr.decode()
    return ET.fromstring(result.stdout)


def titles(root: ET.Element) -> set[str]:
    """The <title> of every node and edge group Graphviz drew."""
    ns = "{http://www.w3.org/2000/svg}"
    return {
        g.find(f"{ns}title").text
        for g in root.iter(f"{ns}g")
        if {"node", "edge"} & set((g.get("class") or "").split())
    }


@needs_dot
@pytest.mark.parametrize("view", ["full", "events"])
def test_dot_accepts_and_draws_every_node_and_edge(
    flow: Flow, snapshot: Snapshot, view: str
) -> None:
    graph = FlowGraph(flow).view(view)
    for snap in (None, snapshot):
        drawn = titles(run_dot(export_bytes(flow, "dot", view=view, snapshot=snap)))
        for node in graph.nodes:
            assert f"{node.kind}:{node.id}" in drawn
        for u, v in graph.edges:
            assert f"{u.kind}:{u.id}->{v.kind}:{v.id}" in drawn


@needs_dot
def test_dot_live_labels_reach_the_drawing(flow: Flow, snapshot: Snapshot) -> None:
    root = run_dot(export_bytes(flow, "dot", snapshot=snapshot))
    words = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "lag 1,204 · 3.5/s · STALL" in words
    assert "lag 77 · 0.0/s · STOP" in words


def test_dot_shapes_and_colours_per_kind(flow: Flow, snapshot: Snapshot) -> None:
    text = export_bytes(flow, "dot", snapshot=snapshot).decode()
    assert '"event:order.placed" [label="order.placed\\n' in text
    event_line = next(ln for ln in text.splitlines() if '"event:audit" [' in ln)
    handler_line = next(ln for ln in text.splitlines() if '"handler:audit" [' in ln)
    assert "shape=box" in event_line and "rounded" in event_line
    assert "shape=component" in handler_line
    stall = next(ln for ln in text.splitlines() if '-> "handler:pay"' in ln)
    assert 'color="#ef6c00"' in stall and 'label="lag 1,204' in stall


def test_dot_string_escapes() -> None:
    assert dot_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
