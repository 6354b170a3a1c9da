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
