"""Saving and watching a FlowDocument: byte-exact round trips, the backup, the
refusal to replace a valid file with an invalid one, crash safety, and changes
made to the file by someone else."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest

from edaviz.core import atomic
from edaviz.core.document import (
    EditError,
    ExternalChangeConflict,
    FlowDocument,
    ReloadStatus,
    SaveRefused,
)
from edaviz.core.graph import event_key, handler_key
from edaviz.core.loader import load_flow
from edaviz.errors import UsageError

FLOW = """\
edaviz: 1
name: tiny   # a tiny flow
events:
  a:
    topic: t.a         # column-aligned comment
  b: {}
handlers:
  # the only handler
  h:
    consumes: [a]
    produces: [b]
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "tiny.yaml"
    file.write_text(FLOW)
    return file


def test_open_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        FlowDocument.open(tmp_path / "nope.yaml")


def test_save_round_trip_keeps_every_untouched_byte(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.save()
    assert path.read_text() == FLOW
    doc.set_field(event_key("b"), "description", "Bee.")
    doc.save()
    assert path.read_text() == FLOW.replace(
        "  b: {}\n", "  b:\n    description: Bee.\n"
    )
    assert (path.parent / "tiny.yaml.bak").read_text() == FLOW
    assert not doc.dirty
    reopened = FlowDocument.open(path)
    assert reopened.text == doc.text and reopened.flow == doc.flow


def test_save_keeps_permissions(path: Path) -> None:
    path.chmod(0o640)
    doc = FlowDocument.open(path)
    doc.add_event("c")
    doc.save()
    assert (path.stat().st_mode & 0o777) == 0o640


def test_undo_to_saved_text_is_clean(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("c")
    assert doc.dirty
    doc.undo()
    assert not doc.dirty
    doc.redo()
    doc.save()
    doc.undo()
    assert doc.dirty


def test_invalid_flow_is_not_saved_over_a_valid_file(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.set_field(event_key("a"), "topic", "bad topic!")
    assert doc.flow is None
    assert doc.graph.full.has_edge(event_key("a"), handler_key("h"))
    with pytest.raises(SaveRefused, match="1 error"):
        doc.save()
    assert path.read_text() == FLOW

    draft = doc.save_draft()
    assert draft == path.parent / "tiny.draft.yaml"
    assert draft.read_text() == doc.text
    assert path.read_text() == FLOW and doc.dirty

    doc.save(allow_invalid=True)
    assert path.read_text() == doc.text
    # The file on disk is now invalid: further invalid saves need no consent.
    doc.set_field(event_key("a"), "topic", "still bad!")
    doc.save()
    assert "still bad!" in path.read_text()


@pytest.mark.parametrize("fail", ["replace", "fsync", "write"])
def test_failed_save_leaves_the_old_file_intact(
    path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("c")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if fail == "replace":
        monkeypatch.setattr(atomic.os, "replace", boom)
    elif fail == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", boom)
    else:
        real_fdopen = os.fdopen

        class Failing:
            def __init__(self, fd: int, mode: str) -> None:
                self.handle = real_fdopen(fd, mode)

            def __enter__(self) -> Failing:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> None:
                self.handle.write(data[: len(data) // 2])
                raise OSError(5, "I/O error")

        monkeypatch.setattr(atomic.os, "fdopen", Failing)
    with pytest.raises(OSError):
        doc.save()
    monkeypatch.undo()
    assert path.read_text() == FLOW
    assert doc.dirty
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    doc.save()
    assert "  c: {}" in path.read_text()


def test_read_only_file_is_not_replaced(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("c")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        doc.save(force=True)
    assert path.read_text() == FLOW and doc.dirty
    assert not doc.backup_path.exists()
    path.chmod(0o644)
    doc.save()
    assert "  c: {}" in path.read_text()


def test_unwritable_folder_is_named(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("c")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/x/.tiny.yaml.abc.tmp")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError) as caught:
        doc.save()
    assert caught.value.strerror == (
        f"cannot create a file in {path.parent} (Permission denied)"
    )
    assert path.read_text() == FLOW


def test_save_refuses_to_overwrite_an_external_change(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("c")
    path.write_text(FLOW + "# edited elsewhere\n")
    with pytest.raises(ExternalChangeConflict):
        doc.save()
    doc.save(force=True)
    assert "# edited elsewhere" not in path.read_text()


def test_external_edit_reloads_when_clean(path: Path) -> None:
    doc = FlowDocument.open(path)
    assert doc.reload_if_changed() is ReloadStatus.UNCHANGED
    edited = FLOW.replace("  b: {}\n", "  b: {}\n  c: {}\n")
    path.write_text(edited)
    assert doc.reload_if_changed() is ReloadStatus.RELOADED
    assert doc.text == edited and not doc.dirty
    assert event_key("c") in doc.graph.full
    # The reload can be undone like an edit.
    doc.undo()
    assert doc.text == FLOW and doc.dirty


def test_external_edit_with_unsaved_changes_is_a_conflict(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("mine")
    theirs = FLOW.replace("name: tiny", "name: theirs")
    path.write_text(theirs)
    assert doc.reload_if_changed() is ReloadStatus.CONFLICT
    assert "mine" in doc.text and doc.dirty
    assert doc.reload_if_changed() is ReloadStatus.CONFLICT

    doc.keep_local()
    assert doc.reload_if_changed() is ReloadStatus.UNCHANGED
    assert doc.dirty
    doc.save()
    assert "mine" in path.read_text()


def test_conflict_resolved_by_taking_theirs(path: Path) -> None:
    doc = FlowDocument.open(path)
    doc.add_event("mine")
    mine = doc.text
    path.write_text(FLOW.replace("name: tiny", "name: theirs"))
    assert doc.reload_if_changed() is ReloadStatus.CONFLICT
    doc.reload()
    assert doc.flow is not None and doc.flow.name == "theirs"
    assert not doc.dirty
    doc.undo()
    assert doc.text == mine


def test_touch_is_not_a_change_and_deletion_is_reported(path: Path) -> None:
    doc = FlowDocument.open(path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert doc.reload_if_changed() is ReloadStatus.UNCHANGED
    path.unlink()
    assert doc.reload_if_changed() is ReloadStatus.MISSING
    doc.save()
    assert path.read_text() == FLOW


def test_same_size_same_mtime_change_needs_new_stat(path: Path) -> None:
    doc = FlowDocument.open(path)
    stat = path.stat()
    path.write_text(FLOW.replace("t.a", "t.z"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert doc.reload_if_changed() is ReloadStatus.RELOADED
    assert doc.flow is not None and doc.flow.events["a"].topic == "t.z"


def test_atomic_write_creates_new_files(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    atomic.atomic_write(target, b"x: 1\n", backup=tmp_path / "new.yaml.bak")
    assert target.read_bytes() == b"x: 1\n"
    assert not (tmp_path / "new.yaml.bak").exists()


def test_non_utf8_file_reports_like_validate_and_survives_save(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    raw = b"edaviz: 1\nname: caf\xe9\nevents: {}\n"
    path.write_bytes(raw)
    doc = FlowDocument.open(path)
    assert [str(d) for d in doc.diagnostics] == [
        f"{path}:2:10: error: the file is not UTF-8 text (byte 0xe9)"
    ]
    with pytest.raises(EditError, match="cannot be read"):
        doc.add_event("a")
    doc.save()
    assert path.read_bytes() == raw


def test_byte_order_mark_is_kept_and_not_edited_around(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    raw = b'{"edaviz": 1, "name": "b", "events": {"a": {"topic": 7}}}\n'
    path.write_bytes(codecs.BOM_UTF8 + raw)
    doc = FlowDocument.open(path)
    assert [str(d) for d in doc.diagnostics] == [
        str(d) for d in load_flow(str(path)).diagnostics
    ]
    doc.set_field(event_key("a"), "topic", "t.a")
    doc.add_event("b")
    doc.save()
    assert path.read_bytes() == codecs.BOM_UTF8 + raw.replace(
        b'{"topic": 7}}', b'{"topic": "t.a"}, "b": {}}'
    )
    assert doc.reload_if_changed() is ReloadStatus.UNCHANGED


def test_document_model_imports_no_ui() -> None:
    code = (
        "import sys, edaviz.core.document\n"
        "ui = ('textual', 'edaviz.ui')\n"
        "print(sorted(m for m in sys.modules if m.startswith(ui)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
