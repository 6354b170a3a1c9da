"""Hold-out evaluation of a model against baselines on the identical games."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from training_platform.ml.metrics import probability_metrics
from training_platform.ml.validation import walk_forward_predict


def evaluate_last_season(estimator, gold: pd.DataFrame, log=None, refit_every_weeks: int = 1) -> dict:
    """Walk-forward over the most recent season with results: each week scored by a clone
    of `estimator` (same hyperparameters) fitted only on games of earlier weeks.

    Returns the model's metrics and, on the same games, those of the constant
    home-win rate of earlier seasons, the vig-free market, and the oracle where present.
    """
    gold = gold.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    played = gold["home_margin"].notna().to_numpy()
    if not played.any():
        raise ValueError("no played games to evaluate on")
    y = gold["home_win"].to_numpy(float)
    season = int(gold.loc[played, "season"].max())
    test = played & (gold["season"].to_numpy() == season) & ~np.isnan(y)
    earlier = played & (gold["season"].to_numpy() < season) & ~np.isnan(y)
    if not earlier.any():
        raise ValueError(f"no season before {season} to train on; at least two seasons are needed")
    p_model = walk_forward_predict(clone(estimator), gold, y, gold["partition_week"], test, log=log,
                                   refit_every_weeks=refit_every_weeks)

    baselines = {"constant_home_rate": np.where(test, y[earlier].mean(), np.nan)}
    for name, column in (("market", "market_prob_home"), ("oracle", "true_home_win_prob")):
        if column in gold and gold.loc[test, column].notna().any():
            baselines[name] = gold[column].to_numpy(float)
    report = {
        "season": season,
        "games": int(test.sum()),
        "trained_on_games_before": int(earlier.sum()),
        "refit_every_weeks": refit_every_weeks,
        "model": probability_metrics(y[test], p_model[test]),
        "baselines": {},
    }
    for name, p_base in baselines.items():
        both = test & ~np.isnan(p_base)
        report["baselines"][name] = {
            **probability_metrics(y[both], p_base[both]),
            "model_on_same_games": probability_metrics(y[both], p_model[both]),
        }
    report["predictions"] = pd.DataFrame({
        "game_id": gold.loc[test, "game_id"], "game_date": gold.loc[test, "game_date"],
        "home_team": gold.loc[test, "home_team"], "away_team": gold.loc[test, "away_team"],
        "p_home": p_model[test], "home_win": y[test],
    }).reset_index(drop=True)
    return report
