"""Keeping credentials out of exports.

Exports are made to be shared, so nothing secret may reach one. The only place
the flow or a snapshot can hold a credential is a bootstrap string written as
`user:password@host`, which loses that part wherever an export shows it. These
functions are also the second line: the finished bytes are checked against the
secrets of the connection settings in use and of the flow's bootstrap, which are
replaced if a message (an error text, say) quoted one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from edaviz.kafka.connection import safe_bootstrap

__all__ = ["MASK", "bootstrap_credentials", "safe_bootstrap", "scrub", "secrets_of"]

#: What replaces a secret found in an export.
MASK = "***"

#: Setting names whose values are secrets or point at secret files.
_SECRET_NAME = re.compile(
    r"pass(word)?|secret|token|credential|(^|_)key($|_)|keyfile|key_file|"
    r"ssl_key|cert_key|private|jaas",
    re.IGNORECASE,
)

#: Secrets shorter than this are not scrubbed: masking every "a" in a drawing
#: would wreck it and reveal the secret's length anyway.
_MIN_SECRET = 3


def bootstrap_credentials(bootstrap: str | None) -> set[str]:
    """The `user:password` parts of a bootstrap string, and each password alone.

    A flow file or a connection setting may spell a server as
    `scheme://user:password@host:port`; `safe_bootstrap` drops that part where
    a bootstrap is shown, and these strings are masked anywhere else.
    """
    found: set[str] = set()
    for server in (bootstrap or "").split(","):
        address = server.strip().split("://", 1)[-1]
        if "@" not in address:
            continue
        userinfo = address.rsplit("@", 1)[0]
        password = userinfo.partition(":")[2]
        # A user name alone is no secret, and masking it would hide node names.
        if password:
            found.update((userinfo, password))
    return {value for value in found if len(value) >= _MIN_SECRET}


def secrets_of(settings: object | None) -> set[str]:
    """Secret values held by a connection settings object (any shape).

    Walks dataclasses, pydantic models, namespaces and mappings, and collects the
    string values of fields whose names read like a password, token or key file,
    and the credentials written into any bootstrap string.
    """
    found: set[str] = set()
    _collect(settings, found, depth=0)
    return {value for value in found if len(value) >= _MIN_SECRET}


def _collect(obj: object, found: set[str], depth: int) -> None:
    if obj is None or depth > 4 or isinstance(obj, str | bytes | int | float):
        return
    for name, value in _fields(obj):
        if "bootstrap" in name.lower() and isinstance(value, str):
            found.update(bootstrap_credentials(value))
            continue
        if _SECRET_NAME.search(name) and value:
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str):
                found.add(value)
                continue
            found.add(str(value))
        _collect(value, found, depth + 1)


def _fields(obj: object) -> Iterable[tuple[str, object]]:
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items()]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    model_fields = getattr(type(obj), "model_fields", None)
    if isinstance(model_fields, dict):
        return [(name, getattr(obj, name, None)) for name in model_fields]
    if hasattr(obj, "__dict__"):
        return list(vars(obj).items())
    return []


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced by MASK."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text
