"""Elo: the reference number on real NFL data, and the estimator's contract."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from training_platform.ml.features.elo import EloParams, replay
from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.modeling.estimators import EloClassifier
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.schema import OPTIONAL_COLUMNS
from training_platform_tests.conftest import NFLVERSE, require_shared


def test_elo_matches_the_reference_on_real_nfl_games():
    games = read_nflverse_games(require_shared(NFLVERSE)).sort_values(["game_date", "game_id"])
    margin = (games["home_score"] - games["away_score"]).astype(float)
    rows = zip(
        games["season"],
        games["home_team"],
        games["away_team"],
        games["neutral"].fillna(False),
        [None if np.isnan(m) else m for m in margin],
    )
    pregame, _ = replay(
        rows, EloParams(k_factor=20, home_advantage=65, mean_reversion=1 / 3, initial_rating=1505)
    )
    scored = (games["season"].between(2010, 2022) & margin.notna() & (margin != 0)).to_numpy()
    y = (margin.to_numpy()[scored] > 0).astype(float)
    brier = np.mean((pregame[scored, 2] - y) ** 2)
    assert scored.sum() == 3496
    assert brier == pytest.approx(0.2211, abs=0.001)


def test_relocated_franchise_keeps_its_rating():
    games = read_nflverse_games(require_shared(NFLVERSE))
    rams = games[(games["home_team"] == "LAR") | (games["away_team"] == "LAR")]
    assert set(rams["season"]) == set(range(1999, 2025))  # St. Louis and Los Angeles years are one franchise


def _games(n_seasons=2, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    teams = list("ABCDEF")
    rows = []
    for season in range(2020, 2020 + n_seasons):
        for _week in range(10):
            order = rng.permutation(teams)
            for home, away in zip(order[::2], order[1::2]):
                rows.append(
                    {
                        "season": season,
                        "home_team": home,
                        "away_team": away,
                        "neutral": False,
                        "home_margin": float(rng.integers(-20, 21) or 1),
                    }
                )
    frame = pd.DataFrame(rows)
    frame["home_win"] = (frame["home_margin"] > 0).astype(float)
    return frame


def test_elo_classifier_reproduces_the_rating_replay():
    games = _games()
    model = EloClassifier().fit(games, games["home_win"])
    _, state = replay(
        zip(games["season"], games["home_team"], games["away_team"], games["neutral"], games["home_margin"])
    )
    assert model.ratings_ == pytest.approx(state.ratings)
    assert model.get_params()["k_factor"] == 20.0 and clone(model).get_params() == model.get_params()
    proba = model.predict_proba(games.head(4))
    assert proba.shape == (4, 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(model.predict(games)) <= {0, 1}


def test_elo_classifier_reverts_ratings_for_later_seasons():
    games = _games()
    model = EloClassifier(mean_reversion=0.5, online=False).fit(games, games["home_win"])
    best = max(model.ratings_, key=model.ratings_.get)
    same = model.predict_proba(pd.DataFrame({"season": [2021], "home_team": [best], "away_team": ["new"]}))[
        0, 1
    ]
    later = model.predict_proba(pd.DataFrame({"season": [2022], "home_team": [best], "away_team": ["new"]}))[
        0, 1
    ]
    assert 0.5 < later < same  # half the edge is gone a season later


def test_elo_classifier_never_reads_a_games_own_or_later_result():
    games = _games()
    model = EloClassifier().fit(games.iloc[:-6], games["home_win"].iloc[:-6])
    test = games.iloc[-6:].reset_index(drop=True)
    flipped = test.copy()
    flipped.loc[0, "home_margin"] = -flipped.loc[0, "home_margin"]  # rows 0-2 are one week, 3-5 the next
    online, online_flipped = model.predict_proba(test)[:, 1], model.predict_proba(flipped)[:, 1]
    assert np.array_equal(online[:3], online_flipped[:3])  # game 0 itself and its week are untouched
    assert not np.allclose(online[3:], online_flipped[3:])  # online: next week learns from game 0
    frozen = model.set_params(online=False)
    assert np.array_equal(frozen.predict_proba(test), frozen.predict_proba(flipped))
    assert model.ratings_ == EloClassifier().fit(games.iloc[:-6], games["home_win"].iloc[:-6]).ratings_


def test_elo_classifier_needs_games():
    with pytest.raises(ValueError, match="at least 2 columns"):
        EloClassifier().fit(np.zeros((3, 1)), [0, 1, 0])
    with pytest.raises(ValueError, match="Only binary classification"):
        EloClassifier().fit(np.zeros((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="lacks column"):
        EloClassifier().fit(pd.DataFrame({"season": [1]}), [1])


def test_gold_elo_feature_is_the_classifier_walked_forward():
    games = _games().assign(
        game_id=lambda f: [f"g{i:03d}" for i in range(len(f))],
        sport="nfl",
        game_type="REG",
        home_score=lambda f: f["home_margin"].clip(lower=0) + 10,
        away_score=lambda f: (-f["home_margin"]).clip(lower=0) + 10,
    )
    games["game_date"] = pd.Timestamp("2020-09-01") + pd.to_timedelta(
        np.arange(len(games)) // 3 * 7, unit="D"
    )
    for column in OPTIONAL_COLUMNS.keys() - set(games.columns):  # a source without them
        games[column] = None
    gold = build_gold_features(games, EloParams())
    last_day = gold["game_date"] == gold["game_date"].max()
    model = EloClassifier().fit(games[~last_day.to_numpy()], games["home_win"][~last_day.to_numpy()])
    assert np.allclose(
        model.predict_proba(games[last_day.to_numpy()])[:, 1], gold.loc[last_day, "elo_prob_home"]
    )
