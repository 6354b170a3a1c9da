"""Optuna's journal file, mended where a dying writer left it torn."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from training_platform.storage.files import write_atomically


def mend_journal(path: Path, log: Callable[[str], None] = print) -> None:
    """A journal whose last record a dying writer left half-written loses that record (it is kept beside
    the file as `<journal>.torn`, with a warning); Optuna would otherwise fail every study in the file
    with a bare JSONDecodeError. A damaged record before the last is not guessed at: it is named."""
    if not path.exists():
        return
    data = path.read_bytes()
    *records, tail = data.split(b"\n")  # `tail` is empty when the last record was written whole
    for number, record in enumerate(records, start=1):
        if record.strip() and not _is_json(record):
            raise RuntimeError(
                f"the Optuna journal {path} has a damaged record at line {number} of {len(records) + bool(tail)} "
                "(not the last one, so not a write cut short): restore the file from a backup, or move it aside "
                "and tune again (its studies then start afresh)"
            )
    if tail.strip() and not _is_json(tail):
        torn = path.with_name(path.name + ".torn")
        write_atomically(torn, tail)  # never through a link planted at that name
        with open(path, "r+b") as handle:
            handle.truncate(len(data) - len(tail))
        log(
            f"WARNING: the Optuna journal {path} ended in a half-written record ({len(tail)} bytes, a writer "
            f"died mid-write); it is skipped and kept in {torn}"
        )


def _is_json(record: bytes) -> bool:
    try:
        json.loads(record)
    except ValueError:
        return False
    return True
