"""`edaviz export` from the command line: formats, options and errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from edaviz.cli import main

FLOW_YAML = """\
edaviz: 1
name: checkout
events:
  order.placed: {}
  order.paid: {}
handlers:
  web: {produces: [order.placed]}
  payments: {consumes: [order.placed], produces: [order.paid]}
"""


@pytest.fixture
def flow_path(flow_file: Callable[[str], Path]) -> Path:
    """A small flow file."""
    return flow_file(FLOW_YAML)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("g.svg", lambda b: ET.fromstring(b).tag.endswith("svg")),
        ("g.png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
        ("g.mmd", lambda b: b"flowchart LR" in b),
        ("g.dot", lambda b: b.startswith(b'digraph "checkout"')),
        ("g.json", lambda b: json.loads(b)["flow"]["name"] == "checkout"),
    ],
)
def test_format_from_extension(
    flow_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    check: Callable[[bytes], bool],
) -> None:
    out = tmp_path / name
    assert main(["export", str(flow_path), "-o", str(out)]) == 0
    assert check(out.read_bytes())
    assert f"wrote {out}" in capsys.readouterr().err


def test_options_reach_the_export(flow_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.txt"
    args = ["export", str(flow_path), "-o", str(out), "--format", "json"]
    assert main([*args, "--view", "events", "--direction", "TB"]) == 0
    doc = json.loads(out.read_text())
    assert doc["view"] == "events" and doc["direction"] == "TB"
    assert {n["id"] for n in doc["layout"]["nodes"]} == {"order.placed", "order.paid"}


def test_unknown_extension_fails_clearly(
    flow_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.pdf"
    assert main(["export", str(flow_path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the export format" in err and "--format" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_invalid_flow_writes_nothing(
    flow_file: Callable[[str, str], Path], tmp_path: Path
) -> None:
    bad = flow_file(
        "edaviz: 1\nname: x\nhandlers:\n  h: {consumes: [nope]}\n", "bad.yaml"
    )
    out = tmp_path / "g.svg"
    assert main(["export", str(bad), "-o", str(out)]) != 0
    assert not out.exists()
