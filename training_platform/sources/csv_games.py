"""Reader for the generic games CSV: bring any sport in the canonical schema.

Required columns: game_id, season, game_date (YYYY-MM-DD), home_team, away_team,
home_score, away_score (empty for unplayed games). `sport` may be a column or is given
by the caller. Every optional column of `sources.schema.OPTIONAL_COLUMNS` is read when
present. See docs/csv_schema.md.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pandas as pd

from training_platform.sources.schema import SchemaError, conform

# What pandas raises for a file that is not a readable CSV (a truncated .gz raises a bare EOFError).
UNREADABLE_CSV = (
    OSError,
    EOFError,
    zlib.error,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    UnicodeDecodeError,
)


def read_games_csv(path: str | Path, sport: str | None = None) -> pd.DataFrame:
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"games CSV not found: {path}")
    try:
        raw = pd.read_csv(path, low_memory=False)
    except UNREADABLE_CSV as exc:
        raise SchemaError(f"{path}: not a readable CSV ({type(exc).__name__}: {exc})") from exc
    if "sport" not in raw.columns:
        if sport is None:
            raise SchemaError(f"{path}: no 'sport' column and no sport given")
        raw["sport"] = sport
    return conform(raw, str(path))
