"""What a trained model was made from: data hash, code version."""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # data_hash imports it: the other helpers serve the Dagster definitions as they load
    import pandas as pd


def data_hash(frame: pd.DataFrame) -> str:
    """Stable SHA-256 over a frame's values and column names."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    import pandas as pd

    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


MODELLING_CODE = ("ml/**/*.py", "ml/**/*.yaml", "sources/**/*.py")


def modelling_version() -> str:
    """The modelling code's version and the sports file's (Elo defaults, score limits, search spaces are
    modelling inputs too): an edit to either makes the next model and report new versions."""
    from training_platform.sports import sports_file_path

    return hashlib.sha256((code_version() + sports_file_path().read_text()).encode()).hexdigest()


@functools.lru_cache(maxsize=4)  # the code does not change while a process runs
def code_version(patterns: tuple[str, ...] = MODELLING_CODE) -> str:
    """SHA-256 of the package's files matching `patterns` (default the modelling code, ml/ and sources/:
    a model version is new only if it or its inputs changed)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted({path for pattern in patterns for path in root.glob(pattern)}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(**parts) -> str:
    """SHA-256 of named inputs (JSON-serialisable), e.g. data hash, parameters and code version."""
    import json

    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def process_tag() -> str:
    """host:pid of this process, so a later run can tell work a crashed process left behind."""
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def is_dead(tag: str | None) -> bool:
    """Whether `process_tag()`'s process is gone (only judged on this host; elsewhere: unknown, False)."""
    import socket

    host, _, pid = (tag or "").rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))


def pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
