"""Mermaid flowchart of a scene, as GitHub and most Markdown renderers draw it.

Node ids are rewritten to `[A-Za-z0-9_]` with a kind prefix (so an id such as
`end` or `graph` cannot clash with Mermaid keywords, and an event and a handler
may share a name); every label is quoted with `"` written as `#quot;`.
"""

from __future__ import annotations

import logging
import re

from edaviz.core.graph import NodeKey
from edaviz.export import labels
from edaviz.export.scene import Scene
from edaviz.metrics.snapshot import Health

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")

#: Mermaid's default ceilings, which GitHub keeps and a chart cannot raise: past
#: either, the page shows an error instead of the chart.
MAX_EDGES = 500
MAX_TEXT_SIZE = 50_000

#: Mermaid entities for characters that would end or confuse a quoted label.
_ENTITIES = {
    "&": "#amp;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "#": "#35;",
    "`": "#96;",
    "|": "#124;",
}


def mermaid_text(text: str) -> str:
    """`text` safe inside a quoted Mermaid label."""
    out = "".join(_ENTITIES.get(ch, ch) for ch in text)
    return " ".join(out.split())


def mermaid_ids(keys: list[NodeKey]) -> dict[NodeKey, str]:
    """A unique Mermaid-safe id for each node key."""
    ids: dict[NodeKey, str] = {}
    used: set[str] = set()
    for key in keys:
        prefix = "e" if key.kind == "event" else "h"
        base = f"{prefix}_{_UNSAFE.sub('_', key.id)}"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        ids[key] = candidate
    return ids


def render_mermaid(scene: Scene) -> str:
    """The scene as a `flowchart` in Mermaid syntax."""
    ids = mermaid_ids(list(scene.nodes))
    out = [
        "---",
        f"title: {_yaml_string(scene.caption or scene.title)}",
        "---",
        f"flowchart {scene.direction}",
    ]
    for key, node in scene.nodes.items():
        text = "<br/>".join(mermaid_text(line) for line in node.lines)
        # Events are stadiums (topics), handlers subroutines (processes).
        if node.kind == "event":
            out.append(f'    {ids[key]}(["{text}"])')
        else:
            out.append(f'    {ids[key]}[["{text}"]]')

    link_colours: dict[str, list[int]] = {}
    for index, ((u, v), edge) in enumerate(scene.edges.items()):
        if edge.label:
            text = "<br/>".join(mermaid_text(line) for line in edge.label)
            out.append(f'    {ids[u]} -->|"{text}"| {ids[v]}')
        else:
            out.append(f"    {ids[u]} --> {ids[v]}")
        if edge.health is not None:
            colour = labels.HEALTH_COLOURS[edge.health]
            link_colours.setdefault(colour, []).append(index)

    out.extend(_classes(scene, ids))
    for colour, indices in link_colours.items():
        joined = ",".join(str(i) for i in indices)
        out.append(f"    linkStyle {joined} stroke:{colour},stroke-width:2px")
    text = "\n".join(out) + "\n"
    if problem := over_limits(text, len(scene.edges)):
        log.warning(
            "the Mermaid chart of %r %s, so GitHub will not draw it; "
            "the events view or an SVG export may fit",
            scene.flow.name,
            problem,
        )
    return text


def over_limits(text: str, edges: int) -> str | None:
    """Which of Mermaid's default limits a chart exceeds (None when it fits)."""
    if edges > MAX_EDGES:
        return f"has {edges} edges (at most {MAX_EDGES})"
    if len(text) > MAX_TEXT_SIZE:
        return f"is {len(text):,} characters long (at most {MAX_TEXT_SIZE:,})"
    return None


def _classes(scene: Scene, ids: dict[NodeKey, str]) -> list[str]:
    out = []
    for kind, (fill, stroke) in labels.NODE_COLOURS.items():
        out.append(f"    classDef {kind} fill:{fill},stroke:{stroke},color:#000")
    for kind in labels.NODE_COLOURS:
        members = [ids[k] for k, n in scene.nodes.items() if n.kind == kind]
        if members:
            out.append(f"    class {','.join(members)} {kind}")
    if scene.snapshot is None:
        return out

    # With live numbers a node's border takes the worst health of its inputs.
    by_health: dict[Health, list[str]] = {}
    for key, node in scene.nodes.items():
        if node.health is not None:
            by_health.setdefault(node.health, []).append(ids[key])
    for health, members in by_health.items():
        colour = labels.HEALTH_COLOURS[health]
        name = _health_class(health)
        out.append(f"    classDef {name} stroke:{colour},stroke-width:3px")
        out.append(f"    class {','.join(members)} {name}")
    return out


def _yaml_string(text: str) -> str:
    """`text` as a double-quoted YAML scalar on one line (the front matter)."""
    text = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _health_class(health: Health) -> str:
    return "health_" + str(health).lower()
