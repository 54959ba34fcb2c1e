"""The flow model: events, the handlers between them, and the flow that holds both.

These pydantic models are the checked, typed form of a flow file (format v1). The
loader (`edaviz.core.loader`) turns YAML into them and maps every validation
problem back to a `file:line:col`; the rest of edaviz only ever sees these.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

#: The characters of an id of an event or handler (what the flow file uses to
#: refer to them), to match against a whole string (`re.fullmatch`).
ID_CHARS = r"[A-Za-z0-9._-]+"

#: `ID_CHARS` anchored, for the model and the JSON Schema. Its `$` ends the text
#: there (Rust and ECMA regexes); Python's `re` lets it match before a final
#: newline, so Python code uses `ID_CHARS` with `fullmatch`.
ID_PATTERN = f"^{ID_CHARS}$"

#: Longest id: Kafka's limit for a topic name, as an id is the default topic.
ID_MAX_LENGTH = 249

#: The flow file format versions this release reads.
SUPPORTED_VERSIONS = (1,)

NodeId = Annotated[
    str, Strict(), Field(pattern=ID_PATTERN, min_length=1, max_length=ID_MAX_LENGTH)
]

#: Event ids in `consumes:` / `produces:`. A YAML list arrives as a Python list,
#: which a strict tuple refuses; the entries themselves stay strict.
EventRefs = Annotated[tuple[NodeId, ...], Field(strict=False)]


class _Strict(BaseModel):
    """Base for flow models: unknown fields are errors, types are not converted
    (`"3"` is no number, `1` no boolean; a whole number is a float), instances
    are frozen."""

    # Attribute docstrings become field descriptions in `edaviz schema`.
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
        # A rate or delay of .inf or .nan is no setting anyone means.
        allow_inf_nan=False,
    )


class ClusterSettings(_Strict):
    """The flow's default Kafka connection; CLI flags and the environment win."""

    bootstrap: str | None = None
    """Bootstrap servers, `host:port[,host:port...]`."""


class SimulationSettings(_Strict):
    """How `edaviz simulate` plays a handler; ignored by everything else."""

    rate: float | None = Field(default=None, gt=0)
    """Events per second a source handler produces (default: the --rate flag)."""

    delay_ms: float = Field(default=0.0, ge=0)
    """Processing time per event, in milliseconds; makes lag build up."""

    failure_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of events that fail: routed to the handler's last produced event."""

    drop_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of events consumed and then dropped without producing anything."""

    paused: bool = False
    """Start without consuming (the group exists but does not move)."""


class Event(_Strict):
    """An event type, carried by one Kafka topic."""

    id: NodeId = Field(exclude=True)
    """The event's id in the flow file (the key under `events:`)."""

    topic: str = ""
    """The Kafka topic; defaults to the event id."""

    partitions: int | None = Field(default=None, ge=1, le=10_000)
    """Partition count used when edaviz itself creates the topic."""

    schema_: str | None = Field(default=None, alias="schema")
    """Path of a schema for the payload, relative to the flow file."""

    description: str | None = None
    """What happened in the world when this event is produced."""

    @model_validator(mode="after")
    def _default_topic(self) -> Event:
        if not self.topic:
            object.__setattr__(self, "topic", self.id)
        return self


class Handler(_Strict):
    """A service that consumes events and produces others: one consumer group."""

    id: NodeId = Field(exclude=True)
    """The handler's id in the flow file (the key under `handlers:`)."""

    group: str = ""
    """The consumer group id; defaults to the handler id."""

    consumes: EventRefs = ()
    """Events this handler reads (edges event -> handler)."""

    produces: EventRefs = ()
    """Events this handler writes (edges handler -> event)."""

    owner: str | None = None
    """The team that runs the handler."""

    description: str | None = None
    """What the handler does."""

    simulate: SimulationSettings = SimulationSettings()
    """Knobs for `edaviz simulate`."""

    @model_validator(mode="after")
    def _default_group(self) -> Handler:
        if not self.group:
            object.__setattr__(self, "group", self.id)
        return self

    @property
    def is_source(self) -> bool:
        """True when the handler consumes nothing (it only produces)."""
        return not self.consumes

    @property
    def is_sink(self) -> bool:
        """True when the handler produces nothing."""
        return not self.produces


class Flow(_Strict):
    """A whole flow file: the events, the handlers and the flow's metadata."""

    edaviz: Literal[1]
    """Format version of the file."""

    name: str = Field(min_length=1)
    """The flow's name, shown in titles and exports."""

    description: str | None = None
    """What the flow does, end to end."""

    cluster: ClusterSettings = ClusterSettings()
    """Default connection for watching and simulating this flow."""

    events: dict[NodeId, Event] = Field(default_factory=dict)
    """Events by id, in file order."""

    handlers: dict[NodeId, Handler] = Field(default_factory=dict)
    """Handlers by id, in file order."""

    @model_validator(mode="before")
    @classmethod
    def _inject_ids(cls, data: object) -> object:
        """Copy each mapping key into its item as `id`, so items know their name."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for section in ("events", "handlers"):
            items = data.get(section)
            if isinstance(items, dict):
                data[section] = {
                    key: ({**value, "id": key} if isinstance(value, dict) else value)
                    if value is not None
                    else {"id": key}
                    for key, value in items.items()
                }
        return data

    def event_by_topic(self, topic: str) -> Event | None:
        """The event carried by `topic`, if any."""
        for event in self.events.values():
            if event.topic == topic:
                return event
        return None

    def producers_of(self, event_id: str) -> list[Handler]:
        """Handlers that produce `event_id`, in file order."""
        return [h for h in self.handlers.values() if event_id in h.produces]

    def consumers_of(self, event_id: str) -> list[Handler]:
        """Handlers that consume `event_id`, in file order."""
        return [h for h in self.handlers.values() if event_id in h.consumes]
