"""The layers of the tree hold: the core never reaches the UI, Kafka or exporters,
and the Kafka and export layers never reach the UI.

The imports are checked in fresh interpreters, where nothing was loaded before.
"""

import pkgutil
import subprocess
import sys

import edaviz.core
import edaviz.export
import edaviz.kafka
import edaviz.layout
import edaviz.metrics

UI = ("textual", "edaviz.ui")
CORE_FORBIDDEN = (*UI, "aiokafka", "edaviz.kafka", "edaviz.export")

#: The metrics engine drives Kafka; the rest of edaviz.metrics is pure maths.
METRICS_DRIVERS = {"edaviz.metrics.engine"}


def _modules(package) -> list[str]:
    return [
        info.name
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}.")
    ]


def _core_modules() -> list[str]:
    names = []
    for package in (edaviz.core, edaviz.layout, edaviz.metrics):
        names += [package.__name__, *_modules(package)]
    return [name for name in names if name not in METRICS_DRIVERS]


def _imported_by(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """Forbidden modules that importing `modules` in a fresh interpreter loads."""
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({forbidden!r}))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return [name for name in out.stdout.strip().split(",") if name]


def test_core_imports_no_ui_kafka_or_exporters() -> None:
    # One interpreter for all: a forbidden import anywhere shows up; `python -X
    # importtime -c "import MODULE"` then tells which module brought it.
    assert _imported_by(_core_modules(), CORE_FORBIDDEN) == []


def test_kafka_and_export_layers_import_no_ui() -> None:
    modules = _modules(edaviz.kafka) + _modules(edaviz.export)
    assert _imported_by(modules, UI) == []
