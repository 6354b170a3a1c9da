"""The quarterback rating and travel features: learned only from earlier game days, and a backup's start
moves the next forecast. Their pre-kickoff availability is also checked for every feature by
test_features.py (later results never move them; an upcoming game's blanked starters change nothing)."""

import numpy as np
import pandas as pd
import pytest

from training_platform.ml.features.team_context import qb_ratings, read_venues, travel
from training_platform.sports import PACKAGE_SPORTS_FILE, load_sports


def schedule(rows):
    """(date, home, away, home_qb, away_qb, home_score, away_score) -> a games frame in date order."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "game_date",
            "home_team",
            "away_team",
            "home_qb_id",
            "away_qb_id",
            "home_score",
            "away_score",
        ],
    )
    return frame.assign(game_date=pd.to_datetime(frame["game_date"]), season=2020, neutral=False)


def test_a_backup_start_moves_the_next_forecast_and_no_game_sees_its_own_day():
    games = schedule(
        [
            ("2020-09-13", "KC", "HOU", "star", "h1", 34, 20),  # KC beats an even Elo expectation
            ("2020-09-20", "KC", "LAC", "star", "c1", 23, 20),
            ("2020-09-27", "KC", "BAL", "backup", "b1", 10, 30),  # the backup starts, and loses
            (
                "2020-10-04",
                "KC",
                "NE",
                "star",
                "n1",
                26,
                10,
            ),  # the star is back: the feature knows only the backup
            ("2020-10-11", "KC", "BUF", "star", "u1", 17, 20),
        ]
    )
    ratings = qb_ratings(games, np.full(len(games), 0.5))["home_qb_rating"].to_numpy()
    assert np.isnan(ratings[0])  # no earlier start
    assert ratings[1] == pytest.approx(0.05) and ratings[2] == pytest.approx(0.095)  # the star, learned
    assert ratings[3] == pytest.approx(-0.05)  # last game's starter was the backup: the forecast moves
    assert ratings[4] == pytest.approx(0.1355)  # the star again, his value kept while he sat
    replayed = games.copy()
    replayed.loc[3, ["home_qb_id", "home_score"]] = ["someone else", 0]  # the game's own starter and result
    assert qb_ratings(replayed, np.full(len(games), 0.5))["home_qb_rating"][3] == ratings[3]


def test_two_games_on_one_day_do_not_learn_from_each_other():
    games = schedule(
        [
            ("2020-09-13", "KC", "HOU", "q", "h1", 30, 0),
            ("2020-09-20", "KC", "LAC", "q", "c1", 30, 0),
            ("2020-09-20", "LAC", "KC", "c1", "q", 0, 30),  # the same day (a double-header)
        ]
    )
    ratings = qb_ratings(games, np.full(len(games), 0.5))
    assert ratings.loc[1, "home_qb_rating"] == ratings.loc[2, "away_qb_rating"] == pytest.approx(0.05)


def test_travel_follows_relocations_is_empty_at_a_neutral_site_and_counts_hours_east():
    venues = read_venues(load_sports()["nfl"].venues)
    games = pd.DataFrame(
        {
            "home_team": ["NYG", "SEA", "SEA", "JAX"],
            "away_team": ["SEA", "LAC", "LAC", "NYJ"],
            "season": [2020, 2016, 2017, 2020],
            "neutral": [False, False, False, True],  # London
        }
    )
    moved = travel(games, venues)
    assert moved["timezone_shift"].tolist()[:3] == [3.0, 0.0, 0.0]  # Seattle to New Jersey: three hours east
    assert 3800 < moved.loc[0, "away_travel_km"] < 4000
    assert (
        moved.loc[1, "away_travel_km"] > moved.loc[2, "away_travel_km"] + 100
    )  # San Diego, then Los Angeles
    assert moved.loc[3].isna().all()
    assert travel(games, None).isna().all().all()  # a sport without a venues table


def test_a_bad_venues_setting_or_file_is_refused_naming_the_fix(tmp_path):
    sports = tmp_path / "sports.yaml"
    sports.write_text("sports:\n  nfl:\n    venues: nowhere.csv\n")
    with pytest.raises(
        ValueError, match=r"sports\.nfl\.venues: .*nowhere\.csv nor .*nowhere\.csv exists; give a CSV"
    ):
        load_sports(sports)
    broken = tmp_path / "venues.csv"
    broken.write_text("team,latitude\nKC,39.0\n")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['first_season', 'last_season', 'longitude'"):
        read_venues(broken)
    assert load_sports(PACKAGE_SPORTS_FILE)["nfl"].venues.name == "nfl_venues.csv"
    copy = tmp_path / "elsewhere" / "my_sports.yaml"  # a user's copy of the package's file still finds it
    copy.parent.mkdir()
    copy.write_text(PACKAGE_SPORTS_FILE.read_text())
    assert load_sports(copy)["nfl"].venues == load_sports(PACKAGE_SPORTS_FILE)["nfl"].venues
    sports.write_text(f"sports:\n  nfl:\n    venues: {broken}\n")  # a table without its columns: refused now
    with pytest.raises(ValueError, match="lacks column"):
        load_sports(sports)


def test_unsorted_games_are_refused_rather_than_leak():
    games = schedule(
        [("2020-09-20", "KC", "HOU", "q", "h", 1, 0), ("2020-09-13", "KC", "LAC", "q", "c", 1, 0)]
    )
    with pytest.raises(ValueError, match="sorted by game_date"):
        qb_ratings(games, np.full(2, 0.5))


def test_the_new_features_are_checked_like_every_feature_but_no_moneyline_model_reads_them():
    from training_platform.ml.features.columns import FEATURE_COLUMNS, NOT_READ_BY_MONEYLINE_MODELS
    from training_platform.ml.modeling.catalog import MODEL_NAMES, input_columns
    from training_platform.ml.modeling.market_correction import CORRECTION_COLUMNS

    assert set(NOT_READ_BY_MONEYLINE_MODELS) <= set(FEATURE_COLUMNS)  # so the leakage tests cover them
    for name in MODEL_NAMES:
        assert not set(NOT_READ_BY_MONEYLINE_MODELS) & set(input_columns(name)), name
    assert not set(NOT_READ_BY_MONEYLINE_MODELS) & set(CORRECTION_COLUMNS)
