"""Crash-safe file replacement and cheap detection of changes made by others.

`atomic_write` never leaves a half-written or empty file behind: the new bytes go
to a temporary file in the same directory, which is flushed and fsynced before a
rename puts it in place, and the directory is fsynced so the rename itself
survives a power cut. `Fingerprint` tells whether a file changed on disk since it
was read: size and mtime first (a stat costs microseconds), the content hash only
when those moved, so a `touch` alone is not taken for an edit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fingerprint:
    """What a file looked like when it was last read or written."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes | None = None) -> Fingerprint | None:
        """The fingerprint of `path` now (None when it does not exist); `data`
        saves a second read when the caller already holds the file's bytes."""
        try:
            info = path.stat()
            if data is None:
                data = path.read_bytes()
        except FileNotFoundError:
            return None
        return cls(info.st_mtime_ns, info.st_size, hashlib.sha256(data).hexdigest())

    def same_stat(self, path: Path) -> bool:
        """True when size and mtime still match (the content is then taken as
        unchanged without reading it)."""
        try:
            info = path.stat()
        except FileNotFoundError:
            return False
        return info.st_mtime_ns == self.mtime_ns and info.st_size == self.size


def read_only(path: Path) -> bool:
    """True when `path` exists and its permissions forbid writing it. The rename
    an atomic write ends with would replace it anyway (renaming needs only the
    directory), so callers ask first; the mode bits count even for root."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    no_write_bit = not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    return no_write_bit or not os.access(path, os.W_OK)


def fsync_directory(directory: Path) -> None:
    """Flush a directory entry change (a rename) to disk where the OS allows."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:  # e.g. Windows cannot open directories
        log.debug("cannot open %s to fsync it: %s", directory, error)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, backup: Path | None = None) -> None:
    """Replace `path` with `data` so that readers see the old or the new file,
    never a mix; with `backup`, the previous content is first kept there (also
    written atomically). Raises OSError and leaves `path` untouched on failure."""
    target = Path(os.path.realpath(path))
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(target.stat().st_mode)
    if backup is not None and mode is not None:
        _replace(Path(os.path.realpath(backup)), target.read_bytes(), mode)
    _replace(target, data, mode)


def _replace(target: Path, data: bytes, mode: int | None) -> None:
    """Write `data` to a temporary sibling of `target`, then rename it over."""
    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=directory, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        # Name the folder: the temporary file's name would mean nothing to anyone.
        message = f"cannot create a file in {directory} ({error.strerror})"
        raise OSError(error.errno, message, str(directory)) from error
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; keep the permissions the file had (or the usual
        # 0644 under the umask for a new one).
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_directory(directory)
