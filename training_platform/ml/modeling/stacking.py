"""Stacking in time order: the meta-model learns from base-model forecasts of later weeks only.

scikit-learn's `StackingClassifier` gets its out-of-fold predictions from `cross_val_predict`,
which needs folds that cover every row, so each base model is fitted on weeks after the ones
it predicts. Here the folds are the expanding-window ones the rest of the platform uses.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metaestimators import _BaseComposition

EPS = 1e-6


def _logits(columns: list[np.ndarray]) -> np.ndarray:
    p = np.clip(np.column_stack(columns), EPS, 1 - EPS)
    return np.log(p / (1 - p))


class TimeSeriesStackingClassifier(ClassifierMixin, _BaseComposition):
    """`estimators` ((name, classifier) pairs) combined by `final_estimator` on their log-odds.

    The final estimator is fitted on out-of-fold forecasts from `n_splits` expanding-window
    folds over the game weeks (X's `game_date`); the base models are then refitted on all of X.
    Member parameters use the member's name: `logistic__model__C`.
    """

    def __init__(self, estimators=None, final_estimator=None, n_splits: int = 3):
        self.estimators = estimators
        self.final_estimator = final_estimator
        self.n_splits = n_splits

    def get_params(self, deep=True):
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        self._set_params("estimators", **params)
        return self

    def fit(self, X, y):
        from training_platform.ml.modeling.splits import ExpandingWindowSplit
        from training_platform.sources.weeks import week_start

        y = np.asarray(y, dtype=float)
        weeks = week_start(X["game_date"]).to_numpy()
        oof = np.full((len(y), len(self.estimators)), np.nan)
        for train, test in ExpandingWindowSplit(self.n_splits).split(X, y, weeks):
            for j, (_, estimator) in enumerate(self.estimators):
                oof[test, j] = clone(estimator).fit(X.iloc[train], y[train]).predict_proba(X.iloc[test])[:, 1]
        scored = ~np.isnan(oof).any(axis=1)
        final = self.final_estimator if self.final_estimator is not None else LogisticRegression()
        self.final_estimator_ = clone(final).fit(_logits(list(oof[scored].T)), y[scored])
        self.estimators_ = [clone(estimator).fit(X, y) for _, estimator in self.estimators]
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        base = [estimator.predict_proba(X)[:, 1] for estimator in self.estimators_]
        return self.final_estimator_.predict_proba(_logits(base))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)
