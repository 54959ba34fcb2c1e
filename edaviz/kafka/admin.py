"""Batched, read-only cluster queries: topic partitions, offsets, groups.

One poll of a flow costs, whatever the traffic and the number of groups:

- 2 ListOffsets requests per partition leader (latest and earliest offsets);
- 1 DescribeGroups request per group coordinator, for all of its flow groups,
  and 1 ConsumerGroupDescribe per coordinator for the groups DescribeGroups
  calls Dead: groups of Kafka 4's consumer protocol (KIP-848) look so to it;
- 1 OffsetFetch request per group coordinator (v8, Kafka 3.0+; on older
  brokers one per group);
- 1 Metadata request for the flow's topics (auto-creation explicitly off) at
  most every `METADATA_MAX_AGE_S`, or at once after a stale-leader answer;
- FindCoordinator once per group, then only after the coordinator moves.

Nothing here joins a group, commits, creates a topic or produces.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.errors import IncompatibleBrokerVersion, KafkaError, for_code
from aiokafka.protocol.commit import OffsetFetchRequest
from aiokafka.protocol.coordination import FindCoordinatorRequest
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.protocol.offset import OffsetRequest

from edaviz.kafka.connection import ConnectionSettings, refuse_topic_creation
from edaviz.kafka.protocol import (
    ConsumerGroupDescribe,
    DescribeGroups,
    OffsetFetchGroups,
)
from edaviz.metrics.snapshot import MemberInfo

log = logging.getLogger(__name__)

TopicPart = tuple[str, int]
K = TypeVar("K")
V = TypeVar("V")

LATEST = -1
EARLIEST = -2

#: Topic metadata (partitions, leaders) is reused this long: it rarely changes,
#: and an offset request naming a moved leader refreshes it at once.
METADATA_MAX_AGE_S = 10.0

# Error codes that mean "ask again for the coordinator".
_COORDINATOR_MOVED = {14, 15, 16}  # LOAD_IN_PROGRESS, NOT_AVAILABLE, NOT_COORDINATOR


@dataclass(frozen=True, slots=True)
class TopicMeta:
    """A topic as the cluster metadata describes it."""

    name: str
    exists: bool
    leaders: dict[int, int] = field(default_factory=dict)
    """Leader broker id per partition (-1 while a partition has no leader)."""
    error: str | None = None

    @property
    def partitions(self) -> list[int]:
        """Partition numbers, ascending."""
        return sorted(self.leaders)


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A consumer group's state and members."""

    group: str
    state: str | None
    members: tuple[MemberInfo, ...] = ()
    error: str | None = None


class RequestCounter:
    """Counts the requests a Kafka client sends, by request class name."""

    def __init__(self) -> None:
        self.by_kind: Counter[str] = Counter()

    @property
    def total(self) -> int:
        """Requests sent so far."""
        return sum(self.by_kind.values())

    def wrap(self, client: Any) -> None:
        """Count every `client.send` from now on."""
        send = client.send

        async def counting_send(node_id: Any, request: Any, **kwargs: Any) -> Any:
            self.by_kind[type(request).__name__] += 1
            return await send(node_id, request, **kwargs)

        client.send = counting_send


