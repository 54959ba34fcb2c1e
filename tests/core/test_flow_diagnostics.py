"""Every diagnostic of the flow format, with its exact line and column."""

from __future__ import annotations

import pytest

from edaviz.core.validate import validate_document
from tests.core.helpers import BASE, check, lines

# Every test here runs with both YAML parsers.
pytestmark = pytest.mark.usefixtures("yaml_parser")

# --- YAML level -------------------------------------------------------------


def test_valid_flow_has_no_diagnostics() -> None:
    result = check(BASE)
    assert result.diagnostics == []
    assert result.ok
    assert result.flow is not None
    assert list(result.flow.events) == ["order.placed", "payment.done"]


def test_yaml_syntax_error_points_at_the_problem() -> None:
    found = lines("edaviz: 1\nname: a: b\n")
    assert len(found) == 1
    assert found[0].startswith("2:8: error: YAML syntax error: mapping values")


def test_unclosed_flow_list_is_a_syntax_error() -> None:
    found = lines("edaviz: 1\nname: x\nevents: [a, b\n")
    assert len(found) == 1
    assert found[0].startswith("4:1: error: YAML syntax error")


def test_tab_indentation_points_at_the_tab() -> None:
    text = "edaviz: 1\nname: x\nevents:\n  a: {}\n\tb: {}\n"
    assert lines(text) == [
        "5:1: error: tab character in indentation; YAML indents with spaces"
    ]


def test_tab_after_spaces_points_at_the_tab() -> None:
    text = "edaviz: 1\nname: x\nevents:\n  \tb: {}\n"
    assert lines(text) == [
        "4:3: error: tab character in indentation; YAML indents with spaces"
    ]


def test_tab_inside_a_value_is_fine() -> None:
    text = BASE.replace("name: shop", 'name: "shop\tfront"')
    assert lines(text) == []


def test_tab_in_block_scalar_content_is_not_blamed_for_a_later_error() -> None:
    text = (
        "edaviz: 1\nname: x\ndescription: |\n    line\n    \tmore\n"
        "events:\n  a: {topic: b\n"
    )
    (found,) = lines(text)
    assert found.startswith("8:1: error: YAML syntax error: ")
    assert "'}'" in found


def test_tab_that_ends_a_block_scalar_is_blamed() -> None:
    text = "edaviz: 1\nname: x\ndescription: |\n    line\n  \tmore\n"
    assert lines(text) == [
        "5:3: error: tab character in indentation; YAML indents with spaces"
    ]


def test_tab_indented_json_reports_its_missing_comma() -> None:
    text = '{\n\t"edaviz": 1,\n\t"name": "x",\n\t"events": {\n\t\t"a": {}\n\t}\n'
    text += '\t"handlers": {}\n}\n'
    (found,) = lines(text)
    assert found.startswith("7:2: error: YAML syntax error: ")
    assert "','" in found


def test_tab_indented_json_is_valid() -> None:
    text = '{\n\t"edaviz": 1,\n\t"name": "x",\n\t"events": {\n\t\t"a": {}\n\t},\n'
    text += '\t"handlers": {\n\t\t"h": {"produces": ["a"]}\n\t}\n}\n'
    assert lines(text) == []


def test_tab_in_quoted_text_is_not_blamed_for_a_later_error() -> None:
    text = 'edaviz: 1\nname: "x\n\ty"\nevents: a: b\n'
    (found,) = lines(text)
    assert found.startswith("4:10: error: YAML syntax error: mapping values")


def test_tab_after_a_nested_key_is_blamed() -> None:
    text = "edaviz: 1\nname: x\nevents:\n  a: \ttopic: b\n"
    assert lines(text) == [
        "4:6: error: tab character in indentation; YAML indents with spaces"
    ]


def test_empty_file() -> None:
    expected = ["1:1: error: the file is empty; a flow starts with `edaviz: 1`"]
    assert lines("") == expected
    assert lines("# only a comment\n\n") == expected


def test_a_list_is_not_a_flow() -> None:
    assert lines("- a\n- b\n") == [
        "1:1: error: a flow file must be a mapping of fields, not a list"
    ]


def test_a_scalar_is_not_a_flow() -> None:
    assert lines("\n\njust words\n") == [
        "3:1: error: a flow file must be a mapping of fields, not a single value"
    ]


