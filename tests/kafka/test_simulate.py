"""`edaviz simulate` against the real broker, checked through Kafka itself."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from kafka_helpers import (
    CONSUMER_GROUP_COMMAND,
    committed_offsets,
    describe_group,
    end_offsets,
    group_lag,
    wait_for,
)
from pydantic import ValidationError

from edaviz.cli import main
from edaviz.cli.demo import default_flow, run_demo, summary_lines
from edaviz.cli.simulate import overrides_from_args
from edaviz.core.flow import Flow, SimulationSettings
from edaviz.core.loader import load_flow_or_raise
from edaviz.errors import EdavizError, UsageError
from edaviz.kafka.broker import LocalBroker, probe
from edaviz.kafka.payloads import PayloadFactory
from edaviz.kafka.simulator import Simulator

SAGA = """\
edaviz: 1
name: test saga
events:
  order.created: {{topic: {orders}, partitions: 3}}
  payment.completed: {{topic: {paid}}}
  payment.failed: {{topic: {failed}, partitions: 2}}
  shipment.scheduled: {{topic: {shipped}}}
handlers:
  checkout:
    produces: [order.created]
    simulate: {{rate: 30}}
  payments:
    group: {g_pay}
    consumes: [order.created]
    produces: [payment.completed, payment.failed]
    simulate: {{failure_rate: 0.3}}
  shipping:
    group: {g_ship}
    consumes: [payment.completed]
    produces: [shipment.scheduled]
  notifier:
    group: {g_note}
    consumes: [payment.failed, shipment.scheduled]
"""

SLOW = """\
edaviz: 1
name: slow consumer
events:
  job.queued: {{topic: {jobs}, partitions: 2}}
handlers:
  producer:
    produces: [job.queued]
    simulate: {{rate: 40}}
  fast:
    group: {g_fast}
    consumes: [job.queued]
  slow:
    group: {g_slow}
    consumes: [job.queued]
    simulate: {{delay_ms: 100}}
  idle:
    group: {g_idle}
    consumes: [job.queued]
    simulate: {{paused: true}}
