"""The synthetic league: the platform's embedded default data, deterministic from a seed.

It is shaped like the real leagues (schedules on real calendar dates, drifting team
strengths, home advantage, rest, divisional games, star/QB absences) and carries closing
lines formed as noisy estimates of the truth. `true_home_win_prob` is the generating
probability, so evaluation can compare any model with the oracle.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from training_platform.sources.odds import american_from_probability
from training_platform.sources.schema import conform
from training_platform.sources.synthetic_specs import (
    DEFAULT_FIRST_SEASON,
    DEFAULT_SEASONS,
    DEFAULT_SEED,
    SPECS,
    TEAM_CODES,
    SportSpec,
)


def synthetic_teams(sport: str) -> list[str]:
    return list(TEAM_CODES[: SPECS[sport].n_teams])


@lru_cache(maxsize=8)
def generate_league(
    sport: str,
    seed: int = DEFAULT_SEED,
    first_season: int = DEFAULT_FIRST_SEASON,
    seasons: int = DEFAULT_SEASONS,
) -> pd.DataFrame:
    """All games of `seasons` seasons of `sport`, in the canonical schema."""
    if sport not in SPECS:
        raise ValueError(f"unknown sport {sport!r}; the synthetic league has {sorted(SPECS)}")
    if seasons < 1:
        raise ValueError("seasons must be at least 1")
    spec = SPECS[sport]
    # One stream per sport, so adding a sport never changes another sport's games.
    rng = np.random.default_rng([seed, list(SPECS).index(sport)])
    teams = synthetic_teams(sport)
    strength = rng.normal(0.0, spec.strength_sd, len(teams))
    frames = []
    for season in range(first_season, first_season + seasons):
        innovation = np.sqrt(1.0 - spec.season_carryover**2) * spec.strength_sd
        strength = spec.season_carryover * strength + rng.normal(0.0, innovation, len(teams))
        schedule = _schedule(spec, season, rng)
        frames.append(_play_season(spec, season, schedule, teams, strength.copy(), rng))
    games = pd.concat(frames, ignore_index=True)
    return conform(games, f"synthetic {sport}")


def _division(spec: SportSpec, team: int) -> int:
    return team // spec.teams_per_division


def _schedule(spec: SportSpec, season: int, rng: np.random.Generator) -> list[tuple]:
    """(date, week, home, away, neutral) for every game of the regular season."""
    start = spec.season_start(season)
    games = []
    home_count = np.zeros(spec.n_teams, int)
    div_left = np.full(spec.n_teams, 2 * (spec.teams_per_division - 1))
    remaining = np.full(spec.n_teams, spec.games_per_team)
    if spec.calendar == "weekly":
        n_weeks = spec.games_per_team + 1
        bye_week = 4 + rng.permutation(spec.n_teams) % (n_weeks - 8)  # byes in weeks 5..14
        slots = [(week, start + dt.timedelta(days=7 * week + 3)) for week in range(n_weeks)]
        for week, sunday in slots:
            playing = [t for t in range(spec.n_teams) if bye_week[t] != week]
            pairs = _pair(spec, playing, div_left, n_weeks - week, rng)
            for i, (a, b) in enumerate(pairs):
                # One Thursday and one Monday game a week, the rest on Sunday.
                offset = -3 if i == 0 else (1 if i == 1 else 0)
                games.append((sunday + dt.timedelta(days=offset), week + 1, a, b))
    else:
        for day in range(spec.season_days):
            days_left = spec.season_days - day
            eligible = [
                t
                for t in range(spec.n_teams)
                if remaining[t] > 0 and rng.random() < remaining[t] / days_left * 1.15
            ]
            for a, b in _pair(spec, eligible, div_left, days_left, rng):
                remaining[[a, b]] -= 1
                games.append((start + dt.timedelta(days=day), None, a, b))
    scheduled = []
    for date, week, a, b in games:
        if home_count[a] > home_count[b] or (home_count[a] == home_count[b] and rng.random() < 0.5):
            a, b = b, a
        home_count[a] += 1
        neutral = rng.random() < spec.neutral_share
        scheduled.append((date, week, a, b, neutral))
    return scheduled


def _pair(spec, teams, div_left, periods_left, rng) -> list[tuple[int, int]]:
    """Random pairing that prefers division rivals while their games remain."""
    pool = list(rng.permutation(teams))
    pairs = []
    while len(pool) >= 2:
        a = pool.pop()
        rivals = [t for t in pool if _division(spec, t) == _division(spec, a)]
        want_rival = rivals and div_left[a] > 0 and rng.random() < div_left[a] / max(periods_left, 1)
        b = rivals[0] if want_rival else pool[0]
        pool.remove(b)
        if _division(spec, a) == _division(spec, b):
            div_left[[a, b]] -= 1
        pairs.append((int(a), int(b)))
    return pairs


def _play_season(spec, season, schedule, teams, strength, rng) -> pd.DataFrame:
    last_played: dict[int, dt.date] = {}
    absence_left = np.zeros(len(teams), int)
    drift_day = spec.season_start(season)
    rows = []
    for date, week, home, away, neutral in sorted(schedule, key=lambda g: (g[0], g[2])):
        while (date - drift_day).days >= 7:  # within-season random walk, weekly
            strength += rng.normal(0.0, spec.weekly_drift_sd, len(teams))
            drift_day += dt.timedelta(days=7)
        rest = []
        for team in (home, away):
            previous = last_played.get(team)
            rest.append((date - previous).days if previous else (7 if spec.calendar == "weekly" else None))
            last_played[team] = date
            if absence_left[team] > 0:
                absence_left[team] -= 1
            elif rng.random() < spec.absence_prob:
                absence_left[team] = rng.geometric(1.0 / spec.absence_games)
        capped = [min(r if r is not None else spec.rest_cap, spec.rest_cap) for r in rest]
        mu = (
            strength[home]
            - strength[away]
            + (0.0 if neutral else spec.home_advantage)
            + spec.rest_coef * (capped[0] - capped[1])
            - spec.absence_effect * (absence_left[home] > 0)
            + spec.absence_effect * (absence_left[away] > 0)
        )
        rows.append(
            {
                "season": season,
                "week": week,
                "game_date": date,
                "home_team": teams[home],
                "away_team": teams[away],
                "neutral": neutral,
                "divisional": _division(spec, home) == _division(spec, away),
                "home_rest": rest[0],
                "away_rest": rest[1],
                "mu": mu,
                "home_qb_id": f"{teams[home]}-QB{2 if absence_left[home] > 0 else 1}",
                "away_qb_id": f"{teams[away]}-QB{2 if absence_left[away] > 0 else 1}",
            }
        )
    games = pd.DataFrame(rows)
    _add_outcomes(spec, games, rng)
    _add_market(spec, games, rng)
    _add_weather(spec, games, rng)
    games["sport"] = spec.sport
    games["game_type"] = "REG"
    stamp = games["game_date"].map(lambda d: d.strftime("%Y%m%d"))
    games["game_id"] = f"{spec.sport}_" + stamp + "_" + games["away_team"] + "_" + games["home_team"]
    if spec.sport != "nfl":
        games[["home_qb_id", "away_qb_id"]] = None
    return games.drop(columns="mu")


def _win_probability(spec: SportSpec, mu: np.ndarray) -> np.ndarray:
    """P(home wins) implied by mean `mu`, with ties resolved as the simulation does."""
    if spec.scoring == "runs":
        lam_h, lam_a = _run_rates(spec, mu)
        tie = stats.skellam.pmf(0, lam_h, lam_a)
        return stats.skellam.sf(0, lam_h, lam_a) + tie * lam_h / (lam_h + lam_a)
    win = stats.norm.sf(0.5, mu, spec.margin_sigma)
    tie = stats.norm.cdf(0.5, mu, spec.margin_sigma) - stats.norm.cdf(-0.5, mu, spec.margin_sigma)
    return win + tie * _overtime_home_share(spec, mu) * _overtime_decided(spec)


def _overtime_home_share(spec, mu):
    return stats.norm.cdf(mu / spec.margin_sigma)


def _overtime_decided(spec) -> float:
    return 0.85 if spec.sport == "nfl" else 1.0  # some NFL overtimes still end tied


def _run_rates(spec, mu):
    base = spec.total_mean / 2.0
    return base * np.exp(mu / 2.0), base * np.exp(-mu / 2.0)


def _add_outcomes(spec, games: pd.DataFrame, rng) -> None:
    mu = games["mu"].to_numpy(float)
    n = len(games)
    games["true_home_win_prob"] = _win_probability(spec, mu)
    if spec.scoring == "runs":
        lam_h, lam_a = _run_rates(spec, mu)
        home, away = rng.poisson(lam_h), rng.poisson(lam_a)
        tied = home == away
        home_wins_extra = rng.random(n) < lam_h / (lam_h + lam_a)
        home = home + (tied & home_wins_extra)
        away = away + (tied & ~home_wins_extra)
    else:
        margin = np.rint(rng.normal(mu, spec.margin_sigma)).astype(int)
        tied = margin == 0
        overtime = tied & (rng.random(n) < _overtime_decided(spec))
        home_ot = rng.random(n) < _overtime_home_share(spec, mu)
        bonus = 3 if spec.sport == "nfl" else rng.integers(1, 9, n)
        margin = np.where(overtime, np.where(home_ot, bonus, -bonus), margin)
        total = np.rint(rng.normal(spec.total_mean, spec.total_sigma, n)).astype(int)
        total = np.maximum(total, np.abs(margin))
        total += (total + margin) % 2  # scores are whole points
        home, away = (total + margin) // 2, (total - margin) // 2
    games["home_score"], games["away_score"] = home, away


def _add_market(spec, games: pd.DataFrame, rng) -> None:
    n = len(games)
    market_mu = games["mu"].to_numpy(float) + rng.normal(0.0, spec.market_noise, n)
    p_market = _win_probability(spec, market_mu)
    if spec.scoring == "runs":
        games["spread_line"] = np.where(market_mu > 0, 1.5, -1.5)  # the run line
        lam_h, lam_a = _run_rates(spec, market_mu)
        expected_total = lam_h + lam_a
    else:
        games["spread_line"] = np.round(market_mu * 2) / 2
        expected_total = np.full(n, spec.total_mean)
    games["total_line"] = np.round((expected_total + rng.normal(0, 0.5, n)) * 2) / 2
    overround = 1.0 + spec.vig
    games["home_moneyline"] = american_from_probability(np.clip(p_market * overround, 0.02, 0.98))
    games["away_moneyline"] = american_from_probability(np.clip((1 - p_market) * overround, 0.02, 0.98))
    for column in ("home_spread_odds", "away_spread_odds", "over_odds", "under_odds"):
        games[column] = -110.0


def _add_weather(spec, games: pd.DataFrame, rng) -> None:
    if spec.sport != "nfl":
        return
    dome = games["home_team"].isin(TEAM_CODES[:6])
    days_in = (
        pd.to_datetime(games["game_date"]) - pd.Timestamp(spec.season_start(int(games["season"].iloc[0])))
    ).dt.days
    temp = 75 - 0.28 * days_in + rng.normal(0, 8, len(games))
    wind = np.abs(rng.normal(7, 5, len(games))).round()
    games["roof"] = np.where(dome, "dome", "outdoors")
    games["surface"] = np.where(dome, "fieldturf", "grass")
    games["temp"] = np.where(dome, np.nan, temp.round())
    games["wind"] = np.where(dome, np.nan, wind)
