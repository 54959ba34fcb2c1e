"""Checks a flow: the shape of every field (pydantic) and the meaning of the whole.

`check_data` takes plain data and its `PositionMap` (from `edaviz.core.source`) and
returns the model, when the shape is right, plus diagnostics that point at the
offending key, value or list entry. The semantic checks read the plain data, not
the model, so a wrong type in one place does not hide a cycle in another.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import BaseModel, ValidationError

from edaviz.core.diagnostics import (
    ID_RULE,
    Diagnostic,
    NodeRef,
    Severity,
    describe_pydantic_error,
    show_value,
    tidy,
)
from edaviz.core.flow import (
    ID_CHARS,
    ID_MAX_LENGTH,
    SUPPORTED_VERSIONS,
    ClusterSettings,
    Event,
    Flow,
    Handler,
    SimulationSettings,
)
from edaviz.core.source import DataPath, PositionMap, from_document

log = logging.getLogger(__name__)

#: Kafka's rules for topic names (`org.apache.kafka.common.internals.Topic`),
#: to match against the whole name: `re.fullmatch`, as `$` would let a final
#: newline through.
TOPIC_PATTERN = re.compile(r"[a-zA-Z0-9._-]+")
TOPIC_MAX_LENGTH = 249

_ID = re.compile(ID_CHARS)

_SECTIONS = {"events": "event", "handlers": "handler"}

#: Said after the name of a missing required field, by its data path.
_MISSING_HINTS = {("edaviz",): " (the format version; add `edaviz: 1`)"}


@dataclass
class _Report:
    """Collects diagnostics for one file."""

    path: str
    positions: PositionMap
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        where: DataPath,
        message: str,
        *,
        severity: Severity = "error",
        value: bool = False,
        node: NodeRef | None = None,
        edge: tuple[str, str] | None = None,
    ) -> None:
        line, col = self.positions.nearest(where, prefer_key=not value)
        self.diagnostics.append(
            Diagnostic(self.path, line, col, severity, message, node=node, edge=edge)
        )


def check_data(
    data: Any, positions: PositionMap, path: str
) -> tuple[Flow | None, list[Diagnostic]]:
    """Validate plain flow data: the model (None if its shape is wrong) and the
    diagnostics, unsorted."""
    report = _Report(path, positions)
    if not isinstance(data, dict):
        report.add((), "a flow file must be a mapping of fields")
        return None, report.diagnostics
    if not _check_version(data, report):
        return None, report.diagnostics

    model = _check_shape(data, report)
    if model is None and not any(d.is_error for d in report.diagnostics):
        # Every way the model can refuse data should have been explained above.
        report.add((), "the flow does not match format v1")
    _check_semantics(data, report, base=Path(path).parent if _is_file(path) else None)
    return model, report.diagnostics


def validate_document(
    document: Any, path: str = "<memory>", positions: PositionMap | None = None
) -> list[Diagnostic]:
    """Diagnostics for an in-memory ruamel document, e.g. after an edit, in file
    order. Positions come from the document's own line/column marks unless
    given."""
    source = from_document(document, path)
    if source.fatal:
        return source.diagnostics
    _, diagnostics = check_data(source.data, positions or source.positions, path)
    return tidy(diagnostics)


def did_you_mean(word: str, choices: list[str]) -> str:
    """`; did you mean 'x'?` for the closest choice, or an empty string."""
    close = _closest(word, choices)
    return f"; did you mean {close!r}?" if close is not None else ""


def _closest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _is_id(text: str) -> bool:
    """True when `text` is a well-formed event or handler id."""
    return len(text) <= ID_MAX_LENGTH and _ID.fullmatch(text) is not None


def _is_file(path: str) -> bool:
    return not (path.startswith("<") and path.endswith(">"))


def _check_version(data: dict[str, Any], report: _Report) -> bool:
    if "edaviz" not in data:
        return True  # reported with any other missing field by _check_shape
    version = data["edaviz"]
    if type(version) is int and version in SUPPORTED_VERSIONS:
        return True
    supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
    if version is None:
        message = (
            f"the format version is empty; this edaviz reads version {supported} "
            f"(write `edaviz: {SUPPORTED_VERSIONS[-1]}`)"
        )
    else:
        message = (
            f"unsupported format version {show_value(version)}; this edaviz reads "
            f"version {supported}"
        )
        if isinstance(version, str) and version.strip() in map(str, SUPPORTED_VERSIONS):
            message += " (a number: write it without quotes)"
    # An empty value has no place of its own (parsers put it at the next token).
    report.add(("edaviz",), message, value=version is not None)
    return False


def _check_shape(data: dict[str, Any], report: _Report) -> Flow | None:
    _check_written_ids(data, report)
    try:
        return Flow.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    missing: dict[tuple[Any, ...], list[str]] = {}
    misspelt: set[tuple[Any, ...]] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "missing":
            missing.setdefault(loc[:-1], []).append(str(loc[-1]))
        elif error["type"] == "extra_forbidden":
            meant = _closest(str(loc[-1]), _field_names(_model_at(loc[:-1])))
            if meant is not None:
                misspelt.add((*loc[:-1], meant))
    # Missing fields first: where an unknown key sits at the same place (the
    # first key of the mapping), the one error kept there is the key's own.
    for owner, names in missing.items():
        # `nme: x` says "did you mean 'name'?"; "missing 'name'" would repeat it.
        unexplained = [name for name in names if (*owner, name) not in misspelt]
        if unexplained:
            _report_missing(owner, unexplained, report)
    for error in errors:
        if error["type"] != "missing":
            _report_pydantic_error(error, data, report)
    return None


def _report_missing(owner: tuple[Any, ...], names: list[str], report: _Report) -> None:
    """One diagnostic for all the fields missing from one mapping: each would
    point at the mapping, where only one error is kept."""
    fields = [f"{name!r}{_MISSING_HINTS.get((*owner, name), '')}" for name in names]
    listed = (
        fields[0] if len(fields) == 1 else f"{', '.join(fields[:-1])} and {fields[-1]}"
    )
    plural = "" if len(fields) == 1 else "s"
    report.add(
        owner,
        f"missing required field{plural} {listed}{_owner_text(owner)}",
        node=_node_of(owner),
    )


def _check_written_ids(data: dict[str, Any], report: _Report) -> None:
    """An `id:` field is ignored by the model (the key is the id): reject it."""
    for section, kind in _SECTIONS.items():
        items = data.get(section)
        if not isinstance(items, dict):
            continue
        for item_id, item in items.items():
            if isinstance(item, dict) and "id" in item:
                report.add(
                    (section, item_id, "id"),
                    f"unknown field 'id' in {kind} {item_id!r}: the {kind}'s id is "
                    f"its key under `{section}:`",
                    node=(kind, item_id),
                )


def _report_pydantic_error(
    error: dict[str, Any], data: dict[str, Any], report: _Report
) -> None:
    loc = tuple(error["loc"])
    kind = error["type"]
    if loc == ("edaviz",) and kind == "literal_error":
        return  # reported by _check_version
    node = _node_of(loc)
    if len(loc) == 3 and loc[0] in _SECTIONS and loc[2] == "id":
        return  # the key itself was checked as `[key]`; one diagnostic is enough
    if loc and loc[-1] == "[key]":
        where = loc[:-1]
        message = describe_pydantic_error(error, label=f"{_SECTIONS[loc[0]]} id")
        report.add(where, message, node=node)
        return
    if kind == "extra_forbidden":
        name = str(loc[-1])
        choices = _field_names(_model_at(loc[:-1]))
        owner = _owner_text(loc[:-1])
        report.add(
            loc,
            f"unknown field {name!r}{owner}{did_you_mean(name, choices)}",
            node=node,
        )
        return
    if kind == "string_pattern_mismatch" and isinstance(loc[-1], int):
        # A malformed reference: name the list it sits in, not its index.
        message = (
            f"event id {error.get('input')!r}{_owner_text(loc[:-1])} is not "
            f"valid: {ID_RULE}"
        )
        report.add(loc, message, value=True, node=node)
        return
    message = describe_pydantic_error(error, label=_label(loc))
    report.add(loc, message, value=True, node=node)


def _node_of(loc: tuple[Any, ...]) -> NodeRef | None:
    if len(loc) >= 2 and loc[0] in _SECTIONS and isinstance(loc[1], str):
        return (_SECTIONS[loc[0]], loc[1])  # type: ignore[return-value]
    return None


def _label(loc: tuple[Any, ...]) -> str:
    if len(loc) == 2 and loc[0] in _SECTIONS:
        return f"{_SECTIONS[loc[0]]} {loc[1]!r}"
    if len(loc) == 1:
        return str(loc[0])
    if isinstance(loc[-1], int):
        return f"entry {loc[-1] + 1} of {loc[-2]!r}{_owner_text(loc[:-2])}"
    return f"{loc[-1]!r}{_owner_text(loc[:-1])}"


def _owner_text(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] in _SECTIONS:
        inner = " ".join(str(part) for part in loc[2:])
        prefix = f" in {inner} of" if inner else " in"
        return f"{prefix} {_SECTIONS[loc[0]]} {loc[1]!r}"
    if loc:
        return f" in {'.'.join(str(part) for part in loc)}"
    return ""


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    if loc == ():
        return Flow
    if loc == ("cluster",):
        return ClusterSettings
    if len(loc) == 2 and loc[0] == "events":
        return Event
    if len(loc) == 2 and loc[0] == "handlers":
        return Handler
    if len(loc) == 3 and loc[0] == "handlers" and loc[2] == "simulate":
        return SimulationSettings
    return None


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [
        info.alias or name for name, info in model.model_fields.items() if name != "id"
    ]


# --- semantic checks ---------------------------------------------------------


@dataclass
class _Refs:
    """The parts of a flow the semantic checks need, read tolerantly."""

    events: dict[str, dict[str, Any]]
    handlers: dict[str, dict[str, Any]]
    edges: dict[str, dict[str, list[tuple[int, str]]]]


def _read_refs(data: dict[str, Any]) -> _Refs:
    def section(name: str) -> dict[str, dict[str, Any]]:
        items = data.get(name)
        if not isinstance(items, dict):
            return {}
        return {
            str(key): value if isinstance(value, dict) else {}
            for key, value in items.items()
        }

    events = section("events")
    handlers = section("handlers")
    edges: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for handler_id, handler in handlers.items():
        edges[handler_id] = {}
        for direction in ("consumes", "produces"):
            refs = handler.get(direction)
            entries = refs if isinstance(refs, list) else []
            # Malformed ids already have a diagnostic from the model.
            edges[handler_id][direction] = [
                (index, ref)
                for index, ref in enumerate(entries)
                if isinstance(ref, str) and (ref in events or _is_id(ref))
            ]
    return _Refs(events, handlers, edges)


def _check_semantics(data: dict[str, Any], report: _Report, base: Path | None) -> None:
    refs = _read_refs(data)
    _check_references(refs, report)
    _check_topics(refs, report)
    _check_groups(refs, report)
    _check_cycles(refs, report)
    _check_unconnected(refs, report)
    if base is not None:
        _check_schema_files(refs, report, base)


def _check_references(refs: _Refs, report: _Report) -> None:
    event_ids = list(refs.events)
    for handler_id, directions in refs.edges.items():
        for direction, entries in directions.items():
            seen: set[str] = set()
            for index, ref in entries:
                where = ("handlers", handler_id, direction, index)
                edge = (
                    (ref, handler_id) if direction == "consumes" else (handler_id, ref)
                )
                node: NodeRef = ("handler", handler_id)
                if ref in seen:
                    report.add(
                        where,
                        f"{ref!r} is listed twice in {direction} of handler "
                        f"{handler_id!r}",
                        severity="warning",
                        node=node,
                        edge=edge,
                    )
                seen.add(ref)
                if ref in refs.events:
                    continue
                verb = "consume" if direction == "consumes" else "produce"
                if ref in refs.handlers:
                    message = (
                        f"{ref!r} is a handler, not an event: handler "
                        f"{handler_id!r} can only {verb} events"
                    )
                else:
                    message = (
                        f"undefined event {ref!r} in {direction} of handler "
                        f"{handler_id!r}{did_you_mean(ref, event_ids)}"
                    )
                report.add(where, message, node=node, edge=edge)


def _topic_problem(topic: str) -> str | None:
    if topic in (".", ".."):
        return "'.' and '..' are not allowed"
    if len(topic) > TOPIC_MAX_LENGTH:
        return f"it is longer than {TOPIC_MAX_LENGTH} characters"
    if not TOPIC_PATTERN.fullmatch(topic):
        return ID_RULE
    return None


def _check_topics(refs: _Refs, report: _Report) -> None:
    by_topic: dict[str, str] = {}
    by_metric_name: dict[str, tuple[str, str]] = {}
    for event_id, event in refs.events.items():
        explicit = isinstance(event.get("topic"), str) and bool(event["topic"])
        if not explicit and not _is_id(event_id):
            continue  # the malformed id has its own diagnostic
        topic = event["topic"] if explicit else event_id
        where = ("events", event_id, "topic") if explicit else ("events", event_id)
        node: NodeRef = ("event", event_id)

        problem = _topic_problem(topic)
        if problem is not None:
            subject = "" if explicit else f" (the id of event {event_id!r})"
            report.add(
                where,
                f"illegal Kafka topic name {_short(topic)}{subject}: {problem}",
                value=explicit,
                node=node,
            )
            continue

        if topic in by_topic:
            first = by_topic[topic]
            line = report.positions.nearest(("events", first))[0]
            report.add(
                where,
                f"topic {topic!r} of event {event_id!r} is already used by event "
                f"{first!r} (line {line}); each event needs its own topic",
                value=explicit,
                node=node,
            )
            continue
        by_topic[topic] = event_id

        # Kafka refuses topics that differ only in '.' versus '_': their metric
        # names collide.
        metric_name = topic.replace(".", "_")
        if metric_name in by_metric_name:
            other_topic, other_event = by_metric_name[metric_name]
            line = report.positions.nearest(("events", other_event))[0]
            report.add(
                where,
                f"topic {topic!r} collides with topic {other_topic!r} of event "
                f"{other_event!r} (line {line}): Kafka treats '.' and '_' alike",
                value=explicit,
                node=node,
            )
            continue
        by_metric_name[metric_name] = (topic, event_id)


def _check_groups(refs: _Refs, report: _Report) -> None:
    by_group: dict[str, str] = {}
    for handler_id, handler in refs.handlers.items():
        explicit = isinstance(handler.get("group"), str) and bool(handler["group"])
        group = handler["group"] if explicit else handler_id
        if group not in by_group:
            by_group[group] = handler_id
            continue
        first = by_group[group]
        line = report.positions.nearest(("handlers", first))[0]
        where = (
            ("handlers", handler_id, "group") if explicit else ("handlers", handler_id)
        )
        report.add(
            where,
            f"handler {handler_id!r} shares consumer group {group!r} with handler "
            f"{first!r} (line {line}); their lag cannot be told apart",
            severity="warning",
            value=explicit,
            node=("handler", handler_id),
        )


def _check_cycles(refs: _Refs, report: _Report) -> None:
    graph = nx.DiGraph()
    produce_index: dict[tuple[str, str], int] = {}
    for handler_id, directions in refs.edges.items():
        consumed = {ref for _, ref in directions["consumes"] if ref in refs.events}
        for _, ref in directions["consumes"]:
            if ref in refs.events:
                graph.add_edge(("event", ref), ("handler", handler_id))
        for index, ref in directions["produces"]:
            if ref not in refs.events:
                continue
            produce_index.setdefault((handler_id, ref), index)
            if ref in consumed:
                # The shortest cycle of all gets its own, plainer message.
                report.add(
                    ("handlers", handler_id, "produces", index),
                    f"cycle: handler {handler_id!r} consumes {ref!r}, which it also "
                    "produces",
                    node=("handler", handler_id),
                    edge=(handler_id, ref),
                )
                continue
            graph.add_edge(("handler", handler_id), ("event", ref))

    order = {("event", e): i for i, e in enumerate(refs.events)}
    order.update({("handler", h): len(order) + i for i, h in enumerate(refs.handlers)})
    components = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    components.sort(key=lambda c: min(order[n] for n in c))
    for component in components:
        start = min(component, key=order.__getitem__)
        cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), source=start)]
        # Start the reported path at its first event in file order, so the text
        # is stable whatever order networkx walks in.
        first = min(
            (i for i, n in enumerate(cycle) if n[0] == "event"),
            key=lambda i: order[cycle[i]],
        )
        cycle = cycle[first:] + cycle[:first]
        closing_handler = cycle[-1][1]
        start_event = cycle[0][1]
        path_text = " -> ".join(n[1] for n in [*cycle, cycle[0]])
        report.add(
            (
                "handlers",
                closing_handler,
                "produces",
                produce_index[(closing_handler, start_event)],
            ),
            f"cycle: {path_text}; a flow must not loop back on itself",
            node=("handler", closing_handler),
            edge=(closing_handler, start_event),
        )


def _check_unconnected(refs: _Refs, report: _Report) -> None:
    used: set[str] = set()
    for directions in refs.edges.values():
        for entries in directions.values():
            used.update(ref for _, ref in entries)
    # A malformed id has its error already; a warning at its key adds nothing.
    for event_id in refs.events:
        if event_id not in used and _is_id(event_id):
            report.add(
                ("events", event_id),
                f"event {event_id!r} is not connected: no handler produces or "
                "consumes it",
                severity="warning",
                node=("event", event_id),
            )
    for handler_id, directions in refs.edges.items():
        handler = refs.handlers[handler_id]
        written = handler.get("consumes") or handler.get("produces")
        if not any(directions.values()) and not written and _is_id(handler_id):
            report.add(
                ("handlers", handler_id),
                f"handler {handler_id!r} has no edges: it neither consumes nor "
                "produces an event",
                severity="warning",
                node=("handler", handler_id),
            )


def _check_schema_files(refs: _Refs, report: _Report, base: Path) -> None:
    for event_id, event in refs.events.items():
        schema = event.get("schema")
        if not isinstance(schema, str) or not schema:
            continue
        if not (base / schema).is_file():
            report.add(
                ("events", event_id, "schema"),
                f"schema file {schema!r} of event {event_id!r} not found (paths are "
                "relative to the flow file)",
                severity="warning",
                value=True,
                node=("event", event_id),
            )


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
