"""Training core: splitters never leak, estimators keep scikit-learn's contract, tuning is
reproducible and resumable, calibration lowers ECE on a miscalibrated model."""

import numpy as np
import optuna
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from training_platform.ml.evaluation.metrics import expected_calibration_error
from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.modeling.calibration import TimeSeriesCalibratedClassifier
from training_platform.ml.modeling.catalog import MODEL_NAMES
from training_platform.ml.modeling.estimators import EloClassifier
from training_platform.ml.modeling.splits import ExpandingWindowSplit, WalkForwardSplit
from training_platform.ml.modeling.tuning import cv_log_loss, optuna_storage, search_space, seed_for, tune
from training_platform.ml.modeling.zoo import make_model
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start

GOLD = build_gold_features(generate_league("nfl", seasons=4, first_season=2021))
GOLD = GOLD[GOLD["home_win"].notna()].reset_index(drop=True)
WEEKS = week_start(GOLD["game_date"]).to_numpy()
Y = GOLD["home_win"].to_numpy()


@settings(max_examples=60, deadline=None)
@given(
    week_of_row=st.lists(st.integers(0, 40), min_size=30, max_size=200),
    n_splits=st.integers(2, 5),
    gap=st.integers(0, 2),
)
def test_splitters_never_train_on_the_test_weeks_or_after(week_of_row, n_splits, gap):
    weeks = np.array(week_of_row)
    n_weeks = len(np.unique(weeks))
    splitters = [
        ExpandingWindowSplit(n_splits, gap_weeks=gap),
        WalkForwardSplit(test_weeks=min(3, n_weeks - gap - 1), gap_weeks=gap),
    ]
    for splitter in splitters:
        try:
            folds = list(splitter.split(weeks, groups=weeks))
        except ValueError:
            assert n_weeks <= n_splits + gap + 1 or isinstance(splitter, WalkForwardSplit)
            continue
        assert len(folds) == splitter.get_n_splits()
        for train, test in folds:
            assert len(train) and len(test)
            assert weeks[train].max() < weeks[test].min()
            distinct = np.unique(weeks)
            assert (
                np.searchsorted(distinct, weeks[test].min()) - np.searchsorted(distinct, weeks[train].max())
                > gap
            )


def test_splitters_need_weeks():
    with pytest.raises(ValueError, match="groups"):
        list(ExpandingWindowSplit().split(np.zeros(10)))


ELO_NOT_APPLICABLE = {
    # Elo rates teams named in columns 0 and 1; random floats name a new team in every row.
    # Online prediction makes a forecast depend on earlier games in X (sample order and subset
    # invariance); those checks still pass on random arrays, which have no results to learn from.
    "check_classifiers_train": "random features are not teams, so there is nothing to rate",
    "check_supervised_y_no_nan": "NaN in y marks a tie, which still moves the ratings",
    "check_classifiers_classes": "binary by design (a home win); string and multiclass labels do not apply",
    "check_classifiers_regression_target": "raises for non 0/1 targets, with its own message",
    "check_classifier_multioutput": "binary by design",
    "check_fit2d_1feature": "needs two columns: home and away team",
    "check_n_features_in_after_fitting": "reads team columns by position; extra columns are allowed",
    "check_dtype_object": "team ids are objects by nature",
    "check_classifiers_predictions": "random features are not teams",
}


@parametrize_with_checks(
    [EloClassifier(), EloClassifier(online=False)],
    expected_failed_checks=lambda estimator: ELO_NOT_APPLICABLE,
)
def test_elo_keeps_the_scikit_learn_contract(estimator, check):
    check(estimator)


def test_every_zoo_model_goes_through_the_same_cv():
    for name in MODEL_NAMES:
        model = make_model(name, "nfl", seed=1)
        assert clone(model).get_params().keys() == model.get_params().keys()
        score = cv_log_loss(model, GOLD, Y, WEEKS, ExpandingWindowSplit(3, test_weeks=8))
        assert 0.4 < score < 0.75, (name, score)


