"""Leakage probe: a game's features must not change when it and every later game are shown as the source
shows a game still to be played (no scores, no weather) and later games name no starter either: kickoff and
result columns never reach a feature, and a game's own starters (known at "lineups") are all a feature may
read of the lineups, never a later game's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.features.columns import FEATURE_COLUMNS
from training_platform.ml.features.elo import EloParams
from training_platform.ml.features.gold import build_gold_features
from training_platform.sources.schema import as_upcoming


def leaking_features(
    history: pd.DataFrame, on_date, features: pd.DataFrame, elo: EloParams | None = None
) -> list[str]:
    """Feature columns of games on `on_date` that differ once the games from `on_date` on look
    upcoming (`as_upcoming`). `features` are the stored features of `history`; [] means no leakage.
    """
    dates = pd.to_datetime(history["game_date"])
    hidden = as_upcoming(history, dates >= pd.Timestamp(on_date))
    hidden = as_upcoming(hidden, dates > pd.Timestamp(on_date), starters_named=False)
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
