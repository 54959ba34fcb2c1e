"""The metrics maths stays pure: no Kafka client, no UI, no exporters."""

import subprocess
import sys

import pytest

PURE = [
    "edaviz.metrics.window",
    "edaviz.metrics.health",
    "edaviz.metrics.payload",
    "edaviz.metrics.state",
]
FORBIDDEN = ("textual", "aiokafka", "edaviz.ui", "edaviz.export", "edaviz.kafka")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_nothing_forbidden(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