def test_unknown_model_and_parameter_are_refused():
    with pytest.raises(ValueError, match="unknown model 'lightgbm'"):
        make_model("lightgbm")
    with pytest.raises(ValueError, match="Invalid parameter"):
        make_model("logistic", params={"model__not_a_param": 1})


def _tune(tmp_path, n_trials, name="logistic_nfl", study="s"):
    return tune(
        make_model("logistic"),
        search_space("logistic"),
        GOLD,
        Y,
        WEEKS,
        ExpandingWindowSplit(3, test_weeks=8),
        method="optuna",
        n_trials=n_trials,
        storage=optuna_storage(str(tmp_path / f"{study}.log")),
        study_name=name,
        seed=seed_for(name),
        log=lambda message: None,
    )


def test_seeded_tuning_finds_the_same_parameters_twice(tmp_path):
    first = _tune(tmp_path, 8, study="a")
    second = _tune(tmp_path, 8, study="b")
    assert first.best_params == second.best_params and first.best_score == second.best_score


def test_a_rerun_resumes_the_study(tmp_path):
    first = _tune(tmp_path, 6)
    assert first.trials_this_run == 6
    resumed = _tune(tmp_path, 10)
    assert resumed.trials_this_run == 4 and resumed.trials_complete + resumed.trials_pruned == 10
    storage = optuna_storage(str(tmp_path / "s.log"))
    assert len(optuna.load_study(study_name="logistic_nfl", storage=storage).trials) == 10


def test_grid_search_covers_the_27_elo_combinations(tmp_path):
    result = tune(
        make_model("elo"),
        search_space("elo"),
        GOLD,
        Y,
        WEEKS,
        ExpandingWindowSplit(3, test_weeks=8),
        method="grid",
        n_trials=0,
        storage=optuna_storage(str(tmp_path / "g.log")),
        study_name="elo_nfl",
        seed=1,
        log=lambda message: None,
    )
    assert result.trials_complete + result.trials_pruned == 27
    assert set(result.best_params) == {"k_factor", "home_advantage", "mean_reversion"}


def test_hopeless_trials_are_pruned(tmp_path):
    result = tune(
        make_model("xgboost"),
        search_space("xgboost"),
        GOLD,
        Y,
        WEEKS,
        ExpandingWindowSplit(4, test_weeks=6),
        method="optuna",
        n_trials=25,
        storage=optuna_storage(str(tmp_path / "x.log")),
        study_name="xgboost_nfl",
        seed=3,
        log=lambda message: None,
    )
    assert result.trials_pruned > 0


class Overconfident(ClassifierMixin, BaseEstimator):
    """Logistic regression whose probabilities are pushed towards 0 and 1."""

    def __init__(self, power: float = 3.0):
        self.power = power

    def fit(self, X, y):
        self.inner_ = make_model("logistic").fit(X, y)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        logit = np.log(self.inner_.predict_proba(X)[:, 1]) - np.log(self.inner_.predict_proba(X)[:, 0])
        p = 1 / (1 + np.exp(-self.power * logit))
        return np.column_stack([1 - p, p])


def test_calibration_lowers_ece_of_a_miscalibrated_model():
    train = GOLD["season"] < GOLD["season"].max()
    test = ~train
    raw = Overconfident().fit(GOLD[train], Y[train]).predict_proba(GOLD[test])[:, 1]
    calibrated = TimeSeriesCalibratedClassifier(Overconfident(), n_splits=4).fit(GOLD[train], Y[train])
    fixed = calibrated.predict_proba(GOLD[test])[:, 1]
    assert calibrated.method_ in ("sigmoid", "isotonic") and set(calibrated.method_scores_) == {
        "sigmoid",
        "isotonic",
    }
    assert expected_calibration_error(Y[test], fixed) < 0.6 * expected_calibration_error(Y[test], raw)
    clone(calibrated).fit(GOLD[train], Y[train])  # a clone refits the whole procedure


