"""Seconds per Optuna trial of each tree model on the real NFL history (the seasons before the backtest
window, 5 expanding-window folds, pruning on), and the best CV log loss it reaches; random_forest beside
the search space it had before (fewer, sample-bootstrapped trees now), in the same run."""

from __future__ import annotations

import tempfile
import time

from bench.foundation import result
from bench.training import nfl_training_rows
from training_platform.ml.modeling.training import default_splitter
from training_platform.ml.modeling.tuning import search_space, tune
from training_platform.ml.modeling.zoo import make_model

TRIALS = 20
PREVIOUS_RANDOM_FOREST = {  # search_spaces/random_forest.yaml before the change
    "optuna": {
        "model__n_estimators": {"type": "int", "low": 100, "high": 500},
        "model__max_depth": {"type": "int", "low": 3, "high": 12},
        "model__min_samples_leaf": {"type": "int", "low": 5, "high": 100, "log": True},
        "model__max_features": {"type": "float", "low": 0.3, "high": 1.0},
    }
}


def _study(model: str, space: dict, X, y, weeks) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        found = tune(
            make_model(model, "nfl", seed=1),
            space,
            X,
            y,
            weeks,
            default_splitter(5),
            method="optuna",
            n_trials=TRIALS,
            storage=f"{tmp}/study.journal",
            study_name=model,
            seed=7,
            log=lambda _: None,
        )
    return (time.perf_counter() - began) / TRIALS, found.best_score


def bench_trial_speed() -> list[dict]:
    X, y, weeks = nfl_training_rows()
    early = (X["season"] < sorted(X["season"].unique())[-5]).to_numpy()  # tuning never sees the backtest
    X, y, weeks = X[early].reset_index(drop=True), y[early], weeks[early]
    rows = []
    xgboost_seconds, _ = _study("xgboost", search_space("xgboost"), X, y, weeks)
    for model in ("hist_gradient_boosting", "random_forest"):
        seconds, best = _study(model, search_space(model), X, y, weeks)
        rows.append(
            result(f"optuna_trial_seconds_{model}", seconds, "s/trial", "an xgboost trial", xgboost_seconds)
        )
        if model == "random_forest":
            before_seconds, before_best = _study(model, PREVIOUS_RANDOM_FOREST, X, y, weeks)
            rows.append(
                result("optuna_trial_seconds_random_forest_previous_space", before_seconds, "s/trial")
            )
            rows.append(
                result(
                    "optuna_best_cv_log_loss_random_forest",
                    best,
                    "log loss",
                    "the previous space",
                    before_best,
                )
            )
        else:
            rows.append(result(f"optuna_best_cv_log_loss_{model}", best, "log loss"))
    print(f"  {TRIALS} TPE trials each on the NFL seasons before the backtest; target < 2 s per trial")
    return rows
