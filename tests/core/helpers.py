"""Shared helpers for the flow-format tests."""

from __future__ import annotations

import textwrap

from edaviz.core.loader import LoadResult, validate_text

#: A small valid flow the tests vary; line numbers matter, keep it stable.
BASE = """\
edaviz: 1
name: shop
events:
  order.placed:
    topic: orders
    partitions: 3
  payment.done: {}
handlers:
  web:
    produces: [order.placed]
  pay:
    consumes: [order.placed]
    produces: [payment.done]
  mail:
    consumes:
      - payment.done
"""


def check(text: str) -> LoadResult:
    """Validate dedented `text` as the file `f.yaml`."""
    return validate_text(textwrap.dedent(text), "f.yaml")


def lines(text: str) -> list[str]:
    """The diagnostics of `text` as `LINE:COL: severity: message` strings."""
    return [
        f"{d.line}:{d.col}: {d.severity}: {d.message}" for d in check(text).diagnostics
    ]
