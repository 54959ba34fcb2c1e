"""Edit operations of FlowDocument: each keeps every untouched byte, revalidates
with the loader, refuses cycles, and undoes to the exact previous text."""

from __future__ import annotations

import difflib
import json
import logging
from pathlib import Path

import pytest

from edaviz.core import document_edits as te
from edaviz.core import history
from edaviz.core.document import (
    CycleError,
    EditError,
    FlowDocument,
)
from edaviz.core.graph import NodeKey, event_key, handler_key
from edaviz.core.history import MAX_HISTORY
from edaviz.core.loader import validate_text

SAGA = """\
# Order saga: checkout to shipment.
edaviz: 1   # format version
name: order-saga
description: Checkout from order to shipment.

events:
  # A customer submitted a cart.
  order.placed:
    topic: orders.placed      # aligned comment
    partitions: 3
    description: A customer submitted a cart.

  payment.authorized:
    topic: payments.authorized

  payment.failed: {}   # dead end

  "order.shipped":
    description: 'The parcel left the warehouse.'

handlers:
  checkout:
    produces: [ order.placed ]
    owner: team-web

  payment-service:
    group: payments
    consumes: [order.placed]
    produces:
      - payment.authorized   # happy path
      - payment.failed
    owner: team-payments

  shipping:
    consumes:
      - payment.authorized
    produces: ["order.shipped"]
"""


@pytest.fixture
def doc(tmp_path: Path) -> FlowDocument:
    path = tmp_path / "saga.yaml"
    path.write_text(SAGA)
    document = FlowDocument.open(path)
    assert document.is_valid, [str(d) for d in document.diagnostics]
    return document


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines removed from `before` and lines added in `after`."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def assert_consistent(doc: FlowDocument) -> None:
    """The document's diagnostics are exactly what `edaviz validate` says."""
    fresh = validate_text(doc.text, str(doc.path))
    assert [str(d) for d in doc.diagnostics] == [str(d) for d in fresh.diagnostics]
    assert (doc.flow is None) == (fresh.flow is None)


def test_open_exposes_flow_graph_and_clean_state(doc: FlowDocument) -> None:
    assert doc.flow is not None and doc.flow.name == "order-saga"
    assert event_key("order.placed") in doc.graph.full
    assert (
        doc.graph.full.has_edge(event_key("order.placed"), handler_key("shipping"))
        is False
    )
    assert doc.graph.full.has_edge(
        event_key("order.placed"), handler_key("payment-service")
    )
    assert not doc.dirty and not doc.can_undo
    assert doc.line_of(handler_key("shipping")) == 34


def test_add_event_inserts_lines_only(doc: FlowDocument) -> None:
    doc.add_event("order.cancelled", topic="orders.cancelled", partitions="6")
    removed, added = changed_lines(SAGA, doc.text)
    assert removed == []
    assert sorted(added) == sorted(
        ["", "  order.cancelled:", "    topic: orders.cancelled", "    partitions: 6"]
    )
    assert (
        "warehouse.'\n\n  order.cancelled:\n    topic: orders.cancelled\n"
        "    partitions: 6\n\nhandlers:" in doc.text
    )
    assert doc.flow is not None
    assert doc.flow.events["order.cancelled"].partitions == 6
    assert doc.dirty
    assert_consistent(doc)


def test_add_event_without_fields_and_duplicate_refused(doc: FlowDocument) -> None:
    key = doc.add_event("audit.logged")
    assert key == event_key("audit.logged")
    assert "  audit.logged: {}\n" in doc.text
    with pytest.raises(EditError, match="already"):
        doc.add_event("audit.logged")
    with pytest.raises(EditError, match="not a valid id"):
        doc.add_event("bad id!")


def test_add_handler_with_edges(doc: FlowDocument) -> None:
    doc.add_handler("notifier", consumes=["payment.failed"], owner="team-crm")
    removed, added = changed_lines(SAGA, doc.text)
    assert removed == []
    assert added[-3:] == [
        "  notifier:",
        "    consumes: [payment.failed]",
        "    owner: team-crm",
    ]
    assert doc.graph.full.has_edge(event_key("payment.failed"), handler_key("notifier"))
    assert_consistent(doc)


