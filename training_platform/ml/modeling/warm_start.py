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

from training_platform.ml.features.elo import replay
from training_platform.ml.modeling.estimators import EloClassifier


def warm_update(model, X_new: pd.DataFrame, y_new: np.ndarray, extra_rounds: int = 10):
    """A copy of fitted `model` continued on the new rows; the original is untouched."""
    if isinstance(model, EloClassifier):
        updated = copy.deepcopy(model)
        margin = X_new["home_margin"].to_numpy(float)
        rows = zip(
            X_new["season"],
            X_new["home_team"],
            X_new["away_team"],
            X_new.get("neutral", pd.Series(False, index=X_new.index)).fillna(0).astype(bool),
            np.where(np.isnan(margin), None, margin),
        )
        _, state = replay(rows, ratings=updated.ratings_state())
        updated.ratings_, updated.last_season_ = dict(state.ratings), state.season
        return updated
    if isinstance(model, Pipeline) and type(model.steps[-1][1]).__name__ == "XGBClassifier":
        import xgboost

        updated = copy.deepcopy(model)
        classifier = updated.steps[-1][1]
        features = xgboost.DMatrix(updated[:-1].transform(X_new), label=np.asarray(y_new, dtype=float))
        # The low-level API, because a week may hold one class only (a Super Bowl week has one game),
        # which the scikit-learn wrapper refuses.
        classifier._Booster = xgboost.train(
            classifier.get_xgb_params(),
            features,
            num_boost_round=extra_rounds,
            xgb_model=classifier.get_booster(),
        )
        classifier.n_estimators = classifier.get_booster().num_boosted_rounds()
        return updated
    raise TypeError(f"no warm-start update for {type(model).__name__}; refit it instead")
