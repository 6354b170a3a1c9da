"""Out-of-sample evaluation in time order: every game scored by a model fitted before it."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import clone


def walk_forward_predict(
    estimator,
    X: pd.DataFrame,
    y: np.ndarray,
    weeks: pd.Series,
    test_mask: np.ndarray,
    trainable: np.ndarray | None = None,
    log=None,
    refit_every_weeks: int = 1,
) -> np.ndarray:
    """P(y=1) for the rows of `test_mask`, week by week, read from X (walk_forward_scores)."""
    return walk_forward_scores(
        estimator, X, y, weeks, test_mask, {"p": X}, trainable, log, refit_every_weeks
    )["p"]


def walk_forward_scores(
    estimator,
    X: pd.DataFrame,
    y: np.ndarray,
    weeks: pd.Series,
    test_mask: np.ndarray,
    scored: Mapping[str, pd.DataFrame],
    trainable: np.ndarray | None = None,
    log=None,
    refit_every_weeks: int = 1,
) -> dict[str, np.ndarray]:
    """{name: P(y=1)} for the rows of `test_mask`, week by week, each read from its frame of `scored`: the
    same games as they look at different times (as played; as served, before their starters are named), all
    scored by the same fits of X.

    For each block of `refit_every_weeks` consecutive test weeks, a clone of `estimator` is
    fitted on every `trainable` row (by default: every labelled row) before the block's
    first week, then scores the block. Returns NaN outside `test_mask`. An online model
    (Elo) updates itself game by game inside a block, so refitting it once a season gives
    the same forecasts as refitting weekly.
    """
    weeks = pd.to_datetime(pd.Series(weeks)).to_numpy()
    y = np.asarray(y, dtype=float)
    test_mask = np.asarray(test_mask, dtype=bool)
    labelled = ~np.isnan(y) if trainable is None else np.asarray(trainable, dtype=bool)
    out = {name: np.full(len(y), np.nan) for name in scored}
    test_weeks = np.unique(weeks[test_mask])
    blocks = [test_weeks[i : i + refit_every_weeks] for i in range(0, len(test_weeks), refit_every_weeks)]
    for i, block in enumerate(blocks):
        train = labelled & (weeks < block[0])
        if not train.any():
            raise ValueError(f"no labelled games before week {str(block[0])[:10]} to fit on")
        rows = test_mask & np.isin(weeks, block)
        model = clone(estimator).fit(X[train], y[train])
        for name, frame in scored.items():
            out[name][rows] = model.predict_proba(frame[rows])[:, 1]
        if log is not None and (i % 10 == 0 or i == len(blocks) - 1):
            log(
                f"walk-forward: weeks from {str(block[0])[:10]} ({i + 1}/{len(blocks)} fits), fitted on {int(train.sum())} games"
            )
    return out
