"""The canonical games table every source produces and every later stage reads.

One row per game, home team's point of view. Optional columns may be missing from a
source; `conform` adds them as nulls so downstream code sees one shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads when a table is conformed, not when the Dagster definitions load
    import pandas as pd

# column -> pandas dtype; order is the order of the stored table.
REQUIRED_COLUMNS: dict[str, str] = {
    "game_id": "string",
    "sport": "string",
    "season": "int64",
    "game_date": "datetime64[ns]",
    "home_team": "string",
    "away_team": "string",
    "home_score": "Int64",  # null until the game is played
    "away_score": "Int64",
}
OPTIONAL_COLUMNS: dict[str, str] = {
    "game_type": "string",  # REG or POST (nflverse: WC/DIV/CON/SB are POST)
    "week": "Int64",  # the league's own week number, where it has one
    "neutral": "boolean",
    "divisional": "boolean",
    "home_rest": "Int64",  # days since the team's previous game, as the source says
    "away_rest": "Int64",
    "spread_line": "Float64",  # points; > 0 means the home team is favoured
    "total_line": "Float64",
    "home_moneyline": "Float64",  # American odds
    "away_moneyline": "Float64",
    "home_spread_odds": "Float64",
    "away_spread_odds": "Float64",
    "over_odds": "Float64",
    "under_odds": "Float64",
    "roof": "string",
    "surface": "string",
    "temp": "Float64",
    "wind": "Float64",
    "home_qb_id": "string",
    "away_qb_id": "string",
    # The synthetic league's generating probability. Evaluation may compare against it;
    # no feature may read it (see ml/features/gold.py and its leakage test).
    "true_home_win_prob": "Float64",
}
COLUMNS: dict[str, str] = {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}
# When each column becomes known, in order. Starting lineups (the QBs) are named before the closing line:
# NFL teams name starters days ahead and the inactive list is final 90 minutes before kickoff. A game
# that is still to be played shows at most the columns known by "lineups", often fewer (nflverse leaves
# starters empty until the game is played; features then assume the team's last starter); `as_upcoming`
# makes a played game look like one whose starters are named and whose weather and scores are not.
KNOWN_AT_STAGES = ("scheduling", "lines", "lineups", "kickoff", "after_game")
COLUMN_KNOWN_AT: dict[str, str] = {
    **{
        column: "scheduling"
        for column in (
            "game_id",
            "sport",
            "season",
            "game_date",
            "home_team",
            "away_team",
            "game_type",
            "week",
            "neutral",
            "divisional",
            "home_rest",
            "away_rest",
            "roof",
            "surface",
        )
    },
    **{
        column: "lines"
        for column in (
            "spread_line",
            "total_line",
            "home_moneyline",
            "away_moneyline",
            "home_spread_odds",
            "away_spread_odds",
            "over_odds",
            "under_odds",
        )
    },
    **{column: "lineups" for column in ("home_qb_id", "away_qb_id")},
    **{column: "kickoff" for column in ("temp", "wind")},
    **{column: "after_game" for column in ("home_score", "away_score", "true_home_win_prob")},
}
LINEUP_COLUMNS = tuple(c for c, stage in COLUMN_KNOWN_AT.items() if stage == "lineups")
UNKNOWN_BEFORE_KICKOFF = tuple(
    c for c, stage in COLUMN_KNOWN_AT.items() if stage in ("kickoff", "after_game")
)


def as_upcoming(games: pd.DataFrame, rows, starters_named: bool = True) -> pd.DataFrame:
    """A copy of `games` in which `rows` (a boolean mask) look as a source shows a game not yet
    played: every column known only at kickoff or after the game is empty, and the starting lineups too
    unless `starters_named` (nflverse names no starter before the game is played)."""
    import pandas as pd

    games = games.copy()
    mask = pd.Series(rows, index=games.index).astype(bool).to_numpy()
    blanked = UNKNOWN_BEFORE_KICKOFF if starters_named else (*UNKNOWN_BEFORE_KICKOFF, *LINEUP_COLUMNS)
    for column in blanked:
        if column in games.columns:
            games.loc[mask, column] = pd.NA
    return games


ODDS_COLUMNS = (
    "home_moneyline",
    "away_moneyline",
    "home_spread_odds",
    "away_spread_odds",
    "over_odds",
    "under_odds",
)


class SchemaError(ValueError):
    """A source's table cannot be read as games: missing columns or wrong types."""


def conform(frame: pd.DataFrame, source: str = "source") -> pd.DataFrame:
    """Return `frame` with exactly the canonical columns and dtypes, or raise SchemaError.

    Unknown extra columns are dropped; optional columns that are absent become nulls.
    """
    import pandas as pd

    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{source}: missing required column(s) {missing}; required are {list(REQUIRED_COLUMNS)}"
        )
    out = pd.DataFrame(index=frame.index)
    for column, dtype in COLUMNS.items():
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        try:
            out[column] = _cast(values, dtype)
        except (ValueError, TypeError) as exc:
            bad = _first_uncastable(values, dtype)
            raise SchemaError(
                f"{source}: column {column!r} cannot be read as {dtype}"
                + (f" (first bad value: {bad!r})" if bad is not None else "")
                + f": {exc}"
            ) from exc
    return out.reset_index(drop=True)


def _cast(values: pd.Series, dtype: str) -> pd.Series:
    import pandas as pd

    if dtype == "datetime64[ns]":
        return pd.to_datetime(values, errors="raise").dt.normalize().astype("datetime64[ns]")
    if dtype in ("Int64", "int64"):
        numeric = pd.to_numeric(values, errors="raise")
        if (numeric.dropna() % 1 != 0).any():
            raise ValueError("non-integer values")
        return numeric.astype(dtype)
    if dtype == "Float64":
        return pd.to_numeric(values, errors="raise").astype("Float64")
    if dtype == "boolean":
        return values.map(_to_bool, na_action="ignore").astype("boolean")
    return values.astype("string")


def _to_bool(value: object) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "t", "yes", "y"):
            return True
        if lowered in ("0", "false", "f", "no", "n", ""):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def _first_uncastable(values: pd.Series, dtype: str) -> object | None:
    import pandas as pd

    for value in values.dropna():
        try:
            _cast(pd.Series([value]), dtype)
        except (ValueError, TypeError):
            return value
    return None
