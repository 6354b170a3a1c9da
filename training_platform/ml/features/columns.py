"""The gold table's columns and when each feature is known: plain lists, read when the Dagster
definitions load (features/gold.py builds the values)."""

from training_platform.sources.schema import ODDS_COLUMNS

FEATURE_VERSION = "gold-v6"  # v2: known before kickoff; v3: QB rating, travel; v4: spread/total odds;
# v5: the game's own named starting QB; v6: the QB differences as made before lineups
QB_PER_SIDE = ("qb_rating", "qb_rating_change", "qb_new_starter", "qb_starts", "qb_recent_share", "qb_named")
QB_DIFFERENCES = [f"{name}_diff" for name in QB_PER_SIDE if name != "qb_named"]
# The same differences as a forecast made before its starters are named takes them (each team's last
# starter assumed): reports score every game this way, as a forecast served from nflverse is made.
QB_BEFORE_LINEUPS = {difference: f"{difference}_before_lineups" for difference in QB_DIFFERENCES}
QB_COLUMNS = [f"{side}_{name}" for side in ("home", "away") for name in QB_PER_SIDE] + QB_DIFFERENCES
ID_COLUMNS = ["game_id", "sport", "season", "game_type", "game_date", "home_team", "away_team"]
FEATURE_COLUMNS = [
    "elo_home_pre",
    "elo_away_pre",
    "elo_diff",
    "elo_prob_home",
    "home_rest_days",
    "away_rest_days",
    "rest_diff",
    "home_streak",
    "away_streak",
    "home_form5",
    "away_form5",
    "home_margin5",
    "away_margin5",
    "home_qb_changed_last_game",
    "away_qb_changed_last_game",
    *QB_COLUMNS,
    *QB_BEFORE_LINEUPS.values(),
    "away_travel_km",
    "timezone_shift",
    "divisional",
    "neutral",
    "market_prob_home",
    "spread_line",
    "total_line",
    "dome",
]
# When each feature is known (sources.schema.KNOWN_AT_STAGES). Features come only from what is known
# when predictions/<sport> runs: the schedule, earlier results, once posted the lines and once named the
# starting QBs (ml/features/quarterbacks.py: until a starter is named, the team's last one is assumed).
# Weather is known at kickoff, so no feature reads it. Travel comes from the schedule.
FEATURE_KNOWN_AT = {
    **{column: "scheduling" for column in FEATURE_COLUMNS},
    **{column: "lines" for column in ("market_prob_home", "spread_line", "total_line")},
    **{column: "lineups" for column in QB_COLUMNS},
}
MARKET_COLUMNS = [c for c in FEATURE_COLUMNS if FEATURE_KNOWN_AT[c] == "lines"]
# Built and checked for leakage like every feature, but not read by the models. Travel: on nflverse
# 2010-22 walk-forward (nested, identical games) it cost the market-free logistic 0.0006 Brier and
# market_correction 0.0001. The QB features are read as home-minus-away differences (chosen on 2004-11:
# the market-free logistic's Brier 0.2193 -> 0.2180 there), except the rating's own difference, which
# Elo already carries; the per-side columns are for reading a game, `*_qb_named` for serving, and the
# `*_before_lineups` twins for scoring a model as it is served (ml/features/gold.before_lineups).
NOT_READ_BY_MODELS = (
    *(c for c in QB_COLUMNS if c not in QB_DIFFERENCES),
    *QB_BEFORE_LINEUPS.values(),
    "qb_rating_diff",
    "away_travel_km",
    "timezone_shift",
)
MODEL_FEATURES = [c for c in FEATURE_COLUMNS if c not in NOT_READ_BY_MODELS]
TARGET_COLUMNS = [
    "home_win",
    "home_margin",
    "total_points",
    "home_cover",
    "spread_push",
    "over",
    "total_push",
]
# What reports score and bet with, never a feature: the oracle and every market's odds.
EVALUATION_COLUMNS = ["true_home_win_prob", *ODDS_COLUMNS]
