"""The batched admin reader against the real broker: one group that cannot be
read leaves the others' numbers intact; groups on Kafka 4's consumer protocol
are described too."""

from __future__ import annotations

import asyncio

from aiokafka.errors import GroupAuthorizationFailedError
from kafka_helpers import (
    CONSUMER_GROUP_COMMAND,
    commit_as_group,
    create_topics,
    produce_counts,
    wait_for,
)

from edaviz.kafka.admin import ClusterReader, GroupInfo
from edaviz.kafka.broker import LocalBroker
from edaviz.kafka.connection import ConnectionSettings


async def test_one_unreadable_group_does_not_fail_the_others(
    kafka_broker: LocalBroker, unique_name
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = unique_name("orders")
    allowed, denied = unique_name("allowed"), unique_name("denied")
    await create_topics(bootstrap, (topic, 2))
    await commit_as_group(bootstrap, allowed, {(topic, 0): 0, (topic, 1): 0})
    await commit_as_group(bootstrap, denied, {(topic, 0): 0})

    reader = ClusterReader(ConnectionSettings(bootstrap=bootstrap))
    await reader.start()
    find = reader._find_coordinator

    async def refuse_one(group: str) -> int:
        # What a cluster with ACLs answers for a group the reader may not see.
        if group == denied:
            raise GroupAuthorizationFailedError(group)
        return await find(group)

    reader._find_coordinator = refuse_one  # type: ignore[method-assign]
    try:
        partitions = [(topic, 0), (topic, 1)]
        groups = await reader.describe_groups([allowed, denied])
        offsets, errors = await reader.committed_many(
            {allowed: partitions, denied: partitions}
        )
    finally:
        await reader.close()
    assert groups[allowed].error is None
    assert groups[allowed].state == "Empty"
    assert groups[denied].error == "GroupAuthorizationFailedError"
    assert offsets[allowed] == {(topic, 0): 0, (topic, 1): 0}
    assert denied not in offsets
    assert errors == {denied: "GroupAuthorizationFailedError"}


CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"


async def test_a_consumer_protocol_group_has_its_state_and_members(
    kafka_broker: LocalBroker, unique_name
) -> None:
    # Kafka 4's consumer protocol (KIP-848): DescribeGroups calls such a group
    # Dead with no members, however busy it is.
    bootstrap = kafka_broker.bootstrap
    topic, group = unique_name("orders"), unique_name("kip848")
    await create_topics(bootstrap, (topic, 2))
    await produce_counts(bootstrap, topic, {0: 3, 1: 3})
    consumer = asyncio.create_task(
        asyncio.to_thread(
            kafka_broker.run_tool,
            CONSOLE_CONSUMER,
            "--bootstrap-server",
            bootstrap,
            "--topic",
            topic,
            "--group",
            group,
            "--from-beginning",
            "--consumer-property",
            "group.protocol=consumer",
            "--timeout-ms",
            "8000",  # then it leaves the group and exits
            timeout_s=120,
        )
    )
    reader = ClusterReader(ConnectionSettings(bootstrap=bootstrap))
    await reader.start()
    try:
        busy = await wait_for(
            lambda: _stable_with_members(reader, group),
            timeout=60,
            message="the console consumer in the group",
        )
        kafka_view = await asyncio.to_thread(
            kafka_broker.run_tool,
            CONSUMER_GROUP_COMMAND,
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--group",
            group,
            "--members",
        )
        await consumer
        left = (await reader.describe_groups([group]))[group]
    finally:
        consumer.cancel()
        await reader.close()
    (member,) = busy.members
    assert member.client_id == "console-consumer"
    assert member.assignments == ((topic, 0), (topic, 1))
    assert member.member_id in kafka_view  # Kafka's own tool sees that member
    assert left.state == "Empty" and left.members == ()
    assert left.error is None


async def _stable_with_members(reader: ClusterReader, group: str) -> GroupInfo | None:
    info = (await reader.describe_groups([group]))[group]
    if info.state == "Stable" and info.members and info.members[0].assignments:
        return info
    return None


async def test_metadata_is_asked_for_the_flow_topics_only(
    kafka_broker: LocalBroker, unique_name
) -> None:
    topics = sorted([unique_name("orders"), unique_name("missing")])
    reader = ClusterReader(ConnectionSettings(bootstrap=kafka_broker.bootstrap))
    await reader.start()
    asked: list[list[str] | None] = []
    client = reader._client
    update = client._metadata_update

    async def recorded(cluster, wanted):  # type: ignore[no-untyped-def]
        asked.append(sorted(wanted) if wanted else None)
        return await update(cluster, wanted)

    client._metadata_update = recorded
    try:
        await reader.topics(topics)
        # aiokafka's periodic refresh, due every metadata_max_age_ms.
        await client.force_metadata_update()
    finally:
        await reader.close()
    assert asked, "no background metadata refresh happened"
    assert all(wanted == topics for wanted in asked), asked
