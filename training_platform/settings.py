"""Where runtime state lives. Every path can be moved by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """TP_DATA_DIR, else the checkout's data/ (editable install), else ./data."""
    if "TP_DATA_DIR" in os.environ:
        return Path(os.environ["TP_DATA_DIR"]).expanduser().resolve()
    if (_CHECKOUT / "pyproject.toml").exists():
        return _CHECKOUT / "data"
    return Path.cwd() / "data"


def env_path(variable: str, default_relative: str) -> str:
    return os.environ.get(variable) or str(data_dir() / default_relative)
