"""Features about who plays and where, each known when the game is scheduled.

- A quarterback rating learned from history, in the spirit of FiveThirtyEight's QB-adjusted Elo: every
  starter has a value, the average of how far his team's results beat its Elo expectation in his starts
  (exponentially weighted, so recent starts count most). The game's own starter is known only at
  kickoff, so a team's feature is the value of the last starter it is known to have had (its last game's,
  unless the source left that one blank): after a backup starts once, the forecast moves. Results update values only after the whole game day, so no game sees its own day.
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

QB_WEIGHT = 0.1  # each start's share of a QB's value (538 blends a game at 0.1 too)
EARTH_KM = 6371.0


def qb_ratings(games: pd.DataFrame, elo_prob_home: np.ndarray) -> pd.DataFrame:
    """home_qb_rating, away_qb_rating: the value of each team's previous starter before the game day.
    `games` sorted by date (as gold sorts them)."""
    out = pd.DataFrame(np.nan, index=games.index, columns=["home_qb_rating", "away_qb_rating"])
    if (
        not {"home_qb_id", "away_qb_id"} <= set(games)
        or games[["home_qb_id", "away_qb_id"]].isna().all().all()
    ):
        return out
    if not pd.to_datetime(games["game_date"]).is_monotonic_increasing:  # day boundaries need date order
        raise ValueError("qb_ratings needs games sorted by game_date (as build_gold_features sorts them)")
    margin = (games["home_score"] - games["away_score"]).to_numpy(float)
    home_result = np.where(
        margin > 0, 1.0, np.where(margin < 0, 0.0, np.where(np.isnan(margin), np.nan, 0.5))
    )
    residual = home_result - elo_prob_home  # + when the home side beat its Elo expectation
    teams = {side: games[f"{side}_team"].tolist() for side in ("home", "away")}
    starters = {side: games[f"{side}_qb_id"].tolist() for side in ("home", "away")}
    ratings = np.full((len(games), 2), np.nan)
    value: dict[str, float] = {}
    last_starter: dict[str, str] = {}
    dates = pd.to_datetime(games["game_date"]).to_numpy()
    bounds = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1], True])  # games arrive sorted by date
    for first, stop in zip(bounds[:-1], bounds[1:]):
        for row in range(first, stop):  # features first, from earlier days only
            for column, side in enumerate(("home", "away")):
                qb = last_starter.get(teams[side][row])
                ratings[row, column] = value.get(qb, np.nan) if qb is not None else np.nan
        for row in range(first, stop):  # then the day's starters and results
            for side, sign in (("home", 1.0), ("away", -1.0)):
                qb = starters[side][row]
                if qb is None or qb is pd.NA or (isinstance(qb, float) and np.isnan(qb)):
                    continue
                last_starter[teams[side][row]] = qb
                if not np.isnan(residual[row]):
                    value[qb] = (1 - QB_WEIGHT) * value.get(qb, 0.0) + QB_WEIGHT * sign * residual[row]
    out[["home_qb_rating", "away_qb_rating"]] = ratings
    return out


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
