"""Diagnostics about the meaning of a flow: references, cycles, topics, warnings."""

from __future__ import annotations

import pytest

from tests.core.helpers import BASE, check, lines

# --- references ----------------------------------------------------------------


def test_undefined_event_in_a_flow_list_suggests_the_close_one() -> None:
    text = BASE.replace("consumes: [order.placed]", "consumes: [order.placd]")
    assert lines(text) == [
        "12:16: error: undefined event 'order.placd' in consumes of handler 'pay'; "
        "did you mean 'order.placed'?"
    ]


def test_undefined_event_in_a_block_list_points_at_the_entry() -> None:
    text = BASE.replace("      - payment.done", "      - payment.done\n      - refund")
    assert lines(text) == [
        "17:9: error: undefined event 'refund' in consumes of handler 'mail'"
    ]


def test_reference_to_a_handler_says_so() -> None:
    text = BASE.replace("produces: [payment.done]", "produces: [payment.done, mail]")
    assert lines(text) == [
        "13:30: error: 'mail' is a handler, not an event: handler 'pay' can only "
        "produce events"
    ]


def test_undefined_reference_names_the_node_and_edge() -> None:
    text = BASE.replace("consumes: [order.placed]", "consumes: [nope]")
    (error,) = [d for d in check(text).diagnostics if d.is_error]
    assert error.node == ("handler", "pay")
    assert error.edge == ("nope", "pay")
    text = BASE.replace("produces: [order.placed]", "produces: [nope]")
    error = next(d for d in check(text).diagnostics if d.is_error)
    assert error.edge == ("web", "nope")


def test_invalid_reference_is_reported_once() -> None:
    text = BASE.replace("consumes: [order.placed]", "consumes: [order placed]")
    found = [f for f in lines(text) if "error" in f]
    assert found == [
        "12:16: error: event id 'order placed' in consumes of handler 'pay' is not "
        "valid: use only letters, digits, '.', '_' and '-'"
    ]


def test_event_listed_twice_is_a_warning() -> None:
    text = BASE.replace(
        "consumes: [order.placed]", "consumes: [order.placed, order.placed]"
    )
    assert lines(text) == [
        "12:30: warning: 'order.placed' is listed twice in consumes of handler 'pay'"
    ]


# --- cycles ----------------------------------------------------------------------


def test_handler_consuming_what_it_produces() -> None:
    text = BASE.replace(
        "produces: [payment.done]", "produces: [payment.done, order.placed]"
    )
    assert lines(text) == [
        "13:30: error: cycle: handler 'pay' consumes 'order.placed', which it also "
        "produces"
    ]
    error = check(text).diagnostics[0]
    assert error.edge == ("pay", "order.placed")


def test_cycle_reports_the_whole_path() -> None:
    text = """\
        edaviz: 1
        name: loop
        events:
          order.placed: {}
          payment.failed: {}
          order.retried: {}
        handlers:
          web:
            produces: [order.placed]
          payment-service:
            consumes: [order.placed]
            produces: [payment.failed]
          retrier:
            consumes: [payment.failed]
            produces: [order.retried]
          resubmit:
            consumes: [order.retried]
            produces: [order.placed]
        """
    assert lines(text) == [
        "18:16: error: cycle: order.placed -> payment-service -> payment.failed -> "
        "retrier -> order.retried -> resubmit -> order.placed; a flow must not loop "
        "back on itself"
    ]
    error = check(text).diagnostics[0]
    assert error.node == ("handler", "resubmit")
    assert error.edge == ("resubmit", "order.placed")


def test_two_separate_cycles_are_both_reported() -> None:
    text = """\
        edaviz: 1
        name: loops
        events: {a: {}, b: {}, c: {}, d: {}}
        handlers:
          h1: {consumes: [a], produces: [b]}
          h2: {consumes: [b], produces: [a]}
          h3: {consumes: [c], produces: [d]}
          h4: {consumes: [d], produces: [c]}
        """
    found = lines(text)
    assert found == [
        "6:34: error: cycle: a -> h1 -> b -> h2 -> a; a flow must not loop back on "
        "itself",
        "8:34: error: cycle: c -> h3 -> d -> h4 -> c; a flow must not loop back on "
        "itself",
    ]


# --- topics ------------------------------------------------------------------------


def test_illegal_topic_characters_point_at_the_topic() -> None:
    text = BASE.replace("topic: orders", "topic: orders/placed")
    assert lines(text) == [
        "5:12: error: illegal Kafka topic name 'orders/placed': use only letters, "
        "digits, '.', '_' and '-'"
    ]


def test_topic_ending_in_a_newline_is_illegal() -> None:
    text = BASE.replace("topic: orders", 'topic: "orders\\n"')
    assert lines(text) == [
        "5:12: error: illegal Kafka topic name 'orders\\n': use only letters, "
        "digits, '.', '_' and '-'"
    ]


def test_topic_written_as_a_block_scalar_keeps_its_newline_and_is_illegal() -> None:
    text = BASE.replace("topic: orders", "topic: |\n      orders")
    assert lines(text) == [
        "5:12: error: illegal Kafka topic name 'orders\\n': use only letters, "
        "digits, '.', '_' and '-'"
    ]