def test_rename_event_updates_every_reference(doc: FlowDocument) -> None:
    new = doc.rename(event_key("payment.authorized"), "payment.ok")
    assert new == event_key("payment.ok")
    removed, added = changed_lines(SAGA, doc.text)
    assert added == [
        "  payment.ok:",
        "      - payment.ok   # happy path",
        "      - payment.ok",
    ]
    assert removed == [
        "  payment.authorized:",
        "      - payment.authorized   # happy path",
        "      - payment.authorized",
    ]
    assert doc.flow is not None
    assert doc.flow.events["payment.ok"].topic == "payments.authorized"
    assert_consistent(doc)


def test_rename_keeps_defaulted_topic_unless_asked(doc: FlowDocument) -> None:
    doc.rename(event_key("order.shipped"), "order.sent")
    assert doc.flow is not None
    assert doc.flow.events["order.sent"].topic == "order.shipped"
    assert '  "order.sent":\n    topic: order.shipped\n' in doc.text
    assert 'produces: ["order.sent"]' in doc.text
    doc.undo()
    doc.rename(event_key("order.shipped"), "order.sent", keep_binding=False)
    assert doc.flow is not None
    assert doc.flow.events["order.sent"].topic == "order.sent"


def test_rename_handler_pins_group(doc: FlowDocument) -> None:
    doc.rename(handler_key("shipping"), "dispatch")
    assert doc.flow is not None
    assert doc.flow.handlers["dispatch"].group == "shipping"
    doc.rename(handler_key("payment-service"), "payments-v2")
    assert doc.flow.handlers["payments-v2"].group == "payments"
    with pytest.raises(EditError, match="already"):
        doc.rename(handler_key("dispatch"), "checkout")


def test_delete_event_removes_its_edges_and_comment(doc: FlowDocument) -> None:
    removal = doc.removal(event_key("order.placed"))
    assert set(removal.edges) == {
        (handler_key("checkout"), event_key("order.placed")),
        (event_key("order.placed"), handler_key("payment-service")),
    }
    assert "event order.placed and 2 edges" in removal.describe()
    doc.delete(event_key("order.placed"))
    removed, added = changed_lines(SAGA, doc.text)
    assert "  # A customer submitted a cart." in removed
    assert "    topic: orders.placed      # aligned comment" in removed
    assert added == ["    produces: []", "    consumes: []"]
    assert event_key("order.placed") not in doc.graph.full
    assert_consistent(doc)


def test_delete_handler(doc: FlowDocument) -> None:
    doc.delete(handler_key("payment-service"))
    removed, added = changed_lines(SAGA, doc.text)
    assert added == []
    assert removed[0] == "  payment-service:"
    assert "\n\n\n" not in doc.text
    assert handler_key("payment-service") not in doc.graph.full
    assert_consistent(doc)


