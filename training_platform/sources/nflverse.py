"""Reader for nflverse's `games.csv` (schedule, results and closing lines since 1999).

The file is read from a path or an http(s) URL; a URL is downloaded once and cached
under the cache directory, so weekly runs do not hit the network for history.
"""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path

import pandas as pd

from training_platform.sources.schema import SchemaError, conform

# One stable code per franchise, so a relocated team keeps its rating history.
FRANCHISE_CODES = {"STL": "LAR", "LA": "LAR", "SD": "LAC", "OAK": "LV"}
NFL_FRANCHISES = frozenset(
    "ARI ATL BAL BUF CAR CHI CIN CLE DAL DEN DET GB HOU IND JAX KC LAC LAR LV MIA MIN "
    "NE NO NYG NYJ PHI PIT SEA SF TB TEN WAS".split()
)
POSTSEASON_TYPES = {"WC", "DIV", "CON", "SB"}
_REQUIRED = ("game_id", "season", "game_type", "gameday", "home_team", "away_team")


def franchise(code: str) -> str:
    return FRANCHISE_CODES.get(code, code)


def read_nflverse_games(location: str | Path, cache_dir: Path | None = None) -> pd.DataFrame:
    """Read an nflverse games.csv (plain or .gz) into the canonical games schema."""
    path = _local_copy(str(location), cache_dir)
    try:
        raw = pd.read_csv(path, low_memory=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SchemaError(f"nflverse file {location}: not a readable CSV ({exc})") from exc
    return nflverse_to_games(raw, str(location))


def nflverse_to_games(raw: pd.DataFrame, source: str = "nflverse") -> pd.DataFrame:
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{source}: not an nflverse games file, missing column(s) {missing}"
        )
    get = lambda column: raw[column] if column in raw.columns else pd.NA  # noqa: E731
    games = pd.DataFrame(
        {
            "game_id": raw["game_id"],
            "sport": "nfl",
            "season": raw["season"],
            "game_type": raw["game_type"].map(lambda t: "POST" if t in POSTSEASON_TYPES else t),
            "week": get("week"),
            "game_date": raw["gameday"],
            "home_team": raw["home_team"].map(franchise),
            "away_team": raw["away_team"].map(franchise),
            "home_score": get("home_score"),
            "away_score": get("away_score"),
            "neutral": get("location").eq("Neutral") if "location" in raw.columns else pd.NA,
            "divisional": get("div_game"),
            "home_rest": get("home_rest"),
            "away_rest": get("away_rest"),
            "spread_line": get("spread_line"),
            "total_line": get("total_line"),
            "home_moneyline": get("home_moneyline"),
            "away_moneyline": get("away_moneyline"),
            "home_spread_odds": get("home_spread_odds"),
            "away_spread_odds": get("away_spread_odds"),
            "over_odds": get("over_odds"),
            "under_odds": get("under_odds"),
            "roof": get("roof"),
            "surface": get("surface"),
            "temp": get("temp"),
            "wind": get("wind"),
            "home_qb_id": get("home_qb_id"),
            "away_qb_id": get("away_qb_id"),
        }
    )
    return conform(games, source)


def _local_copy(location: str, cache_dir: Path | None) -> Path:
    if not location.startswith(("http://", "https://")):
        path = Path(location).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"nflverse games file not found: {path}")
        return path
    if cache_dir is None:
        raise ValueError("a cache directory is needed to read nflverse games from a URL")
    digest = hashlib.sha256(location.encode()).hexdigest()[:16]
    cached = Path(cache_dir) / f"nflverse-{digest}-{Path(location).name}"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(cached.suffix + ".part")
        with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310
            partial.write_bytes(response.read())
        partial.rename(cached)  # only a complete download becomes the cache
    return cached
