"""The export API: format choice, atomic writes and clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edaviz.core.flow import Flow
from edaviz.errors import EdavizError, UsageError
from edaviz.export import FORMATS, export_flow, format_for_path, write_atomic


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.svg", "svg"),
        ("a.PNG", "png"),
        ("a.mmd", "mermaid"),
        ("a.mermaid", "mermaid"),
        ("a.dot", "dot"),
        ("a.gv", "dot"),
        ("a.json", "json"),
    ],
)
def test_format_follows_the_extension(name: str, fmt: str) -> None:
    assert format_for_path(name) == fmt


def test_explicit_format_wins() -> None:
    assert format_for_path("graph.txt", "mermaid") == "mermaid"


@pytest.mark.parametrize("name", ["graph.txt", "graph", "graph.svg.bak"])
def test_unknown_extension_is_a_usage_error(name: str) -> None:
    with pytest.raises(UsageError, match="--format") as info:
        format_for_path(name)
    assert ".svg" in str(info.value) and name in str(info.value)


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown export format 'pdf'"):
        format_for_path("a.svg", "pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_flow_writes_each_format(flow: Flow, tmp_path: Path, fmt: str) -> None:
    path = export_flow(flow, tmp_path / "graph.out", fmt)
    assert path.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["graph.out"]


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "x.svg"
    target.write_bytes(b"old")
    write_atomic(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert os.listdir(tmp_path) == ["x.svg"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a directory cannot be replaced by a file
    with pytest.raises(EdavizError, match="cannot write"):
        write_atomic(target, b"data")
    assert sorted(os.listdir(tmp_path)) == ["taken"]


def test_missing_folder_is_a_usage_error(flow: Flow, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        export_flow(flow, tmp_path / "nope" / "graph.svg")
