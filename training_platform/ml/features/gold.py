"""Gold features: one row per game, built from pre-game information only.

Every team statistic is shifted so a game sees only games that finished before it;
`test_features_leakage` perturbs later results and asserts nothing here moves.
The oracle column (`true_home_win_prob`) is carried for evaluation and read by no feature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.features.columns import (
    EVALUATION_COLUMNS,
    FEATURE_COLUMNS,
    FEATURE_VERSION,
    ID_COLUMNS,
    QB_BEFORE_LINEUPS,
    QB_DIFFERENCES,
    TARGET_COLUMNS,
)
from training_platform.ml.features.elo import EloParams, replay
from training_platform.ml.features.quarterbacks import qb_features
from training_platform.ml.features.team_context import read_venues, travel
from training_platform.sources.odds import vig_free_probability
from training_platform.sports import configured

FORM_WINDOW = 5
REST_CAP_DAYS = 14


def default_elo(sport: str) -> EloParams:
    """The sport's Elo defaults from the sports file (FiveThirtyEight's settings for NFL, NBA, MLB)."""
    sports = configured()
    return EloParams(**sports[sport].elo) if sport in sports else EloParams()


def _venues(sport: str) -> pd.DataFrame | None:
    venues = configured()[sport].venues if sport in configured() else None
    return read_venues(venues) if venues is not None else None


def build_gold_features(games: pd.DataFrame, elo: EloParams | None = None) -> pd.DataFrame:
    """Features and targets for every game of one sport's history (any order in, game order out)."""
    games = games.sort_values(["game_date", "game_id"], kind="stable").reset_index(drop=True)
    if games.empty:
        return pd.DataFrame(columns=ID_COLUMNS + FEATURE_COLUMNS + TARGET_COLUMNS + EVALUATION_COLUMNS)
    sport = str(games["sport"].iloc[0])
    params = elo or default_elo(sport)
    margin = (games["home_score"] - games["away_score"]).astype("float64")
    played = margin.notna()

    out = games[ID_COLUMNS].copy()
    elo_rows = zip(
        games["season"],
        games["home_team"],
        games["away_team"],
        games["neutral"].fillna(False).astype(bool),
        margin.where(played, None),
    )
    pregame, _ = replay(elo_rows, params)
    out["elo_home_pre"], out["elo_away_pre"], out["elo_prob_home"] = pregame.T
    out["elo_diff"] = out["elo_home_pre"] - out["elo_away_pre"]

    team = _team_history(games, margin)
    for side in ("home", "away"):
        stats = team[team["side"] == side].set_index("row").sort_index()
        out[f"{side}_rest_days"] = stats["rest_days"]
        out[f"{side}_streak"] = stats["streak"]
        out[f"{side}_form5"] = stats["form"]
        out[f"{side}_margin5"] = stats["margin_form"]
        out[f"{side}_qb_changed_last_game"] = stats["qb_changed_last_game"]
    out["rest_diff"] = out["home_rest_days"] - out["away_rest_days"]
    elo_prob_home = out["elo_prob_home"].to_numpy(float)
    quarterbacks = qb_features(games, elo_prob_home)
    out[quarterbacks.columns] = quarterbacks
    out[QB_DIFFERENCES] = _home_minus_away(quarterbacks).to_numpy()  # the form the models read
    unnamed = qb_features(games, elo_prob_home, starters_named=False)  # as served before lineups
    out[list(QB_BEFORE_LINEUPS.values())] = _home_minus_away(unnamed).to_numpy()
    moves = travel(games, _venues(sport))
    out["away_travel_km"], out["timezone_shift"] = moves["away_travel_km"], moves["timezone_shift"]

    out["divisional"] = games["divisional"].astype("float64")
    out["neutral"] = games["neutral"].astype("float64")
    out["market_prob_home"] = vig_free_probability(
        games["home_moneyline"].astype("float64"), games["away_moneyline"].astype("float64")
    )
    for column in ("spread_line", "total_line"):
        out[column] = games[column].astype("float64")
    # A fixed dome is known at scheduling; a retractable roof is opened or closed on game day.
    out["dome"] = games["roof"].eq("dome").astype("float64").where(games["roof"].notna())

    total = (games["home_score"] + games["away_score"]).astype("float64")
    spread = games["spread_line"].astype("float64")
    total_line = games["total_line"].astype("float64")
    out["home_margin"] = margin
    out["total_points"] = total
    # Ties have no moneyline winner; unplayed games have no targets at all.
    out["home_win"] = np.where(margin > 0, 1.0, np.where(margin < 0, 0.0, np.nan))
    out["home_cover"] = np.where(margin > spread, 1.0, np.where(margin < spread, 0.0, np.nan))
    out["spread_push"] = (margin == spread).astype("float64").where(margin.notna() & spread.notna())
    out["over"] = np.where(total > total_line, 1.0, np.where(total < total_line, 0.0, np.nan))
    out["total_push"] = (total == total_line).astype("float64").where(total.notna() & total_line.notna())
    for column in EVALUATION_COLUMNS:
        out[column] = games[column].astype("float64")
    return out


