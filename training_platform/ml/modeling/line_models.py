"""Elo for the spread and totals markets: a predicted margin or total, and the chance the game lands on
the "yes" side of the line (home covers, over).

P(yes) = Phi((mu - line) / sigma). For the spread, mu is a linear map of the Elo difference with home
advantage (FiveThirtyEight's ~25 Elo points per NFL point, fitted here on the training games). Elo's margin
says nothing about how many points both sides score, so the total comes from a points rating learned the
same online way: each team's offence and defence in points above the league's mean total, moved by
`points_k` times the error after every game and reverted by `points_reversion` each new season. sigma is
the spread of the training games' residuals. Like `EloClassifier`, `predict_proba` walks X in date order
and learns from each result after forecasting it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from training_platform.ml.features.elo import EloParams, EloRatings, replay

LINE_OF = {"ats": "spread_line", "totals": "total_line"}
QUANTITY_OF = {"ats": "home_margin", "totals": "total_points"}  # what the line is a forecast of
REQUIRED = ("season", "home_team", "away_team", "home_margin")


@dataclass
class PointsRatings:
    """Online offence and defence ratings in points: the pre-game predicted total of each game."""

    k: float
    reversion: float
    mean_total: float
    offence: dict[str, float] = field(default_factory=dict)
    defence: dict[str, float] = field(default_factory=dict)
    season: int | None = None

    def pregame(self, season: int, home: str, away: str) -> tuple[float, float]:
        if self.season is not None and season > self.season:
            keep = 1.0 - self.reversion
            self.offence = {t: keep * v for t, v in self.offence.items()}
            self.defence = {t: keep * v for t, v in self.defence.items()}
        if self.season is None or season > self.season:
            self.season = season
        half = self.mean_total / 2
        off, dfn = self.offence.get, self.defence.get
        return half + off(home, 0.0) + dfn(away, 0.0), half + off(away, 0.0) + dfn(home, 0.0)

    def update(self, home: str, away: str, points: tuple[float, float], expected: tuple[float, float]):
        home_error, away_error = points[0] - expected[0], points[1] - expected[1]
        off, dfn = self.offence, self.defence
        off[home] = off.get(home, 0.0) + self.k * home_error
        dfn[away] = dfn.get(away, 0.0) + self.k * home_error
        off[away] = off.get(away, 0.0) + self.k * away_error
        dfn[home] = dfn.get(home, 0.0) + self.k * away_error
        self.mean_total += self.k / 10 * (points[0] + points[1] - self.mean_total)


class EloLineClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        market: str = "ats",
        k_factor: float = 20.0,
        home_advantage: float = 65.0,
        mean_reversion: float = 1.0 / 3.0,
        initial_rating: float = 1505.0,
        margin_multiplier: bool = True,
        points_k: float = 0.1,
        points_reversion: float = 0.5,
    ):
        self.market = market
        self.k_factor = k_factor
        self.home_advantage = home_advantage
        self.mean_reversion = mean_reversion
        self.initial_rating = initial_rating
        self.margin_multiplier = margin_multiplier
        self.points_k = points_k
        self.points_reversion = points_reversion

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: pd.DataFrame, y) -> EloLineClassifier:
        games = self._games(X)
        y = column_or_1d(y, warn=True).astype(float)
        if len(y) != len(games):
            raise ValueError(f"X has {len(games)} rows but y has {len(y)}")
        if not set(np.unique(y[~np.isnan(y)])) <= {0.0, 1.0}:
            raise ValueError(f"EloLineClassifier forecasts a 0/1 target ({self.market}); got other values")
        self.classes_ = np.array([0, 1])
        quantity = games[QUANTITY_OF[self.market]].to_numpy(float)
        start = np.nanmean(quantity) if self.market == "totals" and np.isfinite(quantity).any() else 0.0
        signal, self.state_ = self._replay(games, self._fresh_state(start))
        played = np.isfinite(quantity) & np.isfinite(signal)
        if played.sum() < 3:
            raise ValueError(
                f"EloLineClassifier needs at least 3 played games to fit; got {int(played.sum())}"
            )
        self.slope_, self.intercept_ = np.polyfit(signal[played], quantity[played], 1)
        residual = quantity[played] - (self.intercept_ + self.slope_ * signal[played])
        self.sigma_ = float(max(residual.std(ddof=2) if played.sum() > 2 else 0.0, 1e-3))
        self.n_features_in_ = games.shape[1]
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "state_")
        games = self._games(X)
        signal, _ = self._replay(games, copy.deepcopy(self.state_))  # a copy: predicting never moves the fit
        mu = self.intercept_ + self.slope_ * signal
        line = games[LINE_OF[self.market]].to_numpy(float)
        p_yes = np.where(np.isfinite(line), ndtr((mu - line) / self.sigma_), 0.5)
        p_yes = np.clip(p_yes, 1e-6, 1 - 1e-6)
        return np.column_stack([1.0 - p_yes, p_yes])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]

    def _games(self, X) -> pd.DataFrame:
        if self.market not in LINE_OF:
            raise ValueError(
                f"EloLineClassifier market must be one of {sorted(LINE_OF)}, not {self.market!r}"
            )
        if not isinstance(X, pd.DataFrame):
            raise ValueError("EloLineClassifier reads a games frame (features/gold rows), not an array")
        needed = [*REQUIRED, LINE_OF[self.market], QUANTITY_OF[self.market]]
        missing = [c for c in dict.fromkeys(needed) if c not in X.columns]
        if missing:
            raise ValueError(f"EloLineClassifier ({self.market}) input lacks column(s) {missing}")
        return X

    def _fresh_state(self, mean_total: float):
        if self.market == "totals":
            return PointsRatings(self.points_k, self.points_reversion, mean_total)
        params = EloParams(
            self.k_factor,
            self.home_advantage,
            self.mean_reversion,
            self.initial_rating,
            self.margin_multiplier,
        )
        return EloRatings(params)

    def _replay(self, games: pd.DataFrame, state) -> tuple[np.ndarray, object]:
        """Pre-game signal of each game (Elo difference with home advantage, or predicted total) in
        X's row order, replaying the games in date order from `state` (moved in place)."""
        order = _play_order(games)
        season = games["season"].to_numpy()[order].tolist()
        home = games["home_team"].to_numpy()[order].tolist()
        away = games["away_team"].to_numpy()[order].tolist()
        margin = games["home_margin"].to_numpy(float)[order]
        signal = np.empty(len(games))
        if self.market == "ats":
            neutral = (
                games["neutral"].fillna(0).astype(bool).to_numpy()[order]
                if "neutral" in games
                else np.zeros(len(games), dtype=bool)
            )
            pregame, state = replay(zip(season, home, away, neutral.tolist(), margin.tolist()), ratings=state)
            advantage = np.where(neutral, 0.0, self.home_advantage)
            signal[order] = pregame[:, 0] - pregame[:, 1] + advantage
            return signal, state
        total = games["total_points"].to_numpy(float)[order]
        for i, (s, h, a, m, t) in enumerate(zip(season, home, away, margin.tolist(), total.tolist())):
            expected = state.pregame(s, h, a)
            signal[order[i]] = expected[0] + expected[1]
            if t == t and m == m:  # played: NaN != NaN
                state.update(h, a, ((t + m) / 2, (t - m) / 2), expected)
        return signal, state


def _play_order(games: pd.DataFrame) -> np.ndarray:
    if "game_date" not in games:
        return np.arange(len(games))
    ids = games["game_id"].to_numpy() if "game_id" in games else np.arange(len(games))
    return np.lexsort((ids, pd.to_datetime(games["game_date"]).to_numpy()))
