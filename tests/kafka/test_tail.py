"""The tail's group-less reader against the real broker: what it reads, that it
asks Kafka about the topics it reads and no others, and that it never makes the
cluster create a topic."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from kafka_helpers import create_topics, wait_for

from edaviz.kafka.admin import ClusterReader
from edaviz.kafka.broker import LocalBroker, free_port
from edaviz.kafka.connection import ConnectionSettings
from edaviz.kafka.tail import RangeReader, TimestampProbe, TopicTails


async def test_reader_reads_ranges_and_asks_only_for_its_topics(
    kafka_broker: LocalBroker, unique_name
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = unique_name("tailed")
    await create_topics(bootstrap, (topic, 2))
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


class AutoCreatingBroker(LocalBroker):
    """A broker that creates any topic a metadata request names (Kafka's own
    default, auto.create.topics.enable=true), unlike the test session's."""

    def _write_config(self, port: int, cport: int) -> Path:
        props = super()._write_config(port, cport)
        text = props.read_text(encoding="utf-8")
        props.write_text(
            text.replace(
                "auto.create.topics.enable=false", "auto.create.topics.enable=true"
            ),
            encoding="utf-8",
        )
        return props


async def test_no_topic_is_created_even_by_a_cluster_that_auto_creates(
    tmp_path: Path, unique_name
) -> None:
    broker = AutoCreatingBroker(data_dir=tmp_path / "kafka", port=free_port())
    bootstrap = await asyncio.to_thread(broker.start)
    topic, ghost = unique_name("doomed"), unique_name("ghost")
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, 1, 1)])
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
            await producer.start()
            try:
                await producer.send_and_wait(topic, b"v", partition=0)
            finally:
                await producer.stop()

            reader = RangeReader(ConnectionSettings(bootstrap=bootstrap))
            await reader.start()
            try:
                tails = TopicTails(reader, per_topic=4)
                assert await tails.refresh({(topic, 0): 1}, {}) == 1
                await admin.delete_topics([topic])
                await wait_for(lambda: _absent(admin, topic), message="topic deleted")
                # What the consumer does every metadata_max_age_ms, or at once
                # after a fetch error: ask again for the topics it was assigned.
                await reader._consumer._client.force_metadata_update()
                await asyncio.sleep(2.0)
            finally:
                await reader.close()

            cluster = ClusterReader(ConnectionSettings(bootstrap=bootstrap))
            await cluster.start()
            try:
                metas = await cluster.topics([topic, ghost])
            finally:
                await cluster.close()
            assert not metas[topic].exists and not metas[ghost].exists
            await asyncio.sleep(2.0)  # an auto-creation would be done by now
            listed = await admin.list_topics()
            assert topic not in listed and ghost not in listed
        finally:
            await admin.close()
    finally:
        await asyncio.to_thread(broker.stop)


async def _absent(admin: AIOKafkaAdminClient, topic: str) -> bool:
    return topic not in await admin.list_topics()
