"""The market-aware model built on the market's own probability: a correction to its log-odds.

    logit p_home = logit(market) + b + w · z

where z are the standardised features (the market's own log-odds among them, so the favourite-longshot
bias can be learned) and b and w are penalised towards zero with strength `alpha` (a ridge on the
correction, not on the forecast). With no evidence the model *is* the vig-free closing line; it moves
away from it only as far as the training games pay for. scikit-learn's LogisticRegression has no offset
term, so the fit is a small L-BFGS problem here.

The correction is learned on the training games that have a moneyline only (where the offset is the
market); the fallback is used only when no training game has one. A game to score without a moneyline
takes Elo's pre-game probability as its offset (`fallback_column`) so the backtest can score it; served
games without lines go to the market-free fallback anyway (defs/predictions/assets.py). Off the line,
the market's learned slope then applies to Elo's log-odds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from training_platform.ml.features.columns import QB_DIFFERENCES
from training_platform.ml.modeling.catalog import MARKET_FREE_COLUMNS

EPS = 1e-6
# The correction reads the market-free features, less those that restate others: Elo's levels and
# probability (elo_diff carries them), each side's half of a difference the list already has, and the
# game's own starting QBs, which the closing line already prices (read, they cost the correction 0.0003
# Brier on nflverse 2010-22: +0.00043 +- 0.00040 to the line, against +0.00013 +- 0.00025 without).
RESTATED = {
    *QB_DIFFERENCES,
    "elo_home_pre",
    "elo_away_pre",
    "elo_prob_home",
    "home_rest_days",
    "away_rest_days",
    "home_streak",
    "away_streak",
}
CORRECTION_COLUMNS = tuple(c for c in MARKET_FREE_COLUMNS if c not in RESTATED)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


class MarketCorrectionClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float = 100.0,
        columns: tuple[str, ...] = CORRECTION_COLUMNS,
        offset_column: str = "market_prob_home",
        fallback_column: str = "elo_prob_home",
    ):
        self.alpha = alpha
        self.columns = columns
        self.offset_column = offset_column
        self.fallback_column = fallback_column

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _market(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in (self.offset_column, self.fallback_column) if c not in X.columns]
        if missing:
            raise ValueError(f"MarketCorrectionClassifier input lacks column(s) {missing}")
        return X[self.offset_column].to_numpy(dtype="float64", na_value=np.nan)

    def _offset(self, X: pd.DataFrame) -> np.ndarray:
        market = self._market(X)
        fallback = X[self.fallback_column].to_numpy(dtype="float64", na_value=np.nan)
        return _logit(np.where(np.isnan(market), np.where(np.isnan(fallback), 0.5, fallback), market))

    def _raw(self, X: pd.DataFrame, offset: np.ndarray) -> np.ndarray:
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise ValueError(f"MarketCorrectionClassifier input lacks feature column(s) {missing}")
        return np.column_stack(
            [offset] + [X[c].to_numpy(dtype="float64", na_value=np.nan) for c in self.columns]
        )

    def _design(self, raw: np.ndarray) -> np.ndarray:
        return (np.where(np.isnan(raw), self.medians_, raw) - self.means_) / self.scales_

    def fit(self, X: pd.DataFrame, y) -> MarketCorrectionClassifier:
        if not isinstance(X, pd.DataFrame):
            raise ValueError("MarketCorrectionClassifier reads named gold columns: pass a DataFrame")
        if not self.alpha > 0:
            raise ValueError(f"alpha must be positive (the pull towards the market); got {self.alpha}")
        y = column_or_1d(y, warn=True).astype(float)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        labels = np.unique(y)
        if not set(labels) <= {0.0, 1.0}:
            raise ValueError(f"MarketCorrectionClassifier needs a 0/1 target; got labels {labels.tolist()}")
        priced = ~np.isnan(self._market(X))
        if priced.any():  # a correction to the market is learned where there is a market
            X, y = X[priced], y[priced]
        self.n_games_with_market_ = int(priced.sum())
        offset = self._offset(X)
        raw = self._raw(X, offset)
        # Imputation and scaling learned on the training rows only, like the pipelines' steps.
        known = ~np.isnan(raw)
        self.medians_ = np.array([np.median(c[k]) if k.any() else 0.0 for c, k in zip(raw.T, known.T)])
        filled = np.where(known, raw, self.medians_)
        self.means_ = filled.mean(axis=0)
        spread = filled.std(axis=0)
        self.scales_ = np.where(spread > 0, spread, 1.0)
        Z = self._design(raw)

        def loss(theta):
            z = offset + theta[0] + Z @ theta[1:]
            p = expit(z)
            value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * self.alpha * theta @ theta
            gradient = np.concatenate([[np.sum(p - y)], Z.T @ (p - y)]) + self.alpha * theta
            return value, gradient

        result = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B")
        self.converged_ = bool(result.success)
        if not result.success:  # a smooth convex problem: this means bad inputs, so say so
            warnings.warn(
                f"MarketCorrectionClassifier: L-BFGS did not converge: {result.message}", stacklevel=2
            )
        self.intercept_, self.coef_ = float(result.x[0]), result.x[1:]
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "coef_")
        offset = self._offset(X)
        p_home = expit(offset + self.intercept_ + self._design(self._raw(X, offset)) @ self.coef_)
        return np.column_stack([1.0 - p_home, p_home])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)