def test_warm_start_elo_equals_a_full_refit_and_xgboost_grows():
    from training_platform.ml.modeling.warm_start import warm_update

    last_week = WEEKS == WEEKS.max()
    old, new = GOLD[~last_week], GOLD[last_week]
    full = make_model("elo").fit(GOLD, Y)
    warm = warm_update(make_model("elo").fit(old, Y[~last_week]), new, Y[last_week])
    assert warm.ratings_ == pytest.approx(full.ratings_)

    booster = make_model("xgboost", params={"model__n_estimators": 20}).fit(old, Y[~last_week])
    grown = warm_update(booster, new, Y[last_week], extra_rounds=5)
    assert grown[-1].get_booster().num_boosted_rounds() == 25
    assert booster[-1].get_booster().num_boosted_rounds() == 20  # the original is untouched
    one_game = warm_update(grown, new.head(1), Y[last_week][:1], extra_rounds=1)  # a one-class week
    assert one_game[-1].get_booster().num_boosted_rounds() == 26
    with pytest.raises(TypeError, match="refit it instead"):
        warm_update(make_model("logistic").fit(old, Y[~last_week]), new, Y[last_week])


def test_walk_forward_never_scores_a_game_with_a_model_that_saw_it():
    from training_platform.ml.evaluation.validation import walk_forward_predict, walk_forward_scores

    class Recorder(ClassifierMixin, BaseEstimator):
        """Predicts 1 for a game it was fitted on, 0 otherwise: any leak shows as a 1."""

        def fit(self, X, y):
            self.seen_ = set(X["game_id"])
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X):
            p = X["game_id"].isin(self.seen_).to_numpy(float)
            return np.column_stack([1 - p, p])

    test = GOLD["season"].to_numpy() == GOLD["season"].max()
    for every in (1, 4, 53):
        p = walk_forward_predict(Recorder(), GOLD, Y, pd.Series(WEEKS), test, refit_every_weeks=every)
        assert np.all(p[test] == 0) and np.isnan(p[~test]).all()
    # Scored as served: the fits still learn from GOLD, the test rows are read from the served copy.
    served = GOLD.assign(game_id=GOLD["game_id"].where(~test, GOLD["game_id"].iloc[0]))
    p = walk_forward_scores(
        Recorder(), GOLD, Y, pd.Series(WEEKS), test, {"played": GOLD, "served": served}, refit_every_weeks=4
    )
    assert np.all(p["served"][test] == 1)  # each served row reads as the first game, which every fit saw
    assert np.all(p["played"][test] == 0)  # and the same fits never saw the games they score


def test_online_elo_gives_the_same_walk_forward_refitting_weekly_or_once():
    from training_platform.ml.evaluation.validation import walk_forward_predict

    test = GOLD["season"].to_numpy() == GOLD["season"].max()
    weekly = walk_forward_predict(make_model("elo"), GOLD, Y, pd.Series(WEEKS), test, refit_every_weeks=1)
    once = walk_forward_predict(make_model("elo"), GOLD, Y, pd.Series(WEEKS), test, refit_every_weeks=53)
    assert np.allclose(weekly[test], once[test])


def test_imbalance_options_resample_only_in_fit():
    wins = np.flatnonzero(Y == 1)
    rare = Y.copy()
    rare[np.setdiff1d(wins, wins[::4])] = 0  # keep one home win in four: about 14% positives
    assert rare.mean() < 0.2
    plain = make_model("logistic").fit(GOLD, rare)
    for option in ("class_weight", "smotenc"):
        model = make_model("logistic", imbalance=option, seed=2).fit(GOLD, rare)
        p = model.predict_proba(GOLD)[:, 1]
        assert len(p) == len(GOLD)  # predicting never resamples
        assert p.mean() > plain.predict_proba(GOLD)[:, 1].mean()  # the minority class is weighted up
    with pytest.raises(ValueError, match="unknown imbalance option"):
        make_model("logistic", imbalance="undersample")
    with pytest.raises(ValueError, match="do not apply"):
        make_model("elo", imbalance="smotenc")
    with pytest.raises(ValueError, match="use imbalance='smotenc'"):
        make_model("xgboost", imbalance="class_weight")


