"""FiveThirtyEight-style Elo ratings (fivethirtyeight/nfl-elo-game `forecast.py`).

P(home) = 1 / (1 + 10^(-(elo_home - elo_away + hfa) / 400)), no hfa at neutral sites.
After each game both ratings move by K * mov * (result - P(home)), where
mov = ln(max(|margin|, 1) + 1) * 2.2 / (winner's Elo edge * 0.001 + 2.2).
Between seasons every rating reverts a fraction toward the mean.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class EloParams:
    k_factor: float = 20.0
    home_advantage: float = 65.0
    mean_reversion: float = 1.0 / 3.0  # share of the gap to the mean closed each new season
    initial_rating: float = 1505.0
    margin_multiplier: bool = True


def win_probability(elo_diff) -> np.ndarray | float:
    """P(first side wins) for an Elo difference that already includes home advantage."""
    return 1.0 / (1.0 + np.power(10.0, -np.asarray(elo_diff, dtype=float) / 400.0))


@dataclass
class EloRatings:
    """Ratings that advance one game at a time, so every probability is pre-game."""

    params: EloParams = field(default_factory=EloParams)
    ratings: dict[str, float] = field(default_factory=dict)
    season: int | None = None

    def rating(self, team: str) -> float:
        return self.ratings.get(team, self.params.initial_rating)

    def start_season(self, season: int) -> None:
        if self.season is not None and season > self.season:
            keep = 1.0 - self.params.mean_reversion
            mean = self.params.initial_rating
            self.ratings = {t: mean + keep * (r - mean) for t, r in self.ratings.items()}
        if self.season is None or season > self.season:
            self.season = season

    def pregame(self, season: int, home: str, away: str, neutral: bool) -> tuple[float, float, float]:
        """(home rating, away rating, P(home wins)) before the game, reverting if a season starts."""
        self.start_season(season)
        home_elo, away_elo = self.rating(home), self.rating(away)
        diff = home_elo - away_elo + (0.0 if neutral else self.params.home_advantage)
        return home_elo, away_elo, float(win_probability(diff))

    def update(
        self,
        season: int,
        home: str,
        away: str,
        neutral: bool,
        margin: float,
        pregame: tuple[float, float, float] | None = None,
    ) -> None:
        """Apply one played game; `margin` is home score minus away score.

        `pregame` is this game's `pregame(...)` when the caller already has it.
        """
        home_elo, away_elo, prob = pregame or self.pregame(season, home, away, neutral)
        result = 1.0 if margin > 0 else (0.0 if margin < 0 else 0.5)
        mult = 1.0
        if self.params.margin_multiplier:
            diff = home_elo - away_elo + (0.0 if neutral else self.params.home_advantage)
            winner_edge = diff if result == 1.0 else -diff
            mult = math.log(max(abs(margin), 1) + 1.0) * (
                2.2 / (1.0 if result == 0.5 else winner_edge * 0.001 + 2.2)
            )
        shift = self.params.k_factor * mult * (result - prob)
        self.ratings[home] = home_elo + shift
        self.ratings[away] = away_elo - shift


def replay(
    games: Iterable[tuple[int, str, str, bool, float | None]],
    params: EloParams | None = None,
    ratings: EloRatings | None = None,
) -> tuple[np.ndarray, EloRatings]:
    """Pre-game (home elo, away elo, P(home)) for each (season, home, away, neutral, margin).

    Games must come in chronological order. A game whose margin is None (not yet
    played) gets its forecast but does not move the ratings.
    """
    state = ratings if ratings is not None else EloRatings(params or EloParams())
    out = []
    for season, home, away, neutral, margin in games:
        before = state.pregame(season, home, away, neutral)
        out.append(before)
        if margin is not None and margin == margin:  # NaN != NaN: an unplayed game
            state.update(season, home, away, neutral, margin, pregame=before)
    return np.array(out, dtype=float).reshape(-1, 3), state
