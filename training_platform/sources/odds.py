"""Betting-market arithmetic: American odds, implied probabilities, vig removal."""

from __future__ import annotations

import numpy as np


def is_valid_american(odds) -> np.ndarray:
    """American odds are <= -100 or >= +100; anything in between (or 0) is impossible."""
    odds = np.asarray(odds, dtype=float)
    return np.isfinite(odds) & (np.abs(odds) >= 100)


def implied_probability(odds) -> np.ndarray:
    """Break-even probability of American odds, vig included; NaN where odds are invalid."""
    odds = np.asarray(odds, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(odds < 0, -odds / (-odds + 100.0), 100.0 / (odds + 100.0))
    return np.where(is_valid_american(odds), prob, np.nan)


def vig_free_probability(home_odds, away_odds) -> np.ndarray:
    """Home win probability with the bookmaker's overround removed proportionally."""
    home = implied_probability(home_odds)
    away = implied_probability(away_odds)
    return home / (home + away)


def american_from_probability(prob) -> np.ndarray:
    """American odds (rounded to whole numbers) whose implied probability is `prob`."""
    prob = np.asarray(prob, dtype=float)
    odds = np.where(prob >= 0.5, -100.0 * prob / (1.0 - prob), 100.0 * (1.0 - prob) / prob)
    return np.round(odds)
