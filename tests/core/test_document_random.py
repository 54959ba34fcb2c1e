"""Seeded random edit sequences on flows written in different styles: every edit
is spliced in place (no whole-document re-dump), the file stays what the edit
says, and undoing everything gives back the original bytes."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import pytest

from edaviz.core.document import CycleError, EditError, FlowDocument
from edaviz.core.graph import event_key, handler_key

STYLES = {
    "block-lists": """\
edaviz: 1
name: block
events:
  a:
    topic: t.a
  b:
    topic: t.b
  c: {}
  d:
    description: Dee
handlers:
  h1:
    consumes:
      - a
    produces:
      - b
      - c
  h2:
    consumes:
      - b
    produces:
      - d
""",
    "flow-lists-spaced-commented": """\
# top comment
edaviz: 1
name: flowy   # name comment

events:

  # first event
  a:
    topic: t.a   # the topic

  b: {}   # bee

  c:
    partitions: 2

handlers:

  # first handler
  h1:
    consumes: [ a ]
    produces: [b, c]   # two

  h2:
    consumes: ["b"]
    owner: 'team'
""",
    "four-spaces-crlf": (
        "edaviz: 1\nname: wide\nevents:\n    a:\n        topic: t.a\n    b: {}\n"
        "handlers:\n    h1:\n        consumes: [a]\n        produces:\n"
        "            - b\n"
    ).replace("\n", "\r\n"),
    "json-pretty": """\
{
  "edaviz": 1,
  "name": "pretty",
  "events": {
    "a": {"topic": "t.a"},
    "b": {
      "topic": "t.b",
      "partitions": 2
    },
    "c": {}
  },
  "handlers": {
    "h1": {
      "consumes": ["a"],
      "produces": [
        "b",
        "c"
      ]
    }
  }
}
""",
    "json-one-line": (
        '{"edaviz": 1, "name": "compact", "events": {"a": {}, "b": {"topic": '
        '"t.b"}}, "handlers": {"h1": {"consumes": ["a"], "produces": ["b"]}}}'
    ),
    "yaml-flow": """\
edaviz: 1
name: inline
events: {a: {topic: t.a}, b: {}, 'c': {partitions: 2}}   # all events
handlers: {
  # the one handler
  h1: {consumes: [a], produces: [b, c]},   # h1
  h2: {consumes: [c]}
}
""",
    "no-final-newline": (
        "edaviz: 1\nname: bare\nevents:\n  a: {}\n  b: {}\nhandlers:\n"
        "  h1:\n    consumes: [a]\n    produces: [b]"
    ),
}


def random_edit(doc: FlowDocument, rng: random.Random, serial: int) -> None:
    """One random edit; refusals (cycles, duplicates) are fine."""
    flow = doc.graph.flow
    events = list(flow.events)
    handlers = list(flow.handlers)
    choice = rng.randrange(8)
    if choice == 0 or not events:
        doc.add_event(f"ev{serial}", topic=rng.choice(["", f"topic.{serial}"]))
    elif choice == 1 or not handlers:
        doc.add_handler(
            f"hd{serial}", consumes=rng.sample(events, k=min(1, len(events)))
        )
    elif choice == 2:
        key = rng.choice(
            [event_key(rng.choice(events)), handler_key(rng.choice(handlers))]
        )
        doc.rename(key, f"{key.id}-r{serial}", keep_binding=rng.random() < 0.5)
    elif choice == 3 and len(events) + len(handlers) > 4:
        key = rng.choice(
            [event_key(rng.choice(events)), handler_key(rng.choice(handlers))]
        )
        doc.delete(key)
    elif choice == 4:
        doc.connect(
            rng.choice(handlers),
            rng.choice(events),
            rng.choice(["consumes", "produces"]),
        )
    elif choice == 5:
        handler = flow.handlers[rng.choice(handlers)]
        edges = [("consumes", e) for e in handler.consumes]
        edges += [("produces", e) for e in handler.produces]
        if edges:
            kind, event = rng.choice(edges)
            doc.disconnect(handler.id, event, kind)
    elif choice == 6:
        name = rng.choice(["topic", "partitions", "schema", "description"])
        value = {"partitions": rng.choice([None, 1, 4])}.get(
            name, rng.choice([None, f"v {serial}: x", f"v{serial}"])
        )
        doc.set_field(event_key(rng.choice(events)), name, value)
    else:
        name = rng.choice(["group", "owner", "description"])
        doc.set_field(
            handler_key(rng.choice(handlers)), name, rng.choice([None, f"g{serial}"])
        )


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("seed", range(4))
def test_random_edits_splice_and_undo(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, style: str, seed: int
) -> None:
    path = tmp_path / "flow.yaml"
    path.write_bytes(STYLES[style].encode())
    doc = FlowDocument.open(path)
    original = doc.text
    rng = random.Random(seed)
    texts = [doc.text]
    with caplog.at_level(logging.INFO, logger="edaviz.core.document"):
        for serial in range(25):
            try:
                random_edit(doc, rng, serial)
            except (CycleError, EditError):
                continue
            if doc.text != texts[-1]:
                texts.append(doc.text)
    assert "re-dumping" not in caplog.text
    if "\r\n" in original:
        assert "\n" not in doc.text.replace("\r\n", "")
    if style.startswith("json"):
        json.loads(doc.text)  # still JSON
    doc.save(allow_invalid=True)
    assert path.read_bytes().decode() == doc.text
    while doc.can_undo:
        doc.undo()
    assert doc.text == original
    assert doc.flow == FlowDocument.open(path.parent / "flow.yaml.bak").flow


REPO = Path(__file__).resolve().parents[2]
REAL_FLOWS = sorted(REPO.glob("flows/*.yaml")) + [REPO / "edaviz/cli/starter-flow.yaml"]


@pytest.mark.parametrize("source", REAL_FLOWS, ids=lambda p: p.name)
def test_every_node_of_real_flows_edits_in_place(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, source: Path
) -> None:
    text = source.read_text()
    if "__NAME__" in text:
        text = text.replace("__NAME__", "starter").replace("__FILE__", "starter.yaml")
    path = tmp_path / source.name
    path.write_text(text)
    doc = FlowDocument.open(path)
    assert doc.is_valid, [str(d) for d in doc.errors]
    nodes = list(doc.graph.full.nodes)
    with caplog.at_level(logging.INFO, logger="edaviz.core.document"):
        for node in nodes:
            doc.rename(node, f"{node.id}-x")
            assert doc.is_valid, [str(d) for d in doc.errors]
            doc.undo()
            doc.delete(node)
            doc.undo()
            field = "description"
            doc.set_field(node, field, "edited: in place")
            assert doc.is_valid
            doc.undo()
            assert doc.text == text
    assert "re-dumping" not in caplog.text
