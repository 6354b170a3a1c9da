"""Betting the model against closing moneylines, vig left in: flat stakes and fractional Kelly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from training_platform.ml.modeling.markets import market as market_of
from training_platform.sources.odds import implied_probability


@dataclass(frozen=True)
class BettingRules:
    edge_threshold: float = 0.03  # bet a side only when P(model) - break-even P(odds) exceeds this
    kelly_fraction: float = 0.25  # fraction of the Kelly stake, the usual hedge against model error
    max_kelly_stake: float = 0.05  # never stake more than this share of the bankroll on one game


def decimal_odds(american) -> np.ndarray:
    american = np.asarray(american, dtype=float)
    return np.where(american > 0, 1 + american / 100.0, 1 + 100.0 / np.abs(american))


def place_bets(
    frame: pd.DataFrame, rules: BettingRules = BettingRules(), market: str = "moneyline"
) -> pd.DataFrame:
    """One row per bet placed: which side, its decimal odds, edge, and the flat-stake profit.

    `frame` holds game_date, partition_week, p_home (P of the market's first side: home win, home cover,
    over), home_win (its outcome), the market's two odds columns and, in the spread and totals, `push`.
    Games without valid odds or a result are never bet; a push returns the stake. At most one side per
    game: the larger edge.
    """
    own = market_of(market)
    yes_odds, no_odds = (frame[column] for column in own.odds)
    p_yes = frame["p_home"].to_numpy(float)
    edges = np.column_stack(
        [p_yes - implied_probability(yes_odds), (1 - p_yes) - implied_probability(no_odds)]
    )
    edges = np.where(np.isnan(edges), -np.inf, edges)
    side = edges.argmax(axis=1)  # 0: the first side (home, over), 1: the other
    edge = edges.max(axis=1)
    result = frame["home_win"].to_numpy(float)
    pushed = frame["push"].eq(1).to_numpy() if "push" in frame else np.zeros(len(frame), dtype=bool)
    bet = (edge > rules.edge_threshold) & (~np.isnan(result) | pushed)
    odds = np.where(side == 0, decimal_odds(yes_odds), decimal_odds(no_odds))
    bets = pd.DataFrame(
        {
            "game_date": frame["game_date"].to_numpy(),
            "partition_week": frame["partition_week"].to_numpy(),
            "side": np.where(side == 0, own.sides[0], own.sides[1]),
            "odds": odds,
            "edge": edge,
            "p_side": np.where(side == 0, p_yes, 1 - p_yes),
            "won": np.where(side == 0, result == 1, result == 0) & ~pushed,
            "push": pushed,
        }
    )[bet]
    bets["profit"] = np.where(bets["push"], 0.0, np.where(bets["won"], bets["odds"] - 1, -1.0))
    return bets.sort_values("game_date", kind="stable").reset_index(drop=True)


def betting_metrics(
    frame: pd.DataFrame, rules: BettingRules = BettingRules(), market: str = "moneyline"
) -> dict:
    """Flat-stake ROI and units, fractional-Kelly bankroll growth, weekly Sharpe, max drawdown. ROI and
    the hit rate are per bet decided (a push is neither won nor lost)."""
    bets = place_bets(frame, rules, market)
    decided = bets[~bets["push"]]
    if decided.empty:
        return {
            "bets": 0,
            "pushes": int(len(bets)),
            "units": 0.0,
            "roi": float("nan"),
            "roi_lower_95": float("nan"),
            "kelly_growth": 0.0,
            "sharpe_weekly": float("nan"),
            "max_drawdown_units": 0.0,
            "max_drawdown_kelly": 0.0,
            "hit_rate": float("nan"),
            "edge_threshold": rules.edge_threshold,
            "kelly_fraction": rules.kelly_fraction,
        }
    cumulative = bets["profit"].cumsum().to_numpy()
    bankroll = kelly_bankroll(bets, rules)
    weekly = bets.groupby("partition_week")["profit"].sum()
    return {
        "bets": int(len(decided)),
        "pushes": int(bets["push"].sum()),
        "units": float(cumulative[-1]),
        "roi": float(cumulative[-1] / len(decided)),
        # flat stakes: each bet's profit is one draw, so the mean's 95% lower bound is ROI's
        "roi_lower_95": float(
            decided["profit"].mean() - 1.96 * decided["profit"].std(ddof=1) / np.sqrt(len(decided))
            if len(decided) > 1
            else float("nan")
        ),
        "hit_rate": float(decided["won"].mean()),
        "kelly_growth": float(bankroll[-1] - 1.0),
        "sharpe_weekly": float(weekly.mean() / weekly.std())
        if len(weekly) > 1 and weekly.std() > 0
        else float("nan"),
        "max_drawdown_units": float(max_drawdown(np.concatenate([[0.0], cumulative]))),
        "max_drawdown_kelly": float(max_drawdown(np.concatenate([[1.0], bankroll]), relative=True)),
        "edge_threshold": rules.edge_threshold,
        "kelly_fraction": rules.kelly_fraction,
    }


def kelly_bankroll(bets: pd.DataFrame, rules: BettingRules) -> np.ndarray:
    """Bankroll (starting at 1) after each bet, staking a capped fraction of the Kelly stake.

    Bets are settled one after another in date order; games played the same day are
    staked from the bankroll as it stands after the previous one.
    """
    b = bets["odds"].to_numpy() - 1
    p = bets["p_side"].to_numpy()
    stake = np.clip(rules.kelly_fraction * (b * p - (1 - p)) / b, 0.0, rules.max_kelly_stake)
    growth = np.where(bets["won"].to_numpy(), 1 + stake * b, 1 - stake)
    if "push" in bets:  # the stake comes back
        growth = np.where(bets["push"].to_numpy(), 1.0, growth)
    return np.cumprod(growth)


def max_drawdown(curve: np.ndarray, relative: bool = False) -> float:
    """Largest fall from a running peak: in units, or as a share of the peak when `relative`."""
    peak = np.maximum.accumulate(curve)
    fall = peak - curve
    return float((fall / peak).max() if relative else fall.max())
