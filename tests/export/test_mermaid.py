"""Mermaid export: a structural check of the flowchart text."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph
from edaviz.export import export_bytes
from edaviz.export.mermaid import (
    MAX_EDGES,
    MAX_TEXT_SIZE,
    mermaid_ids,
    mermaid_text,
    over_limits,
)
from edaviz.metrics.snapshot import Snapshot

ID = r"[A-Za-z][A-Za-z0-9_]*"
LABEL = r'"[^"\n]*"'
EVENT_NODE = re.compile(rf"^    ({ID})\(\[({LABEL})\]\)$")
HANDLER_NODE = re.compile(rf"^    ({ID})\[\[({LABEL})\]\]$")
EDGE = re.compile(rf"^    ({ID}) -->(?:\|({LABEL})\|)? ({ID})$")
LINK_STYLE = re.compile(
    r"^    linkStyle ([0-9,]+) stroke:#[0-9a-f]{6},stroke-width:2px$"
)


def parse(text: str) -> dict:
    """Split the chart into nodes, edges and styles; fail on any unknown line."""
    lines = text.splitlines()
    assert lines[0] == "---" and lines[1].startswith("title: ") and lines[2] == "---"
    assert lines[3] in ("flowchart LR", "flowchart TB")
    chart = {"events": {}, "handlers": {}, "edges": [], "links": [], "classes": []}
    for line in lines[4:]:
        if m := EVENT_NODE.match(line):
            chart["events"][m[1]] = m[2]
        elif m := HANDLER_NODE.match(line):
            chart["handlers"][m[1]] = m[2]
        elif m := EDGE.match(line):
            chart["edges"].append((m[1], m[3], m[2]))
        elif m := LINK_STYLE.match(line):
            chart["links"].extend(int(i) for i in m[1].split(","))
        elif line.startswith(("    classDef ", "    class ")):
            chart["classes"].append(line.split())
        else:
            pytest.fail(f"unexpected Mermaid line: {line!r}")
    return chart


@pytest.mark.parametrize("view", ["full", "events"])
def test_every_node_and_edge_in_the_chart(flow: Flow, view: str) -> None:
    graph = FlowGraph(flow).view(view)
    ids = mermaid_ids(list(graph.nodes))
    chart = parse(export_bytes(flow, "mermaid", view=view).decode())

    events = {ids[k] for k in graph.nodes if k.kind == "event"}
    handlers = {ids[k] for k in graph.nodes if k.kind == "handler"}
    assert set(chart["events"]) == events
    assert set(chart["handlers"]) == handlers
    assert {(u, v) for u, v, _ in chart["edges"]} == {
        (ids[u], ids[v]) for u, v in graph.edges
    }
    assert len(chart["edges"]) == graph.number_of_edges()
    assert not chart["links"]


def test_ids_are_sanitised_and_unique(flow: Flow) -> None:
    graph = FlowGraph(flow).full
    ids = mermaid_ids(list(graph.nodes))
    assert len(set(ids.values())) == len(ids)
    assert ids[("handler", "end")] == "h_end"  # never the bare keyword `end`
    assert ids[("event", "audit")] != ids[("handler", "audit")]
    assert ids[("event", "order.placed")] == "e_order_placed"


def test_labels_escape_special_characters() -> None:
    assert mermaid_text('a "b" <c> & #d | `e`') == (
        "a #quot;b#quot; #lt;c#gt; #amp; #35;d #124; #96;e#96;"
    )


def test_live_chart_has_numbers_and_health_styles(
    flow: Flow, snapshot: Snapshot
) -> None:
    chart = parse(export_bytes(flow, "mermaid", snapshot=snapshot).decode())
    labels = {(u, v): label for u, v, label in chart["edges"]}
    assert labels[("e_order_placed", "h_pay")] == '"lag 1,204 · 3.5/s · STALL"'
    assert labels[("e_payment_done", "h_end")] == '"lag 77 · 0.0/s · STOP"'
    assert sorted(chart["links"]) == list(range(len(chart["edges"])))
    defined = {c[1] for c in chart["classes"] if c[0] == "classDef"}
    assert {"health_stall", "health_stop", "event", "handler"} <= defined
    assigned = {c[1]: c[2] for c in chart["classes"] if c[0] == "class"}
    assert assigned["h_pay"] == "health_stall"


def _mermaid_modules() -> str | None:
    folder = os.environ.get("EDAVIZ_MERMAID_MODULES")
    if not folder or shutil.which("node") is None:
        return None
    modules = Path(folder)
    has = (modules / "mermaid").is_dir() and (modules / "jsdom").is_dir()
    return str(modules) if has else None


@pytest.mark.skipif(
    _mermaid_modules() is None,
    reason="Mermaid's own parser is opt-in: set EDAVIZ_MERMAID_MODULES to a "
    "node_modules folder holding `mermaid` and `jsdom` (npm install mermaid jsdom)",
)
def test_mermaid_itself_parses_every_node_and_edge(
    flow: Flow, snapshot: Snapshot, tmp_path: Path
) -> None:
    files = {}
    for view in ("full", "events"):
        for snap in (None, snapshot):
            path = tmp_path / f"{view}-{snap is not None}.mmd"
            path.write_bytes(export_bytes(flow, "mermaid", view=view, snapshot=snap))
            files[str(path)] = FlowGraph(flow).view(view)
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("mermaid_check.mjs")), *files],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": _mermaid_modules() or ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = json.loads(result.stdout)
    for path, graph in files.items():
        ids = mermaid_ids(list(graph.nodes))
        assert parsed[path]["type"].startswith("flowchart")
        assert sorted(parsed[path]["vertices"]) == sorted(ids.values())
        edges = {(a, b) for a, b, _ in parsed[path]["edges"]}
        assert edges == {(ids[u], ids[v]) for u, v in graph.edges}


def chain(handlers: int) -> Flow:
    """A flow of `handlers` handlers in a row, two edges each."""
    events = [f"e{i}" for i in range(handlers)]
    return Flow.model_validate(
        {
            "edaviz": 1,
            "name": "chain",
            "events": {e: {} for e in events},
            "handlers": {
                f"h{i}": {"consumes": events[i - 1 : i], "produces": [events[i]]}
                for i in range(handlers)
            },
        }
    )


def test_a_chart_too_big_for_github_is_written_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="edaviz.export.mermaid"):
        small = export_bytes(chain(10), "mermaid").decode()
        assert not caplog.records
        big = export_bytes(chain(260), "mermaid").decode()
    assert big.count(" --> ") == 519 and small.count(" --> ") == 19
    (record,) = caplog.records
    assert "519 edges (at most 500)" in record.getMessage()
    assert "GitHub" in record.getMessage()


def test_text_size_limit() -> None:
    assert over_limits("x" * MAX_TEXT_SIZE, MAX_EDGES) is None
    assert "50,001 characters" in over_limits("x" * (MAX_TEXT_SIZE + 1), 1)
