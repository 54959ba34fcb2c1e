"""Exporters: SVG, PNG, Mermaid, DOT and JSON snapshots of a flow graph."""
