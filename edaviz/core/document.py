"""An open flow file being edited: edits, validation, undo, saving, watching.

`FlowDocument` holds the text of a flow file and changes it only through edit
operations that splice the text in place (see `edaviz.core.document_edits`), so a
save keeps the user's comments, key order and the bytes of every line an edit did
not touch. Every edit revalidates with the same loader as `edaviz validate`.

Saving rules (the file is never silently replaced by something worse):

- `save()` refuses (`SaveRefused`) to write a flow with errors over a file that
  is valid on disk; `save(allow_invalid=True)` does it anyway (the UI asks the
  user first), and `save_draft()` writes the draft to `NAME.draft.yaml` beside
  the file instead, leaving the file alone. A file that is already invalid on
  disk may be replaced by another draft without asking.
- `save()` also refuses (`ExternalChangeConflict`) when the file changed on disk
  since it was read; `save(force=True)` overwrites it.
- The write is atomic and the previous version is kept as `FILE.bak`. A file
  whose permissions forbid writing is not replaced (`PermissionError`).
"""

from __future__ import annotations

import codecs
import copy
import enum
import errno
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from edaviz.core import document_edits as te
from edaviz.core.atomic import Fingerprint, atomic_write, read_only
from edaviz.core.diagnostics import Diagnostic
from edaviz.core.document_analysis import (
    EDITABLE_FIELDS,
    Analysis,
    analyse,
    check_id,
    closed_cycle,
    field_value,
    lenient_flow,
)
from edaviz.core.document_edits import EditError
from edaviz.core.flow import Flow
from edaviz.core.graph import FlowGraph, NodeKey, event_key, handler_key
from edaviz.core.history import TextHistory
from edaviz.errors import UsageError

log = logging.getLogger(__name__)

#: Analyses kept for undo/redo: each holds the data and positions of one text.
ANALYSIS_CACHE = 6

_SECTION = {"event": "events", "handler": "handlers"}
_BINDING = {"event": "topic", "handler": "group"}
_A_KIND = {"event": "an event", "handler": "a handler"}


class CycleError(EditError):
    """The edit would make the flow cyclic; `cycle` is the closed node path."""

    def __init__(self, cycle: list[NodeKey]) -> None:
        self.cycle = cycle
        path = " -> ".join(key.id for key in cycle)
        super().__init__(f"refused: this would make a cycle: {path}")


class SaveRefused(EditError):
    """The flow has errors and the file on disk is valid."""


class ExternalChangeConflict(EditError):
    """The file changed on disk since it was read."""


class ReloadStatus(enum.Enum):
    """What `reload_if_changed` found and did."""

    UNCHANGED = "unchanged"
    """The file on disk is what the document last read or wrote."""
    RELOADED = "reloaded"
    """The file changed and there were no unsaved edits: the document reloaded."""
    CONFLICT = "conflict"
    """The file changed and there are unsaved edits: nothing was done."""
    MISSING = "missing"
    """The file is gone from disk; the document keeps its text."""


@dataclass(frozen=True)
class Removal:
    """What deleting a node takes with it, for the confirmation dialog."""

    node: NodeKey
    edges: tuple[tuple[NodeKey, NodeKey], ...]

    def describe(self) -> str:
        """One sentence naming the node and every edge that goes with it."""
        what = f"{self.node.kind} {self.node.id}"
        if not self.edges:
            return f"{what} (no edges)"
        edges = ", ".join(f"{u.id} -> {v.id}" for u, v in self.edges)
        plural = "s" if len(self.edges) > 1 else ""
        return f"{what} and {len(self.edges)} edge{plural}: {edges}"


