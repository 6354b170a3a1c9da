"""The market-aware model built on the closing line: it is the line until the games pay for a correction."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit
from sklearn.base import clone
from sklearn.metrics import log_loss

from training_platform.ml.modeling.market_correction import CORRECTION_COLUMNS, MarketCorrectionClassifier
from training_platform.ml.modeling.zoo import make_model


def games(n: int, edge: float, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A market that ignores rest: the truth adds `edge` log-odds per unit of standardised rest_diff."""
    rng = np.random.default_rng(seed)
    market = rng.uniform(0.2, 0.8, n)
    frame = pd.DataFrame({c: rng.normal(size=n) for c in CORRECTION_COLUMNS})
    frame["market_prob_home"] = market
    frame["elo_prob_home"] = np.clip(market + rng.normal(0, 0.05, n), 0.05, 0.95)
    truth = expit(logit(market) + edge * frame["rest_diff"].to_numpy())
    return frame, (rng.uniform(size=n) < truth).astype(float)


def test_with_a_strong_pull_it_is_the_closing_line():
    X, y = games(3000, edge=0.5)
    model = MarketCorrectionClassifier(alpha=1e9).fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], X["market_prob_home"], atol=1e-3)


def test_it_learns_what_the_market_missed_and_beats_it_out_of_sample():
    X, y = games(6000, edge=0.6)
    train, test = slice(0, 4000), slice(4000, None)
    model = MarketCorrectionClassifier(alpha=10.0).fit(X.iloc[train], y[train])
    rest = list(CORRECTION_COLUMNS).index("rest_diff") + 1  # after the market's own log-odds
    assert model.coef_[rest] == pytest.approx(0.6, abs=0.1) and abs(model.coef_).argmax() == rest
    ours = log_loss(y[test], model.predict_proba(X.iloc[test])[:, 1])
    market = log_loss(y[test], X["market_prob_home"].iloc[test])
    assert ours < market - 0.01


def test_with_nothing_to_learn_it_stays_within_noise_of_the_line():
    X, y = games(6000, edge=0.0, seed=1)
    model = MarketCorrectionClassifier(alpha=1000.0).fit(X.iloc[:4000], y[:4000])
    ours = log_loss(y[4000:], model.predict_proba(X.iloc[4000:])[:, 1])
    assert ours - log_loss(y[4000:], X["market_prob_home"].iloc[4000:]) < 0.002


def test_a_game_without_a_line_starts_from_elo_and_missing_features_are_imputed():
    X, y = games(2000, edge=0.0)
    model = MarketCorrectionClassifier(alpha=1e9).fit(X, y)
    blank = X.head(3).copy()
    blank["market_prob_home"] = np.nan
    blank["rest_diff"] = np.nan
    np.testing.assert_allclose(model.predict_proba(blank)[:, 1], blank["elo_prob_home"], atol=1e-3)


def test_it_follows_the_estimator_contract_and_the_zoo_builds_it():
    X, y = games(500, edge=0.0)
    model = make_model("market_correction", "nfl", {"alpha": 50.0})
    assert isinstance(model, MarketCorrectionClassifier) and model.get_params()["alpha"] == 50.0
    fitted = clone(model).fit(X, y)
    assert set(fitted.predict(X)) <= {0, 1} and fitted.predict_proba(X).shape == (500, 2)
    with pytest.raises(ValueError, match="imbalance options do not apply"):
        make_model("market_correction", "nfl", imbalance="class_weight")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda X, y: (X, y, {"alpha": 0.0}), "alpha must be positive"),
        (
            lambda X, y: (X.drop(columns="market_prob_home"), y, {}),
            r"lacks column\(s\) \['market_prob_home'\]",
        ),
        (lambda X, y: (X.drop(columns="elo_diff"), y, {}), r"lacks feature column\(s\) \['elo_diff'\]"),
        (lambda X, y: (X.to_numpy(), y, {}), "pass a DataFrame"),
        (lambda X, y: (X, y * 2 + 1, {}), "needs a 0/1 target"),
        (lambda X, y: (X, y[:-1], {}), "rows but y has"),
    ],
)
def test_bad_inputs_are_refused_clearly(change, message):
    X, y, params = change(*games(200, edge=0.0))
    with pytest.raises(ValueError, match=message):
        MarketCorrectionClassifier(**params).fit(X, y)


def test_the_correction_is_learned_on_games_with_a_line_only():
    X, y = games(4000, edge=0.0)
    unpriced = X.head(2000).assign(market_prob_home=np.nan)
    # before the lines existed the home side won every game: a correction learned there would be huge
    mixed, outcomes = pd.concat([unpriced, X.iloc[2000:]]), np.concatenate([np.ones(2000), y[2000:]])
    model = MarketCorrectionClassifier(alpha=1.0).fit(mixed, outcomes)
    assert model.n_games_with_market_ == 2000 and abs(model.intercept_) < 0.2


@pytest.mark.parametrize("name", ["logistic_market_free", "xgboost_market_free"])
def test_a_market_free_variant_reads_no_line_and_no_line_can_move_it(name):
    from training_platform.ml.features.gold import build_gold_features
    from training_platform.ml.modeling.catalog import (
        MARKET_FREE_COLUMNS,
        base_model,
        input_columns,
        variant_of,
    )
    from training_platform.ml.modeling.tuning import search_space
    from training_platform.sources.synthetic import generate_league

    gold = build_gold_features(generate_league("nfl", seasons=3, first_season=2021))
    gold = gold[gold["home_win"].notna()].reset_index(drop=True)
    assert variant_of(name) == "market_free" and input_columns(name) == MARKET_FREE_COLUMNS
    assert search_space(name, "nfl") == search_space(base_model(name), "nfl")
    model = make_model(name, "nfl", seed=1).fit(gold, gold["home_win"])
    moved = gold.assign(market_prob_home=0.99, spread_line=-30.0, total_line=10.0)
    np.testing.assert_array_equal(model.predict_proba(gold), model.predict_proba(moved))
    with_line = make_model(base_model(name), "nfl", seed=1).fit(gold, gold["home_win"])
    assert not np.array_equal(with_line.predict_proba(gold), with_line.predict_proba(moved))


def test_its_fit_is_not_recalibrated_and_other_models_still_are():
    from training_platform.ml.features.gold import build_gold_features
    from training_platform.ml.modeling.training import fit_calibrated, training_rows
    from training_platform.sources.synthetic import generate_league

    X, y, _ = training_rows(build_gold_features(generate_league("nfl", seasons=3, seed=2)))
    own = fit_calibrated("market_correction", "nfl", {"alpha": 1000.0}, X, y, seed=0)
    assert own.method_ == "none" and own.calibrator_ is None
    np.testing.assert_array_equal(own.predict_proba(X), own.estimator_.predict_proba(X))  # its own map
    assert fit_calibrated("logistic", "nfl", {}, X, y, seed=0).method_ in ("sigmoid", "isotonic")
    with pytest.raises(ValueError, match=r"unknown calibration method 'platt'.*'none'"):
        fit_calibrated("logistic", "nfl", {}, X, y, seed=0, method="platt")
