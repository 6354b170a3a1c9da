"""Leakage probe: a game's features must not change when it and every later game are shown as the source
shows a game still to be played (no scores, no weather) and later games name no starter either: kickoff and
result columns never reach a feature, and a game's own starters (known at "lineups") are all a feature may
read of the lineups, never a later game's. A feature known before the lineups (columns.FEATURE_KNOWN_AT)
must not change either when the game's own starters are not named yet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.features.columns import FEATURE_COLUMNS, FEATURE_KNOWN_AT
from training_platform.ml.features.elo import EloParams
from training_platform.ml.features.gold import build_gold_features
from training_platform.sources.schema import KNOWN_AT_STAGES, as_upcoming

BEFORE_LINEUPS = [
    column
    for column in FEATURE_COLUMNS
    if KNOWN_AT_STAGES.index(FEATURE_KNOWN_AT[column]) < KNOWN_AT_STAGES.index("lineups")
]


def leaking_features(
    history: pd.DataFrame, on_date, features: pd.DataFrame, elo: EloParams | None = None
) -> list[str]:
    """Feature columns of games on `on_date` that differ once the games from `on_date` on look
    upcoming (`as_upcoming`). `features` are the stored features of `history`; [] means no leakage.
    """
    dates = pd.to_datetime(history["game_date"])
    from_day, after_day = dates >= pd.Timestamp(on_date), dates > pd.Timestamp(on_date)
    named = as_upcoming(as_upcoming(history, from_day), after_day, starters_named=False)
    unnamed = as_upcoming(history, from_day, starters_named=False)
    stored = features.set_index("game_id")
    games = stored.index[pd.to_datetime(stored["game_date"]) == pd.Timestamp(on_date)]
    leaks = []
    for hidden, columns in ((named, FEATURE_COLUMNS), (unnamed, BEFORE_LINEUPS)):
        rebuilt = build_gold_features(hidden, elo).set_index("game_id")
        for column in columns:
            a = stored.loc[games, column].astype(float).to_numpy()
            b = rebuilt.loc[games, column].astype(float).to_numpy()
            if column not in leaks and not np.allclose(a, b, equal_nan=True):
                leaks.append(column)
    return leaks
