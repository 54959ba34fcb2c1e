"""The JSON Schema of flow files, derived from the pydantic flow model.

Editors with a YAML language server use it to validate and complete flow files
as they are typed. It checks shape only; `edaviz validate` also checks meaning
(references, cycles, topics).
"""

from __future__ import annotations

from typing import Any

from edaviz.core.flow import ID_MAX_LENGTH, ID_PATTERN, Flow

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Identifies format v1 itself, not a download location: editors are pointed
#: at a file written by `edaviz schema`.
SCHEMA_ID = "urn:edaviz:flow:v1"

#: Kafka topic names (`.` and `..` are reserved); empty means "the event id".
TOPIC_PATTERN = r"^$|^(?!\.\.?$)[a-zA-Z0-9._-]{1,249}$"

_DEFAULTS_FROM_ID = {
    "Event": ("topic", "The Kafka topic; defaults to the event id."),
    "Handler": ("group", "The consumer group id; defaults to the handler id."),
}


def flow_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the flow file format."""
    raw = Flow.model_json_schema(by_alias=True, mode="validation")
    defs: dict[str, Any] = raw.pop("$defs")
    for name, (field_name, description) in _DEFAULTS_FROM_ID.items():
        model = defs[name]
        model["properties"].pop("id", None)
        required = [r for r in model.get("required", []) if r != "id"]
        if required:
            model["required"] = required
        else:
            model.pop("required", None)
        prop = model["properties"][field_name]
        prop.pop("default", None)
        prop["description"] = description
    defs["Event"]["properties"]["topic"]["pattern"] = TOPIC_PATTERN

    properties = raw["properties"]
    for section, model_name in (("events", "Event"), ("handlers", "Handler")):
        properties[section] = {
            "type": "object",
            "description": properties[section].get("description", ""),
            "propertyNames": {"pattern": ID_PATTERN, "maxLength": ID_MAX_LENGTH},
            "additionalProperties": {"$ref": f"#/$defs/{model_name}"},
        }
        # An item with no fields (`order.placed:`) takes every default. A type
        # list rather than `anyOf` keeps editors' messages about the object.
        defs[model_name]["type"] = ["object", "null"]
    for prop in (*properties.values(), *_all_properties(defs)):
        prop.pop("title", None)
        if isinstance(prop.get("default"), dict):
            prop.pop("default")
        _fold_optional(prop)

    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "edaviz flow file, format v1",
        "description": (
            "Events (Kafka topics) and the handlers (consumer groups) that "
            "consume and produce them. Check the meaning too with `edaviz "
            "validate`."
        ),
        "type": "object",
        "required": raw["required"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": dict(sorted(defs.items())),
    }


def _all_properties(defs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        prop for model in defs.values() for prop in model.get("properties", {}).values()
    ]


def _fold_optional(prop: dict[str, Any]) -> None:
    """Rewrite `anyOf: [{type: T, ...}, {type: null}]` as `type: [T, null]`, so
    a wrong value gets a message about T instead of "not valid under any"."""
    options = prop.get("anyOf")
    if not isinstance(options, list) or len(options) != 2:
        return
    real = [o for o in options if o != {"type": "null"}]
    if len(real) != 1 or "type" not in real[0] or "$ref" in real[0]:
        return
    prop.pop("anyOf")
    prop.update(real[0])
    prop["type"] = [real[0]["type"], "null"]
