"""Row-level data-quality rules for incoming games.

Each rule names the rows it rejects and why. A rejected row is quarantined with its
reason, never dropped in silence; the Dagster checks on raw/games report these rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import numpy as np
import pandas as pd

from training_platform.sources.odds import is_valid_american
from training_platform.sources.plausibility import implausible, unsafe_text
from training_platform.sources.schema import ODDS_COLUMNS
from training_platform.sources.weeks import week_start
from training_platform.sports import configured


def find_problems(
    games: pd.DataFrame,
    weeks: Collection[dt.date],
    known_teams: Collection[str] | None,
    today: dt.date,
    stored_elsewhere: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per (game row index, rule, reason) that fails; empty when all is well.

    `weeks` are the week partitions (their Tuesdays) being written; `stored_elsewhere`
    maps game ids already in the warehouse under other weeks to their week.
    """
    found: list[tuple[int, str, str]] = []

    def flag(mask: pd.Series, rule: str, reason) -> None:
        for index in games.index[mask.fillna(False).astype(bool)]:
            found.append((index, rule, reason(games.loc[index]) if callable(reason) else reason))

    required = ["game_id", "season", "game_date", "home_team", "away_team"]
    flag(
        games[required].isna().any(axis=1),
        "schema",
        lambda r: f"missing {[c for c in required if pd.isna(r[c])]}",
    )
    flag(games["home_team"] == games["away_team"], "schema", "home and away team are the same")

    flag(
        games["game_id"].duplicated(keep="first"),
        "duplicate_game_id",
        "game id repeated in this batch; first row kept",
    )
    if stored_elsewhere:
        flag(
            games["game_id"].isin(list(stored_elsewhere)),
            "duplicate_game_id",
            lambda r: (
                f"already stored under week {stored_elsewhere[r['game_id']]}; re-ingest that week first"
            ),
        )

    home, away = games["home_score"], games["away_score"]
    flag((home < 0) | (away < 0), "impossible_score", "negative score")
    flag(home.isna() != away.isna(), "impossible_score", "only one team has a score")
    sports = configured()  # the sports file's max_score and ties
    max_score = {name: sport.max_score for name, sport in sports.items()}
    limit = games["sport"].map(max_score).fillna(1000)
    flag(
        (home > limit) | (away > limit),
        "impossible_score",
        lambda r: f"score above {max_score.get(r['sport'], 1000)} (max_score in the sports file)",
    )
    flag(
        games["sport"].isin([name for name, sport in sports.items() if not sport.ties]) & (home == away),
        "impossible_score",
        "a tie in a sport without ties",
    )

    if known_teams is not None:
        known = set(known_teams)
        unknown = ~games["home_team"].isin(known) | ~games["away_team"].isin(known)
        flag(
            unknown & games["home_team"].notna(),
            "unknown_team",
            lambda r: (
                f"unknown team(s) {sorted({r['home_team'], r['away_team']} - known)}: not a franchise of the "
                "source nor stored before; a new or renamed franchise is accepted with the raw/games run "
                "config accept_new_teams"
            ),
        )

    dates = pd.to_datetime(games["game_date"])
    flag(
        (dates > pd.Timestamp(today)) & home.notna(),
        "future_completed_game",
        lambda r: f"final score on {r['game_date']:%Y-%m-%d}, after today {today}",
    )
    selected = {pd.Timestamp(week) for week in weeks}
    flag(
        ~week_start(dates).isin(selected).set_axis(games.index),
        "wrong_partition",
        lambda r: f"dated {r['game_date']:%Y-%m-%d}, outside the week(s) being written",
    )

    for column in ODDS_COLUMNS:
        values = games[column].astype("float64")
        flag(
            values.notna() & ~is_valid_american(values.fillna(0)),
            "invalid_odds",
            lambda r, c=column: f"{c}={r[c]} is not valid American odds",
        )
    home_odds, away_odds = (games[c].isna() for c in ("home_moneyline", "away_moneyline"))
    flag(
        home_odds != away_odds,
        "invalid_odds",  # half a market has no vig-free probability
        lambda r: f"only one side has a moneyline (home {r['home_moneyline']}, away {r['away_moneyline']})",
    )

    found += implausible(games, max_score) + unsafe_text(games)
    return pd.DataFrame(found, columns=["row", "rule", "reason"])


