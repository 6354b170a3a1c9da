"""Time-series cross-validation over game weeks: train always ends before test begins.

Both splitters follow scikit-learn's splitter protocol (`split(X, y, groups)` with the
game week of each row as `groups`), so any estimator and `cross_validate` can use them.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import BaseCrossValidator


def _week_codes(groups) -> tuple[np.ndarray, np.ndarray]:
    if groups is None:
        raise ValueError("time-series splitters need groups: the game week of every row")
    weeks, codes = np.unique(np.asarray(groups), return_inverse=True)
    return weeks, codes


class ExpandingWindowSplit(BaseCrossValidator):
    """`n_splits` folds over the last weeks; each trains on every week before its test
    block, less `gap_weeks`. Never shuffles."""

    def __init__(self, n_splits: int = 5, gap_weeks: int = 0, test_weeks: int | None = None):
        self.n_splits = n_splits
        self.gap_weeks = gap_weeks
        self.test_weeks = test_weeks

    def split(self, X=None, y=None, groups=None):
        weeks, codes = _week_codes(groups)
        n_weeks = len(weeks)
        block = self.test_weeks or n_weeks // (self.n_splits + 1)
        if self.n_splits < 2 or block < 1 or n_weeks - self.n_splits * block - self.gap_weeks < 1:
            raise ValueError(
                f"{n_weeks} weeks are too few for {self.n_splits} folds of {block} week(s) with a gap of {self.gap_weeks}"
            )
        for fold in range(self.n_splits):
            test_start = n_weeks - (self.n_splits - fold) * block
            train_end = test_start - self.gap_weeks
            yield (
                np.flatnonzero(codes < train_end),
                np.flatnonzero((codes >= test_start) & (codes < test_start + block)),
            )

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def _iter_test_indices(self, X=None, y=None, groups=None):  # BaseCrossValidator's abstract hook
        for _, test in self.split(X, y, groups):
            yield test


class WalkForwardSplit(BaseCrossValidator):
    """One fold per week of the last `test_weeks` weeks: fit on everything before it (less
    `gap_weeks`), score that week."""

    def __init__(self, test_weeks: int = 17, gap_weeks: int = 0):
        self.test_weeks = test_weeks
        self.gap_weeks = gap_weeks

    def split(self, X=None, y=None, groups=None):
        weeks, codes = _week_codes(groups)
        first = len(weeks) - self.test_weeks
        if first - self.gap_weeks < 1:
            raise ValueError(f"{len(weeks)} weeks are too few to walk forward over {self.test_weeks}")
        for week in range(first, len(weeks)):
            yield np.flatnonzero(codes < week - self.gap_weeks), np.flatnonzero(codes == week)

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.test_weeks

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test
