"""The core never depends on the UI, Kafka clients or exporters."""

import subprocess
import sys

import pytest

CORE_MODULES = [
    "edaviz.core.flow",
    "edaviz.core.graph",
    "edaviz.core.loader",
    "edaviz.core.document",
    "edaviz.metrics.snapshot",
    "edaviz.layout",
]
FORBIDDEN = ("textual", "aiokafka", "edaviz.ui", "edaviz.export", "edaviz.kafka")


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_ui_or_kafka(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