def _home_minus_away(quarterbacks: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            difference: quarterbacks[f"home_{difference.removesuffix('_diff')}"]
            - quarterbacks[f"away_{difference.removesuffix('_diff')}"]
            for difference in QB_DIFFERENCES
        }
    )


def before_lineups(gold: pd.DataFrame) -> pd.DataFrame:
    """`gold` as a forecast made before the starters are named sees it: the QB differences the models read,
    replaced by their `*_before_lineups` twins (each team's last starter assumed). How every forecast from a
    source naming no coming starter (nflverse) is made, and so how reports score every game: a source that
    names them serves forecasts at least this well informed. Unchanged where gold has no twins."""
    present = {named: twin for named, twin in QB_BEFORE_LINEUPS.items() if twin in gold}
    if not present:
        return gold
    return gold.assign(**{named: gold[twin] for named, twin in present.items()})


def _team_history(games: pd.DataFrame, margin: pd.Series) -> pd.DataFrame:
    """Per (game, side) pre-game team statistics: rest, streak, recent form, QB change."""
    sides = []
    for side, sign in (("home", 1.0), ("away", -1.0)):
        sides.append(
            pd.DataFrame(
                {
                    "row": games.index,
                    "side": side,
                    "team": games[f"{side}_team"],
                    "date": pd.to_datetime(games["game_date"]),
                    "season": games["season"],
                    "margin": sign * margin,
                    "qb": games[f"{side}_qb_id"],
                }
            )
        )
    long = pd.concat(sides).sort_values(["team", "date", "row"], kind="stable").reset_index(drop=True)
    by_team = long.groupby("team", sort=False)

    previous_date = by_team["date"].shift(1)
    same_season = by_team["season"].shift(1) == long["season"]
    long["rest_days"] = (long["date"] - previous_date).dt.days.where(same_season).clip(upper=REST_CAP_DAYS)

    won = np.sign(long["margin"])  # +1 win, -1 loss, 0 tie, NaN unplayed
    long["form"] = (
        (won > 0)
        .astype(float)
        .where(won.notna())
        .groupby(long["team"])
        .transform(lambda s: s.shift(1).rolling(FORM_WINDOW, min_periods=1).mean())
    )
    long["margin_form"] = by_team["margin"].transform(
        lambda s: s.shift(1).rolling(FORM_WINDOW, min_periods=1).mean()
    )
    long["streak"] = _streaks(long["team"].to_numpy(), won.to_numpy())
    # Known at scheduling, from earlier games' starters only: did the team's last game have a different
    # starter from the game before it (an injury, a benching)? The game's own is ml/features/quarterbacks.py.
    last_qb, qb_before = by_team["qb"].shift(1), by_team["qb"].shift(2)
    long["qb_changed_last_game"] = (
        (last_qb != qb_before).astype(float).where(last_qb.notna() & qb_before.notna())
    )
    return long


def _streaks(teams: np.ndarray, won: np.ndarray) -> np.ndarray:
    """Signed run of wins (+) or losses (-) before each game; rows grouped by team in order."""
    out = np.zeros(len(teams))
    current, last_team = 0.0, None
    for i, (team, result) in enumerate(zip(teams, won)):
        if team != last_team:
            current, last_team = 0.0, team
        out[i] = current
        if np.isnan(result) or result == 0:
            current = 0.0 if result == 0 else current
        elif np.sign(result) == np.sign(current) or current == 0:
            current += result
        else:
            current = result
    return out


def require_current_features(gold: pd.DataFrame) -> None:
    """Refuse gold rows that older code built: their new feature columns read empty (the warehouse widens
    the table, it cannot compute them), so a model fitted across them learns that games lacked the
    feature. The message names the weeks to rebuild."""
    if "feature_version" not in gold:  # a frame built in memory, not read from the warehouse
        return
    stale = gold[gold["feature_version"].fillna("") != FEATURE_VERSION]
    if stale.empty:
        return
    weeks = pd.to_datetime(stale["partition_week"])
    sport = str(stale["sport"].iloc[0])
    versions = sorted(set(stale["feature_version"].fillna("unversioned")))
    raise ValueError(
        f"features/gold of {sport} holds {len(stale)} games of feature version {', '.join(versions)}, "
        f"built by older code; this code builds {FEATURE_VERSION}. Rebuild those weeks first: dagster "
        f"asset materialize --select features/gold --partition-range "
        f"'{sport}|{weeks.min():%Y-%m-%d}...{sport}|{weeks.max():%Y-%m-%d}'"
    )
