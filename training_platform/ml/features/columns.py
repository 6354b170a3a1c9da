"""The gold table's columns and when each feature is known: plain lists, read when the Dagster
definitions load (features/gold.py builds the values)."""

from training_platform.sources.schema import ODDS_COLUMNS

FEATURE_VERSION = "gold-v4"  # v2: known before kickoff; v3: QB rating, travel; v4: spread/total odds
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
    "home_qb_rating",
    "away_qb_rating",
    "qb_rating_diff",
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
# when predictions/<sport> runs: the schedule, earlier results and, once posted, the lines. Weather
# and the starting QBs are known at kickoff, so no feature reads them for the game itself; the QB
# flag says whether the team's previous game had a different starter than the one before it, and the
# QB rating is that previous starter's (ml/features/team_context.py). Travel comes from the schedule.
FEATURE_KNOWN_AT = {
    **{column: "scheduling" for column in FEATURE_COLUMNS},
    **{column: "lines" for column in ("market_prob_home", "spread_line", "total_line")},
}
MARKET_COLUMNS = [c for c in FEATURE_COLUMNS if FEATURE_KNOWN_AT[c] == "lines"]
# Built and checked for leakage like every feature, but not read by the moneyline models: measured on
# nflverse 2010-22 walk-forward (nested, identical games), adding them cost the market-free logistic
# 0.0006 Brier (0.2200 -> 0.2206) and market_correction 0.0001; the last starter's rating says little
# that Elo does not (the game's own starter is known only at kickoff). Kept for the spread and totals
# models to come and for models a user builds.
NOT_READ_BY_MONEYLINE_MODELS = (
    "home_qb_rating",
    "away_qb_rating",
    "qb_rating_diff",
    "away_travel_km",
    "timezone_shift",
)
MODEL_FEATURES = [c for c in FEATURE_COLUMNS if c not in NOT_READ_BY_MONEYLINE_MODELS]
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
