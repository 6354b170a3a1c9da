"""Parameters of the synthetic NFL-, NBA- and MLB-shaped leagues.

Point sports (NFL, NBA) model the home margin as Normal(mu, sigma); MLB models runs as
two Poisson processes whose log-rates differ by mu. Strength units follow: points for
NFL/NBA, log-runs for MLB.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_SEED = 20240905
DEFAULT_SEASONS = 10
DEFAULT_LAST_SEASON = 2024  # every default season is complete before today


def first_synthetic_season(seasons: int) -> int:
    """The first season of a synthetic league of `seasons` seasons (the last is DEFAULT_LAST_SEASON)."""
    return DEFAULT_LAST_SEASON - seasons + 1


DEFAULT_FIRST_SEASON = first_synthetic_season(DEFAULT_SEASONS)

# Fictional franchises shared by the three synthetic sports (the first n_teams are used).
TEAM_CODES = (
    "ABQ ALB ANC AUS BIR BOI BUR CHS CLT COS DAY DSM ELP FAR FRE HNL "
    "JAC KNX LEX LIT MAD MEM MOB OKC OMA PRO RAL RNO ROC SAV SPO TUL"
).split()


@dataclass(frozen=True)
class SportSpec:
    sport: str
    n_teams: int
    teams_per_division: int
    games_per_team: int
    calendar: str  # "weekly" (one game a week, byes) or "daily"
    season_days: int  # length of the regular season
    scoring: str  # "points" or "runs"
    margin_sigma: float  # sd of the home margin around its mean (points sports)
    total_mean: float  # mean combined score
    total_sigma: float
    home_advantage: float
    strength_sd: float  # spread of team strengths within a season
    season_carryover: float  # correlation of a team's strength across seasons
    weekly_drift_sd: float  # random walk of strength within a season, per 7 days
    absence_prob: float  # chance per game that a star/QB absence starts
    absence_games: float  # mean length of an absence, games
    absence_effect: float  # strength lost while absent
    rest_coef: float  # strength per day of rest advantage
    rest_cap: int  # rest beyond this many days adds nothing
    neutral_share: float
    market_noise: float  # sd of the market's error on mu
    vig: float  # bookmaker overround on moneylines

    def season_start(self, season: int) -> dt.date:
        """Opening day of `season` (the calendar year the season starts in)."""
        if self.sport == "nfl":  # Thursday after Labor Day (first Monday of September)
            first = dt.date(season, 9, 1)
            labor_day = first + dt.timedelta(days=(0 - first.weekday()) % 7)
            return labor_day + dt.timedelta(days=3)
        if self.sport == "nba":  # third Tuesday of October
            first = dt.date(season, 10, 1)
            return first + dt.timedelta(days=(1 - first.weekday()) % 7 + 14)
        return dt.date(season, 3, 28)  # MLB opening day, roughly


SPECS = {
    "nfl": SportSpec(
        sport="nfl",
        n_teams=32,
        teams_per_division=4,
        games_per_team=17,
        calendar="weekly",
        season_days=18 * 7,
        scoring="points",
        margin_sigma=13.5,
        total_mean=44.0,
        total_sigma=10.0,
        home_advantage=2.0,
        strength_sd=4.5,
        season_carryover=0.67,
        weekly_drift_sd=0.3,
        absence_prob=0.025,
        absence_games=3.0,
        absence_effect=5.0,
        rest_coef=0.15,
        rest_cap=14,
        neutral_share=0.01,
        market_noise=1.3,
        vig=0.045,
    ),
    "nba": SportSpec(
        sport="nba",
        n_teams=30,
        teams_per_division=5,
        games_per_team=82,
        calendar="daily",
        season_days=165,
        scoring="points",
        margin_sigma=12.0,
        total_mean=222.0,
        total_sigma=18.0,
        home_advantage=2.5,
        strength_sd=5.0,
        season_carryover=0.7,
        weekly_drift_sd=0.35,
        absence_prob=0.03,
        absence_games=6.0,
        absence_effect=3.5,
        rest_coef=1.0,
        rest_cap=3,
        neutral_share=0.0,
        market_noise=1.4,
        vig=0.04,
    ),
    "mlb": SportSpec(
        sport="mlb",
        n_teams=30,
        teams_per_division=5,
        games_per_team=162,
        calendar="daily",
        season_days=186,
        scoring="runs",
        margin_sigma=0.0,
        total_mean=8.8,
        total_sigma=0.0,
        home_advantage=0.04,
        strength_sd=0.11,
        season_carryover=0.6,
        weekly_drift_sd=0.01,
        absence_prob=0.01,
        absence_games=10.0,
        absence_effect=0.06,
        rest_coef=0.0,
        rest_cap=1,
        neutral_share=0.0,
        market_noise=0.04,
        vig=0.04,
    ),
}
