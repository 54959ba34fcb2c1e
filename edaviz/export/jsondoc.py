"""JSON export: the flow, the computed layout and, when live, the metrics snapshot.

The document is meant for other tools (a web renderer, a diff in CI): the flow in
the flow file's own field names, every node's layer, order and box in character
cells, every edge's orthogonal route and label position, and the snapshot exactly
as `edaviz watch --once --json` prints it. A bootstrap in either loses any
`user:password@` part.
"""

from __future__ import annotations

import json
from typing import Any

from edaviz.core.graph import NodeKey
from edaviz.export.redact import safe_bootstrap
from edaviz.export.scene import Scene

#: Version of this document's shape; bumped when a field changes meaning.
EXPORT_FORMAT_VERSION = 1


def _key(key: NodeKey) -> dict[str, str]:
    return {"kind": key.kind, "id": key.id}


def export_document(scene: Scene) -> dict[str, Any]:
    """The export as plain JSON-ready data."""
    layout = scene.layout
    flow = scene.flow.model_dump(mode="json", by_alias=True, exclude_none=True)
    _hide_credentials(flow)
    nodes = []
    for key, node in scene.nodes.items():
        box = layout.nodes[key]
        nodes.append(
            {
                **_key(key),
                "lines": list(node.lines),
                "layer": box.layer,
                "order": box.order,
                "x": box.x,
                "y": box.y,
                "width": box.width,
                "height": box.height,
                "health": None if node.health is None else str(node.health),
            }
        )
    edges = []
    for pair, edge in scene.edges.items():
        route = layout.edges.get(pair)
        item: dict[str, Any] = {
            "source": _key(edge.source),
            "target": _key(edge.target),
            "kind": edge.kind,
            "points": [list(p) for p in route.points] if route is not None else [],
            "label": list(edge.label),
            "label_at": (
                list(route.label_at)
                if route is not None and route.label_at is not None
                else None
            ),
            "health": None if edge.health is None else str(edge.health),
        }
        if edge.kind == "flows":
            item["handlers"] = list(edge.handlers)
        edges.append(item)
    return {
        "edaviz_export": EXPORT_FORMAT_VERSION,
        "view": scene.view,
        "direction": scene.direction,
        "flow": flow,
        "layout": {
            "unit": "cell",
            "width": layout.width,
            "height": layout.height,
            "nodes": nodes,
            "edges": edges,
        },
        "snapshot": _snapshot_document(scene),
    }


def _snapshot_document(scene: Scene) -> dict[str, Any] | None:
    """The `watch --once --json` document, its bootstrap without credentials."""
    if scene.snapshot is None:
        return None
    doc = scene.snapshot.to_json()
    _hide_credentials(doc)
    return doc


def _hide_credentials(doc: dict[str, Any]) -> None:
    """Drop any `user:password@` from the document's `cluster.bootstrap`."""
    cluster = doc.get("cluster")
    if isinstance(cluster, dict) and isinstance(cluster.get("bootstrap"), str):
        cluster["bootstrap"] = safe_bootstrap(cluster["bootstrap"])


def render_json(scene: Scene) -> str:
    """The export document as indented JSON text."""
    return json.dumps(export_document(scene), indent=2, ensure_ascii=False) + "\n"
