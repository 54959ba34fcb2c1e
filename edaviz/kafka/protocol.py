"""Kafka requests that aiokafka does not offer in the form edaviz needs.

- DescribeGroups v3 for many groups in one request;
- OffsetFetch v8, the committed offsets of many groups in one request;
- ConsumerGroupDescribe v0, the state and members of groups of Kafka 4's
  consumer protocol (KIP-848), which DescribeGroups calls Dead.

Each is a `Request` whose `build` gives the versioned struct to send; the
response classes decode the broker's answer.
"""

from __future__ import annotations

from io import BytesIO

from aiokafka.protocol.abstract import AbstractType
from aiokafka.protocol.admin import (
    DescribeGroupsRequest_v3,
    DescribeGroupsResponse_v3,
)
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    Boolean,
    CompactArray,
    CompactString,
    Int16,
    Int32,
    Int64,
    Schema,
    TaggedFields,
)


class _DescribeGroupsV3(DescribeGroupsRequest_v3):
    # aiokafka 0.14 decodes a v3 answer with the v2 layout, which misreads every
    # group after the first; this pairs v3 with its own response layout.
    RESPONSE_TYPE = DescribeGroupsResponse_v3


class DescribeGroups(Request[_DescribeGroupsV3]):
    """DescribeGroups v3 for many groups in one request."""

    API_KEY = 15

    def __init__(self, groups: list[str]) -> None:
        self._groups = groups

    def build(self, request_struct_class: type[_DescribeGroupsV3]) -> _DescribeGroupsV3:
        """The request body: the groups, without authorized operations."""
        return request_struct_class(self._groups, False)


class _OffsetFetchResponseV8(Response):
    API_KEY = 9
    API_VERSION = 8
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "groups",
            CompactArray(
                ("group_id", CompactString("utf-8")),
                (
                    "topics",
                    CompactArray(
                        ("name", CompactString("utf-8")),
                        (
                            "partitions",
                            CompactArray(
                                ("partition_index", Int32),
                                ("committed_offset", Int64),
                                ("committed_leader_epoch", Int32),
                                ("metadata", CompactString("utf-8")),
                                ("error_code", Int16),
                                ("tags", TaggedFields),
                            ),
                        ),
                        ("tags", TaggedFields),
                    ),
                ),
                ("error_code", Int16),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _OffsetFetchV8(RequestStruct):
    # OffsetFetch v8 (Kafka 3.0+, KIP-709) asks for many groups at once;
    # aiokafka 0.14 only speaks v1-v3, one group per request.
    FLEXIBLE_VERSION = True
    API_KEY = 9
    API_VERSION = 8
    RESPONSE_TYPE = _OffsetFetchResponseV8
    SCHEMA = Schema(
        (
            "groups",
            CompactArray(
                ("group_id", CompactString("utf-8")),
                (
                    "topics",
                    CompactArray(
                        ("name", CompactString("utf-8")),
                        ("partition_indexes", CompactArray(Int32)),
                        ("tags", TaggedFields),
                    ),
                ),
                ("tags", TaggedFields),
            ),
        ),
        ("require_stable", Boolean),
        ("tags", TaggedFields),
    )


class OffsetFetchGroups(Request[_OffsetFetchV8]):
    """OffsetFetch for several groups of one coordinator in one request."""

    API_KEY = 9

    def __init__(self, wanted: dict[str, dict[str, list[int]]]) -> None:
        self._wanted = wanted

    def build(self, request_struct_class: type[_OffsetFetchV8]) -> _OffsetFetchV8:
        """The request body: per group, its topics and partitions."""
        groups = [
            (group, [(t, parts, {}) for t, parts in topics.items()], {})
            for group, topics in self._wanted.items()
        ]
        return request_struct_class(groups, False, {})


class _Uuid(AbstractType[bytes]):
    """A 16-byte UUID (a topic id), kept as bytes."""

    @classmethod
    def encode(cls, value: bytes) -> bytes:
        """The 16 bytes as they are."""
        return value

    @classmethod
    def decode(cls, data: BytesIO) -> bytes:
        """The next 16 bytes."""
        return data.read(16)


_TEXT = CompactString("utf-8")
_ASSIGNMENT = Schema(
    (
        "topic_partitions",
        CompactArray(
            ("topic_id", _Uuid),
            ("topic_name", _TEXT),
            ("partitions", CompactArray(Int32)),
            ("tags", TaggedFields),
        ),
    ),
    ("tags", TaggedFields),
)


class _ConsumerGroupDescribeResponseV0(Response):
    API_KEY = 69
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "groups",
            CompactArray(
                ("error_code", Int16),
                ("error_message", _TEXT),
                ("group_id", _TEXT),
                ("group_state", _TEXT),
                ("group_epoch", Int32),
                ("assignment_epoch", Int32),
                ("assignor_name", _TEXT),
                (
                    "members",
                    CompactArray(
                        ("member_id", _TEXT),
                        ("instance_id", _TEXT),
                        ("rack_id", _TEXT),
                        ("member_epoch", Int32),
                        ("client_id", _TEXT),
                        ("client_host", _TEXT),
                        ("subscribed_topic_names", CompactArray(_TEXT)),
                        ("subscribed_topic_regex", _TEXT),
                        ("assignment", _ASSIGNMENT),
                        ("target_assignment", _ASSIGNMENT),
                        ("tags", TaggedFields),
                    ),
                ),
                ("authorized_operations", Int32),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _ConsumerGroupDescribeV0(RequestStruct):
    # ConsumerGroupDescribe (Kafka 4.0+, KIP-848): state and members of groups
    # on the consumer protocol, which DescribeGroups reports as Dead.
    FLEXIBLE_VERSION = True
    API_KEY = 69
    API_VERSION = 0
    RESPONSE_TYPE = _ConsumerGroupDescribeResponseV0
    SCHEMA = Schema(
        ("group_ids", CompactArray(_TEXT)),
        ("include_authorized_operations", Boolean),
        ("tags", TaggedFields),
    )


class ConsumerGroupDescribe(Request[_ConsumerGroupDescribeV0]):
    """ConsumerGroupDescribe for many groups of one coordinator."""

    API_KEY = 69

    def __init__(self, groups: list[str]) -> None:
        self._groups = groups

    def build(
        self, request_struct_class: type[_ConsumerGroupDescribeV0]
    ) -> _ConsumerGroupDescribeV0:
        """The request body: the groups, without authorized operations."""
        return request_struct_class(self._groups, False, {})
