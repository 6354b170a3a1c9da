"""The one-standard-error rule: a search whose space says which way is simpler returns the simplest trial
within noise of the best; market_correction's space prefers the most pull towards the line."""

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.metrics import log_loss

from training_platform.ml.modeling.market_correction import MarketCorrectionClassifier
from training_platform.ml.modeling.selection import check_preference, choose_trial, fold_log_losses
from training_platform.ml.modeling.training import default_splitter
from training_platform.ml.modeling.tuning import search_space, tune
from training_platform_tests.test_market_correction import games

BEST = np.array([0.60, 0.61, 0.59, 0.62, 0.60])


def trial(alpha: float, folds: np.ndarray) -> optuna.trial.FrozenTrial:
    running = np.cumsum(folds) / np.arange(1, len(folds) + 1)  # what the objective reports per fold
    return optuna.trial.create_trial(
        params={"alpha": alpha},
        distributions={"alpha": optuna.distributions.FloatDistribution(1.0, 1e7, log=True)},
        value=float(running[-1]),
        intermediate_values=dict(enumerate(running.tolist())),
    )


def test_fold_losses_are_recovered_from_the_running_means():
    np.testing.assert_allclose(fold_log_losses(trial(1.0, BEST)), BEST)


def test_the_simplest_trial_within_one_standard_error_of_the_best_is_chosen():
    best = trial(100.0, BEST)
    noisy = trial(1e5, BEST + [0.002, -0.002, 0.003, -0.001, 0.0005])  # +0.0005 ± 0.0009: within noise
    worse = trial(1e6, BEST + 0.003)  # every fold worse: outside, however simple
    chosen, why = choose_trial([best, noisy, worse], ("alpha", "high"))
    assert chosen is noisy and "one-standard-error rule" in why and "alpha=100000" in why
    assert choose_trial([best, noisy, worse], None) == (best, "")  # no preference: the best
    assert choose_trial([best, noisy, worse], ("alpha", "low"))[0] is best


@pytest.mark.parametrize(
    "prefer, message",
    [
        ({"alhpa": "high"}, r"'prefer: \{alhpa: high\}' must name a searched parameter \(\['alpha'\]\)"),
        ({"alpha": "up"}, r"one of \('high', 'low'\)"),
        ("alpha", r"must name one parameter"),
    ],
)
def test_a_malformed_preference_is_refused_by_name(prefer, message):
    with pytest.raises(ValueError, match=message):
        check_preference(prefer, {"alpha"})


def _tuned(edge: float, seed: int):
    X, y = games(5000, edge=edge, seed=seed)
    storage = optuna.storages.InMemoryStorage()
    weeks = pd.Timestamp("2010-09-07") + pd.to_timedelta(np.arange(len(X)) // 16 * 7, unit="D")
    result = tune(
        MarketCorrectionClassifier(),
        search_space("market_correction"),
        X.iloc[:4000],
        y[:4000],
        weeks[:4000].to_numpy(),
        default_splitter(5, 0),
        method="grid",
        n_trials=0,
        storage=storage,
        study_name=f"mc-{edge}",
        seed=seed,
        log=lambda message: None,
    )
    model = MarketCorrectionClassifier(**result.best_params).fit(X.iloc[:4000], y[:4000])
    test = slice(4000, None)
    least = optuna.load_study(study_name=f"mc-{edge}", storage=storage).best_params["alpha"]
    ours = log_loss(y[test], model.predict_proba(X.iloc[test])[:, 1])
    return result.best_params["alpha"], least, ours, log_loss(y[test], X["market_prob_home"].iloc[test])


def test_with_no_edge_market_correction_is_tuned_to_the_line():
    # In this draw the least CV log loss is a weak pull (alpha 1000) that costs +0.0026 on later games.
    chosen, least, ours, market = _tuned(edge=0.0, seed=10)
    assert least < 100000 and chosen == 100000  # the grid's strongest pull: the line
    assert abs(ours - market) < 0.0005


def test_with_a_clear_edge_the_rule_keeps_the_correction():
    chosen, least, ours, market = _tuned(edge=0.6, seed=4)
    assert chosen <= 1000 and ours < market - 0.01


def test_a_space_that_prefers_simpler_trials_scores_every_trial_on_every_fold():
    X, y = games(3000, edge=0.0, seed=10)
    weeks = (pd.Timestamp("2010-09-07") + pd.to_timedelta(np.arange(len(X)) // 16 * 7, unit="D")).to_numpy()
    space = search_space("market_correction")

    def pruned(space):
        return tune(
            MarketCorrectionClassifier(),
            space,
            X,
            y,
            weeks,
            default_splitter(5, 0),
            method="optuna",
            n_trials=25,
            storage=optuna.storages.InMemoryStorage(),
            study_name="mc",
            seed=1,
            log=lambda message: None,
        ).trials_pruned

    assert pruned({k: v for k, v in space.items() if k != "prefer"}) > 0  # the median pruner at work
    assert pruned(space) == 0