class FlowDocument:
    """A flow file open for editing. Use `FlowDocument.open(path)`."""

    def __init__(
        self, path: Path, text: str, *, on_disk: bool, bom: bool = False
    ) -> None:
        self.path = path
        """The flow file."""
        self._bom = bom
        self._text = text
        self._saved_text: str | None = text if on_disk else None
        self._disk = Fingerprint.of(path) if on_disk else None
        self._history = TextHistory()
        self._recent: deque[Analysis] = deque(maxlen=ANALYSIS_CACHE)
        self.rewrote_layout = False
        """True when the last edit rewrote the whole file's layout (a shape the
        in-place edits do not handle); comments and key order are still kept."""
        self._load(text)
        self._disk_valid = on_disk and self.flow is not None

    @classmethod
    def open(cls, path: str | Path) -> FlowDocument:
        """Read and validate a flow file; UsageError when it cannot be read."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as error:
            raise UsageError(f"{path}: cannot read: {error.strerror}") from None
        return cls(path, _decode(data), on_disk=True, bom=_has_bom(data))

    # state -----------------------------------------------------------------

    def _load(self, text: str, analysis: Analysis | None = None) -> None:
        """Make `text` current: validate it and rebuild the graph."""
        if analysis is None or analysis.text != text:
            analysis = self._analyse(text)
        self._text = text
        self._analysis = analysis
        self._data = analysis.data
        self.flow: Flow | None = analysis.flow
        """The validated flow, or None while the text has errors."""
        self.diagnostics: list[Diagnostic] = analysis.diagnostics
        """Errors and warnings of the current text, as `edaviz validate` gives."""
        model = analysis.model or lenient_flow(self._data, self.path)
        self.graph = FlowGraph(model)
        """The graph of the flow; for a draft with errors, of what can be read."""

    def _analyse(self, text: str) -> Analysis:
        """The analysis of `text`, from a small cache: undo and redo revisit
        texts that were just analysed."""
        for cached in self._recent:
            if cached.text == text:
                return cached
        analysis = analyse(text, str(self.path))
        self._recent.append(analysis)
        return analysis

    @property
    def text(self) -> str:
        """The current text of the document: what a save writes, after the
        file's byte order mark if it had one."""
        return self._text

    @property
    def dirty(self) -> bool:
        """True when the document differs from the file on disk."""
        return self._text != self._saved_text

    @property
    def is_valid(self) -> bool:
        """True when the current text has no errors."""
        return self.flow is not None

    @property
    def cluster_bootstrap(self) -> str | None:
        """The flow's `cluster.bootstrap`, read even while the flow has errors
        (so a broken flow is still measured once it is fixed)."""
        if self.flow is not None:
            return self.flow.cluster.bootstrap
        cluster = (
            (self._data or {}).get("cluster") if isinstance(self._data, dict) else None
        )
        bootstrap = cluster.get("bootstrap") if isinstance(cluster, dict) else None
        return bootstrap if isinstance(bootstrap, str) and bootstrap else None

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that are errors."""
        return [d for d in self.diagnostics if d.is_error]

    @property
    def backup_path(self) -> Path:
        """Where a save keeps the previous version: `FILE.bak`."""
        return self.path.with_name(self.path.name + ".bak")

    @property
    def draft_path(self) -> Path:
        """Where `save_draft` writes: `NAME.draft.yaml` beside the file."""
        return self.path.with_name(f"{self.path.stem}.draft{self.path.suffix}")

    def has_node(self, key: NodeKey) -> bool:
        """True when the document defines `key`."""
        items = (self._data or {}).get(_SECTION[key.kind])
        return isinstance(items, dict) and key.id in items

    def line_of(self, key: NodeKey) -> int | None:
        """1-based line where `key` is defined, for opening an editor there."""
        found = self._analysis.positions.key((_SECTION[key.kind], key.id))
        return found[0] if found else None

    def field_values(self, key: NodeKey) -> dict[str, str]:
        """The editable fields of a node as written in the file ('' if absent)."""
        node = self._node(key) or {}
        return {
            name: "" if node.get(name) is None else str(node.get(name))
            for name in EDITABLE_FIELDS[key.kind]
        }

    def _node(self, key: NodeKey) -> dict[str, Any] | None:
        items = te.section_of(self._data or {}, _SECTION[key.kind])
        if key.id not in items:
            raise EditError(f"no {key.kind} named {key.id!r}")
        node = items[key.id]
        if node is not None and not isinstance(node, dict):
            raise EditError(f"{key.kind} {key.id!r} is not a mapping; fix it first")
        return node

    # the edit pipeline -------------------------------------------------------

    def _edit(
        self,
        label: str,
        apply: Callable[[Any], None],
        splice: Callable[[te.Splicer], None],
        new_edges: Iterable[tuple[NodeKey, NodeKey]] = (),
    ) -> None:
        """Run one edit: compute the expected data, refuse cycles, splice the
        text (or re-dump when the splices cannot), revalidate, record undo."""
        if not isinstance(self._data, dict):
            raise EditError(
                "the file cannot be read as a flow; fix it in $EDITOR first"
            )
        expected = copy.deepcopy(self._data)
        apply(expected)
        cycle = closed_cycle(expected, new_edges, self.path)
        if cycle is not None:
            raise CycleError(cycle)

        result = None
        try:
            splicer = te.Splicer(self._text, self._data, self._analysis.positions)
            splice(splicer)
            candidate = self._analyse(splicer.result())
            if candidate.data == expected:
                result = candidate
            else:
                log.debug("splice of %r gave unexpected data; re-dumping", label)
        except te.SpliceUnsupported as error:
            log.debug("splice of %r not possible (%s); re-dumping", label, error)
        self.rewrote_layout = result is None
        if result is None:
            result = self._redump(apply, expected)

        self._history.record(self._text, label)
        self._load(result.text, result)

    def _redump(self, apply: Callable[[Any], None], expected: Any) -> Analysis:
        """The edit made on a round-trip tree of the whole text, dumped whole:
        slower and less faithful to the layout, for shapes splices skip."""
        try:
            tree = te.parse(self._text)
        except YAMLError as error:
            raise EditError(f"cannot edit this file here: {error}") from None
        apply(tree)
        indent = te.Splicer(self._text, self._data, self._analysis.positions)
        if indent.json:
            # ruamel would write YAML flow style: keep a JSON file JSON.
            text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
        else:
            text = te.dump(tree, indent.child_indent())
        result = self._analyse(text)
        if result.data != expected:
            raise EditError("this file's layout cannot be edited here; use $EDITOR")
        log.info("%s: edit written by re-dumping the YAML", self.path)
        return result

    # edits -------------------------------------------------------------------

    def add_event(
        self,
        event_id: str,
        *,
        produced_by: str | None = None,
        **fields: str | int | None,
    ) -> NodeKey:
        """Add an event with optional fields (topic, partitions, ...); with
        `produced_by`, that handler produces it (one edit, one undo step)."""
        if produced_by is not None:
            self._node(handler_key(produced_by))
        return self._add(event_key(event_id), fields, (), (), produced_by)

    def add_handler(
        self,
        handler_id: str,
        consumes: Iterable[str] = (),
        produces: Iterable[str] = (),
        **fields: str | int | None,
    ) -> NodeKey:
        """Add a handler, optionally already consuming and producing events."""
        return self._add(handler_key(handler_id), fields, consumes, produces)

    def _add(
        self,
        key: NodeKey,
        fields: dict[str, str | int | None],
        consumes: Iterable[str],
        produces: Iterable[str],
        producer: str | None = None,
    ) -> NodeKey:
        check_id(key.id)
        section = _SECTION[key.kind]
        if key.id in te.section_of(self._data or {}, section):
            raise EditError(f"there is already {_A_KIND[key.kind]} named {key.id!r}")
        values = {
            name: field_value(key.kind, name, value)
            for name, value in fields.items()
            if value not in (None, "")
        }
        consumes, produces = list(consumes), list(produces)
        body: dict[str, Any] = dict(values)
        if consumes:
            body["consumes"] = consumes
        if produces:
            body["produces"] = produces
        order = te.FIELD_ORDER[section]
        ordered = sorted(body, key=lambda n: order.index(n) if n in order else 99)
        fields = [(name, body[name]) for name in ordered]

        def apply(data: Any) -> None:
            if data.get(section) is None:
                data[section] = {}
            te.section_of(data, section)[key.id] = copy.deepcopy(body)
            if producer is not None:
                _append_edge(data, producer, "produces", key.id)

        def splice(sp: te.Splicer) -> None:
            sp.add_entry(section, key.id, fields)
            if producer is not None:
                sp.append_item(producer, "produces", key.id)

        edges = [(event_key(e), key) for e in consumes]
        edges += [(key, event_key(e)) for e in produces]
        if producer is not None:
            edges.append((handler_key(producer), key))
        self._edit(f"add {key.kind} {key.id}", apply, splice, edges)
        return key

    def rename(
        self, key: NodeKey, new_id: str, *, keep_binding: bool = True
    ) -> NodeKey:
        """Rename a node; references in consumes/produces follow. With
        `keep_binding`, a node whose topic (group) defaulted to its id gets the
        old id written out, so the rename does not move it to another topic."""
        check_id(new_id)
        node = self._node(key)
        if new_id == key.id:
            return key
        section = _SECTION[key.kind]
        if new_id in te.section_of(self._data, section):
            raise EditError(f"there is already {_A_KIND[key.kind]} named {new_id!r}")
        binding = _BINDING[key.kind]
        pin = keep_binding and not (node or {}).get(binding)

        def apply(data: Any) -> None:
            items = data[section]
            value = items[key.id]
            if pin:
                if value is None:
                    value = {}
                value[binding] = key.id
            _rename_key(items, key.id, new_id, value)
            if key.kind == "event":
                for _, _, items_list in te.edge_lists(data):
                    for index, item in enumerate(items_list):
                        if item == key.id:
                            items_list[index] = new_id

        def splice(sp: te.Splicer) -> None:
            sp.rename_key((section, key.id), new_id)
            if pin:
                sp.set_field(section, key.id, binding, key.id)
            if key.kind == "event":
                for handler_id, name, seq in te.edge_lists(sp.data):
                    for index, item in enumerate(seq):
                        if item == key.id:
                            sp.rewrite_value(
                                ("handlers", handler_id, name, index), new_id
                            )

        self._edit(f"rename {key.kind} {key.id} to {new_id}", apply, splice)
        return NodeKey(key.kind, new_id)

    def removal(self, key: NodeKey) -> Removal:
        """What `delete(key)` would remove: the node and its edges."""
        self._node(key)
        graph = self.graph.full
        edges: list[tuple[NodeKey, NodeKey]] = []
        if key in graph:
            edges += list(graph.in_edges(key))
            edges += list(graph.out_edges(key))
        return Removal(key, tuple(edges))

    def delete(self, key: NodeKey) -> Removal:
        """Delete a node with its edges; returns what went."""
        removal = self.removal(key)
        section = _SECTION[key.kind]

        def apply(data: Any) -> None:
            del data[section][key.id]
            if key.kind == "event":
                for _, _, items_list in te.edge_lists(data):
                    while key.id in items_list:
                        items_list.remove(key.id)

        def splice(sp: te.Splicer) -> None:
            sp.delete_entry(section, key.id)
            if key.kind == "event":
                for handler_id, name, seq in te.edge_lists(sp.data):
                    hits = [i for i, item in enumerate(seq) if item == key.id]
                    if hits:
                        sp.remove_items(handler_id, name, hits)

        self._edit(f"delete {key.kind} {key.id}", apply, splice)
        return removal

    def connect(self, handler_id: str, event_id: str, kind: te.EdgeField) -> None:
        """Make a handler consume (`kind="consumes"`) or produce an event."""
        node = self._node(handler_key(handler_id))
        self._node(event_key(event_id))
        current = (node or {}).get(kind)
        if isinstance(current, list) and event_id in current:
            raise EditError(f"{handler_id} already {kind} {event_id}")

        def apply(data: Any) -> None:
            _append_edge(data, handler_id, kind, event_id)

        h, e = handler_key(handler_id), event_key(event_id)
        edge = (e, h) if kind == "consumes" else (h, e)
        self._edit(
            f"connect {edge[0].id} -> {edge[1].id}",
            apply,
            lambda sp: sp.append_item(handler_id, kind, event_id),
            [edge],
        )

    def disconnect(self, handler_id: str, event_id: str, kind: te.EdgeField) -> None:
        """Stop a handler consuming (or producing) an event."""
        node = self._node(handler_key(handler_id))
        current = (node or {}).get(kind)
        if not isinstance(current, list) or event_id not in current:
            raise EditError(f"{handler_id} does not {kind[:-1]} {event_id}")

        def apply(data: Any) -> None:
            items_list = data["handlers"][handler_id][kind]
            while event_id in items_list:
                items_list.remove(event_id)

        def splice(sp: te.Splicer) -> None:
            seq = sp.data["handlers"][handler_id][kind]
            sp.remove_items(
                handler_id, kind, [i for i, x in enumerate(seq) if x == event_id]
            )

        arrow = (
            f"{event_id} -> {handler_id}"
            if kind == "consumes"
            else f"{handler_id} -> {event_id}"
        )
        self._edit(f"disconnect {arrow}", apply, splice)

    def set_field(self, key: NodeKey, name: str, value: str | int | None) -> None:
        """Set a field of a node; None or '' removes it (its default applies)."""
        self.set_fields(key, {name: value})

    def set_fields(self, key: NodeKey, values: dict[str, str | int | None]) -> None:
        """Set several fields of a node as one edit (one undo step); None or ''
        removes a field. Fields whose value does not change are left alone."""
        node = self._node(key) or {}
        section = _SECTION[key.kind]
        changes: dict[str, str | int | None] = {}
        for name, raw in values.items():
            if name not in EDITABLE_FIELDS[key.kind]:
                raise EditError(f"{key.kind}s have no editable field {name!r}")
            value = None if raw in (None, "") else field_value(key.kind, name, raw)
            if value is None and name not in node:
                continue
            if value is not None and node.get(name) == value:
                continue
            changes[name] = value
        if not changes:
            return

        def apply(data: Any) -> None:
            items = data[section]
            if items[key.id] is None:
                items[key.id] = {}
            for name, value in changes.items():
                if value is None:
                    items[key.id].pop(name, None)
                else:
                    items[key.id][name] = value

        label = f"set {', '.join(changes)} of {key.id}"
        self._edit(
            label,
            apply,
            lambda sp: sp.set_fields(section, key.id, list(changes.items())),
        )

    # undo ------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to undo."""
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to redo."""
        return self._history.can_redo

    def undo(self) -> str | None:
        """Undo the last edit; returns its label (None when there was none)."""
        return self._step(self._history.undo(self._text))

    def redo(self) -> str | None:
        """Redo the last undone edit; returns its label."""
        return self._step(self._history.redo(self._text))

    def _step(self, step: tuple[str, str] | None) -> str | None:
        if step is None:
            return None
        text, label = step
        self._load(text)
        return label

    # disk ------------------------------------------------------------------

    def save(self, *, allow_invalid: bool = False, force: bool = False) -> Path:
        """Write the document to its file atomically, keeping `FILE.bak`."""
        # A file deleted meanwhile is simply written again: nothing is lost.
        if not force and self.path.exists() and self.disk_changed():
            raise ExternalChangeConflict(
                f"{self.path} changed on disk since it was read; reload or overwrite"
            )
        if not self.is_valid and not allow_invalid and self._disk_valid:
            errors = len(self.errors)
            raise SaveRefused(
                f"the flow has {errors} error{'s' if errors != 1 else ''}; "
                f"not replacing the valid {self.path.name} (save a draft instead)"
            )
        if read_only(self.path):
            raise PermissionError(errno.EACCES, "the file is read-only", str(self.path))
        data = _encode(self._text, self._bom)
        backup = self.backup_path if self.path.exists() else None
        atomic_write(self.path, data, backup=backup)
        self._saved_text = self._text
        self._disk = Fingerprint.of(self.path, data)
        self._disk_valid = self.is_valid
        log.info("saved %s", self.path)
        return self.path

    def save_draft(self) -> Path:
        """Write the document to `draft_path`, leaving the flow file alone."""
        atomic_write(self.draft_path, _encode(self._text, self._bom))
        return self.draft_path

    def disk_changed(self) -> bool:
        """True when the file on disk is no longer what was last read or saved."""
        if self._disk is None:
            return self.path.exists()
        if self._disk.same_stat(self.path):
            return False
        now = Fingerprint.of(self.path)
        if now is None:
            return True
        if now.sha256 == self._disk.sha256:
            self._disk = now  # touched, not changed
            return False
        return True

    def reload_if_changed(self) -> ReloadStatus:
        """Reload when the file changed on disk, unless that would drop
        unsaved edits (then report CONFLICT and change nothing)."""
        if not self.disk_changed():
            return ReloadStatus.UNCHANGED
        if not self.path.exists():
            return ReloadStatus.MISSING
        if self.dirty:
            return ReloadStatus.CONFLICT
        self.reload()
        return ReloadStatus.RELOADED

    def reload(self) -> None:
        """Take the file on disk, dropping unsaved edits (undo brings them back)."""
        data = self.path.read_bytes()
        text = _decode(data)
        if text != self._text:
            self._history.record(self._text, "reload from disk")
            self._load(text)
        self._saved_text = text
        self._bom = _has_bom(data)
        self._disk = Fingerprint.of(self.path, data)
        self._disk_valid = self.is_valid

    def keep_local(self) -> None:
        """Keep the unsaved edits over a changed file: the next save replaces
        the file without a conflict."""
        data = self.path.read_bytes()
        self._saved_text = _decode(data)
        self._disk = Fingerprint.of(self.path, data)
        self._disk_valid = self._analyse(self._saved_text).flow is not None


def _has_bom(data: bytes) -> bool:
    return data.startswith(codecs.BOM_UTF8)


def _decode(data: bytes) -> str:
    """The text of a file, without its byte order mark: `edaviz validate` reads
    it so, and positions on the first line count from after the mark."""
    # surrogateescape: bytes that are not UTF-8 survive a save unchanged.
    return data.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="surrogateescape")


def _encode(text: str, bom: bool) -> bytes:
    data = text.encode("utf-8", errors="surrogateescape")
    return codecs.BOM_UTF8 + data if bom else data


def _rename_key(items: Any, old: str, new: str, value: Any) -> None:
    """Rename a mapping key in place, keeping its position."""
    position = list(items).index(old)
    del items[old]
    if hasattr(items, "insert"):
        items.insert(position, new, value)
    else:
        items[new] = value


def _append_edge(data: Any, handler_id: str, kind: str, event_id: str) -> None:
    """Add `event_id` to a handler's consumes/produces list in plain data."""
    items = data["handlers"]
    if items[handler_id] is None:
        items[handler_id] = {}
    target = items[handler_id]
    if isinstance(target.get(kind), list):
        target[kind].append(event_id)
    else:
        target[kind] = [event_id]
