"""Values a real source never holds: caught at ingest and quarantined with their reason, before a
fit fails on them (an infinite line) or they skew a feature (a season label years from the date) or
reach a spreadsheet as a formula (a game id starting with =).

Bounds come from the sport's own sports-file entry (max_score) where a sport differs; the rest hold
for every sport. Each was checked on the real files in ../shared/data (SOURCES.md), which pass them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from training_platform.sources.odds import implied_probability

# A two-sided moneyline book prices both sides at 1 plus the bookmaker's margin: the real NFL file
# 0.98-1.05, the NBA file 0.96-1.15 but for 7 rows of 19,819 (up to 1.73, data errors). Both sides
# at -500 sum to 1.67, both at +1000 to 0.18.
BOOK_SUM = (0.9, 1.3)
MAX_ABS_ODDS = 100_000  # American odds beyond 1,000-to-1 are a typo or an overflow, never a price
# A season is named by the year it starts or ends: a game is dated in it, the year before or after.
SEASON_SLACK_YEARS = 1
# Games a team plays in one week: MLB reaches 9 (doubleheaders), the NBA 5, the NFL 1.
MAX_TEAM_GAMES_PER_WEEK = 12
# Ids and names as text that is safe in a CSV cell and an HTML report: no leading = + - @ (a
# spreadsheet formula), no < > (markup), no control characters.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,99}$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.,'&()/-]{0,99}$")


def implausible(games: pd.DataFrame, max_scores: dict[str, int]) -> list[tuple[int, str, str]]:
    """(row index, rule, reason) for each implausible value: lines, odds, season, book, schedule."""
    found: list[tuple[int, str, str]] = []

    def flag(mask, reason) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=games.index)
        for index in games.index[mask]:
            found.append(
                (index, "implausible_value", reason(games.loc[index]) if callable(reason) else reason)
            )

    limit = games["sport"].map(max_scores).fillna(1000).astype("float64")
    # a margin is at most one team's score, a total at most both teams'
    for column, most, low in (("spread_line", limit, None), ("total_line", 2 * limit, 0.0)):
        values = games[column].astype("float64") if column in games else pd.Series(np.nan, games.index)
        bad = values.notna() & (~np.isfinite(values.fillna(0)) | (values.abs() > most))
        if low is not None:
            bad |= values.notna() & (values <= low)
        flag(
            bad,
            lambda r, c=column: (
                f"{c}={r[c]} is outside what the sport's scores allow (max_score in the sports file)"
            ),
        )
    for column in ("home_moneyline", "away_moneyline"):
        values = games[column].astype("float64")
        flag(
            values.notna() & (~np.isfinite(values.fillna(0)) | (values.abs() > MAX_ABS_ODDS)),
            lambda r, c=column: f"{c}={r[c]} is not a finite price within +-{MAX_ABS_ODDS:,}",
        )
    home = implied_probability(games["home_moneyline"].astype("float64").fillna(0))
    away = implied_probability(games["away_moneyline"].astype("float64").fillna(0))
    book = pd.Series(np.asarray(home + away, dtype="float64"), index=games.index)
    flag(
        book.notna() & ((book < BOOK_SUM[0]) | (book > BOOK_SUM[1])),
        lambda r: (
            f"the moneylines {r['home_moneyline']:+g} / {r['away_moneyline']:+g} imply "
            f"{book[r.name]:.0%} in all: a two-sided book sums to between {BOOK_SUM[0]:.0%} and {BOOK_SUM[1]:.0%}"
        ),
    )
    dates = pd.to_datetime(games["game_date"])
    season = pd.to_numeric(games["season"], errors="coerce")
    flag(
        season.notna() & ((season - dates.dt.year).abs() > SEASON_SLACK_YEARS),
        lambda r: (
            f"season {r['season']} is more than {SEASON_SLACK_YEARS} year from the game's date "
            f"{pd.Timestamp(r['game_date']):%Y-%m-%d}"
        ),
    )
    week = dates - pd.to_timedelta((dates.dt.weekday - 1) % 7, unit="D")
    sides = pd.concat([pd.DataFrame({"team": games[c], "week": week}) for c in ("home_team", "away_team")])
    counts = sides.groupby(["team", "week"]).size()
    busy = counts[counts > MAX_TEAM_GAMES_PER_WEEK]
    if len(busy):
        crowded = pd.MultiIndex.from_frame(pd.DataFrame({"team": games["home_team"], "week": week})).isin(
            busy.index
        ) | pd.MultiIndex.from_frame(pd.DataFrame({"team": games["away_team"], "week": week})).isin(
            busy.index
        )
        flag(
            crowded,
            lambda r: (
                f"a team plays more than {MAX_TEAM_GAMES_PER_WEEK} games in the week of "
                f"{pd.Timestamp(r['game_date']):%Y-%m-%d}: a duplicated or generated file?"
            ),
        )
    return found


def unsafe_text(games: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(row index, rule, reason) for a game id or team name that is not plain text: it would be written
    raw into prediction CSVs (a leading = runs as a spreadsheet formula) and HTML reports."""
    found = []
    for column, pattern in (("game_id", SAFE_ID), ("home_team", SAFE_NAME), ("away_team", SAFE_NAME)):
        text = games[column].astype("string")
        bad = text.notna() & ~text.fillna("").str.fullmatch(pattern.pattern).fillna(False)
        for index in games.index[bad.to_numpy(dtype=bool)]:
            found.append(
                (
                    index,
                    "unsafe_text",
                    f"{column} {str(games.loc[index, column])[:40]!r} is not plain text: letters, digits and "
                    "_ . : / # - (names also space , ' & ( )), not starting with = + - @",
                )
            )
    return found