def test_id_ending_in_a_newline_is_malformed_not_a_topic() -> None:
    text = BASE.replace("  payment.done: {}", '  "payment.done\\n": {}').replace(
        "[payment.done]", '["payment.done\\n"]'
    )
    found = lines(text)
    assert found[:2] == [
        "7:3: error: event id 'payment.done\\n' is not valid: use only letters, "
        "digits, '.', '_' and '-'",
        "13:16: error: event id 'payment.done\\n' in produces of handler 'pay' is "
        "not valid: use only letters, digits, '.', '_' and '-'",
    ]
    assert not any("topic" in line for line in found)


def test_topic_longer_than_249_characters() -> None:
    text = BASE.replace("topic: orders", "topic: " + "o" * 250)
    (found,) = lines(text)
    assert found.startswith("5:12: error: illegal Kafka topic name 'oooo")
    assert found.endswith("it is longer than 249 characters")


@pytest.mark.parametrize("topic", [".", ".."])
def test_dot_and_dot_dot_are_not_topics(topic: str) -> None:
    text = BASE.replace("topic: orders", f"topic: '{topic}'")
    assert lines(text) == [
        f"5:12: error: illegal Kafka topic name '{topic}': '.' and '..' are not allowed"
    ]


def test_event_id_used_as_topic_must_be_legal_too() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {}\n  ..: {}")
    found = lines(text)
    assert found[0] == (
        "8:3: error: illegal Kafka topic name '..' (the id of event '..'): '.' and "
        "'..' are not allowed"
    )


def test_two_events_on_one_topic_points_at_the_second() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {topic: orders}")
    assert lines(text) == [
        "7:25: error: topic 'orders' of event 'payment.done' is already used by "
        "event 'order.placed' (line 4); each event needs its own topic"
    ]


def test_default_topic_clash_points_at_the_event_key() -> None:
    text = BASE.replace("topic: orders", "topic: payment.done")
    assert lines(text) == [
        "7:3: error: topic 'payment.done' of event 'payment.done' is already used "
        "by event 'order.placed' (line 4); each event needs its own topic"
    ]


def test_topics_differing_only_in_dot_and_underscore_collide() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {topic: order_s}")
    text = text.replace("topic: orders", "topic: order.s")
    assert lines(text) == [
        "7:25: error: topic 'order_s' collides with topic 'order.s' of event "
        "'order.placed' (line 4): Kafka treats '.' and '_' alike"
    ]


# --- warnings --------------------------------------------------------------------


def test_unconnected_event_is_a_warning() -> None:
    text = BASE.replace("  payment.done: {}", "  payment.done: {}\n  audit.logged:")
    result = check(text)
    assert lines(text) == [
        "8:3: warning: event 'audit.logged' is not connected: no handler produces "
        "or consumes it"
    ]
    assert result.ok and result.flow is not None
    assert result.diagnostics[0].node == ("event", "audit.logged")


def test_handler_without_edges_is_a_warning() -> None:
    text = BASE + "  idle:\n    owner: team-x\n"
    assert lines(text) == [
        "17:3: warning: handler 'idle' has no edges: it neither consumes nor "
        "produces an event"
    ]
    assert check(text).flow is not None


def test_shared_consumer_group_is_a_warning() -> None:
    text = BASE + "    group: pay\n"
    assert lines(text) == [
        "17:12: warning: handler 'mail' shares consumer group 'pay' with handler "
        "'pay' (line 11); their lag cannot be told apart"
    ]


def test_missing_schema_file_is_a_warning(tmp_path) -> None:
    from edaviz.core.loader import load_flow

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "order.json").write_text("{}")
    text = BASE.replace(
        "    partitions: 3", "    partitions: 3\n    schema: schemas/order.json"
    ).replace("  payment.done: {}", "  payment.done: {schema: schemas/pay.json}")
    flow = tmp_path / "flow.yaml"
    flow.write_text(text)
    found = [str(d) for d in load_flow(flow).diagnostics]
    assert found == [
        f"{flow}:8:26: warning: schema file 'schemas/pay.json' of event "
        "'payment.done' not found (paths are relative to the flow file)"
    ]


def test_malformed_ids_get_their_error_and_no_warning() -> None:
    text = BASE + '  "x y": {}\n'
    text = text.replace("  payment.done: {}", "  payment.done: {}\n  ~: {}")
    assert lines(text) == [
        "8:3: error: event id '~' is not valid: use only letters, digits, '.', "
        "'_' and '-'",
        "18:3: error: handler id 'x y' is not valid: use only letters, digits, "
        "'.', '_' and '-'",
    ]


def test_an_id_too_long_is_one_error_not_a_topic_or_reference_error() -> None:
    long_id = "o" * 250
    text = BASE.replace(
        "  payment.done: {}", f"  payment.done: {{}}\n  {long_id}: {{}}"
    )
    text = text.replace("consumes: [order.placed]", f"consumes: [{long_id}]")
    assert lines(text) == [
        "8:3: error: event id is longer than 249 characters",
        "13:16: error: entry 1 of 'consumes' in handler 'pay' is longer than 249 "
        "characters",
    ]
