"""A line market's record the way a handicapper keeps it: every game picked on the side the model
favours, its hit rate with a 95% interval against the break-even of -110 odds, pushes, and the ROI of
flat-staking every pick at the real odds where the source has them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from training_platform.ml.evaluation.betting import decimal_odds
from training_platform.ml.modeling.markets import BREAK_EVEN_AT_MINUS_110
from training_platform.ml.modeling.markets import market as market_of
from training_platform.sources.odds import is_valid_american


def wilson_interval(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion: honest near 0 and 1 and for small n (NaN for n = 0)."""
    if n == 0:
        return float("nan"), float("nan")
    share = hits / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def pick_record(frame: pd.DataFrame, market: str) -> dict:
    """`frame`: p_home (P of the market's first side), home_win (its outcome, empty for a push or no
    line), push and the market's odds columns, one row per scored game."""
    own = market_of(market)
    p_yes = frame["p_home"].to_numpy(float)
    outcome = frame["home_win"].to_numpy(float)
    pushed = frame["push"].eq(1).to_numpy() if "push" in frame else np.zeros(len(frame), dtype=bool)
    decided = ~np.isnan(outcome) & ~np.isnan(p_yes)
    pick_yes = p_yes > 0.5
    hit = decided & (pick_yes == (outcome == 1))
    games, hits = int(decided.sum()), int(hit.sum())
    low, high = wilson_interval(hits, games)
    yes_odds, no_odds = (
        frame[c].to_numpy(float) if c in frame else np.full(len(frame), np.nan) for c in own.odds
    )
    odds = np.where(pick_yes, yes_odds, no_odds)
    priced = decided & is_valid_american(odds)
    profit = np.where(hit, decimal_odds(np.where(priced, odds, -110.0)) - 1, -1.0)[priced]
    return {
        "games": games,
        "pushes": int((pushed & ~np.isnan(p_yes)).sum()),
        "hits": hits,
        "hit_rate": hits / games if games else float("nan"),
        "hit_rate_low_95": low,
        "hit_rate_high_95": high,
        "break_even": BREAK_EVEN_AT_MINUS_110,
        "games_with_odds": int(priced.sum()),
        "roi_at_odds": float(profit.mean()) if priced.any() else float("nan"),
        "picks_first_side": float(pick_yes[decided].mean()) if games else float("nan"),
    }