def test_custom_tag_is_rejected_at_the_value() -> None:
    text = BASE.replace("name: shop", "name: !secret shop")
    assert lines(text) == ["2:7: error: unsupported YAML tag '!secret'"]


def test_merge_keys_are_supported() -> None:
    text = """\
        edaviz: 1
        name: merged
        events:
          a: {}
          b: {}
        handlers:
          one:
            produces: [a]
            simulate: &slow {delay_ms: 40}
          two:
            consumes: [a]
            produces: [b]
            simulate:
              <<: *slow
              failure_rate: 0.5
          three:
            consumes: [b]
        """
    result = check(text)
    assert result.diagnostics == []
    assert result.flow is not None
    assert result.flow.handlers["two"].simulate.delay_ms == 40
    assert result.flow.handlers["two"].simulate.failure_rate == 0.5


# --- duplicates --------------------------------------------------------------


def test_duplicate_event_points_at_the_second() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {}\n  order.placed: {}")
    assert lines(text) == [
        "8:3: error: event 'order.placed' is defined twice (first on line 4)"
    ]


def test_duplicate_handler_points_at_the_second() -> None:
    text = BASE + "  pay:\n    consumes: [payment.done]\n"
    assert lines(text) == [
        "17:3: error: handler 'pay' is defined twice (first on line 11)"
    ]


def test_duplicate_field_points_at_the_second() -> None:
    text = BASE.replace("    partitions: 3", "    partitions: 3\n    partitions: 6")
    assert lines(text) == ["7:5: error: duplicate key 'partitions' (first on line 6)"]


def test_duplicate_top_level_key() -> None:
    text = BASE + "name: again\n"
    assert lines(text) == ["17:1: error: duplicate key 'name' (first on line 2)"]


# --- fields -------------------------------------------------------------------


def test_unknown_event_field_suggests_the_right_one() -> None:
    text = BASE.replace("    topic: orders", "    topik: orders")
    assert lines(text) == [
        "5:5: error: unknown field 'topik' in event 'order.placed'; "
        "did you mean 'topic'?"
    ]


def test_unknown_handler_field_suggests_the_right_one() -> None:
    text = BASE.replace(
        "    consumes:\n      - payment", "    consume:\n      - payment"
    )
    assert (
        "15:5: error: unknown field 'consume' in handler 'mail'; "
        "did you mean 'consumes'?"
    ) in lines(text)


def test_unknown_top_level_field() -> None:
    text = BASE.replace("handlers:", "handler:")
    error = "8:1: error: unknown field 'handler'; did you mean 'handlers'?"
    assert error in lines(text)


def test_unknown_simulate_field() -> None:
    text = BASE + "    simulate:\n      delay: 40\n"
    assert lines(text) == [
        "18:7: error: unknown field 'delay' in simulate of handler 'mail'; "
        "did you mean 'delay_ms'?"
    ]


def test_infinite_or_nan_simulate_numbers_are_refused() -> None:
    text = BASE + "    simulate:\n      rate: .inf\n      delay_ms: .nan\n"
    assert lines(text) == [
        "18:13: error: 'rate' in simulate of handler 'mail': "
        "input should be a finite number",
        "19:17: error: 'delay_ms' in simulate of handler 'mail': "
        "input should be a finite number",
    ]


def test_unknown_field_without_a_close_match() -> None:
    text = BASE.replace("    partitions: 3", "    colour: red")
    assert lines(text) == ["6:5: error: unknown field 'colour' in event 'order.placed'"]


def test_written_id_field_is_rejected() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {id: other}")
    assert lines(text) == [
        "7:18: error: unknown field 'id' in event 'payment.done': the event's id "
        "is its key under `events:`"
    ]


def test_missing_name() -> None:
    text = BASE.replace("name: shop\n", "")
    assert lines(text) == ["1:1: error: missing required field 'name'"]


def test_missing_version() -> None:
    text = BASE.replace("edaviz: 1\n", "")
    assert lines(text) == [
        "1:1: error: missing required field 'edaviz' (the format version; add "
        "`edaviz: 1`)"
    ]


def test_all_missing_fields_are_named_in_one_error() -> None:
    assert lines("{}\n") == [
        "1:1: error: missing required fields 'edaviz' (the format version; add "
        "`edaviz: 1`) and 'name'"
    ]


