"""Read-only tailing: the newest records of topics, and records at given offsets.

A consumer with no group id is assigned partitions by hand, seeks to where it
should read and stops at a known offset, then pauses its partitions so nothing
is fetched between reads. Its cost per read is bounded by the number of
records asked for, not by the topic's traffic. It never joins or commits, and
its metadata requests never let the cluster create a topic.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from edaviz.kafka.connection import ConnectionSettings, refuse_topic_creation
from edaviz.metrics.snapshot import TailRecord

log = logging.getLogger(__name__)

TopicPart = tuple[str, int]

#: Bytes of a key or value kept per tailed record (the display shows less).
VALUE_CAP = 16 * 1024

#: Headers kept per record, and bytes kept per header value.
MAX_HEADERS = 16
HEADER_CAP = 256

#: Records read per tail refresh across all topics: a flow of 200 topics with
#: 6 partitions each gets a few records per partition instead of 60 000.
TAIL_BUDGET = 2000

#: Bytes fetched per partition and request: Kafka still sends a whole record
#: batch when it is bigger, but a small cap keeps a tail read near the records
#: it asks for instead of decoding up to a megabyte of newer traffic.
FETCH_BYTES = 64 * 1024

#: Ranges longer than this many records (a drain, not a tail) fetch in bigger
#: pieces: fewer round trips matter more there than decoding a little extra.
LONG_RANGE = 1000
BULK_FETCH_BYTES = 1024 * 1024

#: Record timestamps cached for time lag, by (topic, partition, offset).
TIMESTAMP_CACHE = 4096


def to_tail_record(record: Any) -> TailRecord:
    """A bounded copy of an aiokafka ConsumerRecord."""
    key, value = record.key, record.value
    headers = record.headers
    if headers:
        headers = tuple(
            (str(name)[:HEADER_CAP], bytes(val or b"")[:HEADER_CAP])
            for name, val in headers[:MAX_HEADERS]
        )
    return TailRecord(
        record.partition,
        record.offset,
        record.timestamp if record.timestamp >= 0 else None,
        # Slicing a short bytes value returns it as is: no copy on the hot path.
        None if key is None else key[:VALUE_CAP],
        None if value is None else value[:VALUE_CAP],
        headers or (),
        0 if value is None else len(value),
    )


class RangeReader:
    """Reads offset ranges of partitions with a group-less consumer."""

    def __init__(
        self, settings: ConnectionSettings, *, max_fetch_bytes: int = FETCH_BYTES
    ) -> None:
        kwargs = settings.client_kwargs()
        self._consumer = AIOKafkaConsumer(
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=max_fetch_bytes,
            fetch_max_wait_ms=100,
            **kwargs,
        )
        refuse_topic_creation(self._consumer._client)
        self.records_read = 0
        """Records received so far (including ones outside the ranges asked)."""

    async def start(self) -> None:
        """Connect to the cluster."""
        await self._consumer.start()

    async def close(self) -> None:
        """Close the consumer."""
        await self._consumer.stop()

    async def read(
        self,
        ranges: Mapping[TopicPart, tuple[int, int]],
        *,
        timeout: float = 2.0,
        convert: bool = True,
        first_only: bool = False,
        keep_last: int | None = None,
    ) -> dict[TopicPart, list[Any]]:
        """Records with start <= offset < stop per partition, oldest first.

        Stops at `timeout` with what it has. With `convert`, records come back
        as bounded `TailRecord`s, otherwise as aiokafka records. With
        `first_only`, each partition gives just its first record at or after
        start (compaction may have removed the one at start). With `keep_last`,
        only the newest that many records per partition are kept (and
        converted): a ring buffer, so a long range costs no memory.
        """
        todo = {tp: r for tp, r in ranges.items() if r[1] > r[0]}
        kept: dict[TopicPart, deque[Any]] = {tp: deque(maxlen=keep_last) for tp in todo}
        if not todo:
            return {}
        consumer = self._consumer
        longest = max(stop - start for start, stop in todo.values())
        self._set_fetch_bytes(
            FETCH_BYTES if longest <= LONG_RANGE else BULK_FETCH_BYTES
        )
        tps = {tp: TopicPartition(*tp) for tp in todo}
        consumer.assign(list(tps.values()))
        for tp, (start, _stop) in todo.items():
            consumer.seek(tps[tp], start)
        pending = set(todo)
        deadline = time.monotonic() + timeout
        try:
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                batch = await consumer.getmany(
                    *(tps[tp] for tp in pending), timeout_ms=int(remaining * 1000)
                )
                for kafka_tp, records in batch.items():
                    tp = (kafka_tp.topic, kafka_tp.partition)
                    self.records_read += len(records)
                    if tp not in pending:
                        continue
                    start, stop = todo[tp]
                    if first_only:
                        keep = [r for r in records if r.offset >= start][:1]
                    else:
                        keep = [r for r in records if start <= r.offset < stop]
                    kept[tp].extend(keep)
                    if (first_only and keep) or (
                        records and records[-1].offset >= stop - 1
                    ):
                        pending.discard(tp)
                if not batch:
                    await self._drop_finished(pending, todo, tps)
        finally:
            # Paused between reads, so nothing is prefetched in the background.
            # Not unsubscribed: aiokafka then asks for every topic's metadata.
            consumer.pause(*consumer.assignment())
        if not convert:
            return {tp: list(records) for tp, records in kept.items()}
        return {
            tp: [to_tail_record(r) for r in records] for tp, records in kept.items()
        }

    def _set_fetch_bytes(self, size: int) -> None:
        # aiokafka fixes the per-partition fetch size at construction and has no
        # public setter; the fetcher reads this attribute for every request.
        fetcher = getattr(self._consumer, "_fetcher", None)
        if fetcher is not None and hasattr(fetcher, "_max_partition_fetch_bytes"):
            fetcher._max_partition_fetch_bytes = size

    async def _drop_finished(
        self,
        pending: set[TopicPart],
        todo: Mapping[TopicPart, tuple[int, int]],
        tps: Mapping[TopicPart, TopicPartition],
    ) -> None:
        # Compaction and transaction markers leave gaps: the position can pass
        # the range's end without a record at stop - 1.
        for tp in list(pending):
            try:
                position = await asyncio.wait_for(self._consumer.position(tps[tp]), 0.5)
            except Exception:  # noqa: BLE001 - unknown yet: asked again next round
                continue
            if position >= todo[tp][1]:
                pending.discard(tp)


class TopicTails:
    """Bounded ring buffers of each topic's newest records, refreshed on demand."""

    def __init__(self, reader: RangeReader, per_topic: int = 50) -> None:
        self._reader = reader
        self.per_topic = per_topic
        self._buffers: dict[str, deque[TailRecord]] = {}
        self._next: dict[TopicPart, int] = {}

    def tail(self, topic: str) -> tuple[TailRecord, ...]:
        """The newest records of `topic`, newest first."""
        buffer = self._buffers.get(topic)
        return tuple(reversed(buffer)) if buffer else ()

    async def refresh(
        self,
        ends: Mapping[TopicPart, int],
        starts: Mapping[TopicPart, int],
        *,
        timeout: float = 1.0,
    ) -> int:
        """Read what is new since the last refresh (at most the last N per
        partition, and `TAIL_BUDGET` in all); return the records read."""
        if self.per_topic <= 0 or not ends:
            return 0
        per_partition = max(1, min(self.per_topic, TAIL_BUDGET // len(ends)))
        ranges: dict[TopicPart, tuple[int, int]] = {}
        for tp, end in ends.items():
            start = max(end - per_partition, starts.get(tp, 0), 0)
            seen = self._next.get(tp)
            if seen is not None and seen <= end:
                start = max(start, seen)
            if end > start:
                ranges[tp] = (start, end)
            self._next[tp] = end
        got = await self._reader.read(ranges, timeout=timeout, keep_last=per_partition)
        for topic, records in _newest_by_topic(got).items():
            buffer = self._buffers.setdefault(topic, deque(maxlen=self.per_topic))
            buffer.extend(records)
        return sum(len(r) for r in got.values())

    def forget(self, topics: Iterable[str]) -> None:
        """Drop the buffers of topics that disappeared."""
        for topic in topics:
            self._buffers.pop(topic, None)
            for tp in [tp for tp in self._next if tp[0] == topic]:
                del self._next[tp]


def _newest_by_topic(
    got: Mapping[TopicPart, list[TailRecord]],
) -> dict[str, list[TailRecord]]:
    merged: dict[str, list[TailRecord]] = {}
    for (topic, _partition), records in got.items():
        merged.setdefault(topic, []).extend(records)
    for records in merged.values():
        records.sort(key=lambda r: (r.timestamp_ms or 0, r.offset))
    return merged


class TimestampProbe:
    """Timestamps of the records at given offsets, cached (bounded LRU)."""

    def __init__(self, reader: RangeReader, size: int = TIMESTAMP_CACHE) -> None:
        self._reader = reader
        self._cache: OrderedDict[tuple[str, int, int], int | None] = OrderedDict()
        self._size = size
        self.fetched = 0
        """Partitions read from Kafka so far (cache misses)."""

    async def timestamps(
        self, offsets: Mapping[TopicPart, int], *, timeout: float = 1.0
    ) -> dict[TopicPart, int | None]:
        """Timestamp (ms) of the first record at or after each offset."""
        result: dict[TopicPart, int | None] = {}
        missing: dict[TopicPart, tuple[int, int]] = {}
        for tp, offset in offsets.items():
            key = (tp[0], tp[1], offset)
            if key in self._cache:
                self._cache.move_to_end(key)
                result[tp] = self._cache[key]
            else:
                missing[tp] = (offset, offset + 1)
        if missing:
            self.fetched += len(missing)
            got = await self._reader.read(missing, timeout=timeout, first_only=True)
            for tp, records in got.items():
                stamp = records[0].timestamp_ms if records else None
                result[tp] = stamp
                if records:
                    self._remember((tp[0], tp[1], missing[tp][0]), stamp)
        return result

    def has(self, key: tuple[str, int, int]) -> bool:
        """Whether (topic, partition, offset) has been read already."""
        return key in self._cache

    def cached(self, key: tuple[str, int, int]) -> int | None:
        """A cached timestamp for (topic, partition, offset), or None."""
        return self._cache.get(key)

    def _remember(self, key: tuple[str, int, int], value: int | None) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
