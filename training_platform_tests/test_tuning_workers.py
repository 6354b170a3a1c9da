"""Several processes on one study (tuning config `workers`): a helper that dies mid-trial loses no trial
and never leaves the study short. Shared-storage runs on Postgres are in test_scale_out.py."""

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
from sklearn.base import BaseEstimator, ClassifierMixin

from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.modeling.splits import ExpandingWindowSplit
from training_platform.ml.modeling.tuning import optuna_storage, tune
from training_platform.ml.modeling.zoo import make_model
from training_platform.ml.provenance import process_tag
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start


class DiesInHelper(ClassifierMixin, BaseEstimator):
    """Logistic regression that, fitted in any process but `parent`, leaves `marker` and dies at once
    (as an out-of-memory kill would). The parent's first fit waits for that, so the helper surely
    dies holding a running trial."""

    waited = False  # the parent waits once (trials clone the estimator)

    def __init__(self, parent: int = 0, marker: str = "", C: float = 1.0):
        self.parent, self.marker, self.C = parent, marker, C

    def fit(self, X, y):
        if os.getpid() != self.parent:
            Path(self.marker).touch()
            os._exit(3)
        deadline = time.monotonic() + 60
        while not DiesInHelper.waited and not Path(self.marker).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        DiesInHelper.waited = True
        self.inner_ = make_model("logistic", params={"model__C": self.C}).fit(X, y)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return self.inner_.predict_proba(X)


def test_a_helper_that_dies_mid_trial_loses_no_trial_and_the_study_still_finishes(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the helper's payload is written
    gold = build_gold_features(generate_league("nfl", seasons=3, first_season=2022))
    gold = gold[gold["home_win"].notna()].reset_index(drop=True)
    messages = []
    location = str(tmp_path / "study.journal")
    result = tune(
        DiesInHelper(parent=os.getpid(), marker=str(tmp_path / "helper-died")),
        {"optuna": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}}},
        gold,
        gold["home_win"].to_numpy(),
        week_start(gold["game_date"]).to_numpy(),
        ExpandingWindowSplit(2, test_weeks=8),
        method="optuna",
        n_trials=4,
        storage=location,
        study_name="dies",
        seed=1,
        log=messages.append,
        workers=2,
    )
    assert (tmp_path / "helper-died").exists()  # the helper really ran, and died in, a trial
    assert result.trials_complete + result.trials_pruned == 4  # the parent ran the dead helper's share
    trials = optuna.load_study(study_name="dies", storage=optuna_storage(location)).trials
    assert [t.state for t in trials].count(optuna.trial.TrialState.RUNNING) == 0  # none held forever
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    dead = {t.user_attrs["process"] for t in failed if "process" in t.user_attrs}  # not quota refusals
    assert len(dead) == 1 and dead.pop() != process_tag()  # the helper's trial, marked failed
    assert any("a helper process exited with 3" in m for m in messages)
    assert any("was left running by a process that died; marked failed" in m for m in messages)
    assert not list(scratch.iterdir())  # the payload is removed
