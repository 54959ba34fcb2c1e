"""The loader API other parts of edaviz build on."""

from __future__ import annotations

from pathlib import Path

import pytest

from edaviz.core.diagnostics import Diagnostic
from edaviz.core.loader import (
    FlowInvalid,
    load_document,
    load_flow,
    load_flow_or_raise,
    validate_text,
)
from edaviz.core.validate import validate_document
from edaviz.errors import EdavizError, UsageError
from tests.core.helpers import BASE


def test_diagnostic_prints_like_a_compiler() -> None:
    diagnostic = Diagnostic("f.yaml", 3, 7, "error", "boom", node=("event", "a"))
    assert str(diagnostic) == "f.yaml:3:7: error: boom"
    assert diagnostic.is_error
    assert not Diagnostic("f.yaml", 1, 1, "warning", "hm").is_error


def test_load_result_fields(tmp_path: Path) -> None:
    flow_file = tmp_path / "shop.yaml"
    flow_file.write_text(BASE)
    result = load_flow(flow_file)
    assert result.path == str(flow_file)
    assert result.text == BASE
    assert result.ok and result.flow is not None and result.model is result.flow
    assert result.document["handlers"]["pay"]["consumes"] == ["order.placed"]
    assert result.position_of("event", "payment.done") == (7, 3)
    assert result.position_of("handler", "mail") == (14, 3)
    assert result.position_of("handler", "nobody") is None


def test_flow_is_none_but_model_is_kept_on_semantic_errors() -> None:
    result = validate_text(BASE.replace("[payment.done]", "[refund]"), "f.yaml")
    assert not result.ok
    assert result.flow is None
    assert result.model is not None
    assert result.model.handlers["pay"].produces == ("refund",)


def test_document_is_none_when_the_yaml_is_broken() -> None:
    result = validate_text("edaviz: [\n", "f.yaml")
    assert result.document is None
    assert result.model is None


def test_load_flow_or_raise_returns_a_valid_flow(tmp_path: Path) -> None:
    flow_file = tmp_path / "shop.yaml"
    flow_file.write_text(BASE + "  idle: {}\n")  # a warning only
    flow = load_flow_or_raise(flow_file)
    assert "idle" in flow.handlers


def test_load_flow_or_raise_lists_the_errors(tmp_path: Path) -> None:
    flow_file = tmp_path / "bad.yaml"
    flow_file.write_text(BASE.replace("edaviz: 1", "edaviz: 7"))
    with pytest.raises(FlowInvalid) as caught:
        load_flow_or_raise(flow_file)
    assert isinstance(caught.value, EdavizError)
    assert caught.value.exit_code == 1
    assert str(caught.value) == (
        f"{flow_file}:1:9: error: unsupported format version 7; this edaviz reads "
        "version 1"
    )


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_flow(tmp_path / "nope.yaml")
    assert caught.value.exit_code == 2
    assert "no such file" in str(caught.value)
    with pytest.raises(UsageError, match="is a directory"):
        load_flow_or_raise(tmp_path)


def test_edited_document_revalidates_without_a_file(tmp_path: Path) -> None:
    result = validate_text(BASE, "shop.yaml")
    document = result.document
    document["handlers"]["pay"]["consumes"].append("refund")
    found = validate_document(document, "shop.yaml")
    # The new entry has no position yet: the diagnostic points at `consumes:`.
    assert [str(d) for d in found] == [
        "shop.yaml:12:5: error: undefined event 'refund' in consumes of handler 'pay'"
    ]
    assert found[0].edge == ("refund", "pay")


def test_load_document_keeps_the_callers_document() -> None:
    document = validate_text(BASE, "shop.yaml").document
    del document["events"]["payment.done"]
    result = load_document(document, "shop.yaml")
    assert result.document is document
    assert [d.line for d in result.errors] == [13, 16]
    assert result.position_of("handler", "pay") == (11, 3)


def test_diagnostics_come_in_file_order() -> None:
    text = BASE.replace("topic: orders", "topic: 'a b'").replace(
        "  payment.done: {}", "  payment.done: {}\n  lonely: {}"
    )
    found = validate_text(text, "f.yaml").diagnostics
    assert [(d.line, d.severity) for d in found] == [(5, "error"), (8, "warning")]


def test_oversized_file_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("edaviz.core.loader.MAX_FILE_BYTES", 100)
    flow_file = tmp_path / "big.yaml"
    flow_file.write_text(BASE)
    assert [str(d) for d in load_flow(flow_file).diagnostics] == [
        f"{flow_file}:1:1: error: the file is larger than 100 bytes, the limit "
        "for flows"
    ]