def split_valid(games: pd.DataFrame, problems: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows that pass every rule, rows that fail with `rule` and `reason` joined)."""
    if problems.empty:
        return games, games.iloc[0:0].assign(rule=pd.Series(dtype="string"), reason=pd.Series(dtype="string"))
    grouped = problems.groupby("row").agg(rule=("rule", ";".join), reason=("reason", "; ".join))
    bad = games.loc[grouped.index].assign(
        rule=grouped["rule"].astype("string"), reason=grouped["reason"].astype("string")
    )
    return games.drop(index=grouped.index), bad


def keep_stored_versions(
    valid: pd.DataFrame, bad: pd.DataFrame, stored: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A game whose new row fails a rule while a valid row of it is stored keeps the stored row: a
    bad correction from the source quarantines the new row and never deletes a good game."""
    if bad.empty or stored.empty:
        return valid, bad
    kept = stored[stored["game_id"].isin(bad["game_id"]) & ~stored["game_id"].isin(valid["game_id"])]
    if kept.empty:
        return valid, bad
    marked = bad["game_id"].isin(kept["game_id"])
    bad = bad.assign(
        reason=bad["reason"].where(~marked, bad["reason"] + "; the stored version of the game is kept")
    )
    return pd.concat(
        [valid, kept[list(valid.columns)].astype(valid.dtypes.to_dict())], ignore_index=True
    ), bad


def loss_refusal(
    source: str,
    source_games: int,
    incoming_by_week: dict[str, int],
    stored_by_week: dict[str, int],
    weeks: Collection[dt.date],
    allow_delete: bool = False,
    max_source_shrink: float = 0.1,
) -> str | None:
    """Why writing this batch would lose stored games, or None when it is safe.

    A week the source now returns empty while games of it are stored would be wiped; a source
    holding far fewer games than are stored (a truncated file, a stale cache, an error page) is
    not trusted for any week. `allow_delete` is the user's explicit wish to delete.
    """
    if allow_delete:
        return None
    stored_total = sum(stored_by_week.values())
    if stored_total and source_games < (1.0 - max_source_shrink) * stored_total:
        return (
            f"source {source} holds {source_games} games but {stored_total} are stored: it shrank by more than "
            f"max_source_shrink={max_source_shrink:.0%}. Nothing was written; fix the source, or, if the smaller "
            "source is right, re-run with config allow_delete: true"
        )
    emptied = sorted(
        w for w in (f"{d:%Y-%m-%d}" for d in weeks) if stored_by_week.get(w) and not incoming_by_week.get(w)
    )
    if emptied:
        shown = ", ".join(f"{w} ({stored_by_week[w]} stored)" for w in emptied[:5]) + (
            " ..." if len(emptied) > 5 else ""
        )
        return (
            f"source {source} has no games for week(s) {shown}: writing would delete them. Nothing was written; "
            "fix the source, or re-run with config allow_delete: true to delete those weeks"
        )
    return None


def spread_agreement(games: pd.DataFrame) -> tuple[int, float]:
    """(games compared, share of them) where the spread's sign names the moneyline's favourite.

    The schema's convention is spread_line > 0 when the home team is favoured. Games with a
    spread under a point, or without valid moneylines on both sides, are not compared.
    """
    from training_platform.sources.odds import implied_probability

    spread = games["spread_line"].astype("float64")
    home = implied_probability(games["home_moneyline"].astype("float64").fillna(0))
    away = implied_probability(games["away_moneyline"].astype("float64").fillna(0))
    compared = (spread.abs() >= 1).to_numpy() & ~np.isnan(home) & ~np.isnan(away) & (home != away)
    if not compared.any():
        return 0, float("nan")
    agree = (spread.to_numpy()[compared] > 0) == (home[compared] > away[compared])
    return int(compared.sum()), float(agree.mean())


RESULT_COLUMNS = ["home_score", "away_score"]
# What a played game's record is: its result, who and when, and the lines it closed at. A source that
# changes any of it is correcting history (refused without allow_corrections).
PLAYED_COLUMNS = [
    *RESULT_COLUMNS,
    "home_team",
    "away_team",
    "game_date",
    "spread_line",
    "total_line",
    "home_moneyline",
    "away_moneyline",
]