class ClusterReader:
    """Read-only admin queries for one flow, batched per broker and coordinator."""

    def __init__(self, settings: ConnectionSettings) -> None:
        kwargs = settings.client_kwargs()
        self._admin = AIOKafkaAdminClient(**kwargs)
        self._client = self._admin._client
        refuse_topic_creation(self._client)
        self.requests = RequestCounter()
        self.requests.wrap(self._client)
        self._coordinators: dict[str, int] = {}
        self._finding: dict[str, asyncio.Future[int]] = {}
        self._batch_offset_fetch = True
        self._describe_consumer_groups = True
        """False once the cluster turned out to predate ConsumerGroupDescribe."""
        self._metadata: tuple[list[str], float, dict[str, TopicMeta]] | None = None

    async def start(self) -> None:
        """Connect to the bootstrap servers."""
        await self._admin.start()

    async def close(self) -> None:
        """Close every connection."""
        await self._admin.close()

    def _any_node(self) -> int | str:
        node = self._client.get_random_node()
        return node if node is not None else "bootstrap"

    async def topics(self, names: Iterable[str]) -> dict[str, TopicMeta]:
        """Partitions and leaders of `names`; missing topics are not created.

        Answers from a cache younger than `METADATA_MAX_AGE_S` unless an offset
        request since then named a stale leader.
        """
        wanted = sorted(set(names))
        if not wanted:
            return {}
        now = time.monotonic()
        cached = self._metadata
        if cached is not None and cached[0] == wanted and now < cached[1]:
            return cached[2]
        # aiokafka's own background refresh asks for the client's topics, and
        # for every topic of the cluster while it knows none.
        self._client.set_topics(wanted)
        result = await self._fetch_metadata(wanted)
        self._metadata = (wanted, now + METADATA_MAX_AGE_S, result)
        return result

    def forget_metadata(self) -> None:
        """Ask the cluster for topic metadata again on the next `topics` call."""
        self._metadata = None

    async def _fetch_metadata(self, wanted: list[str]) -> dict[str, TopicMeta]:
        request = MetadataRequest(wanted, allow_auto_topic_creation=False)
        response = await self._client.send(self._any_node(), request)
        result: dict[str, TopicMeta] = {}
        for entry in response.topics:
            error_code, name = entry[0], entry[1]
            partitions = entry[-1]
            if error_code:
                result[name] = TopicMeta(
                    name, exists=False, error=for_code(error_code).__name__
                )
                continue
            leaders = {p[1]: p[2] for p in partitions}
            result[name] = TopicMeta(name, exists=True, leaders=leaders)
        for name in wanted:
            result.setdefault(name, TopicMeta(name, exists=False))
        return result

    async def list_offsets(
        self, metas: Iterable[TopicMeta], which: int = LATEST
    ) -> dict[TopicPart, int]:
        """Latest (or earliest) offset of every partition, one request per leader."""
        by_leader: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for meta in metas:
            for partition, leader in meta.leaders.items():
                if leader >= 0:
                    by_leader[leader][meta.name].append((partition, which))
        answers = await asyncio.gather(
            *(
                self._client.send(leader, OffsetRequest(-1, 0, list(data.items())))
                for leader, data in by_leader.items()
            )
        )
        offsets: dict[TopicPart, int] = {}
        for response in answers:
            for topic, parts in response.topics:
                for part, error_code, *info in parts:
                    if error_code == 0 and info:
                        offsets[(topic, part)] = info[-1]
                    else:
                        # A moved leader or a deleted topic: refresh metadata.
                        self._metadata = None
                        log.debug(
                            "ListOffsets %s-%s: error %s", topic, part, error_code
                        )
        return offsets

    async def _coordinator(self, group: str) -> int:
        node = self._coordinators.get(group)
        if node is not None:
            return node
        # Concurrent callers for one group share a single FindCoordinator.
        finding = self._finding.get(group)
        if finding is None:
            finding = asyncio.ensure_future(self._find_coordinator(group))
            self._finding[group] = finding
        try:
            return await asyncio.shield(finding)
        finally:
            if finding.done():
                self._finding.pop(group, None)

    async def _find_coordinator(self, group: str) -> int:
        response = await self._client.send(
            self._any_node(), FindCoordinatorRequest(group, 0)
        )
        if response.error_code:
            raise for_code(response.error_code)(f"no coordinator for {group}")
        self._coordinators[group] = response.coordinator_id
        return response.coordinator_id

    async def describe_groups(self, groups: Iterable[str]) -> dict[str, GroupInfo]:
        """State and members of `groups`, one request per coordinator."""
        nodes, failed = await self._coordinators_of(sorted(set(groups)))
        result = {g: GroupInfo(g, None, error=e) for g, e in failed.items()}
        by_node: dict[int, list[str]] = defaultdict(list)
        for group, node in nodes.items():
            by_node[node].append(group)
        answers = await _per_node(
            {n: self._client.send(n, DescribeGroups(gs)) for n, gs in by_node.items()}
        )
        for node, response in answers.items():
            if isinstance(response, str):
                for group in by_node[node]:
                    self._coordinators.pop(group, None)
                    result[group] = GroupInfo(group, None, error=response)
                continue
            for (
                error_code,
                group,
                state,
                _ptype,
                _proto,
                members,
                *_,
            ) in response.groups:
                if error_code:
                    if error_code in _COORDINATOR_MOVED:
                        self._coordinators.pop(group, None)
                    error = for_code(error_code).__name__
                    result[group] = GroupInfo(group, None, error=error)
                    continue
                result[group] = GroupInfo(
                    group, state or None, tuple(_member(m) for m in members)
                )
        dead = [g for g, i in result.items() if i.state == "Dead" and not i.error]
        if dead and self._describe_consumer_groups:
            result.update(await self._consumer_groups({g: nodes[g] for g in dead}))
        return result

    async def _consumer_groups(self, nodes: dict[str, int]) -> dict[str, GroupInfo]:
        """Those of the groups that are on the consumer protocol, described."""
        by_node: dict[int, list[str]] = defaultdict(list)
        for group, node in nodes.items():
            by_node[node].append(group)
        answers = await _per_node(
            {
                n: self._client.send(n, ConsumerGroupDescribe(gs))
                for n, gs in by_node.items()
            }
        )
        found: dict[str, GroupInfo] = {}
        for response in answers.values():
            if isinstance(response, str):
                if response == IncompatibleBrokerVersion.__name__:
                    self._describe_consumer_groups = False
                continue
            for (
                error_code,
                _message,
                group,
                state,
                *_,
                members,
                _ops,
                _,
            ) in response.groups:
                # GROUP_ID_NOT_FOUND: a classic group after all, or none at all.
                if not error_code:
                    members = tuple(_consumer_member(m) for m in members)
                    found[group] = GroupInfo(group, state or None, members)
        return found

    async def committed(
        self, group: str, partitions: Iterable[TopicPart]
    ) -> dict[TopicPart, int | None]:
        """The group's committed offset per partition (None: no commit)."""
        by_topic: dict[str, list[int]] = defaultdict(list)
        for topic, partition in partitions:
            by_topic[topic].append(partition)
        if not by_topic:
            return {}
        node = await self._coordinator(group)
        request = OffsetFetchRequest(group, list(by_topic.items()))
        response = await self._client.send(node, request)
        top_error = getattr(response, "error_code", 0)
        if top_error:
            if top_error in _COORDINATOR_MOVED:
                self._coordinators.pop(group, None)
            raise for_code(top_error)(f"cannot fetch offsets of group {group}")
        result: dict[TopicPart, int | None] = {}
        for topic, parts in response.topics:
            for partition, offset, _metadata, error_code in parts:
                if error_code:
                    log.debug(
                        "OffsetFetch %s %s-%s: %s", group, topic, partition, error_code
                    )
                    continue
                result[(topic, partition)] = offset if offset >= 0 else None
        return result

    async def committed_many(
        self, wanted: dict[str, list[TopicPart]]
    ) -> tuple[dict[str, dict[TopicPart, int | None]], dict[str, str]]:
        """Committed offsets of several groups: one request per coordinator
        (OffsetFetch v8), or one per group on brokers older than Kafka 3.0.

        Also returns the groups that could not be read, with the error: one
        group's failure (an ACL, a moving coordinator) leaves the others be.
        """
        groups = [g for g, tps in wanted.items() if tps]
        result: dict[str, dict[TopicPart, int | None]] = {
            g: {} for g in wanted if g not in groups
        }
        if not groups:
            return result, {}
        nodes, errors = await self._coordinators_of(groups)
        if self._batch_offset_fetch:
            by_node: dict[int, dict[str, dict[str, list[int]]]] = defaultdict(dict)
            for group, node in nodes.items():
                topics: dict[str, list[int]] = defaultdict(list)
                for topic, partition in wanted[group]:
                    topics[topic].append(partition)
                by_node[node][group] = dict(topics)
            try:
                answers = await _per_node(
                    {
                        node: self._client.send(node, OffsetFetchGroups(batch))
                        for node, batch in by_node.items()
                    }
                )
            except NotImplementedError:
                log.info("broker predates OffsetFetch v8; asking group by group")
                self._batch_offset_fetch = False
            else:
                for node, response in answers.items():
                    if isinstance(response, str):
                        for group in by_node[node]:
                            self._coordinators.pop(group, None)
                            errors[group] = response
                        continue
                    offsets, failed = self._read_offset_groups(response)
                    result.update(offsets)
                    errors.update(failed)
                return result, errors
        one_by_one = {g: self.committed(g, wanted[g]) for g in nodes}
        answers, failed = await _settle(one_by_one)
        result.update(answers)
        errors.update(failed)
        return result, errors

    async def _coordinators_of(
        self, groups: list[str]
    ) -> tuple[dict[str, int], dict[str, str]]:
        """The coordinator of each group, and the groups whose lookup failed."""
        return await _settle({g: self._coordinator(g) for g in groups})

    def _read_offset_groups(
        self, response: Any
    ) -> tuple[dict[str, dict[TopicPart, int | None]], dict[str, str]]:
        result: dict[str, dict[TopicPart, int | None]] = {}
        errors: dict[str, str] = {}
        for group, topics, error_code, _tags in response.groups:
            if error_code:
                if error_code in _COORDINATOR_MOVED:
                    self._coordinators.pop(group, None)
                errors[group] = for_code(error_code).__name__
                continue
            offsets: dict[TopicPart, int | None] = {}
            for name, partitions, _ in topics:
                for partition, offset, _epoch, _meta, part_error, _ in partitions:
                    if part_error:
                        log.debug(
                            "OffsetFetch %s %s-%s: %s",
                            group,
                            name,
                            partition,
                            part_error,
                        )
                        continue
                    offsets[(name, partition)] = offset if offset >= 0 else None
            result[group] = offsets
        return result, errors


