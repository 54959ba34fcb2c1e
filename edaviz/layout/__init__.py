"""Layered (Sugiyama-style) layout of a flow graph in character cells, with no UI."""