def test_misspelt_required_field_is_reported_once() -> None:
    text = BASE.replace("name: shop", "nmae: shop").replace("edaviz: 1", "edavis: 1")
    assert lines(text) == [
        "1:1: error: unknown field 'edavis'; did you mean 'edaviz'?",
        "2:1: error: unknown field 'nmae'; did you mean 'name'?",
    ]


def test_unsupported_version_points_at_the_value() -> None:
    text = BASE.replace("edaviz: 1", "edaviz: 2")
    assert lines(text) == [
        "1:9: error: unsupported format version 2; this edaviz reads version 1"
    ]


def test_wrong_type_points_at_the_value() -> None:
    text = BASE.replace("partitions: 3", "partitions: three")
    assert lines(text) == [
        "6:17: error: 'partitions' in event 'order.placed' must be a whole number "
        "(got 'three')"
    ]


STRICT_TYPES = """\
edaviz: 1
name: x
events:
  a: {partitions: true}
  b: {partitions: "3"}
  c: {partitions: !!float 3}
  d: {partitions: 2.0}
handlers:
  h:
    produces: [a, b, c, d]
    simulate: {rate: "5", delay_ms: false, paused: "yes"}
  k:
    consumes: [a]
    simulate:
      paused: 1
"""


def test_values_of_the_wrong_type_are_not_converted() -> None:
    assert lines(STRICT_TYPES) == [
        "4:19: error: 'partitions' in event 'a' must be a whole number (got true)",
        "5:19: error: 'partitions' in event 'b' must be a whole number (got '3': "
        "remove the quotes)",
        "6:19: error: 'partitions' in event 'c' must be a whole number (got 3.0: "
        "write a whole number without a decimal point)",
        "7:19: error: 'partitions' in event 'd' must be a whole number (got 2.0: "
        "write a whole number without a decimal point)",
        "11:22: error: 'rate' in simulate of handler 'h' must be a number (got "
        "'5': remove the quotes)",
        "11:37: error: 'delay_ms' in simulate of handler 'h' must be a number "
        "(got false)",
        "11:52: error: 'paused' in simulate of handler 'h' must be true or false "
        "(got 'yes')",
        "15:15: error: 'paused' in simulate of handler 'k' must be true or false "
        "(got 1)",
    ]


def test_a_whole_number_is_a_float() -> None:
    text = BASE.replace(
        "    produces: [order.placed]\n",
        "    produces: [order.placed]\n    simulate: {rate: 5, delay_ms: 0}\n",
        1,
    )
    result = check(text)
    assert result.diagnostics == []
    assert result.flow.handlers["web"].simulate.rate == 5.0


def test_quoted_true_is_not_a_boolean() -> None:
    text = BASE + "    simulate: {paused: 'true'}\n"
    assert lines(text) == [
        "17:24: error: 'paused' in simulate of handler 'mail' must be true or false "
        "(got 'true': remove the quotes)"
    ]


def test_yaml_typed_text_gets_a_quoting_hint() -> None:
    text = BASE.replace("name: shop", "name: 2024-01-01")
    assert lines(text) == [
        "2:7: error: name must be text (got the date 2024-01-01: quote it to make "
        "it text)"
    ]


def test_binary_and_infinite_values_are_named_yaml_style() -> None:
    text = BASE.replace("    topic: orders", "    topic: orders\n    description: .inf")
    text = text.replace("  payment.done: {}", "  payment.done: {owner: !!binary aGk=}")
    found = lines(text)
    assert found[0] == (
        "6:18: error: 'description' in event 'order.placed' must be text (got "
        ".inf: quote it to make it text)"
    )
    assert found[1].startswith("8:18: error: unknown field 'owner'")


def test_out_of_range_value() -> None:
    text = BASE.replace("partitions: 3", "partitions: 0")
    assert lines(text) == [
        "6:17: error: 'partitions' in event 'order.placed' must be at least 1 (got 0)"
    ]


def test_string_where_a_list_belongs() -> None:
    text = BASE.replace("    produces: [payment.done]", "    produces: payment.done")
    found = lines(text)
    assert found[0] == (
        "13:15: error: 'produces' in handler 'pay' must be a list of event ids, "
        "e.g. [order.placed] (got 'payment.done')"
    )


