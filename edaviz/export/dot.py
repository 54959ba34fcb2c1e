"""Graphviz DOT of a scene: valid input for `dot`, shapes by kind, live edge labels.

Node ids are the quoted `kind:id` strings, so events and handlers never collide
and no id needs rewriting; every string is escaped for DOT's quoted form.
"""

from __future__ import annotations

from edaviz.core.graph import NodeKey
from edaviz.export import labels
from edaviz.export.scene import Scene

#: Font stack handed to Graphviz; it picks the first one it can find.
DOT_FONT = "DejaVu Sans Mono,Liberation Mono,Menlo,Consolas,monospace"


def dot_string(text: str) -> str:
    """`text` as a double-quoted DOT string (backslashes, quotes, newlines)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r", "").replace("\n", "\\n")
    return f'"{text}"'


def dot_id(key: NodeKey) -> str:
    """The quoted DOT id of a node."""
    return dot_string(f"{key.kind}:{key.id}")


def _lines(lines: tuple[str, ...]) -> str:
    # `\n` inside a quoted DOT label is a centred line break; join before quoting
    # so user text cannot smuggle in other escapes.
    return "\\n".join(dot_string(line)[1:-1] for line in lines)


def render_dot(scene: Scene) -> str:
    """The scene as a `digraph` in DOT."""
    graph_label = scene.caption or scene.title
    out = [
        f"digraph {dot_string(scene.flow.name)} {{",
        f"    rankdir={scene.direction};",
        f"    label={dot_string(graph_label)}; labelloc=t; fontname="
        f"{dot_string(DOT_FONT)};",
        f"    node [fontname={dot_string(DOT_FONT)}, fontsize=11, style=filled];",
        f"    edge [fontname={dot_string(DOT_FONT)}, fontsize=9];",
    ]
    for key, node in scene.nodes.items():
        fill, stroke = labels.NODE_COLOURS[node.kind]
        # Events are rounded boxes (topics), handlers the `component` shape
        # (processes), matching the SVG and Mermaid exports.
        shape = "box" if node.kind == "event" else "component"
        style = '"rounded,filled"' if node.kind == "event" else "filled"
        attrs = [
            f'label="{_lines(node.lines)}"',
            f"shape={shape}",
            f"style={style}",
            f'fillcolor="{fill}"',
        ]
        if node.health is not None:
            attrs.append(f'color="{labels.HEALTH_COLOURS[node.health]}"')
            attrs.append("penwidth=2")
        else:
            attrs.append(f'color="{stroke}"')
        out.append(f"    {dot_id(key)} [{', '.join(attrs)}];")
    for (u, v), edge in scene.edges.items():
        attrs = [f"class={dot_string(edge.kind)}"]
        if edge.label:
            attrs.append(f'label="{_lines(edge.label)}"')
        if edge.health is not None:
            colour = labels.HEALTH_COLOURS[edge.health]
            attrs.append(f'color="{colour}"')
            attrs.append(f'fontcolor="{colour}"')
        else:
            attrs.append(f'color="{labels.PLAIN_EDGE_COLOUR}"')
        out.append(f"    {dot_id(u)} -> {dot_id(v)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"
