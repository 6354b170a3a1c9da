"""Where a game is played, known when it is scheduled (the quarterbacks are ml/features/quarterbacks.py).

- Travel: the away team's great-circle distance to the venue and the time-zone change it makes (hours
  east), from the sports file's `venues` table (team, seasons, latitude, longitude, UTC offset: standard
  time, so Arizona's summer hour against Pacific teams is not modelled). Games the source marks neutral,
  and sports without a table, have none; a home game played away from home (London games the source
  calls home games) is measured to the home team's city.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from training_platform.sports import VENUE_COLUMNS

EARTH_KM = 6371.0


def read_venues(path: Path) -> pd.DataFrame:
    try:
        venues = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"venues file {path} is not a readable CSV: {exc}") from None
    missing = [c for c in VENUE_COLUMNS if c not in venues.columns]
    if missing:
        raise ValueError(f"venues file {path} lacks column(s) {missing}; it needs {', '.join(VENUE_COLUMNS)}")
    return venues


def travel(games: pd.DataFrame, venues: pd.DataFrame | None) -> pd.DataFrame:
    """away_travel_km and timezone_shift (hours the away team moves east) per game."""
    out = pd.DataFrame(np.nan, index=games.index, columns=["away_travel_km", "timezone_shift"])
    if venues is None:
        return out
    where = {}
    for side in ("home", "away"):
        frame = games[[f"{side}_team", "season"]].reset_index().rename(columns={f"{side}_team": "team"})
        located = frame.merge(venues, on="team", how="left")
        located = located[located["season"].between(located["first_season"], located["last_season"])]
        where[side] = located.drop_duplicates("index").set_index("index").reindex(games.index)
    home, away = where["home"], where["away"]
    lat1, lon1, lat2, lon2 = (
        np.radians(v.to_numpy(float))
        for v in (away["latitude"], away["longitude"], home["latitude"], home["longitude"])
    )
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    neutral = games["neutral"].fillna(False).astype(bool).to_numpy()
    out["away_travel_km"] = np.where(neutral, np.nan, 2 * EARTH_KM * np.arcsin(np.sqrt(a)))
    out["timezone_shift"] = np.where(
        neutral, np.nan, (home["utc_offset"] - away["utc_offset"]).to_numpy(float)
    )
    return out
