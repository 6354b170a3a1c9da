"""What every model's tuning and final fit share: the rows, the CV and the calibrated fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.features.gold import require_current_features
from training_platform.ml.modeling.calibration import TimeSeriesCalibratedClassifier
from training_platform.ml.modeling.catalog import calibration_of
from training_platform.ml.modeling.markets import market as market_of
from training_platform.ml.modeling.splits import ExpandingWindowSplit
from training_platform.ml.modeling.zoo import make_model
from training_platform.ml.provenance import data_hash
from training_platform.sources.weeks import week_start


def training_rows(
    gold: pd.DataFrame, market: str = "moneyline"
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Games with an outcome in `market` (moneyline: ties dropped; spread and totals: pushes and games
    without a line dropped), in game order: X, y, weeks."""
    target = market_of(market).target
    if gold.empty or target not in gold:
        raise ValueError("features/gold holds no games; materialize raw/games and features/gold first")
    require_current_features(gold)
    rows = gold[gold[target].notna()].sort_values(["game_date", "game_id"]).reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"features/gold holds no played games with a {market} outcome to train on")
    return rows, rows[target].to_numpy(float), week_start(rows["game_date"]).to_numpy()


def played_data_hash(gold: pd.DataFrame, market: str = "moneyline") -> str:
    """The data version a report is made on: its played games (`training_rows`) only, so scheduling the
    coming week's fixtures does not make every report stale. "" when nothing is played."""
    target = market_of(market).target
    if gold.empty or target not in gold or gold[target].isna().all():
        return ""
    return data_hash(training_rows(gold, market)[0])


def fit_calibrated(
    name: str,
    sport: str,
    params: dict,
    X: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    n_splits: int = 5,
    method: str | None = None,
    imbalance: str = "none",
    market: str = "moneyline",
) -> TimeSeriesCalibratedClassifier:
    """The final model: `name` with tuned `params` on all rows, calibrated on out-of-fold predictions
    (`method` unset: the model's own, catalog.calibration_of)."""
    return TimeSeriesCalibratedClassifier(
        make_model(name, sport, params, seed=seed, imbalance=imbalance, market=market),
        method=method or calibration_of(name),
        n_splits=n_splits,
    ).fit(X, y)


def default_splitter(n_splits: int = 5, gap_weeks: int = 0) -> ExpandingWindowSplit:
    return ExpandingWindowSplit(n_splits=n_splits, gap_weeks=gap_weeks)