async def _settle(
    requests: Mapping[K, Awaitable[V]],
) -> tuple[dict[K, V], dict[K, str]]:
    """Await requests together: the answers, and the name of the Kafka error of
    each that failed with one. Other exceptions (an unsupported request version
    among them) propagate."""
    keys = list(requests)
    outcomes = await asyncio.gather(*requests.values(), return_exceptions=True)
    answers: dict[K, V] = {}
    errors: dict[K, str] = {}
    for key, outcome in zip(keys, outcomes, strict=True):
        if isinstance(outcome, KafkaError):
            log.debug("request for %s failed: %r", key, outcome)
            errors[key] = type(outcome).__name__
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            answers[key] = outcome
    return answers, errors


async def _per_node(requests: dict[int, Awaitable[Any]]) -> dict[int, Any]:
    """One request per broker: its answer, or the name of the Kafka error it
    failed with."""
    answers, errors = await _settle(requests)
    return {**answers, **errors}


def _member(raw: tuple) -> MemberInfo:
    member_id, client_id, host, _metadata, assignment = raw[:5]
    return MemberInfo(member_id, client_id, host, decode_assignment(assignment))


def _consumer_member(raw: tuple) -> MemberInfo:
    member_id, *_, client_id, host, _topics, _regex, assignment, _target, _ = raw
    partitions = sorted(
        (topic, p) for _id, topic, parts, _ in assignment[0] for p in parts
    )
    return MemberInfo(member_id, client_id, host, tuple(partitions))


def decode_assignment(data: bytes | None) -> tuple[tuple[str, int], ...]:
    """The (topic, partition) pairs of a consumer-protocol member assignment."""
    if not data:
        return ()
    try:
        decoded = ConsumerProtocolMemberAssignment.decode(data)
    except Exception:  # noqa: BLE001 - non-consumer protocols carry other bytes
        log.debug("member assignment is not in the consumer protocol format")
        return ()
    return tuple(
        sorted((topic, p) for topic, parts in decoded.assignment for p in parts)
    )