def test_name_must_be_text() -> None:
    text = BASE.replace("name: shop", "name: 42")
    assert lines(text) == [
        "2:7: error: name must be text (got 42: quote it to make it text)"
    ]


def test_events_must_be_a_mapping() -> None:
    text = "edaviz: 1\nname: x\nevents: [a, b]\n"
    assert lines(text) == ["3:9: error: events must be a mapping (got a list)"]


def test_event_must_be_a_mapping() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: payments")
    assert lines(text) == [
        "7:17: error: event 'payment.done' must be a mapping of fields (got 'payments')"
    ]


def test_invalid_id_points_at_the_key() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {}\n  bad id: {}")
    found = lines(text)
    assert found[0] == (
        "8:3: error: event id 'bad id' is not valid: use only letters, digits, "
        "'.', '_' and '-'"
    )


def test_several_problems_are_all_reported_in_file_order() -> None:
    text = BASE.replace("partitions: 3", "partitions: x").replace(
        "consumes: [order.placed]", "consumes: [order.place]"
    )
    found = lines(text)
    assert [f.split(": ")[0] for f in found] == ["6:17", "12:16"]


ODD_IDS = """\
edaviz: 1
name: x
events:
  2024-01-01: {}
  0x1F: {}
  1: {}
  true: {}
handlers:
  h:
    produces: [2024-01-01, 0x1F]
  k:
    consumes:
      - 2024-01-01
      - 0x1F
    produces: [1, true]
  m: {consumes: [1, true]}
"""


def test_ids_yaml_would_type_are_read_as_written_in_lists_too() -> None:
    result = check(ODD_IDS)
    assert result.diagnostics == []
    assert result.flow.handlers["k"].consumes == ("2024-01-01", "0x1F")
    assert result.flow.handlers["k"].produces == ("1", "true")


def test_a_typed_reference_to_an_undefined_event_names_its_text() -> None:
    text = ODD_IDS.replace("[1, true]}", "[1, 2.50]}")
    assert lines(text) == [
        "16:21: error: undefined event '2.50' in consumes of handler 'm'"
    ]


def test_an_empty_list_entry_is_named_as_such() -> None:
    text = BASE.replace("      - payment.done", "      - payment.done\n      -")
    assert lines(text) == [
        "17:8: error: entry 2 of 'consumes' in handler 'mail' must not be empty"
    ]


def test_a_list_entry_of_the_wrong_type_names_its_handler() -> None:
    text = BASE.replace("produces: [payment.done]", "produces: [[payment.done]]")
    assert lines(text) == [
        "13:16: error: entry 1 of 'produces' in handler 'pay' must be text (got a list)"
    ]


def test_edited_document_reads_typed_ids_like_the_text() -> None:
    # Not `true`: as a Python key it is the same key as `1`.
    document = check(ODD_IDS.replace("true", "false")).document
    assert validate_document(document, "f.yaml") == []


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("true", "unsupported format version true; this edaviz reads version 1"),
        ("1.0", "unsupported format version 1.0; this edaviz reads version 1"),
        (
            '"1"',
            "unsupported format version '1'; this edaviz reads version 1 (a "
            "number: write it without quotes)",
        ),
        ("[1]", "unsupported format version a list; this edaviz reads version 1"),
    ],
)
def test_version_messages_spell_values_as_yaml_does(written: str, message: str) -> None:
    text = BASE.replace("edaviz: 1", f"edaviz: {written}")
    assert lines(text) == [f"1:9: error: {message}"]


def test_empty_version_says_it_is_empty() -> None:
    text = BASE.replace("edaviz: 1", "edaviz:")
    assert lines(text) == [
        "1:1: error: the format version is empty; this edaviz reads version 1 "
        "(write `edaviz: 1`)"
    ]


def test_version_must_be_the_integer_one() -> None:
    for written in ("1.0", '"1"', "true", "[1]"):
        text = BASE.replace("edaviz: 1", f"edaviz: {written}")
        (found,) = lines(text)
        assert found.startswith("1:9: error: unsupported format version ")
        assert check(text).flow is None


def test_tab_after_the_real_error_is_not_blamed() -> None:
    text = "edaviz: 1\nname: a: b\nevents:\n\ta: {}\n"
    (found,) = lines(text)
    assert found.startswith("2:8: error: YAML syntax error")
