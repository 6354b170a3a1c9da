"""The quarterback features: the game's own named starter moves its forecast, values are learned only from
earlier game days, and a coming game without a named starter assumes the team's last one and says so.
Their availability is also checked for every feature by test_features.py (later results and kickoff
columns never move them)."""

import numpy as np
import pandas as pd
import pytest

from training_platform.ml.features.quarterbacks import RECENT_STARTS, qb_features
from training_platform.ml.serving.forecast import assumed_starters


def schedule(rows):
    """(date, home, away, home_qb, away_qb, home_score, away_score) -> a games frame in date order."""
    columns = ["game_date", "home_team", "away_team", "home_qb_id", "away_qb_id", "home_score", "away_score"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.assign(game_date=pd.to_datetime(frame["game_date"]), season=2020, neutral=False)


KC_SEASON = [
    ("2020-09-13", "KC", "HOU", "star", "h1", 34, 20),  # KC beats an even Elo expectation
    ("2020-09-20", "KC", "LAC", "star", "c1", 23, 20),
    ("2020-09-27", "KC", "BAL", "backup", "b1", 10, 30),  # the backup's first start, a loss
    ("2020-10-04", "KC", "NE", "star", "n1", 26, 10),  # the star is back
    ("2020-10-11", "KC", "BUF", "star", "u1", 17, 20),
]


def home(features: pd.DataFrame, name: str) -> list[float]:
    return features[f"home_{name}"].round(6).tolist()


def test_the_named_starter_moves_his_own_game_and_values_come_from_earlier_days_only():
    games = schedule(KC_SEASON)
    features = qb_features(games, np.full(len(games), 0.5))
    assert home(features, "qb_rating") == [0.0, 0.05, 0.0, 0.095, 0.1355]  # the backup, unseen, is average
    assert home(features, "qb_new_starter") == [0.0, 0.0, 1.0, 1.0, 0.0]  # the backup in, the star back
    assert home(features, "qb_rating_change") == [0.0, 0.0, -0.095, 0.145, 0.0]  # 0.095 - (-0.05)
    assert home(features, "qb_starts") == pytest.approx(np.log1p([0, 1, 0, 2, 3]).round(6).tolist())
    assert home(features, "qb_recent_share")[:1] == [pytest.approx(np.nan, nan_ok=True)]
    assert home(features, "qb_recent_share")[1:] == [1.0, 0.0, pytest.approx(2 / 3, abs=1e-6), 0.75]
    assert home(features, "qb_named") == [1.0] * 5
    replayed = games.copy()
    replayed.loc[3, "home_score"] = 0  # the game's own result moves nothing of that game
    replayed.loc[4, ["home_qb_id", "home_score"]] = ["someone else", 99]  # nor does a later game
    assert qb_features(replayed, np.full(len(games), 0.5)).loc[3].equals(features.loc[3])


def test_a_starter_the_source_does_not_name_is_the_last_one_and_is_flagged():
    games = schedule(KC_SEASON)
    unnamed = games.copy()
    unnamed.loc[3, "home_qb_id"] = pd.NA  # nflverse names no starter for a coming game
    assumed = qb_features(unnamed, np.full(len(games), 0.5))
    assert assumed.loc[3, "home_qb_named"] == 0.0 and assumed.loc[3, "away_qb_named"] == 1.0
    assert assumed.loc[3, "home_qb_rating"] == pytest.approx(-0.05)
    assert assumed.loc[3, "home_qb_new_starter"] == 0.0 and assumed.loc[3, "home_qb_rating_change"] == 0.0
    assert assumed_starters(assumed).tolist() == [False, False, False, True, False]
    assert not assumed_starters(pd.DataFrame({"home_qb_named": [np.nan]})).any()  # a sport without QBs
    first_game = pd.DataFrame({"home_qb_named": [1.0, np.nan], "away_qb_named": [1.0, 1.0]})
    assert assumed_starters(first_game).tolist() == [False, True]  # no starter known at all: flagged


def test_as_served_before_starters_are_named_the_last_starter_is_assumed_but_values_learn_who_played():
    served = qb_features(schedule(KC_SEASON), np.full(len(KC_SEASON), 0.5), starters_named=False)
    assert home(served, "qb_rating")[1:] == [0.05, 0.095, -0.05, 0.1355]  # the backup only after his start
    assert home(served, "qb_new_starter")[1:] == [0.0] * 4 and home(served, "qb_named")[1:] == [0.0] * 4
    assert served.loc[0].isna().all()  # no starter named, none before: nothing known


def test_two_games_on_one_day_do_not_learn_from_each_other():
    games = schedule(
        [
            ("2020-09-13", "KC", "HOU", "q", "h1", 30, 0),
            ("2020-09-20", "KC", "LAC", "q", "c1", 30, 0),
            ("2020-09-20", "LAC", "KC", "c1", "q", 0, 30),  # the same day (a double-header)
        ]
    )
    features = qb_features(games, np.full(len(games), 0.5))
    assert features.loc[1, "home_qb_rating"] == features.loc[2, "away_qb_rating"] == pytest.approx(0.05)
    assert features.loc[1, "home_qb_starts"] == features.loc[2, "away_qb_starts"] == pytest.approx(np.log(2))


def test_the_recent_share_looks_back_a_fixed_number_of_starts():
    rows = [(f"2020-09-{day:02d}", "KC", f"O{day}", "star", "o", 1, 0) for day in range(1, 1 + RECENT_STARTS)]
    rows.append(("2020-09-20", "KC", "X", "backup", "o", 1, 0))
    rows.append(("2020-09-21", "KC", "Y", "star", "o", 1, 0))
    features = qb_features(schedule(rows), np.full(len(rows), 0.5))
    assert features["home_qb_recent_share"].iloc[-1] == pytest.approx((RECENT_STARTS - 1) / RECENT_STARTS)


def test_a_sport_without_starters_has_empty_features_and_unsorted_games_are_refused():
    games = schedule(KC_SEASON).assign(home_qb_id=None, away_qb_id=None)
    assert qb_features(games, np.full(len(games), 0.5)).isna().all().all()
    unsorted = schedule([KC_SEASON[1], KC_SEASON[0]])
    with pytest.raises(ValueError, match="sorted by game_date"):
        qb_features(unsorted, np.full(2, 0.5))