def test_elo_scores_fixtures_without_results_exactly_as_its_online_replay():
    fitted = EloClassifier().fit(GOLD[GOLD["season"] < 2024], Y[GOLD["season"] < 2024])
    fixtures = GOLD[GOLD["season"] == 2024].assign(home_margin=np.nan)
    assert np.allclose(fitted.predict_proba(fixtures), fitted._predict_online(fixtures))


def test_the_stacking_ensemble_never_fits_a_member_on_weeks_after_those_it_predicts():
    from training_platform.ml.modeling.stacking import TimeSeriesStackingClassifier

    class WeekRecorder(ClassifierMixin, BaseEstimator):
        fits: list = []

        def fit(self, X, y):
            self.last_ = pd.to_datetime(X["game_date"]).max()
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X):
            WeekRecorder.fits.append((self.last_, pd.to_datetime(X["game_date"]).min()))
            return np.tile([0.45, 0.55], (len(X), 1)) + np.random.default_rng(0).normal(
                0, 0.01, (len(X), 1)
            ) * [1, -1]

    WeekRecorder.fits = []
    TimeSeriesStackingClassifier([("a", WeekRecorder()), ("b", WeekRecorder())], n_splits=3).fit(GOLD, Y)
    assert len(WeekRecorder.fits) == 6 and all(
        fitted_up_to < first for fitted_up_to, first in WeekRecorder.fits
    )
    ensemble = make_model("ensemble", seed=1).set_params(logistic__model__C=0.5)
    assert ensemble.get_params()["logistic__model__C"] == 0.5
    assert ensemble.fit(GOLD, Y).predict_proba(GOLD.tail(5)).shape == (5, 2)


def test_elo_fit_replays_games_in_date_order_whatever_the_input_order():
    ordered = EloClassifier().fit(GOLD, Y)
    shuffled = GOLD.sample(frac=1.0, random_state=3)
    again = EloClassifier().fit(shuffled, GOLD["home_win"].loc[shuffled.index].to_numpy())
    assert again.ratings_ == pytest.approx(ordered.ratings_)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(20, 400))
def test_the_calibrators_fitted_maps_match_scikit_learns_own(seed, n):
    from training_platform.ml.modeling.calibration import _logit, apply_calibrator, fit_calibrator

    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, n)
    y = (rng.uniform(size=n) < p**1.5).astype(float)
    if len(np.unique(y)) < 2:
        y[:2] = [0.0, 1.0]
    fresh = rng.uniform(0.0, 1.0, 200)
    sigmoid = fit_calibrator("sigmoid", p, y)
    assert np.allclose(
        apply_calibrator("sigmoid", sigmoid, fresh), sigmoid.predict_proba(_logit(fresh))[:, 1]
    )
    isotonic = fit_calibrator("isotonic", p, y)
    assert np.allclose(apply_calibrator("isotonic", isotonic, fresh), isotonic.predict(fresh))


def _tune_in_a_process(journal: str) -> dict:
    result = tune(
        make_model("logistic"),
        search_space("logistic"),
        GOLD,
        Y,
        WEEKS,
        ExpandingWindowSplit(3, test_weeks=8),
        method="optuna",
        n_trials=12,
        storage=optuna_storage(journal),
        study_name="shared",
        seed=seed_for("shared"),
        log=lambda message: None,
    )
    import time

    return {"best_params": result.best_params, "best_score": result.best_score, "finished_at": time.time()}


def test_two_tunings_of_one_study_finish_exactly_n_trials(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    journal = str(tmp_path / "shared.journal")
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_tune_in_a_process, [journal, journal]))
    study = optuna.load_study(study_name="shared", storage=optuna_storage(journal))
    finished = [
        t
        for t in study.trials
        if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    ]
    assert len(finished) == 12
    # the run that finishes last (its value is the asset's) saves the best of both runs' trials
    last = max(results, key=lambda r: r["finished_at"])
    assert last["best_score"] == study.best_value and last["best_params"] == study.best_params
