"""Diagnostics: one problem in a flow file, located by line and column.

A diagnostic prints as `PATH:LINE:COL: SEVERITY: MESSAGE`, the form compilers use,
so editors and CI systems link each line to its place in the file.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
NodeRef = tuple[Literal["event", "handler"], str]


@dataclass(frozen=True, order=False)
class Diagnostic:
    """One problem found in a flow file."""

    path: str
    """The file as the user named it (or `<stdin>`, `<memory>`)."""

    line: int
    """1-based line of the offending item."""

    col: int
    """1-based column of the offending item."""

    severity: Severity
    """`error` makes the flow invalid; a `warning` does not."""

    message: str
    """What is wrong, in one line."""

    node: NodeRef | None = None
    """The event or handler at fault, as `(kind, id)`, when there is one."""

    edge: tuple[str, str] | None = None
    """The edge at fault as `(source id, target id)`: event -> handler for a
    consumed event, handler -> event for a produced one."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        """True for an error, False for a warning."""
        return self.severity == "error"

    def sort_key(self) -> tuple[int, int, int, str]:
        """Order by place in the file, errors before warnings at one place."""
        return (self.line, self.col, 0 if self.is_error else 1, self.message)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file order, each distinct one once."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def tidy(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """File order, and one error per place: when the YAML layer and the checks
    both object to one value, the later, more specific message is kept."""
    kept: list[Diagnostic] = []
    places: set[tuple[int, int]] = set()
    for diagnostic in reversed(diagnostics):
        place = (diagnostic.line, diagnostic.col)
        if diagnostic.is_error:
            if place in places:
                continue
            places.add(place)
        kept.append(diagnostic)
    return sorted_diagnostics(kept)


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    """The number of errors and of warnings."""
    errors = warnings = 0
    for diagnostic in diagnostics:
        if diagnostic.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def render(diagnostics: Iterable[Diagnostic]) -> str:
    """Diagnostics as text, one per line."""
    return "\n".join(str(d) for d in diagnostics)


#: How ids and topic names may be spelled, as messages say it.
ID_RULE = "use only letters, digits, '.', '_' and '-'"

_TYPE_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "string_too_short": "must not be empty",
}

# Quoted text that would be the number wanted without its quotes.
_INT_TEXT = re.compile(r"[-+]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def describe_pydantic_error(error: Mapping[str, Any], label: str) -> str:
    """One readable sentence for a pydantic error about the item `label`."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "string_pattern_mismatch":
        return f"{label} {show_value(value)} is not valid: {ID_RULE}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("at least", "ge"),
            "greater_than": ("greater than", "gt"),
            "less_than_equal": ("at most", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        bound = ctx.get(words[1])
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # `gt=0` on a float field: say 0, not 0.0
        return f"{label} must be {words[0]} {bound} (got {show_value(value)})"
    if kind == "string_too_long":
        return f"{label} is longer than {ctx.get('max_length')} characters"
    if kind in _TYPE_WORDS:
        text = f"{label} {_TYPE_WORDS[kind]}"
        if kind in ("tuple_type", "list_type"):
            text += " of event ids, e.g. [order.placed]"
        if kind == "string_too_short":
            return text
        return f"{text} (got {show_value(value)}{_type_hint(kind, value)})"
    message = str(error.get("msg", "is not valid"))
    return f"{label}: {message[:1].lower()}{message[1:]}"


def show_value(value: Any) -> str:
    """A value read from YAML as the file would spell it: `true`, `.inf`, `'3'`
    (quoted: it is text), `the date 2024-01-01`; never a Python repr."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, set | frozenset):
        return "a set"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, datetime.datetime):
        return f"the time {value.isoformat()}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, bytes | bytearray):
        return "binary data"
    if isinstance(value, int | str):
        text = repr(value) if isinstance(value, str) else str(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__} value"


def _type_hint(kind: str, value: Any) -> str:
    """How to write the value so it has the type wanted, when that is clear."""
    scalar = (bool, int, float, datetime.date)
    if kind == "string_type" and isinstance(value, scalar):
        return ": quote it to make it text"
    if kind == "int_type" and isinstance(value, float) and value.is_integer():
        return ": write a whole number without a decimal point"
    if isinstance(value, str):
        wanted = {"int_type": _INT_TEXT, "float_type": _FLOAT_TEXT}.get(kind)
        if wanted is not None and wanted.fullmatch(value.strip()):
            return ": remove the quotes"
        if kind == "bool_type" and value.strip() in ("true", "false"):
            return ": remove the quotes"
    return ""
