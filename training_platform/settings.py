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


DEFAULT_CANDIDATES = ("elo", "logistic", "xgboost")


def candidate_models() -> list[str]:
    """The model classes the weekly training run fits and evaluates for every sport (TP_CANDIDATES)."""
    from training_platform.ml.zoo import MODEL_NAMES

    names = [n.strip() for n in os.environ.get("TP_CANDIDATES", ",".join(DEFAULT_CANDIDATES)).split(",") if n.strip()]
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown or not names:
        raise ValueError(f"TP_CANDIDATES={os.environ.get('TP_CANDIDATES')!r}: unknown model(s) {unknown}; "
                         f"choose from {', '.join(MODEL_NAMES)}")
    return names


def redacted(url: str) -> str:
    """`url` with its password, user and query values replaced by ***: safe for logs and metadata."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = urlencode([(key, "***") for key, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
