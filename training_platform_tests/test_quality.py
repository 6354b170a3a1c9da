"""Every data-quality rule fires on the bad row it guards against, and keeps the rest."""

import datetime as dt

import pandas as pd
import pytest

from training_platform.sources.quality import find_problems, split_valid
from training_platform.sources.rules import RULES
from training_platform.sources.schema import conform

WEEK = dt.date(2024, 9, 3)
TODAY = dt.date(2024, 9, 20)


def good_game(**overrides) -> dict:
    row = {
        "game_id": "g",
        "sport": "nfl",
        "season": 2024,
        "game_date": "2024-09-08",
        "home_team": "KC",
        "away_team": "BAL",
        "home_score": 27,
        "away_score": 20,
        "home_moneyline": -150.0,
        "away_moneyline": 130.0,
    }
    return {**row, **overrides}


BAD_ROWS = {
    "schema": good_game(game_id="same", away_team="KC"),
    "duplicate_game_id": good_game(game_id="ok1"),  # repeats the first good row's id
    "impossible_score": good_game(game_id="neg", home_score=-3),
    "unknown_team": good_game(game_id="unk", home_team="XYZ"),
    "future_completed_game": good_game(game_id="fut", game_date="2024-09-09", season=2024),
    "wrong_partition": good_game(game_id="late", game_date="2024-09-12"),
    "invalid_odds": good_game(game_id="odds", home_moneyline=50.0),
    "implausible_value": good_game(game_id="book", home_moneyline=-500.0, away_moneyline=-500.0),
    "unsafe_text": good_game(game_id="=HYPERLINK(1)"),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_fires_and_nothing_is_lost(rule):
    today = dt.date(2024, 9, 8) if rule == "future_completed_game" else TODAY
    frame = conform(
        pd.DataFrame([good_game(game_id="ok1"), good_game(game_id="ok2", home_team="BUF"), BAD_ROWS[rule]])
    )
    problems = find_problems(frame, [WEEK], {"KC", "BAL", "BUF"}, today)
    assert set(problems["rule"]) == {rule}, problems
    valid, bad = split_valid(frame, problems)
    assert list(valid["game_id"]) == ["ok1", "ok2"]
    assert len(bad) == 1 and bad["rule"].iloc[0] == rule and bad["reason"].iloc[0]
    assert len(valid) + len(bad) == len(frame)


def test_game_already_stored_under_another_week_is_a_duplicate():
    frame = conform(pd.DataFrame([good_game(game_id="moved")]))
    problems = find_problems(frame, [WEEK], None, TODAY, stored_elsewhere={"moved": "2024-08-27"})
    assert list(problems["rule"]) == ["duplicate_game_id"]
    assert "2024-08-27" in problems["reason"].iloc[0]


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"home_score": None}, "only one team has a score"),
        ({"home_score": 250}, "score above 100 (max_score in the sports file)"),
        ({"away_moneyline": None}, "only one side has a moneyline (home -150.0, away <NA>)"),
    ],
)
def test_impossible_scores(overrides, reason):
    frame = conform(pd.DataFrame([good_game(**overrides)]))
    assert find_problems(frame, [WEEK], None, TODAY)["reason"].tolist() == [reason]


def test_ties_are_impossible_only_where_the_sport_has_none():
    frame = conform(
        pd.DataFrame(
            [
                good_game(game_id="a", home_score=20, away_score=20),
                good_game(game_id="b", sport="nba", home_score=99, away_score=99),
            ]
        )
    )
    problems = find_problems(frame, [WEEK], None, TODAY)
    assert problems["row"].tolist() == [1]
