"""Whole-file writes that a crash or a planted link cannot turn into a partial or misdirected one."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeWrite(RuntimeError):
    """A write the platform refuses: its staging path is a link or another kind of file."""


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a staging file beside `path`, then rename it over `path`: readers see the old
    file or the new one, never half of one. The staging file is created new (O_EXCL) and never
    through a link (O_NOFOLLOW): a symlink planted at the staging path is refused, not written
    through to wherever it points. A regular staging file left by a crashed writer is removed."""
    path = Path(path)
    staging = path.with_name(path.name + ".tmp")
    try:
        found = os.lstat(staging)
    except FileNotFoundError:
        found = None
    if found is not None:
        if not stat.S_ISREG(found.st_mode):
            raise UnsafeWrite(
                f"{staging} exists and is not a file the platform left (a symlink or another kind of "
                f"file); {path} is not written through it. Remove {staging} and run again"
            )
        staging.unlink()  # a crashed writer's leftover
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(staging, path)  # replaces a link at `path` itself, never follows it
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def why(exc: Exception, kind: str = "a DuckDB file", setting: str = "TP_WAREHOUSE / TP_DATA_DIR") -> str:
    """An I/O error on a store file with its likely cause and fix, not the driver's words alone."""
    text = str(exc)
    lowered = text.lower()
    if "no space" in lowered or "disk full" in lowered or "enospc" in lowered:
        cause = "the disk is full: free space and run again (nothing was written)"
    elif "read-only" in lowered or "permission denied" in lowered or "readonly" in lowered:
        cause = "the file or its folder is not writable: fix its permissions (or the mount) and run again"
    else:
        cause = (
            f"it is damaged or not {kind}. It is left as it is: restore it from a backup, or point "
            f"{setting} at the right file"
        )
    return f"{cause} ({text})"
