"""Which source feeds each sport, chosen by a spec string.

`synthetic` (the default), `nflverse:<path or URL>`, `csv:<path>` (the generic schema, or the file's own
layout through the sports file's `csv_columns`) or `fivethirtyeight:<path>`. A spec is read once per
process; files are re-read when they change on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from training_platform.sources.csv_games import read_games_csv
from training_platform.sources.mapped_csv import mapped, read_fivethirtyeight, read_table
from training_platform.sources.nflverse import NFL_FRANCHISES, read_nflverse_games
from training_platform.sources.schema import as_upcoming
from training_platform.sources.synthetic import generate_league, synthetic_teams
from training_platform.sources.synthetic_specs import DEFAULT_SEASONS, DEFAULT_SEED, first_synthetic_season
from training_platform.sources.weeks import week_start
from training_platform.sports import configured

KINDS = ("synthetic", "nflverse", "csv", "fivethirtyeight")


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    location: str | None = None

    @classmethod
    def parse(cls, spec: str) -> SourceSpec:
        kind, _, location = spec.strip().partition(":")
        if kind not in KINDS:
            raise ValueError(
                f"unknown games source {spec!r}; use one of: synthetic, nflverse:<path or URL>, csv:<path>, "
                "fivethirtyeight:<path>"
            )
        if kind != "synthetic" and not location:
            raise ValueError(f"games source {spec!r} needs a location, e.g. {kind}:/path/to/games.csv")
        return cls(kind, location or None)


def load_games(
    spec: SourceSpec,
    sport: str,
    cache_dir: Path,
    seed: int = DEFAULT_SEED,
    seasons: int = DEFAULT_SEASONS,
    upcoming_weeks: int = 0,
) -> pd.DataFrame:
    """Every game the source has for `sport`, in the canonical schema.

    For the synthetic league, the last `upcoming_weeks` weeks are left unplayed (no scores), so
    the embedded default has a coming week for predictions/<sport> to score.
    """
    if spec.kind == "synthetic":
        games = generate_league(
            sport, seed=seed, first_season=first_synthetic_season(seasons), seasons=seasons
        )
        return _unplayed_tail(games, upcoming_weeks)
    if spec.kind == "nflverse" and sport != "nfl":
        raise ValueError(f"the nflverse source only has NFL games, not {sport}")
    stamp = _modified(spec.location)
    games = _read_file(spec, sport, str(cache_dir), stamp)
    return games[games["sport"] == sport].reset_index(drop=True)


def _unplayed_tail(games: pd.DataFrame, weeks: int) -> pd.DataFrame:
    if weeks <= 0:
        return games
    starts = week_start(games["game_date"])
    upcoming = starts >= starts.max() - pd.Timedelta(weeks=weeks - 1)
    # blank what a real source lacks, not only the scores: nflverse names no starter before the game either
    return as_upcoming(games, upcoming.to_numpy(), starters_named=False)


def known_teams(spec: SourceSpec, sport: str) -> frozenset[str] | None:
    """The franchises a source may name; None where the source defines no list."""
    if spec.kind == "synthetic":
        return frozenset(synthetic_teams(sport))
    if spec.kind == "nflverse":
        return NFL_FRANCHISES
    return None


def _modified(location: str | None) -> float:
    path = Path(location or "")
    return path.stat().st_mtime if path.exists() else 0.0


@lru_cache(maxsize=8)
def _read_file(spec: SourceSpec, sport: str, cache_dir: str, stamp: float) -> pd.DataFrame:
    if spec.kind == "nflverse":
        return read_nflverse_games(spec.location, Path(cache_dir))
    if spec.kind == "fivethirtyeight":
        return read_fivethirtyeight(spec.location, sport)
    own = configured().get(sport)
    if own is not None and own.csv_columns:  # the file's own layout, mapped by the sports file
        raw = read_table(spec.location, "games CSV")
        return mapped(raw, sport, spec.location, own.csv_columns, own.csv_values, own.csv_spread_favourite)
    return read_games_csv(spec.location, sport=sport)