def stored_game_losses(valid: pd.DataFrame, stored: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(stored games of the weeks being written that the source now omits, values of stored played games
    it blanks or changes: game_id, column, old, new). Both are refused unless the run says it means them:
    a source never deletes or rewrites a played game in silence."""
    if stored.empty:
        return stored, pd.DataFrame(columns=["game_id", "column", "old", "new"])
    omitted = stored[~stored["game_id"].isin(valid["game_id"])]
    played = stored[stored[RESULT_COLUMNS].notna().all(axis=1) & stored["game_id"].isin(valid["game_id"])]
    played = played.set_index("game_id")
    now = valid.drop_duplicates("game_id").set_index("game_id").reindex(played.index)
    changes = []
    for column in [c for c in PLAYED_COLUMNS if c in played.columns and c in now.columns]:
        old, new = played[column], now[column]
        for game_id in played.index[_differs(old, new)]:
            changes.append((game_id, column, old[game_id], new[game_id]))
    return omitted, pd.DataFrame(changes, columns=["game_id", "column", "old", "new"])


def _differs(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Where two columns disagree: one blank and not the other, or different values (numbers to 1e-9)."""
    blank_old, blank_new = old.isna().to_numpy(), new.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(old) and pd.api.types.is_numeric_dtype(new):
        a, b = old.astype("float64").to_numpy(), new.astype("float64").to_numpy()
        unequal = ~np.isclose(a, b, rtol=0, atol=1e-9, equal_nan=True)
    elif pd.api.types.is_datetime64_any_dtype(old) or pd.api.types.is_datetime64_any_dtype(new):
        unequal = (pd.to_datetime(old) != pd.to_datetime(new)).to_numpy()
    else:
        unequal = (old.astype("string") != new.astype("string")).fillna(True).to_numpy()
    return (blank_old != blank_new) | (~blank_old & ~blank_new & unequal)


def describe_losses(source: str, omitted: pd.DataFrame, changed: pd.DataFrame) -> list[str]:
    """One sentence per kind of loss, naming the games (the first five) and the flag that allows it."""
    said = []
    if not omitted.empty:
        games = ", ".join(
            f"{r.game_id} ({r.away_team} at {r.home_team}, {pd.Timestamp(r.game_date):%Y-%m-%d})"
            for r in omitted.head(5).itertuples()
        )
        said.append(
            f"source {source} omits {len(omitted)} stored game(s) of the week(s) it covers: {games}"
            + (f" and {len(omitted) - 5} more" if len(omitted) > 5 else "")
            + ". Writing would delete them; if they were really cancelled, re-run with config allow_delete: "
            "true (a game moved to another week: ingest both weeks in one run)"
        )
    if not changed.empty:
        shown = ", ".join(
            f"{r.game_id} {r.column} {_score(r.old)} -> {_score(r.new)}" for r in changed.head(5).itertuples()
        )
        said.append(
            f"source {source} blanks or changes {changed['game_id'].nunique()} stored played game(s): {shown}"
            + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            + ". If the source corrects them, re-run with config allow_corrections: true (each change is "
            "recorded with its old value in raw_games_corrections)"
        )
    return said


def deleted_and_changed(omitted: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """What a run that allowed them deleted and corrected, one row per game deleted (column `game`) or
    value changed, old and new as text: the record raw_games_corrections keeps."""
    deleted = pd.DataFrame(
        {
            "game_id": omitted["game_id"].astype("string") if len(omitted) else pd.Series(dtype="string"),
            "column": "game",
            "old": [
                f"{r.away_team} at {r.home_team}, {pd.Timestamp(r.game_date):%Y-%m-%d}"
                for r in omitted.itertuples()
            ],
            "new": None,
        }
    )
    edited = changed.assign(old=changed["old"].map(value_text), new=changed["new"].map(value_text))
    return pd.concat([deleted, edited], ignore_index=True).astype({"old": "string", "new": "string"})


def _score(value) -> str:
    return value_text(value) or "blank"


def value_text(value) -> str | None:
    """A stored value as the corrections record and the messages show it (None: blank)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)