"""


def _saga(unique_name: Callable[[str], str], flow_file) -> tuple[Path, dict[str, str]]:
    names = {
        key: unique_name(key)
        for key in ("orders", "paid", "failed", "shipped", "g_pay", "g_ship", "g_note")
    }
    return flow_file(SAGA.format(**names)), names


def test_cli_simulate_feeds_every_topic_and_group(
    kafka_broker: LocalBroker, unique_name, flow_file
) -> None:
    path, names = _saga(unique_name, flow_file)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "edaviz",
            "simulate",
            str(path),
            "--bootstrap-server",
            kafka_broker.bootstrap,
            "--duration",
            "10",
            "--seed",
            "7",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # Isolated from the user's config file: only the flags matter here.
        env={
            **{k: v for k, v in os.environ.items() if k != "EDAVIZ_CONFIG"},
            "XDG_CONFIG_HOME": str(path.parent),
        },
    )
    assert done.returncode == 0, done.stderr

    topics = [names[k] for k in ("orders", "paid", "failed", "shipped")]
    ends = asyncio.run(end_offsets(kafka_broker.bootstrap, *topics))
    for topic in topics:
        assert sum(v for (t, _), v in ends.items() if t == topic) > 0, topic
    assert {p for (t, p) in ends if t == names["orders"]} == {0, 1, 2}
    assert {p for (t, p) in ends if t == names["failed"]} == {0, 1}
    # Keys spread over partitions: every orders partition received records.
    assert all(v > 0 for (t, _), v in ends.items() if t == names["orders"])

    # Kafka's own kafka-consumer-groups tool sees every handler's commits.
    for group in (names["g_pay"], names["g_ship"], names["g_note"]):
        rows = describe_group(kafka_broker, group)
        assert rows, group
        assert sum(r.committed or 0 for r in rows) > 0, group
    note_topics = {r.topic for r in describe_group(kafka_broker, names["g_note"])}
    assert note_topics == {names["failed"], names["shipped"]}


def test_ctrl_c_stops_simulate_cleanly(
    kafka_broker: LocalBroker, unique_name, flow_file
) -> None:
    path, names = _saga(unique_name, flow_file)
    simulate = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edaviz",
            "simulate",
            str(path),
            "--bootstrap-server",
            kafka_broker.bootstrap,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        async def all_committed() -> bool:
            bootstrap = kafka_broker.bootstrap
            groups = (names["g_pay"], names["g_ship"], names["g_note"])
            offsets = [await committed_offsets(bootstrap, g) for g in groups]
            return all(sum(o.values()) for o in offsets)

        asyncio.run(wait_for(all_committed, timeout=60, interval=0.5))
        simulate.send_signal(signal.SIGINT)
        _, err = simulate.communicate(timeout=30)
    finally:
        if simulate.poll() is None:
            simulate.kill()
    assert simulate.returncode == 0, err
    assert "Traceback" not in err

    # Every group left: Kafka's own tool shows it Empty, with no members.
    for group in (names["g_pay"], names["g_ship"], names["g_note"]):
        state = kafka_broker.run_tool(
            CONSUMER_GROUP_COMMAND,
            "--bootstrap-server",
            kafka_broker.bootstrap,
            "--describe",
            "--group",
            group,
            "--state",
        )
        row = next(line.split() for line in state.splitlines() if group in line)
        assert row[-2:] == ["Empty", "0"], state


async def test_simulator_groups_commit_what_they_handle(
    kafka_broker: LocalBroker, unique_name, flow_file
) -> None:
    path, names = _saga(unique_name, flow_file)
    flow = load_flow_or_raise(path)
    sim = Simulator(flow, {"bootstrap_servers": kafka_broker.bootstrap}, seed=1)
    task = asyncio.create_task(sim.run())
    bootstrap = kafka_broker.bootstrap
    try:
        for group, topics in (
            (names["g_pay"], [names["orders"]]),
            (names["g_ship"], [names["paid"]]),
            (names["g_note"], [names["failed"], names["shipped"]]),
        ):

            async def consumed(group: str = group, topics: list = topics) -> bool:
                offsets = await committed_offsets(bootstrap, group)
                return all(
                    sum(v for (t, _), v in offsets.items() if t == topic) > 0
                    for topic in topics
                )

            await wait_for(consumed, timeout=60, interval=0.5, message=group)
    finally:
        sim.stop()
        await asyncio.wait_for(task, 30)

    # After a clean stop, each group's commits in Kafka cover exactly the
    # records its handler handled: nothing handled is left uncommitted.
    for handler in ("payments", "shipping", "notifier"):
        group = flow.handlers[handler].group
        committed = sum((await committed_offsets(bootstrap, group)).values())
        assert committed == sim.stats.consumed[handler], handler


async def test_slow_handler_lag_grows_while_fast_one_keeps_up(
    kafka_broker: LocalBroker, unique_name, flow_file
) -> None:
    names = {k: unique_name(k) for k in ("jobs", "g_fast", "g_slow", "g_idle")}
    flow = load_flow_or_raise(flow_file(SLOW.format(**names)))
    sim = Simulator(flow, {"bootstrap_servers": kafka_broker.bootstrap}, seed=2)
    task = asyncio.create_task(sim.run())
    bootstrap, jobs = kafka_broker.bootstrap, names["jobs"]
    try:
        # 40 events/s in, 10/s out: the slow group falls behind by ~30/s.
        first = await wait_for(
            lambda: group_lag(bootstrap, names["g_slow"], jobs), timeout=60
        )
        await wait_for(
            _lag_above(bootstrap, names["g_slow"], jobs, first + 40),
            timeout=30,
            message="slow handler's lag grows",
        )
        fast = await group_lag(bootstrap, names["g_fast"], jobs)
        slow = await group_lag(bootstrap, names["g_slow"], jobs)
        assert fast is not None and slow is not None and fast < slow

        # A paused handler's group exists in Kafka with a start position and
        # its lag is everything produced; resuming it drains the backlog.
        idle = await group_lag(bootstrap, names["g_idle"], jobs)
        produced = sum((await end_offsets(bootstrap, jobs)).values())
        assert idle is not None and idle >= produced * 0.9
        sim.update("idle", paused=False)
        await wait_for(
            _lag_below(bootstrap, names["g_idle"], jobs, 20),
            timeout=60,
            message="resumed handler catches up",
        )
    finally:
        sim.stop()
        await asyncio.wait_for(task, 30)


def _lag_above(bootstrap: str, group: str, topic: str, floor: int):
    async def check() -> bool:
        lag = await group_lag(bootstrap, group, topic)
        return lag is not None and lag > floor

    return check


def _lag_below(bootstrap: str, group: str, topic: str, ceiling: int):
    async def check() -> bool:
        lag = await group_lag(bootstrap, group, topic)
        return lag is not None and lag < ceiling

    return check


# Pure logic: no broker needed.


def _flow() -> Flow:
    return Flow.model_validate(
        {
            "edaviz": 1,
            "name": "f",
            "events": {"a": {}, "b": {}},
            "handlers": {
                "src": {"produces": ["a"]},
                "h": {"consumes": ["a"], "produces": ["b"]},
            },
        }
    )


def _args(**kw) -> argparse.Namespace:
    base = {"handler_rate": [], "delay": [], "fail": [], "drop": [], "pause": []}
    return argparse.Namespace(**{**base, **kw})


def test_cli_overrides_apply_on_top_of_the_flow() -> None:
    result = overrides_from_args(
        _flow(),
        _args(delay=["h=250"], fail=["h=0.5"], pause=["h"], handler_rate=["src=9"]),
    )
    assert result["h"].delay_ms == 250
    assert result["h"].failure_rate == 0.5
    assert result["h"].paused
    assert result["src"].rate == 9


@pytest.mark.parametrize(
    "args",
    [
        {"delay": ["nope=1"]},
        {"delay": ["h"]},
        {"fail": ["h=2"]},
        {"pause": ["x"]},
        {"delay": ["h=inf"]},
        {"handler_rate": ["src=nan"]},
    ],
)
def test_bad_overrides_are_usage_errors(args) -> None:
    with pytest.raises(UsageError):
        overrides_from_args(_flow(), _args(**args))


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "flow.yaml", "--rate", "0"],
        ["simulate", "flow.yaml", "--rate", "inf"],
        ["simulate", "flow.yaml", "--duration", "nan"],
        ["demo", "--duration", "-1"],
        ["demo", "--rate", "-5"],
    ],
)
def test_rates_and_durations_must_be_finite_and_above_zero(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "is not a number above 0" in capsys.readouterr().err


def test_an_infinite_rate_or_delay_is_refused() -> None:
    with pytest.raises(ValidationError, match="finite"):
        SimulationSettings(rate=math.inf)
    simulator = Simulator(_flow(), {"bootstrap_servers": "127.0.0.1:1"})
    with pytest.raises(ValidationError, match="finite"):
        simulator.update("src", delay_ms=math.nan)
    with pytest.raises(EdavizError, match="rate"):
        Simulator(_flow(), {"bootstrap_servers": "127.0.0.1:1"}, default_rate=0)


def test_payloads_look_like_real_events() -> None:
    factory = PayloadFactory(seed=3)
    key = factory.new_key("order.created")
    order = factory.payload("order.created", key)
    assert order["order_id"] == key and order["total"] > 0
    assert order["occurred_at"].endswith("Z") and order["items"]
    payment = factory.payload("payment.failed", key, cause=order)
    assert payment["amount"] == order["total"]
    assert payment["causation_id"] == order["event_id"]
    assert payment["correlation_id"] == order["event_id"]
    assert "reason" in payment
    keys = {factory.new_key("order.created") for _ in range(500)}
    assert len(keys) > 400


# `edaviz demo`: on the session broker, which it must reuse and leave running.


def test_demo_reuses_the_running_broker_and_leaves_it_running(
    kafka_broker: LocalBroker, unique_name, flow_file
) -> None:
    path, names = _saga(unique_name, flow_file)
    seen: list[list[str]] = []
    messages: list[str] = []

    def show(ctx) -> int:
        assert ctx.bootstrap == kafka_broker.bootstrap

        async def lag_known() -> bool:
            lines = await summary_lines(ctx.flow, ctx.bootstrap)
            seen.append(lines)
            pay = [line for line in lines if names["g_pay"] in line]
            return bool(pay) and not pay[0].endswith(" -")

        asyncio.run(wait_for(lag_known, timeout=60, interval=0.5))
        return 0

    broker = LocalBroker(data_dir=kafka_broker.data_dir, progress=messages.append)
    assert run_demo(path, show=show, broker=broker, progress=messages.append) == 0

    assert any("already running" in m for m in messages)
    assert kafka_broker.status() is not None
    assert names["orders"] in "\n".join(seen[-1])


def test_demo_stops_the_broker_it_started(
    tmp_path: Path, unique_name, flow_file
) -> None:
    path, names = _saga(unique_name, flow_file)
    broker = LocalBroker(data_dir=tmp_path / "kafka")
    seen: list[str] = []

    def show(ctx) -> int:
        async def traffic() -> bool:
            ends = await end_offsets(ctx.bootstrap, names["shipped"])
            return sum(ends.values()) > 0

        asyncio.run(wait_for(traffic, timeout=60, interval=0.5))
        seen.append(ctx.bootstrap)
        return 0

    messages: list[str] = []
    assert run_demo(path, show=show, broker=broker, progress=messages.append) == 0

    assert seen and broker.status() is None
    assert messages[-1] == "Stopping Kafka..."
    assert not probe(seen[0], timeout_s=1)


def test_demo_flow_ships_with_the_package() -> None:
    flow = default_flow()
    assert load_flow_or_raise(flow).name == "order-saga"
    packaged = Path(str(resources.files("edaviz.examples").joinpath("order-saga.yaml")))
    # The packaged copy serves installs without the repository's flows/ folder.
    assert packaged.read_text() == flow.read_text()


# The shipped examples, each played for real: every topic gets records and
# every consuming handler's group commits, as Kafka itself reports.

EXAMPLES = sorted((Path(__file__).parents[2] / "flows").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
async def test_simulate_plays_every_example_flow(
    kafka_broker: LocalBroker, unique_name, example: Path, caplog
) -> None:
    shipped = load_flow_or_raise(example)
    prefix = unique_name("ex")
    # Own topics and groups, so that no other test's traffic counts here.
    flow = shipped.model_copy(
        update={
            "events": {
                k: e.model_copy(update={"topic": f"{prefix}.{e.topic}"})
                for k, e in shipped.events.items()
            },
            "handlers": {
                k: h.model_copy(update={"group": f"{prefix}.{h.group}"})
                for k, h in shipped.handlers.items()
            },
        }
    )
    bootstrap = kafka_broker.bootstrap
    topics = sorted({e.topic for e in flow.events.values()})
    groups = sorted({h.group for h in flow.handlers.values() if h.consumes})
    sim = Simulator(flow, {"bootstrap_servers": bootstrap}, seed=5)
    task = asyncio.create_task(sim.run())

    missing: dict[str, list[str]] = {}

    async def every_topic_written() -> bool:
        ends = await end_offsets(bootstrap, *topics)
        written = {t for (t, _), n in ends.items() if n}
        missing["topics"] = [t for t in topics if t not in written]
        return not missing["topics"]

    async def every_group_committed() -> bool:
        missing["groups"] = [
            g
            for g in groups
            if not sum((await committed_offsets(bootstrap, g)).values())
        ]
        return not missing["groups"]

    try:
        await wait_for(every_topic_written, 90, 1, message=f"{missing}")
        await wait_for(every_group_committed, 90, 1, message=f"{missing}")
    except AssertionError as failed:
        raise AssertionError(f"{failed}; still missing: {missing}") from None
    finally:
        sim.stop()
        await asyncio.wait_for(task, 30)
    # New topics are used only once their leaders answer: no "not leader"
    # noise from the clients while they start.
    noise = [r.getMessage() for r in caplog.records if "NotLeader" in r.getMessage()]
    assert not noise, noise[:3]
