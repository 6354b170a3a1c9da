"""Scoring fixtures with a fitted champion."""

from __future__ import annotations

import pandas as pd

from training_platform.ml.features.columns import MARKET_COLUMNS
from training_platform.ml.features.gold import require_current_features
from training_platform.ml.serving.compiled import compile_predictor

FIXTURE_COLUMNS = ["game_id", "game_date", "partition_week", "season", "home_team", "away_team"]


def coming_week(gold: pd.DataFrame, week: str | None = None) -> tuple[str | None, pd.DataFrame]:
    """The games of `week` (a partition week, YYYY-MM-DD, every game of it), or else the games without a
    result of the earliest week holding one from the last played week on: an old game without a result
    (postponed, or a result a source blanked) is never "the coming week". Returns (week, games in date
    order); (None, empty) when nothing is scheduled."""
    if gold.empty:
        return None, gold
    weeks = pd.to_datetime(gold["partition_week"]).dt.strftime("%Y-%m-%d")
    if week is None:
        played = weeks[gold["home_margin"].notna()]
        since = played.max() if len(played) else weeks.min()
        unplayed = weeks[gold["home_margin"].isna() & (weeks >= since)]
        if unplayed.empty:
            return None, gold.iloc[0:0]
        week = unplayed.min()
        chosen = (weeks == week) & gold["home_margin"].isna()  # the coming games only, not the played ones
    elif week not in set(weeks):
        raise ValueError(f"no games stored for week {week}; stored weeks run {weeks.min()}..{weeks.max()}")
    else:
        chosen = weeks == week
    games = gold[chosen]
    require_current_features(games)  # older code's rows lack the new feature columns: refuse, naming the fix
    return week, games.sort_values(["game_date", "game_id"]).reset_index(drop=True)


def lacks_market(games: pd.DataFrame) -> pd.Series:
    """Games whose lines are not posted yet: a market-aware model cannot score them."""
    return games[MARKET_COLUMNS].isna().any(axis=1)


def assumed_starters(games: pd.DataFrame) -> pd.Series:
    """Games a side of which the source names no starting QB for, so the features assumed the team's last
    starter (ml/features/quarterbacks.py), or knew none (a team's first game, none named), as reports score
    every game (ml/features/gold.before_lineups). A sport without starters has no game flagged."""
    named = games[[c for c in ("home_qb_named", "away_qb_named") if c in games]]
    has_starters = bool(named.notna().to_numpy().any())
    return (named.eq(0) | (named.isna() & has_starters)).any(axis=1)


def score(estimator, games: pd.DataFrame) -> pd.DataFrame:
    """P(home win) and P(away win) for each game, next to the fixture, and whether a starter was assumed."""
    out = games[[c for c in FIXTURE_COLUMNS if c in games]].copy()
    predict_home, _ = compile_predictor(estimator)
    p_home = predict_home(games) if len(games) else []
    out["p_home"] = p_home
    out["p_away"] = 1 - out["p_home"]
    out["starter_assumed"] = assumed_starters(games).to_numpy()
    return out
