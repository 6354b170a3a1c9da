"""Readers for games files in other people's layouts: FiveThirtyEight's Elo CSVs, and any CSV through a
column mapping declared in the sports file (`csv_columns`, `csv_values`, `csv_spread_favourite`).

FiveThirtyEight's format (NFL, NBA, MLB): date, season, neutral, playoff, team1, team2, score1, score2, with
team1 at home unless `neutral`. Its forecast columns (elo_prob1, qbelo_prob1, ...) are not read: they are
anchors for a scorecard, never inputs. A file without game ids gets `<sport>_<yyyymmdd>_<away>_<home>`
(`_2`, `_3` for a double-header).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from training_platform.sources.csv_games import UNREADABLE_CSV
from training_platform.sources.schema import COLUMNS, SchemaError, conform

FIVETHIRTYEIGHT_COLUMNS = ("date", "season", "neutral", "playoff", "team1", "team2", "score1", "score2")
FIVETHIRTYEIGHT_MAPPING = {
    "game_date": "date",
    "season": "season",
    "neutral": "neutral",
    "game_type": "playoff",
    "home_team": "team1",
    "away_team": "team2",
    "home_score": "score1",
    "away_score": "score2",
}


def read_table(path: str | Path, source: str) -> pd.DataFrame:
    """A CSV (plain or .gz) as text columns, or a SchemaError naming the file."""
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{source} file not found: {path}")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except UNREADABLE_CSV as exc:
        raise SchemaError(f"{path}: not a readable CSV ({type(exc).__name__}: {exc})") from exc
    return table.dropna(how="all").reset_index(drop=True)  # blank lines


def read_fivethirtyeight(path: str | Path, sport: str) -> pd.DataFrame:
    """FiveThirtyEight's `<sport>_elo*.csv` in the canonical schema."""
    raw = read_table(path, "FiveThirtyEight")
    missing = [c for c in FIVETHIRTYEIGHT_COLUMNS if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{path}: not FiveThirtyEight's Elo format: missing column(s) {missing} "
            f"(it has {', '.join(FIVETHIRTYEIGHT_COLUMNS)})"
        )
    # 538's MLB 2023 file ends with a row of nothing but its summary columns
    raw = raw.dropna(how="all", subset=list(FIVETHIRTYEIGHT_COLUMNS)).reset_index(drop=True)
    raw["playoff"] = raw["playoff"].fillna("0").map(lambda v: "REG" if v.strip() in ("", "0") else "POST")
    return mapped(raw, sport, str(path), FIVETHIRTYEIGHT_MAPPING)


def mapped(
    raw: pd.DataFrame,
    sport: str,
    source: str,
    columns: dict[str, str],
    values: dict[str, dict] | None = None,
    spread_favourite: str | None = None,
) -> pd.DataFrame:
    """`raw` with its columns renamed to the canonical ones (`columns`: canonical -> file column), values
    recoded (`values`: canonical -> {file value: value}), the spread signed for the home team when the file
    gives it as the favourite's margin beside a column naming the favourite (`home`/`away`), and game ids
    made where the file has none."""
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise SchemaError(f"{source}: csv_columns maps unknown column(s) {unknown}; known: {list(COLUMNS)}")
    absent = sorted(f"{ours} <- {theirs}" for ours, theirs in columns.items() if theirs not in raw.columns)
    if absent:
        raise SchemaError(
            f"{source}: csv_columns names file column(s) it lacks: {absent}; it has {list(raw.columns)}"
        )
    games = pd.DataFrame({ours: raw[theirs] for ours, theirs in columns.items()}, index=raw.index)
    for name in set(COLUMNS) & set(raw.columns) - set(columns):
        games[name] = raw[name]  # a canonical column the file has under its own name, kept
    if "game_date" in games.columns:  # FiveThirtyEight's files mix 9/9/2021 and 2021-09-09 (month first)
        try:
            games["game_date"] = pd.to_datetime(games["game_date"], format="mixed")
        except (ValueError, TypeError) as exc:
            raise SchemaError(f"{source}: column 'game_date' cannot be read as dates: {exc}") from exc
    for ours, recode in (values or {}).items():
        if ours not in games.columns:
            raise SchemaError(f"{source}: csv_values recodes {ours!r}, which csv_columns does not map")
        as_text = {str(k): v for k, v in recode.items()}
        unmapped = games[ours].dropna().astype(str)
        unmapped = unmapped[~unmapped.isin(as_text)]
        if not unmapped.empty:  # a value the mapping does not name would pass through as it is
            raise SchemaError(
                f"{source}: csv_values.{ours} has no entry for the file's value {unmapped.iloc[0]!r}; "
                f"it maps {sorted(as_text)}"
            )
        games[ours] = games[ours].map(lambda v, to=as_text: to[str(v)], na_action="ignore")
    if spread_favourite is not None:
        _sign_spread(games, raw, spread_favourite, source)
    games["sport"] = sport
    if "game_id" not in games.columns:
        games["game_id"] = _game_ids(games, sport, source)
    return conform(games, source)


def _sign_spread(games: pd.DataFrame, raw: pd.DataFrame, column: str, source: str) -> None:
    if column not in raw.columns or "spread_line" not in games.columns:
        raise SchemaError(
            f"{source}: csv_spread_favourite needs the file's column {column!r} and a mapped spread_line"
        )
    side = raw[column].str.strip().str.lower()
    bad = side.dropna()[~side.dropna().isin(["home", "away"])]
    if not bad.empty:
        raise SchemaError(
            f"{source}: column {column!r} must say home or away; first bad value {bad.iloc[0]!r}"
        )
    try:
        spread = pd.to_numeric(games["spread_line"], errors="raise").abs()
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"{source}: column 'spread_line' cannot be read as numbers: {exc}") from exc
    unsigned = spread.notna() & (spread != 0) & side.isna()
    if unsigned.any():
        raise SchemaError(
            f"{source}: a spread without a favourite in {column!r} (first at row {unsigned.idxmax()}); "
            "say home or away, or leave the spread empty"
        )
    games["spread_line"] = spread.where(side != "away", -spread)


def _game_ids(games: pd.DataFrame, sport: str, source: str) -> pd.Series:
    if not {"game_date", "home_team", "away_team"} <= set(games.columns):
        raise SchemaError(
            f"{source}: no game_id column, and no game_date, home_team and away_team to make one"
        )
    day = games["game_date"].dt.strftime("%Y%m%d")
    base = sport + "_" + day + "_" + games["away_team"].astype(str) + "_" + games["home_team"].astype(str)
    repeat = base.groupby(base).cumcount()
    return base.where(repeat == 0, base + "_" + (repeat + 1).astype(str))
