"""Weekly warm-start updates: continue a fitted model with the new week's games only.

Elo replays just the new games from its current ratings; XGBoost adds boosting rounds
fitted on the new games, keeping the fitted preprocessing. The platform's default is a
full refit (see bench/results.json: warm_start_*): a full Elo refit costs milliseconds,
and a warm-started booster only ever adds trees fitted on one week.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from training_platform.ml.elo import replay
from training_platform.ml.estimators import EloClassifier


def warm_update(model, X_new: pd.DataFrame, y_new: np.ndarray, extra_rounds: int = 10):
    """A copy of fitted `model` continued on the new rows; the original is untouched."""
    if isinstance(model, EloClassifier):
        updated = copy.deepcopy(model)
        margin = X_new["home_margin"].to_numpy(float)
        rows = zip(X_new["season"], X_new["home_team"], X_new["away_team"],
                   X_new.get("neutral", pd.Series(False, index=X_new.index)).fillna(0).astype(bool),
                   np.where(np.isnan(margin), None, margin))
        _, state = replay(rows, ratings=updated.ratings_state())
        updated.ratings_, updated.last_season_ = dict(state.ratings), state.season
        return updated
    if isinstance(model, Pipeline) and type(model.steps[-1][1]).__name__ == "XGBClassifier":
        updated = copy.deepcopy(model)
        booster = updated.steps[-1][1]
        features = updated[:-1].transform(X_new)
        continued = booster.__class__(**{**booster.get_params(), "n_estimators": extra_rounds})
        continued.fit(features, np.asarray(y_new, dtype=int), xgb_model=booster.get_booster())
        updated.steps[-1] = (updated.steps[-1][0], continued)
        return updated
    raise TypeError(f"no warm-start update for {type(model).__name__}; refit it instead")
