"""Hostile and broken input: a diagnostic every time, never a traceback or a hang."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from edaviz.core.loader import load_flow, validate_text
from edaviz.core.source import parse_text
from edaviz.core.validate import check_data
from tests.core.helpers import BASE, lines

FLOWS = Path(__file__).parents[2] / "flows"

BILLION_LAUGHS = """\
edaviz: 1
name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

pytestmark = pytest.mark.usefixtures("yaml_parser")


def test_alias_bomb_fails_fast() -> None:
    assert lines(BILLION_LAUGHS) == [
        "2:7: error: aliases expand too far; refusing a YAML alias bomb"
    ]


def test_a_few_aliases_are_fine() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: &p {partitions: 3}")
    text += "  refund:\n    consumes: [payment.done]\n    simulate: {}\n"
    assert lines(text) == []


def test_recursive_alias_is_an_error() -> None:
    text = "edaviz: 1\nname: x\nevents: &e\n  a: *e\n"
    assert lines(text) == ["3:9: error: an alias refers to itself (recursive YAML)"]


def test_undefined_alias_is_a_syntax_error() -> None:
    (found,) = lines("edaviz: 1\nname: *nope\n")
    assert found.startswith("2:7: error: YAML syntax error")


def test_deep_nesting_is_refused() -> None:
    text = "edaviz: 1\nname: x\nevents: " + "[" * 100 + "]" * 100 + "\n"
    assert lines(text) == ["3:73: error: nested more than 64 levels deep"]


def test_absurd_nesting_does_not_crash() -> None:
    text = "edaviz: 1\nname: " + "[" * 50_000 + "\n"
    assert lines(text) == ["2:1007: error: the YAML nests too deeply (over 64 levels)"]


def test_control_characters_are_a_syntax_error() -> None:
    (found,) = lines("edaviz: 1\nname: a\x00b\n")
    assert found.startswith("2:8: error: YAML syntax error")


def test_not_utf8_points_at_the_byte(tmp_path: Path) -> None:
    flow = tmp_path / "latin1.yaml"
    flow.write_bytes(b"edaviz: 1\nname: caf\xe9\n")
    assert [str(d) for d in load_flow(flow).diagnostics] == [
        f"{flow}:2:10: error: the file is not UTF-8 text (byte 0xe9)"
    ]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    flow = tmp_path / "bom.yaml"
    flow.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_flow(flow).diagnostics == []


def test_not_utf8_after_a_byte_order_mark_points_at_the_byte(tmp_path: Path) -> None:
    flow = tmp_path / "bom-latin1.yaml"
    flow.write_bytes(b"\xef\xbb\xbfedaviz: 1\nname: caf\xe9\n")
    assert [str(d) for d in load_flow(flow).diagnostics] == [
        f"{flow}:2:10: error: the file is not UTF-8 text (byte 0xe9)"
    ]


def test_not_utf8_column_counts_characters_not_bytes(tmp_path: Path) -> None:
    flow = tmp_path / "mixed.yaml"
    flow.write_bytes('edaviz: 1\nname: "café '.encode() + b'\xe9"\n')
    assert [str(d) for d in load_flow(flow).diagnostics] == [
        f"{flow}:2:13: error: the file is not UTF-8 text (byte 0xe9)"
    ]


def test_not_utf8_on_the_first_line_after_a_byte_order_mark(tmp_path: Path) -> None:
    flow = tmp_path / "bom-first.yaml"
    flow.write_bytes(b"\xef\xbb\xbf\xffedaviz: 1\n")
    assert [str(d) for d in load_flow(flow).diagnostics] == [
        f"{flow}:1:1: error: the file is not UTF-8 text (byte 0xff)"
    ]


def test_json_is_a_flow_format_too() -> None:
    text = (
        '{"edaviz": 1, "name": "j", "events": {"a": {}},\n'
        ' "handlers": {"h": {"produces": ["a"]}, "s": {"consumes": ["b"]}}}\n'
    )
    assert lines(text) == [
        "2:60: error: undefined event 'b' in consumes of handler 's'"
    ]


def test_random_damage_never_raises(yaml_parser: str) -> None:
    """Cut, duplicate and garble pieces of a real flow: always diagnostics."""
    original = (FLOWS / "order-saga.yaml").read_text()
    rng = random.Random(20261203)
    junk = ["\t", ":", "- ", "[", "]", "{", "}", "&x ", "*x", "\n", "'", '"', "#", "!"]
    # The pure-Python parser is about five times slower; fewer rounds keep it quick.
    for _ in range(150 if yaml_parser == "libyaml" else 40):
        text = original
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text))
            choice = rng.random()
            if choice < 0.4:
                text = text[:at] + text[at + rng.randint(1, 30) :]
            elif choice < 0.8:
                text = text[:at] + rng.choice(junk) + text[at:]
            else:
                end = min(len(text), at + rng.randint(1, 80))
                text = text[:at] + text[at:end] * 2 + text[end:]
        result = validate_text(text, "damaged.yaml")
        assert all(d.line >= 1 and d.col >= 1 for d in result.diagnostics)
        assert result.ok == (result.flow is not None)


def test_unpaired_surrogate_in_memory_text() -> None:
    assert lines("edaviz: 1\nname: a\ud800\n") in (
        ["2:8: error: the text holds an unpaired surrogate character"],
        ["2:8: error: YAML syntax error: special characters are not allowed"],
    )


def test_integer_too_large_for_python_is_one_error() -> None:
    text = BASE.replace("partitions: 3", "partitions: " + "9" * 5000)
    (found,) = lines(text)
    assert found.startswith("6:17: error: 'partitions' in event 'order.placed'")


def test_wrong_scalar_for_a_core_tag_is_one_error() -> None:
    text = BASE.replace("edaviz: 1", "edaviz: !!int one")
    assert lines(text) == [
        "1:9: error: unsupported format version 'one'; this edaviz reads version 1"
    ]


def test_two_documents_are_refused() -> None:
    assert lines(BASE + "---\nedaviz: 1\n") == [
        "17:1: error: YAML syntax error: a flow file holds a single YAML document "
        "(found a second)"
    ]


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def test_random_wrong_values_never_raise() -> None:
    """Put values of every wrong type in every place of a real flow's data."""
    parsed = parse_text((FLOWS / "order-saga.yaml").read_text(), "saga.yaml")
    pool = [None, 0, -1, 1.5, True, "", "x y", ".", [], [1], {}, {"a": 1}]
    pool += ["order.placed", ["order.placed"], "payment-service", {"id": "z"}]
    rng = random.Random(7)
    paths = [p for p in _paths(parsed.data) if p]
    for _ in range(300):
        data = copy.deepcopy(parsed.data)
        for path in rng.sample(paths, 3):
            parent = data
            for part in path[:-1]:
                try:
                    parent = parent[part]
                except (KeyError, IndexError, TypeError):
                    parent = None  # an earlier change replaced this branch
                    break
            if isinstance(parent, dict) and rng.random() < 0.2:
                parent.pop(path[-1], None)
            elif isinstance(parent, dict) or (
                isinstance(parent, list)
                and isinstance(path[-1], int)
                and path[-1] < len(parent)
            ):
                parent[path[-1]] = copy.deepcopy(rng.choice(pool))
        model, found = check_data(data, parsed.positions, "saga.yaml")
        assert all(d.line >= 1 and d.col >= 1 for d in found)
        assert model is not None or any(d.is_error for d in found)
