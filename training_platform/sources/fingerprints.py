"""Per-week fingerprints of a source's games, to notice new or changed weeks cheaply."""

from __future__ import annotations

import pandas as pd

from training_platform.sources.weeks import week_start


def week_fingerprints(games: pd.DataFrame) -> dict[str, str]:
    """{week start (YYYY-MM-DD): short hash of that week's rows}, independent of row order."""
    if games.empty:
        return {}
    frame = games.sort_values("game_id").reset_index(drop=True)
    weeks = week_start(frame["game_date"]).dt.strftime("%Y-%m-%d")
    row_hashes = pd.util.hash_pandas_object(frame.astype(str), index=False)
    return {
        week: f"{int(hashes.sum()) & 0xFFFFFFFFFF:010x}"
        for week, hashes in row_hashes.groupby(weeks.to_numpy())
    }


def changed_weeks(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Weeks that are new, changed or gone, in order."""
    return sorted(week for week in set(before) | set(after) if before.get(week) != after.get(week))
