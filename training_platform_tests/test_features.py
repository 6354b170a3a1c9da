"""Gold features see only the past: perturbing later results never changes earlier features."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training_platform.ml.features.columns import FEATURE_COLUMNS, FEATURE_KNOWN_AT, MARKET_COLUMNS
from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.features.leakage import leaking_features
from training_platform.sources.csv_games import read_games_csv
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.registry import SourceSpec, load_games
from training_platform.sources.schema import (
    COLUMN_KNOWN_AT,
    COLUMNS,
    KNOWN_AT_STAGES,
    UNKNOWN_BEFORE_KICKOFF,
    as_upcoming,
)
from training_platform.sources.synthetic import generate_league
from training_platform_tests.conftest import NFLVERSE, require_shared

NFL = generate_league("nfl", seed=11, seasons=2)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=20, max_value=len(NFL) - 20), seed=st.integers(0, 2**16))
def test_later_results_never_change_earlier_features(cut, seed):
    games = NFL.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    cut_date = games.loc[cut, "game_date"]
    later = games["game_date"] >= cut_date
    rng = np.random.default_rng(seed)
    perturbed = games.copy()
    perturbed.loc[later, "home_score"] = rng.integers(0, 60, later.sum())
    perturbed.loc[later, "away_score"] = rng.integers(0, 60, later.sum())
    after_day = games["game_date"] > cut_date  # later games' starters: another QB, or none named
    perturbed.loc[after_day, "home_qb_id"] = rng.choice(["QB-X", None], after_day.sum())
    before = build_gold_features(games).set_index("game_id")
    after = build_gold_features(perturbed).set_index("game_id")
    earlier_or_same_day = before.index[before["game_date"] <= cut_date]
    pd.testing.assert_frame_equal(
        before.loc[earlier_or_same_day, FEATURE_COLUMNS], after.loc[earlier_or_same_day, FEATURE_COLUMNS]
    )


def test_leakage_probe_passes_honest_features_and_catches_a_leak():
    games = NFL.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    features = build_gold_features(games)
    day = features["game_date"].iloc[300]
    assert leaking_features(games, day, features) == []
    leaky = features.copy()
    on_day = leaky["game_date"] == day
    leaky.loc[on_day, "home_form5"] = leaky.loc[on_day, "home_win"]  # a feature that peeks at the result
    assert leaking_features(games, day, leaky) == ["home_form5"]


def test_leakage_probe_catches_code_that_peeks_at_a_later_games_starter(monkeypatch):
    """Starters count as known for a game's own lineup only: code reading whether the team's next game
    has another starter (a QB hurt in this one) must be caught."""
    import training_platform.ml.features.leakage as leakage

    def peeking(games, elo=None):
        features = build_gold_features(games, elo)
        ordered = games.sort_values(["game_date", "game_id"])
        following = ordered.groupby("home_team")["home_qb_id"].shift(-1)
        changes = dict(zip(ordered["game_id"], (following != ordered["home_qb_id"]).astype(float)))
        features["home_qb_new_starter"] = features["game_id"].map(changes)
        return features

    monkeypatch.setattr(leakage, "build_gold_features", peeking)
    games = NFL.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    day = games["game_date"].iloc[300]
    assert leaking_features(games, day, peeking(games)) == ["home_qb_new_starter"]


def test_leakage_probe_catches_a_before_lineups_feature_that_reads_the_games_own_starter(monkeypatch):
    """The `*_before_lineups` twins are known at scheduling: made from the game's own starter, they would
    score reports with what a forecast served before lineups cannot know."""
    import training_platform.ml.features.gold as gold

    games = NFL.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    features = build_gold_features(games)
    day = features.loc[features["home_qb_new_starter"].eq(1), "game_date"].iloc[3]  # a backup starts
    assert leaking_features(games, day, features) == []
    named_anyway = gold.qb_features
    monkeypatch.setattr(gold, "qb_features", lambda games, elo, starters_named=True: named_anyway(games, elo))
    found = leaking_features(games, day, build_gold_features(games))
    assert "qb_new_starter_diff_before_lineups" in found
    assert all(column.endswith("_before_lineups") for column in found)


def test_the_before_lineups_differences_are_those_of_a_day_whose_starters_are_not_named_yet():
    from training_platform.ml.features.columns import QB_BEFORE_LINEUPS

    games = NFL.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    stored = build_gold_features(games).set_index("game_id")
    backups = stored.loc[stored["home_qb_new_starter"].eq(1), "game_date"].unique()
    for day in [*backups[2:5], stored["game_date"].iloc[400]]:
        dates = pd.to_datetime(games["game_date"])
        served = as_upcoming(
            games[dates <= pd.Timestamp(day)], dates[dates <= pd.Timestamp(day)] == day, False
        )
        rebuilt = build_gold_features(served).set_index("game_id")
        on_day = stored.index[stored["game_date"] == day]
        for named, twin in QB_BEFORE_LINEUPS.items():
            assert np.allclose(
                stored.loc[on_day, twin].astype(float),
                rebuilt.loc[on_day, named].astype(float),
                equal_nan=True,
            ), (day, twin)
    moving = [twin for twin in QB_BEFORE_LINEUPS.values() if stored[twin].abs().gt(0).any()]
    assert {"qb_starts_diff_before_lineups", "qb_recent_share_diff_before_lineups"} <= set(moving)


def test_oracle_column_is_no_feature():
    assert "true_home_win_prob" not in FEATURE_COLUMNS
    assert not any("score" in column for column in FEATURE_COLUMNS)


def test_targets_for_three_markets():
    games = NFL.head(4).copy()
    games[["home_score", "away_score", "spread_line", "total_line"]] = [
        [24, 20, 3.0, 40.5],
        [20, 17, 3.0, 37.0],
        [17, 17, -1.0, 34.0],
        [10, 13, -2.5, 30.0],
    ]
    gold = build_gold_features(games).set_index("game_id").loc[games["game_id"]]
    assert (
        gold["home_win"].tolist()[:2] == [1.0, 1.0]
        and np.isnan(gold["home_win"].iloc[2])
        and gold["home_win"].iloc[3] == 0
    )
    # 20-17 against a 3-point spread is a push: no cover either way.
    assert gold["home_cover"].iloc[[0, 2, 3]].tolist() == [1.0, 1.0, 0.0] and np.isnan(
        gold["home_cover"].iloc[1]
    )
    assert gold["spread_push"].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert gold["over"].tolist()[0] == 1.0 and gold["over"].tolist()[3] == 0.0
    assert gold["total_push"].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_rest_streak_and_form_are_pre_game():
    games = NFL.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    gold = build_gold_features(games)
    seen, first_of_team = set(), []
    for home, away in zip(games["home_team"], games["away_team"]):
        first_of_team.append(home not in seen)
        seen.update((home, away))
    assert (gold.loc[first_of_team, "home_streak"] == 0).all()
    assert gold.loc[first_of_team, "home_form5"].isna().all()
    assert gold["home_rest_days"].dropna().between(3, 14).all()
    assert gold["market_prob_home"].between(0, 1).all()
    assert gold["elo_prob_home"].between(0, 1).all()
    assert gold["home_qb_changed_last_game"].dropna().isin([0.0, 1.0]).all()


def test_every_column_and_feature_declares_when_it_is_known():
    assert set(COLUMN_KNOWN_AT) == set(COLUMNS) and set(COLUMN_KNOWN_AT.values()) <= set(KNOWN_AT_STAGES)
    assert set(FEATURE_KNOWN_AT) == set(FEATURE_COLUMNS)
    # predictions/<sport> runs before kickoff: no feature may need what is known only then or later
    assert set(FEATURE_KNOWN_AT.values()) <= {"scheduling", "lines", "lineups"}
    assert MARKET_COLUMNS == ["market_prob_home", "spread_line", "total_line"]
    assert {"temp", "wind", "home_score"} <= set(UNKNOWN_BEFORE_KICKOFF)
    assert COLUMN_KNOWN_AT["home_qb_id"] == "lineups"  # named before the closing line
    lineups = {c for c, stage in FEATURE_KNOWN_AT.items() if stage == "lineups"}
    assert {"home_qb_rating", "qb_new_starter_diff", "away_qb_named"} <= lineups
    assert "home_qb_changed_last_game" not in lineups  # earlier games' starters: known at scheduling


def _source_games(source: str, tmp_path) -> pd.DataFrame:
    if source == "synthetic":
        return generate_league("nfl", seed=3, seasons=2)
    if source == "csv":
        path = tmp_path / "games.csv"
        generate_league("nba", seed=3, seasons=1).to_csv(path, index=False)
        return read_games_csv(path)
    return read_nflverse_games(require_shared(NFLVERSE))


@pytest.mark.parametrize("source", ["synthetic", "csv", "nflverse"])
def test_features_known_before_kickoff(source, tmp_path):
    """A game's features computed while it was upcoming equal those computed after it was played."""
    games = _source_games(source, tmp_path).sort_values(["game_date", "game_id"]).reset_index(drop=True)
    played = build_gold_features(games).set_index("game_id")
    dates = games["game_date"].drop_duplicates()
    for cut in dates.iloc[[len(dates) // 5, len(dates) // 2, -2]]:
        upcoming = as_upcoming(games, games["game_date"] >= cut)  # later days: no starter named yet
        upcoming = as_upcoming(upcoming, games["game_date"] > cut, starters_named=False)
        assert upcoming.loc[games["game_date"] >= cut, list(UNKNOWN_BEFORE_KICKOFF)].isna().all().all()
        before = build_gold_features(upcoming).set_index("game_id")
        on_day = played.index[played["game_date"] == cut]
        pd.testing.assert_frame_equal(
            before.loc[on_day, FEATURE_COLUMNS], played.loc[on_day, FEATURE_COLUMNS]
        )


def test_the_synthetic_league_shows_its_coming_week_as_a_real_source_would(tmp_path):
    games = load_games(SourceSpec.parse("synthetic"), "nfl", tmp_path, seasons=1, upcoming_weeks=1)
    upcoming = games[games["home_score"].isna()]
    assert len(upcoming) > 0 and upcoming[list(UNKNOWN_BEFORE_KICKOFF)].isna().all().all()
    assert upcoming[["home_qb_id", "away_qb_id"]].isna().all().all()  # as nflverse: no starter named yet
    assert (
        upcoming[["home_moneyline", "spread_line", "roof"]].notna().all().all()
    )  # lines and venue are known
