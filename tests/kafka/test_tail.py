"""The tail's group-less reader against the real broker: what it reads, and
that it asks Kafka about the topics it reads and no others."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from edaviz.kafka.broker import LocalBroker
from edaviz.kafka.connection import ConnectionSettings
from edaviz.kafka.tail import RangeReader, TimestampProbe, TopicTails


async def test_reader_reads_ranges_and_asks_only_for_its_topics(
    kafka_broker: LocalBroker, unique_name
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = unique_name("tailed")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(20):
            await producer.send_and_wait(topic, f"v{i}".encode(), partition=i % 2)
    finally:
        await producer.stop()

    reader = RangeReader(ConnectionSettings(bootstrap=bootstrap))
    await reader.start()
    asked: list[list[str] | None] = []
    client = reader._consumer._client
    update = client._metadata_update

    async def recorded(cluster, topics):  # type: ignore[no-untyped-def]
        asked.append(sorted(topics) if topics else None)
        return await update(cluster, topics)

    client._metadata_update = recorded
    try:
        tails = TopicTails(reader, per_topic=4)
        ends = {(topic, 0): 10, (topic, 1): 10}
        assert await tails.refresh(ends, {}) == 8
        newest = tails.tail(topic)
        assert len(newest) == 4
        assert {r.value for r in newest} <= {f"v{i}".encode() for i in range(12, 20)}
        probe = TimestampProbe(reader)
        stamps = await probe.timestamps({(topic, 0): 3, (topic, 1): 5})
        assert all(isinstance(stamp, int) for stamp in stamps.values())
        # Read again: nothing new to tail, and the timestamps come from the cache.
        assert await tails.refresh(ends, {}) == 0
        await probe.timestamps({(topic, 0): 3, (topic, 1): 5})
        assert probe.fetched == 2
    finally:
        await reader.close()
    assert asked, "the reader asked for no metadata at all"
    assert all(topics == [topic] for topics in asked), asked
