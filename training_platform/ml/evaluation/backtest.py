"""Walk-forward backtest: every game of the last seasons scored by a model fitted only on
earlier weeks, with the baselines and betting results on the identical games."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from training_platform.ml.evaluation.betting import BettingRules, betting_metrics
from training_platform.ml.evaluation.metrics import paired_difference, probability_metrics
from training_platform.ml.evaluation.picks import pick_record
from training_platform.ml.evaluation.validation import walk_forward_scores
from training_platform.ml.features.gold import before_lineups
from training_platform.ml.modeling.catalog import BACKTEST_SEASONS
from training_platform.ml.modeling.markets import market as market_of
from training_platform.sources.odds import vig_free_probability

GAME_COLUMNS = ["game_id", "game_date", "partition_week", "season", "home_team", "away_team"]


# Moneyline baselines read from the gold table; the constant, a line market's price and the champion
# are computed.
BASELINE_COLUMNS = {"market": "market_prob_home", "elo": "elo_prob_home", "oracle": "true_home_win_prob"}
# What each variant must be measured against: a model that reads the line against the line itself,
# a market-free one against the market-free forecaster everyone has, Elo. In the spread and totals every
# model is measured against the market's price of its line (its two odds, vig removed).
ANCHOR_OF_VARIANT = {"market_aware": "market", "market_free": "elo"}
# How the report scored its games: as served before their starting QBs are named. A report without it was
# made by older code that scored each game with its own named starters: figures not comparable with these.
SCORING = "before_lineups"


def anchor_comparison(report: dict, variant: str) -> dict:
    """{"anchor": name, games, brier_diff, brier_diff_se, log_loss_diff, log_loss_diff_se}: the model
    minus its variant's anchor on the games both scored (< 0: the model is better); games 0 when the
    report has no such baseline (no lines in the window)."""
    anchor = ANCHOR_OF_VARIANT[variant] if report.get("market", "moneyline") == "moneyline" else "market"
    base = report["baselines"].get(anchor)
    return {"anchor": anchor, **(base["model_minus_this"] if base else {"games": 0})}


def backtest_seasons(gold: pd.DataFrame, seasons: int = BACKTEST_SEASONS) -> list[int]:
    """The last `seasons` seasons with results, keeping at least one earlier season to train on."""
    played = sorted(gold.loc[gold["home_win"].notna(), "season"].unique().tolist())
    if len(played) < 2:
        raise ValueError(f"a backtest needs results from at least two seasons; found {played or 'none'}")
    return [int(s) for s in played[-min(seasons, len(played) - 1) :]]


def game_window(frame: pd.DataFrame) -> dict[str, str]:
    """{"first_game_date", "last_game_date"} of a frame of games."""
    dates = pd.to_datetime(frame["game_date"])
    return {"first_game_date": f"{dates.min():%Y-%m-%d}", "last_game_date": f"{dates.max():%Y-%m-%d}"}


def walk_forward_backtest(
    estimator,
    gold: pd.DataFrame,
    seasons: int = BACKTEST_SEASONS,
    refit_every_weeks: int = 1,
    rules: BettingRules = BettingRules(),
    champion: pd.DataFrame | None = None,
    log=None,
    market: str = "moneyline",
) -> dict:
    """Metrics of `estimator`'s hyperparameters out of sample, pooled and per season.

    Baselines on the same games: the rate of the market's first side (home win, home cover, over) in all
    seasons before each game's season (`constant_home_rate`), the market (the vig-free closing moneyline;
    in the spread and totals, the vig-free price of the line), for the moneyline Elo at the sport's default
    settings (the gold table's pre-game `elo_prob_home`, the anchor of a market-free model) and the true
    probability (synthetic data only) and, given `champion` (game_id, p_home: the champion's own
    walk-forward forecasts), the champion. The predictions' `p_home` and `home_win` are the first side's
    probability and outcome; a push is scored as a push (`push`, `picks`), never as a win or a loss.

    Every game is scored as a forecast served before its starters are named (`before_lineups`: the fits
    learn from the starters who played), so the figures a gate reads know no more of the starters than a
    served forecast (a market-aware model's closing line prices them in both). Where the game's own named
    starters change a forecast, `named_starters` holds the same fits' metrics with them and the paired
    difference, and the predictions `p_home_named_starters`.
    """
    own = market_of(market)
    gold = gold.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    y = gold[own.target].to_numpy(float)
    pushed = gold[own.push].eq(1).to_numpy() if own.push and own.push in gold else np.zeros(len(y), bool)
    window = backtest_seasons(gold, seasons)
    test = np.isin(gold["season"].to_numpy(), window) & (~np.isnan(y) | pushed)
    scored = walk_forward_scores(
        clone(estimator),
        gold,
        y,
        gold["partition_week"],
        test,
        {"served": before_lineups(gold), "named": gold},
        log=log,
        refit_every_weeks=refit_every_weeks,
    )
    columns = [*GAME_COLUMNS, *own.odds, *([own.line] if own.line else [])]
    frame = gold.loc[test, [c for c in columns if c in gold]].copy()
    frame["p_home"], frame["home_win"] = scored["served"][test], y[test]
    starters_count = not np.array_equal(scored["served"][test], scored["named"][test], equal_nan=True)
    if starters_count:
        frame["p_home_named_starters"] = scored["named"][test]
    if own.push:
        frame["push"] = pushed[test]
    frame = frame.reset_index(drop=True)

    baselines = {"constant_home_rate": _constant_rate(gold, y, frame["season"])}
    priced = {"market": vig_free_probability(gold[own.odds[0]], gold[own.odds[1]])} if own.line else {}
    if own.line and not set(own.odds) <= set(gold):
        priced = {}
    for name, column in ({} if own.line else BASELINE_COLUMNS).items():
        if column in gold:
            priced[name] = gold[column].to_numpy(float)
    for name, p in priced.items():
        if np.isfinite(p[test]).any():
            baselines[name] = p[test]
    if champion is not None and not champion.empty:
        baselines["champion"] = frame["game_id"].map(champion.set_index("game_id")["p_home"]).to_numpy(float)
    for name, p in baselines.items():
        frame[f"p_{name}"] = p

    report = {
        "market": market,
        "scoring": SCORING,
        "seasons": window,
        "games": int((test & ~np.isnan(y)).sum()),
        "refit_every_weeks": refit_every_weeks,
        "backtest_window": game_window(frame),
        "model": probability_metrics(frame["home_win"], frame["p_home"]),
        "per_season": {
            int(s): probability_metrics(g["home_win"], g["p_home"]) for s, g in frame.groupby("season")
        },
        "baselines": {name: _compare(frame, f"p_{name}") for name in baselines},
        "betting": betting_metrics(frame, rules, market) if set(own.odds) <= set(frame) else {"bets": 0},
    }
    if starters_count:
        report["named_starters"] = {
            "model": probability_metrics(frame["home_win"], frame["p_home_named_starters"]),
            "served_minus_named": paired_difference(
                frame["home_win"], frame["p_home"], frame["p_home_named_starters"]
            ),
        }
    if own.line:
        report["picks"] = pick_record(frame, market)
    report["predictions"] = frame
    return report


def _constant_rate(gold: pd.DataFrame, y: np.ndarray, seasons: pd.Series) -> np.ndarray:
    """For each game, the home-win rate of every labelled game in the seasons before its own."""
    labelled = ~np.isnan(y)
    rate = {s: y[labelled & (gold["season"].to_numpy() < s)].mean() for s in seasons.unique()}
    return seasons.map(rate).to_numpy(float)


def _compare(frame: pd.DataFrame, column: str) -> dict:
    both = frame[frame[column].notna()]
    return {
        **probability_metrics(both["home_win"], both[column]),
        "model_on_same_games": probability_metrics(both["home_win"], both["p_home"]),
        "model_minus_this": paired_difference(both["home_win"], both["p_home"], both[column]),
        "brier_per_season": {
            int(s): probability_metrics(g["home_win"], g[column])["brier"] for s, g in both.groupby("season")
        },
    }
