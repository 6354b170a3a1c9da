"""Out-of-sample evaluation in time order: every game scored by a model fitted before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone


def walk_forward_predict(
    estimator, X: pd.DataFrame, y: np.ndarray, weeks: pd.Series, test_mask: np.ndarray,
    trainable: np.ndarray | None = None, log=None,
) -> np.ndarray:
    """P(y=1) for the rows of `test_mask`, week by week.

    For each test week w, a clone of `estimator` is fitted on every `trainable` row (by
    default: every labelled row) whose week is before w, then scores week w. Returns NaN
    outside `test_mask`.
    """
    weeks = pd.to_datetime(pd.Series(weeks)).to_numpy()
    y = np.asarray(y, dtype=float)
    test_mask = np.asarray(test_mask, dtype=bool)
    labelled = ~np.isnan(y) if trainable is None else np.asarray(trainable, dtype=bool)
    out = np.full(len(y), np.nan)
    test_weeks = np.unique(weeks[test_mask])
    for i, week in enumerate(test_weeks):
        train = labelled & (weeks < week)
        if not train.any():
            raise ValueError(f"no labelled games before week {str(week)[:10]} to fit on")
        rows = test_mask & (weeks == week)
        model = clone(estimator).fit(X[train], y[train])
        out[rows] = model.predict_proba(X[rows])[:, 1]
        if log is not None and (i % 10 == 0 or i == len(test_weeks) - 1):
            log(f"walk-forward: week {str(week)[:10]} ({i + 1}/{len(test_weeks)}), fitted on {int(train.sum())} games")
    return out
