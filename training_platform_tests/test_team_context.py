"""The travel features, and the rule that the features no model reads are still leakage-checked. Their
pre-kickoff availability is also checked for every feature by test_features.py."""

import pandas as pd
import pytest

from training_platform.ml.features.team_context import read_venues, travel
from training_platform.sports import PACKAGE_SPORTS_FILE, load_sports


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


def test_the_unread_features_are_checked_like_every_feature_but_no_model_reads_them():
    from training_platform.ml.features.columns import FEATURE_COLUMNS, NOT_READ_BY_MODELS
    from training_platform.ml.modeling.catalog import MODEL_NAMES, input_columns
    from training_platform.ml.modeling.market_correction import CORRECTION_COLUMNS

    assert set(NOT_READ_BY_MODELS) <= set(FEATURE_COLUMNS)  # so the leakage tests cover them
    for name in MODEL_NAMES:
        assert not set(NOT_READ_BY_MODELS) & set(input_columns(name)), name
    assert not set(NOT_READ_BY_MODELS) & set(CORRECTION_COLUMNS)
