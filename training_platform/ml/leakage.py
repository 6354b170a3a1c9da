"""Leakage probe: a game's features must not change when its own and later results are removed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.elo import EloParams
from training_platform.ml.features import FEATURE_COLUMNS, build_gold_features

RESULT_COLUMNS = ["home_score", "away_score"]


def leaking_features(history: pd.DataFrame, on_date, features: pd.DataFrame, elo: EloParams | None = None) -> list[str]:
    """Feature columns of games on `on_date` that differ once results from `on_date` on are hidden.

    `features` are the stored features of `history`; an empty list means no leakage.
    """
    hidden = history.copy()
    later = pd.to_datetime(hidden["game_date"]) >= pd.Timestamp(on_date)
    hidden.loc[later, RESULT_COLUMNS] = pd.NA
    rebuilt = build_gold_features(hidden, elo).set_index("game_id")
    stored = features.set_index("game_id")
    games = stored.index[pd.to_datetime(stored["game_date"]) == pd.Timestamp(on_date)]
    leaks = []
    for column in FEATURE_COLUMNS:
        a = stored.loc[games, column].astype(float).to_numpy()
        b = rebuilt.loc[games, column].astype(float).to_numpy()
        if not np.allclose(a, b, equal_nan=True):
            leaks.append(column)
    return leaks
