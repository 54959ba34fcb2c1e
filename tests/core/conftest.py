"""Fixtures for the flow-format tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edaviz.core import source


@pytest.fixture(params=["libyaml", "python"])
def yaml_parser(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test with libyaml (when installed) and with the pure-Python parser:
    positions and messages must not depend on which one is present."""
    saved = source.PREFER_LIBYAML
    source.PREFER_LIBYAML = request.param == "libyaml"
    try:
        yield request.param
    finally:
        source.PREFER_LIBYAML = saved
