"""Walk-forward backtest: every game of the last seasons scored by a model fitted only on
earlier weeks, with the baselines and betting results on the identical games."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from training_platform.ml.evaluation.betting import BettingRules, betting_metrics
from training_platform.ml.evaluation.metrics import paired_difference, probability_metrics
from training_platform.ml.evaluation.validation import walk_forward_predict
from training_platform.ml.modeling.catalog import BACKTEST_SEASONS

PREDICTION_COLUMNS = [
    "game_id",
    "game_date",
    "partition_week",
    "season",
    "home_team",
    "away_team",
    "home_moneyline",
    "away_moneyline",
]


# Baselines read from the gold table; the constant and the champion are computed.
BASELINE_COLUMNS = {"market": "market_prob_home", "elo": "elo_prob_home", "oracle": "true_home_win_prob"}
# What each variant must be measured against: a model that reads the line against the line itself,
# a market-free one against the market-free forecaster everyone has, Elo.
ANCHOR_OF_VARIANT = {"market_aware": "market", "market_free": "elo"}


def anchor_comparison(report: dict, variant: str) -> dict:
    """{"anchor": name, games, brier_diff, brier_diff_se, log_loss_diff, log_loss_diff_se}: the model
    minus its variant's anchor on the games both scored (< 0: the model is better); games 0 when the
    report has no such baseline (no lines in the window)."""
    anchor = ANCHOR_OF_VARIANT[variant]
    base = report["baselines"].get(anchor)
    return {"anchor": anchor, **(base["model_minus_this"] if base else {"games": 0})}


def backtest_seasons(gold: pd.DataFrame, seasons: int = BACKTEST_SEASONS) -> list[int]:
    """The last `seasons` seasons with results, keeping at least one earlier season to train on."""
    played = sorted(gold.loc[gold["home_win"].notna(), "season"].unique().tolist())
    if len(played) < 2:
        raise ValueError(f"a backtest needs results from at least two seasons; found {played or 'none'}")
    return [int(s) for s in played[-min(seasons, len(played) - 1) :]]


def game_window(frame: pd.DataFrame) -> dict[str, str]:
    """{"first_game_date", "last_game_date"} of a frame of games."""
    dates = pd.to_datetime(frame["game_date"])
    return {"first_game_date": f"{dates.min():%Y-%m-%d}", "last_game_date": f"{dates.max():%Y-%m-%d}"}


def walk_forward_backtest(
    estimator,
    gold: pd.DataFrame,
    seasons: int = BACKTEST_SEASONS,
    refit_every_weeks: int = 1,
    rules: BettingRules = BettingRules(),
    champion: pd.DataFrame | None = None,
    log=None,
) -> dict:
    """Metrics of `estimator`'s hyperparameters out of sample, pooled and per season.

    Baselines on the same games: the home-win rate of all seasons before each game's season,
    the vig-free closing moneyline, Elo at the sport's default settings (the gold table's pre-game
    `elo_prob_home`, the anchor of a market-free model), the true probability (synthetic data only) and, given
    `champion` (game_id, p_home: the champion's own walk-forward forecasts), the champion.
    """
    gold = gold.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    y = gold["home_win"].to_numpy(float)
    window = backtest_seasons(gold, seasons)
    test = np.isin(gold["season"].to_numpy(), window) & ~np.isnan(y)
    p_model = walk_forward_predict(
        clone(estimator), gold, y, gold["partition_week"], test, log=log, refit_every_weeks=refit_every_weeks
    )
    frame = gold.loc[test, [c for c in PREDICTION_COLUMNS if c in gold]].copy()
    frame["p_home"], frame["home_win"] = p_model[test], y[test]
    frame = frame.reset_index(drop=True)

    baselines = {"constant_home_rate": _constant_rate(gold, y, frame["season"])}
    for name, column in BASELINE_COLUMNS.items():
        if column in gold and gold.loc[test, column].notna().any():
            baselines[name] = gold.loc[test, column].to_numpy(float)
    if champion is not None and not champion.empty:
        baselines["champion"] = frame["game_id"].map(champion.set_index("game_id")["p_home"]).to_numpy(float)
    for name, p in baselines.items():
        frame[f"p_{name}"] = p

    report = {
        "seasons": window,
        "games": int(test.sum()),
        "refit_every_weeks": refit_every_weeks,
        "backtest_window": game_window(frame),
        "model": probability_metrics(frame["home_win"], frame["p_home"]),
        "per_season": {
            int(s): probability_metrics(g["home_win"], g["p_home"]) for s, g in frame.groupby("season")
        },
        "baselines": {name: _compare(frame, f"p_{name}") for name in baselines},
        "betting": betting_metrics(frame, rules)
        if {"home_moneyline", "away_moneyline"} <= set(frame)
        else {"bets": 0},
    }
    report["predictions"] = frame
    return report


def _constant_rate(gold: pd.DataFrame, y: np.ndarray, seasons: pd.Series) -> np.ndarray:
    """For each game, the home-win rate of every labelled game in the seasons before its own."""
    labelled = ~np.isnan(y)
    rate = {s: y[labelled & (gold["season"].to_numpy() < s)].mean() for s in seasons.unique()}
    return seasons.map(rate).to_numpy(float)


def _compare(frame: pd.DataFrame, column: str) -> dict:
    both = frame[frame[column].notna()]
    return {
        **probability_metrics(both["home_win"], both[column]),
        "model_on_same_games": probability_metrics(both["home_win"], both["p_home"]),
        "model_minus_this": paired_difference(both["home_win"], both["p_home"], both[column]),
        "brier_per_season": {
            int(s): probability_metrics(g["home_win"], g[column])["brier"] for s, g in both.groupby("season")
        },
    }
