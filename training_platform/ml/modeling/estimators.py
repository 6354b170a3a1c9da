"""Win-probability models as scikit-learn estimators.

`EloClassifier` learns team ratings by replaying the training games in order; its
hyperparameters are the Elo constants. X is a games frame (features/gold rows):
`season`, `home_team`, `away_team`, optional `neutral`, `game_date` and `home_margin`.

With `online=True` (the default) `predict_proba` walks the games of X in date order, as
FiveThirtyEight's forecasts do: each game is predicted from the ratings before it, then
its result (if X has one) updates them. A game never sees its own or a later result, but
its forecast does use earlier games of the same X: that is what makes Elo comparable with
the feature models, whose gold features are updated game by game too. `online=False`
freezes the fitted ratings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from training_platform.ml.features.elo import EloParams, EloRatings, replay, win_probability

ELO_INPUT_COLUMNS = ("season", "home_team", "away_team")


class EloClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        k_factor: float = 20.0,
        home_advantage: float = 65.0,
        mean_reversion: float = 1.0 / 3.0,
        initial_rating: float = 1505.0,
        margin_multiplier: bool = True,
        online: bool = True,
    ):
        self.k_factor = k_factor
        self.home_advantage = home_advantage
        self.mean_reversion = mean_reversion
        self.initial_rating = initial_rating
        self.margin_multiplier = margin_multiplier
        self.online = online

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # a home win or not
        return tags

    def _params(self) -> EloParams:
        return EloParams(
            self.k_factor,
            self.home_advantage,
            self.mean_reversion,
            self.initial_rating,
            self.margin_multiplier,
        )

    def fit(self, X: pd.DataFrame, y) -> EloClassifier:
        if y is None:
            raise ValueError("EloClassifier requires y to be passed, but the target y is None.")
        games = _games_frame(X)
        y = column_or_1d(y, warn=True).astype(float)
        if len(y) != len(games):
            raise ValueError(f"X has {len(games)} rows but y has {len(y)}")
        if "game_date" in games.columns:  # ratings are a replay: the games must be in the order played
            order = np.lexsort(
                (
                    games["game_id"].to_numpy() if "game_id" in games.columns else np.arange(len(y)),
                    pd.to_datetime(games["game_date"]).to_numpy(),
                )
            )
            games, y = games.iloc[order], y[order]
        labels = np.unique(y[~np.isnan(y)])
        if len(labels) > 2:
            raise ValueError("Only binary classification is supported. The type of the target is multiclass.")
        self.classes_ = np.array([0, 1])
        if not set(labels) <= {0.0, 1.0}:  # two labels, not 0/1: home win is the larger one
            y = np.where(np.isnan(y), np.nan, (y == labels.max()).astype(float))
            self.classes_ = labels
        if "home_margin" in games.columns:
            margin = games["home_margin"].to_numpy(float)
        else:  # without margins the update only knows who won
            margin = np.where(y > 0.5, 1.0, -1.0)
        rows = zip(
            games["season"].tolist(),
            games["home_team"].tolist(),
            games["away_team"].tolist(),
            _neutral(games).tolist(),
            margin.tolist(),
        )
        _, state = replay(rows, self._params())
        self.ratings_ = dict(state.ratings)
        self.last_season_ = state.season
        self.n_games_ = len(games)
        self.n_features_in_ = games.shape[1] if isinstance(X, pd.DataFrame) else np.asarray(X).shape[1]
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "ratings_")
        games = _games_frame(X)
        # Online only matters when some game has a result to learn from; fixtures to be
        # played are scored from the fitted ratings directly (same numbers, ~50x faster).
        if self.online and "home_margin" in games.columns and games["home_margin"].notna().any():
            return self._predict_online(games)
        home = self._ratings_for(games["home_team"], games["season"])
        away = self._ratings_for(games["away_team"], games["season"])
        advantage = np.where(_neutral(games), 0.0, self.home_advantage)
        p_home = win_probability(home - away + advantage)
        return np.column_stack([1.0 - p_home, p_home])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        home_wins = self.predict_proba(X)[:, 1] > 0.5
        return self.classes_[home_wins.astype(int)]

    def _predict_online(self, games: pd.DataFrame) -> np.ndarray:
        order = np.arange(len(games))
        if "game_date" in games.columns:
            order = np.lexsort(
                (
                    games["game_id"].to_numpy() if "game_id" in games.columns else order,
                    pd.to_datetime(games["game_date"]).to_numpy(),
                )
            )
        margin = (
            games["home_margin"].to_numpy(float)
            if "home_margin" in games.columns
            else np.full(len(games), np.nan)
        )
        rows = zip(
            games["season"].to_numpy()[order].tolist(),
            games["home_team"].to_numpy()[order].tolist(),
            games["away_team"].to_numpy()[order].tolist(),
            _neutral(games)[order].tolist(),
            margin[order].tolist(),
        )
        pregame, _ = replay(rows, ratings=self.ratings_state())
        p_home = np.empty(len(games))
        p_home[order] = pregame[:, 2]
        return np.column_stack([1.0 - p_home, p_home])

    def _ratings_for(self, teams: pd.Series, seasons: pd.Series) -> np.ndarray:
        """Each team's rating as of its game's season, reverted once per season since training ended."""
        rating = np.array(
            [self.ratings_.get(team, self.initial_rating) for team in teams.tolist()], dtype=float
        )
        seasons = np.asarray(seasons, dtype=float)
        ahead = (
            np.zeros(len(rating))
            if self.last_season_ is None
            else np.maximum(0.0, seasons - self.last_season_)
        )
        keep = (1.0 - self.mean_reversion) ** ahead
        return self.initial_rating + keep * (rating - self.initial_rating)

    def ratings_state(self) -> EloRatings:
        check_is_fitted(self, "ratings_")
        return EloRatings(
            self._params(), dict(self.ratings_), self.last_season_
        )  # a copy: predicting never moves the fit


def _games_frame(X) -> pd.DataFrame:
    named = isinstance(X, pd.DataFrame) and all(isinstance(c, str) for c in X.columns)
    if not named:
        # An array is read as columns home team, away team and, optionally, season.
        array = check_array(X, dtype=None)
        if array.shape[1] < 2:
            raise ValueError(
                f"EloClassifier needs at least 2 columns (home team, away team); got {array.shape[1]}"
            )
        X = pd.DataFrame(
            {
                "home_team": array[:, 0],
                "away_team": array[:, 1],
                "season": array[:, 2].astype(int) if array.shape[1] > 2 else 0,
            }
        )
    missing = [c for c in ELO_INPUT_COLUMNS if c not in X.columns]
    if missing:
        raise ValueError(f"EloClassifier input lacks column(s) {missing}")
    return X


def _neutral(games: pd.DataFrame) -> np.ndarray:
    if "neutral" not in games.columns:
        return np.zeros(len(games), dtype=bool)
    return games["neutral"].fillna(0).astype(bool).to_numpy()
