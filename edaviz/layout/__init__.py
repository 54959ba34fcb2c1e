"""Layered (Sugiyama-style) layout of a flow graph in character cells, with no UI.

`compute_layout` turns a DAG and the sizes of its node boxes (and optionally of
its edge labels) into boxes and orthogonal edge routes; `count_crossings` counts
the crossings of the result. The pipeline, one module per step: `layering`
(longest path, then network simplex in `simplex`), `items` (dummy and label
items), `ordering` (crossing reduction), `placement` (positions across the
flow), `routing` (tracks in the channels) and `engine`, which runs them per
connected component and turns the result into screen cells.
"""

from edaviz.layout.crossings import count_crossings
from edaviz.layout.engine import compute_layout
from edaviz.layout.model import Direction, EdgeRoute, Layout, NodeBox

__all__ = [
    "Direction",
    "EdgeRoute",
    "Layout",
    "NodeBox",
    "compute_layout",
    "count_crossings",
]