def test_delete_last_of_a_section_leaves_an_empty_mapping(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text("edaviz: 1\nname: one\nevents:\n  a: {}\n")
    doc = FlowDocument.open(path)
    doc.delete(event_key("a"))
    assert doc.text == "edaviz: 1\nname: one\nevents: {}\n"
    doc.add_event("b")
    assert doc.text == "edaviz: 1\nname: one\nevents:\n  b: {}\n"


def test_connect_flow_and_block_lists(doc: FlowDocument) -> None:
    doc.connect("checkout", "payment.failed", "produces")
    assert "    produces: [ order.placed, payment.failed ]\n" in doc.text
    doc.connect("shipping", "order.placed", "consumes")
    assert "      - payment.authorized\n      - order.placed\n" in doc.text
    doc.add_event("cart.opened")
    doc.connect("checkout", "cart.opened", "consumes")
    assert "  checkout:\n    consumes: [cart.opened]\n    produces:" in doc.text
    with pytest.raises(EditError, match="already"):
        doc.connect("checkout", "cart.opened", "consumes")
    with pytest.raises(EditError, match="no event"):
        doc.connect("checkout", "nope", "consumes")
    assert_consistent(doc)


def test_connect_that_makes_a_cycle_is_refused(doc: FlowDocument) -> None:
    before = doc.text
    with pytest.raises(CycleError) as caught:
        doc.connect("checkout", "order.shipped", "consumes")
    assert caught.value.cycle[0] == caught.value.cycle[-1] == event_key("order.shipped")
    assert len(caught.value.cycle) == 7
    with pytest.raises(CycleError) as caught:
        doc.connect("checkout", "payment.authorized", "consumes")
    # checkout -> order.placed -> payment-service -> payment.authorized -> checkout
    assert caught.value.cycle == [
        event_key("payment.authorized"),
        handler_key("checkout"),
        event_key("order.placed"),
        handler_key("payment-service"),
        event_key("payment.authorized"),
    ]
    assert "payment.authorized -> checkout -> order.placed" in str(caught.value)
    assert doc.text == before
    assert not doc.can_undo


def test_disconnect(doc: FlowDocument) -> None:
    doc.disconnect("payment-service", "payment.failed", "produces")
    removed, added = changed_lines(SAGA, doc.text)
    assert removed == ["      - payment.failed"] and added == []
    doc.disconnect("shipping", "payment.authorized", "consumes")
    assert "  shipping:\n    consumes: []\n" in doc.text
    doc.disconnect("shipping", "order.shipped", "produces")
    assert "    produces: []\n" in doc.text
    with pytest.raises(EditError, match="does not"):
        doc.disconnect("shipping", "order.shipped", "produces")
    assert_consistent(doc)


def test_set_field_replace_add_remove(doc: FlowDocument) -> None:
    placed = event_key("order.placed")
    doc.set_field(placed, "topic", "orders.new")
    assert "    topic: orders.new      # aligned comment\n" in doc.text
    doc.set_field(placed, "schema", "schemas/order.json")
    assert (
        "    partitions: 3\n    schema: schemas/order.json\n    description:"
        in doc.text
    )
    doc.set_field(placed, "partitions", None)
    assert "partitions" not in doc.text
    doc.set_field(event_key("payment.failed"), "description", "Card: declined # or not")
    assert (
        '  payment.failed:   # dead end\n    description: "Card: declined # or not"\n'
        in doc.text
    )
    doc.set_field(handler_key("checkout"), "owner", "team-shop")
    assert "    owner: team-shop\n" in doc.text
    doc.set_field(handler_key("checkout"), "group", "web")
    assert "  checkout:\n    group: web\n    produces:" in doc.text
    assert doc.flow is not None
    assert doc.flow.events["payment.failed"].description == "Card: declined # or not"
    assert_consistent(doc)


def test_set_field_values_checked(doc: FlowDocument) -> None:
    with pytest.raises(EditError, match="whole number"):
        doc.set_field(event_key("order.placed"), "partitions", "many")
    with pytest.raises(EditError, match="no editable field"):
        doc.set_field(event_key("order.placed"), "owner", "x")
    with pytest.raises(EditError, match="no event"):
        doc.set_field(event_key("ghost"), "topic", "x")
    doc.set_field(event_key("order.placed"), "partitions", 0)
    assert doc.flow is None
    assert any(d.node == ("event", "order.placed") for d in doc.errors)


def test_removing_the_only_field_writes_empty_mapping(doc: FlowDocument) -> None:
    doc.set_field(event_key("payment.authorized"), "topic", "")
    assert "  payment.authorized: {}\n" in doc.text
    doc.set_field(event_key("payment.authorized"), "topic", "payments.ok")
    assert "  payment.authorized:\n    topic: payments.ok\n" in doc.text


def test_flow_style_file_is_edited_in_place(tmp_path: Path) -> None:
    text = (
        "edaviz: 1\nname: flowy  # keep me\nevents: {a: {topic: x}, b: {}}  # both\n"
        "handlers:\n  h: {consumes: [a], produces: [b]}\n"
    )
    path = tmp_path / "flowy.yaml"
    path.write_text(text)
    doc = FlowDocument.open(path)
    doc.set_field(event_key("a"), "description", "multi\nline, with a comma")
    doc.add_event("c", produced_by="h")
    doc.set_field(event_key("b"), "partitions", 2)
    assert not doc.rewrote_layout
    assert doc.text == (
        "edaviz: 1\nname: flowy  # keep me\n"
        'events: {a: {topic: x, description: "multi\\nline, with a comma"}, '
        "b: {partitions: 2}, c: {}}  # both\n"
        "handlers:\n  h: {consumes: [a], produces: [b, c]}\n"
    )
    doc.delete(event_key("b"))
    doc.rename(handler_key("h"), "h2")
    assert doc.text.endswith(
        "c: {}}  # both\nhandlers:\n  h2: {consumes: [a], produces: [c], group: h}\n"
    )
    assert_consistent(doc)
    while doc.can_undo:
        doc.undo()
    assert doc.text == text


def test_json_file_stays_json_with_its_layout(tmp_path: Path) -> None:
    text = """\
{
  "edaviz": 1,
  "name": "j",
  "events": {
    "a": {"topic": "t.a"},
    "b": {}
  },
  "handlers": {
    "h": {
      "consumes": ["a"],
      "produces": ["b"]
    }
  }
}
"""
    path = tmp_path / "flow.json"
    path.write_text(text)
    doc = FlowDocument.open(path)
    doc.add_event("c", produced_by="h")
    doc.rename(event_key("a"), "a2")
    doc.set_fields(event_key("b"), {"description": "ünï", "partitions": 3})
    doc.add_handler("g", consumes=["c"])
    assert (
        doc.text
        == """\
{
  "edaviz": 1,
  "name": "j",
  "events": {
    "a2": {"topic": "t.a"},
    "b": {"description": "ünï", "partitions": 3},
    "c": {}
  },
  "handlers": {
    "h": {
      "consumes": ["a2"],
      "produces": ["b", "c"]
    },
    "g": {"consumes": ["c"]}
  }
}
"""
    )
    doc.delete(handler_key("g"))
    doc.disconnect("h", "b", "produces")
    doc.set_field(handler_key("h"), "owner", "team")
    assert '"produces": ["c"],\n      "owner": "team"\n    }\n  }\n}' in doc.text
    json.loads(doc.text)
    assert_consistent(doc)
    while doc.can_undo:
        doc.undo()
    assert doc.text == text


def test_unsupported_layout_falls_back_to_a_full_dump(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "folded.yaml"
    path.write_text(
        "edaviz: 1\nname: folded  # keep me\n"
        "events: {a: {description: two\n    lines, topic: x}, b: {}}\n"
        "handlers:\n  h: {consumes: [a], produces: [b]}\n"
    )
    doc = FlowDocument.open(path)
    with caplog.at_level(logging.INFO, logger="edaviz.core.document"):
        doc.set_field(event_key("a"), "description", "one line")
    assert "re-dumping" in caplog.text and doc.rewrote_layout
    assert doc.flow is not None
    assert doc.flow.events["a"].description == "one line"
    assert "# keep me" in doc.text
    doc.undo()
    assert doc.text == path.read_text()


def test_document_end_marker_stays_last(tmp_path: Path) -> None:
    text = (
        "---\nedaviz: 1\nname: n\nevents:\n  a: {}\n"
        "handlers:\n  h:\n    produces:\n    - a\n...\n"
    )
    path = tmp_path / "marked.yaml"
    path.write_text(text)
    doc = FlowDocument.open(path)
    doc.add_event("b", produced_by="h")
    doc.add_handler("g", consumes=["b"])
    assert doc.text == text.replace("  a: {}\n", "  a: {}\n  b: {}\n").replace(
        "    - a\n...\n", "    - a\n    - b\n  g:\n    consumes: [b]\n...\n"
    )


def test_multiline_scalar_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "ml.yaml"
    path.write_text(
        "edaviz: 1\nname: ml\nevents:\n  a:\n    description: |\n      one\n"
        "      two\n    topic: t\n"
    )
    doc = FlowDocument.open(path)
    doc.set_field(event_key("a"), "description", "short")
    assert (
        doc.text
        == "edaviz: 1\nname: ml\nevents:\n  a:\n    description: short\n    topic: t\n"
    )


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(SAGA.replace("\n", "\r\n").encode())
    doc = FlowDocument.open(path)
    doc.add_event("x.y", topic="xy")
    doc.connect("checkout", "x.y", "produces")
    assert "\n" not in doc.text.replace("\r\n", "")
    assert doc.flow is not None


def test_undo_redo_restore_exact_text_and_model(doc: FlowDocument) -> None:
    snapshots = [(doc.text, doc.flow)]
    doc.add_event("a.b")
    snapshots.append((doc.text, doc.flow))
    doc.connect("shipping", "a.b", "produces")
    snapshots.append((doc.text, doc.flow))
    doc.rename(event_key("order.placed"), "order.new")
    snapshots.append((doc.text, doc.flow))
    doc.set_field(handler_key("shipping"), "owner", "team-ship")
    snapshots.append((doc.text, doc.flow))
    doc.delete(handler_key("payment-service"))
    snapshots.append((doc.text, doc.flow))
    doc.disconnect("shipping", "a.b", "produces")
    snapshots.append((doc.text, doc.flow))

    for text, flow in reversed(snapshots[:-1]):
        assert doc.undo() is not None
        assert doc.text == text and doc.flow == flow
    assert doc.undo() is None
    assert not doc.dirty
    for text, flow in snapshots[1:]:
        assert doc.redo() is not None
        assert doc.text == text and doc.flow == flow
    assert doc.redo() is None


def test_new_edit_clears_redo_and_history_is_bounded(doc: FlowDocument) -> None:
    doc.add_event("a")
    doc.undo()
    assert doc.can_redo
    doc.add_event("b")
    assert not doc.can_redo
    for i in range(MAX_HISTORY + 5):
        doc.set_field(event_key("b"), "partitions", i + 1)
    count = 0
    while doc.undo() is not None:
        count += 1
    assert count == MAX_HISTORY


def test_history_of_a_large_flow_is_bounded_by_its_size(
    doc: FlowDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Room for three snapshots (each edit adds a few characters), not four.
    monkeypatch.setattr(history, "MAX_HISTORY_CHARS", len(doc.text) * 3 + 200)
    original = doc.text
    for i in range(6):
        doc.set_field(event_key("payment.failed"), "partitions", i + 1)
    undone = 0
    while doc.undo() is not None:
        undone += 1
    assert undone == 3 and doc.text != original
    while doc.redo() is not None:
        pass
    assert doc.flow is not None
    assert doc.flow.events["payment.failed"].partitions == 6


def test_field_values_and_has_node(doc: FlowDocument) -> None:
    assert doc.field_values(event_key("order.placed")) == {
        "topic": "orders.placed",
        "partitions": "3",
        "schema": "",
        "description": "A customer submitted a cart.",
    }
    assert doc.has_node(handler_key("shipping"))
    assert not doc.has_node(NodeKey("handler", "order.placed"))


@pytest.mark.parametrize(
    "value", ["plain", "1", "true", "null", "a: b", "#x", " lead", "it's", "-", "é"]
)
def test_scalar_text_reads_back(value: str) -> None:
    tree = te.parse(f"k: {te.scalar_text(value)}\n")
    assert tree["k"] == value


def test_set_fields_is_one_undo_step(doc: FlowDocument) -> None:
    failed = event_key("payment.failed")
    doc.set_fields(failed, {"description": "Declined.", "topic": "payments.failed"})
    assert (
        "  payment.failed:   # dead end\n    topic: payments.failed\n"
        "    description: Declined.\n\n" in doc.text
    )
    placed = event_key("order.placed")
    doc.set_fields(placed, {"topic": "", "partitions": "", "description": None})
    assert "  order.placed: {}\n\n" in doc.text
    assert "# A customer submitted a cart.\n  order.placed: {}" in doc.text
    doc.set_fields(placed, {"topic": "", "schema": None})
    doc.undo()
    doc.undo()
    assert doc.text == SAGA


def test_fields_left_unchanged_make_no_edit(doc: FlowDocument) -> None:
    doc.set_fields(
        event_key("order.placed"),
        {"topic": "orders.placed", "partitions": "3", "schema": ""},
    )
    assert not doc.can_undo and not doc.dirty


def test_add_event_produced_by_a_handler_is_one_edit(doc: FlowDocument) -> None:
    doc.add_event("payment.retried", produced_by="payment-service")
    assert "      - payment.failed\n      - payment.retried\n" in doc.text
    assert "  payment.retried: {}\n" in doc.text
    assert doc.graph.full.has_edge(
        handler_key("payment-service"), event_key("payment.retried")
    )
    doc.undo()
    assert doc.text == SAGA
    with pytest.raises(EditError, match="no handler"):
        doc.add_event("x", produced_by="ghost")


def test_cluster_bootstrap_is_read_while_the_flow_has_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "edaviz: 1\nname: b\ncluster: {bootstrap: 'k1:9092'}\n"
        "events: {e: {}}\nhandlers: {h: {consumes: [nowhere]}}\n"
    )
    document = FlowDocument.open(path)
    assert document.flow is None
    assert document.cluster_bootstrap == "k1:9092"
    path.write_text("edaviz: 1\nname: b\ncluster: 7\nevents: {}\n")
    assert FlowDocument.open(path).cluster_bootstrap is None
