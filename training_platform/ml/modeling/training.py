"""What every model's tuning and final fit share: the rows, the CV and the calibrated fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.features.columns import FEATURE_VERSION
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


def require_current_features(gold: pd.DataFrame) -> None:
    """Refuse gold rows that older code built: their new feature columns read empty (the warehouse widens
    the table, it cannot compute them), so a model fitted across them learns that games lacked the
    feature. The message names the weeks to rebuild."""
    if "feature_version" not in gold:  # a frame built in memory, not read from the warehouse
        return
    stale = gold[gold["feature_version"].fillna("") != FEATURE_VERSION]
    if stale.empty:
        return
    weeks = pd.to_datetime(stale["partition_week"])
    sport = str(stale["sport"].iloc[0])
    versions = sorted(set(stale["feature_version"].fillna("unversioned")))
    raise ValueError(
        f"features/gold of {sport} holds {len(stale)} games of feature version {', '.join(versions)}, "
        f"built by older code; this code builds {FEATURE_VERSION}. Rebuild those weeks first: dagster "
        f"asset materialize --select features/gold --partition-range "
        f"'{sport}|{weeks.min():%Y-%m-%d}...{sport}|{weeks.max():%Y-%m-%d}'"
    )


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
