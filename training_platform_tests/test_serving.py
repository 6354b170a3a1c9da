"""The compiled scorer serves exactly the numbers of predict_proba, and refuses to serve others."""

import numpy as np
import pytest
from sklearn.impute import SimpleImputer

from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.modeling.training import fit_calibrated, training_rows
from training_platform.ml.modeling.zoo import make_model
from training_platform.ml.serving.compiled import compile_predictor
from training_platform.ml.serving.forecast import score
from training_platform.sources.synthetic import generate_league


@pytest.fixture(scope="module")
def rows():
    X, y, _ = training_rows(build_gold_features(generate_league("nfl", seasons=4, seed=3)))
    return X, y


def with_missing_values(X, seed=0):
    """Fixtures as served: no result yet, and some features unknown (a line not posted, no weather)."""
    X = X.assign(home_margin=np.nan).copy()
    rng = np.random.default_rng(seed)
    for column in ("market_prob_home", "spread_line", "rest_diff", "elo_prob_home"):
        if column in X:
            X.loc[rng.random(len(X)) < 0.2, column] = np.nan
    return X


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_folded_logistic_champion_matches_predict_proba(rows, method):
    X, y = rows
    champion = fit_calibrated("logistic", "nfl", {"model__C": 0.3}, X, y, seed=0, n_splits=3, method=method)
    predict_home, kind = compile_predictor(champion)
    games = with_missing_values(X)
    assert kind == "folded linear"
    np.testing.assert_allclose(predict_home(games), champion.predict_proba(games)[:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        predict_home(games.iloc[[7]]), champion.predict_proba(games.iloc[[7]])[:, 1], atol=1e-12
    )


def test_uncalibrated_linear_pipeline_is_folded_too(rows):
    X, y = rows
    model = make_model("logistic", "nfl", {}).fit(X, y)
    predict_home, kind = compile_predictor(model)
    assert kind == "folded linear"
    np.testing.assert_allclose(
        predict_home(with_missing_values(X)), model.predict_proba(with_missing_values(X))[:, 1], atol=1e-12
    )


@pytest.mark.parametrize("name", ["elo", "random_forest"])
def test_other_models_score_through_their_own_predict_proba(rows, name):
    X, y = rows
    params = {"model__n_estimators": 20} if name == "random_forest" else {}
    champion = fit_calibrated(name, "nfl", params, X, y, seed=0, n_splits=3)
    predict_home, kind = compile_predictor(champion)
    assert kind == "predict_proba"
    np.testing.assert_array_equal(
        predict_home(X.assign(home_margin=np.nan)), champion.predict_proba(X.assign(home_margin=np.nan))[:, 1]
    )


class ZeroFillingImputer(SimpleImputer):
    """An imputer whose transform ignores its fitted statistics: folding it by them would be wrong."""

    def transform(self, X):
        return np.nan_to_num(np.asarray(X, dtype=float), nan=0.0)


def test_a_scorer_that_would_serve_different_numbers_is_refused(rows):
    X, y = rows
    model = make_model("logistic", "nfl", {})
    model.steps[1] = ("impute", ZeroFillingImputer(strategy="median", keep_empty_features=True))
    model.fit(X, y)
    with pytest.raises(AssertionError, match="differs from predict_proba"):
        compile_predictor(model)


def test_score_puts_probabilities_beside_the_fixture(rows):
    X, y = rows
    champion = fit_calibrated("logistic", "nfl", {}, X, y, seed=0, n_splits=3)
    games = with_missing_values(X.tail(16))
    forecasts = score(champion, games)
    assert list(forecasts["game_id"]) == list(games["game_id"])
    np.testing.assert_allclose(forecasts["p_home"], champion.predict_proba(games)[:, 1], atol=1e-12)
    np.testing.assert_allclose(forecasts["p_home"] + forecasts["p_away"], 1.0)


def test_a_coming_week_built_by_older_code_is_refused_naming_the_weeks_to_rebuild():
    from training_platform.ml.features.columns import FEATURE_VERSION
    from training_platform.ml.serving.forecast import coming_week
    from training_platform.sources.weeks import week_start

    gold = build_gold_features(generate_league("nfl", seed=5, seasons=1))
    gold["partition_week"] = week_start(gold["game_date"]).to_numpy()
    gold["feature_version"] = FEATURE_VERSION
    last = gold["partition_week"] == gold["partition_week"].max()
    gold.loc[last, "home_margin"] = np.nan  # the coming week
    assert coming_week(gold)[1]["game_id"].tolist() == gold.loc[last, "game_id"].sort_values().tolist()
    gold.loc[last, "feature_version"] = "gold-v4"
    week = f"{gold['partition_week'].max():%Y-%m-%d}"
    with pytest.raises(ValueError, match=rf"gold-v4.*--partition-range 'nfl\|{week}\.\.\.nfl\|{week}'"):
        coming_week(gold)
