"""The batched admin reader against the real broker: one group that cannot be
read leaves the others' numbers intact."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import GroupAuthorizationFailedError
from test_watch import commit_as_group

from edaviz.kafka.admin import ClusterReader
from edaviz.kafka.broker import LocalBroker
from edaviz.kafka.connection import ConnectionSettings


async def test_one_unreadable_group_does_not_fail_the_others(
    kafka_broker: LocalBroker, unique_name
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = unique_name("orders")
    allowed, denied = unique_name("allowed"), unique_name("denied")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()
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
