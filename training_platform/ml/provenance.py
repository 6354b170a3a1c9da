"""What a trained model was made from: data hash, code version."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pandas as pd


def data_hash(frame: pd.DataFrame) -> str:
    """Stable SHA-256 over a frame's values and column names."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
            text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
