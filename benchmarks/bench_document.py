"""Edit, revalidate and undo on a generated 500-node flow; prints per-operation
times and their ratio to a plain `validate_text` of the same text (the floor:
every edit must revalidate) and to a whole-document ruamel re-dump (what an edit
would cost without in-place splicing).

Run: .venv/bin/python benchmarks/bench_document.py [NODES]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from edaviz.core import document_edits as te
from edaviz.core.document import FlowDocument
from edaviz.core.graph import event_key, handler_key
from edaviz.core.loader import validate_text


def generate(nodes: int) -> str:
    """A layered flow of `nodes` nodes (half events, half handlers), commented."""
    events = nodes // 2
    lines = ["# generated benchmark flow", "edaviz: 1", "name: bench", "events:"]
    for i in range(events):
        lines += [
            f"  # event number {i}",
            f"  e{i}:",
            f"    topic: bench.e{i}   # topic of e{i}",
            "    partitions: 3",
        ]
    lines.append("handlers:")
    for i in range(nodes - events):
        consumes = f"e{i}"
        produces = ", ".join(f"e{j}" for j in (i + 1, i + 7) if j < events)
        lines += [f"  h{i}:", f"    consumes: [{consumes}]", f"    owner: team-{i % 9}"]
        if produces:
            lines.insert(len(lines) - 1, f"    produces: [{produces}]")
    return "\n".join(lines) + "\n"


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `action` over `repeat` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    text = generate(nodes)
    workdir = Path(tempfile.mkdtemp(prefix="edaviz-bench-"))
    path = workdir / "bench.yaml"
    path.write_text(text)
    repeat = 5

    validate_ms = timed(lambda: validate_text(text, str(path)), repeat)
    tree = te.parse(text)
    redump_ms = timed(lambda: te.parse(te.dump(tree)), repeat)
    open_ms = timed(lambda: FlowDocument.open(path), repeat)
    doc = FlowDocument.open(path)
    assert doc.is_valid, doc.diagnostics[:3]

    counter = iter(range(10**6))
    operations: list[tuple[str, Callable[[], object]]] = [
        ("add event", lambda: doc.add_event(f"new{next(counter)}")),
        ("add handler", lambda: doc.add_handler(f"nh{next(counter)}", consumes=["e3"])),
        ("rename event (refs follow)", lambda: doc.rename(event_key("e10"), "e10x")),
        ("rename handler", lambda: doc.rename(handler_key("h10"), "h10x")),
        ("delete event (+edges)", lambda: doc.delete(event_key("e20"))),
        ("delete handler", lambda: doc.delete(handler_key("h20"))),
        ("connect", lambda: doc.connect("h30", "e200", "produces")),
        ("disconnect", lambda: doc.disconnect("h30", "e31", "produces")),
        ("set field", lambda: doc.set_field(event_key("e40"), "partitions", 12)),
    ]
    print(f"flow: {nodes} nodes, {len(text.splitlines())} lines, {len(text)} bytes")
    print(f"baseline validate_text: {validate_ms:8.1f} ms")
    print(f"whole ruamel re-dump:   {redump_ms:8.1f} ms (what splicing avoids)")
    print(f"open:                   {open_ms:8.1f} ms")
    print()
    header = (
        f"{'operation':28} {'edit ms':>8} {'x valid.':>8} {'undo ms':>8} {'cold':>8}"
    )
    print(header)
    for name, edit in operations:
        edits, undos, colds = [], [], []
        for _ in range(repeat):
            doc._recent.clear()  # measure a text never seen before...
            doc._analyse(doc.text)  # ...while the current one stays known
            edits.append(timed(edit, 1))
            undos.append(timed(doc.undo, 1))  # right after the edit: cached
            doc.redo()
            doc._recent.clear()  # undo to a text no longer cached
            colds.append(timed(doc.undo, 1))
        ms = statistics.median(edits)
        print(
            f"{name:28} {ms:8.1f} {ms / validate_ms:8.2f}"
            f" {statistics.median(undos):8.2f} {statistics.median(colds):8.1f}"
        )
    doc.set_field(event_key("e1"), "description", "changed")
    save_ms = timed(doc.save, repeat)
    print(
        f"{'save (atomic, with .bak)':28} {save_ms:8.1f} {save_ms / validate_ms:8.2f}"
    )


if __name__ == "__main__":
    main()
