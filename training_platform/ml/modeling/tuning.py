"""Hyperparameter search: one time-series CV objective, searched by Optuna (TPE or a grid).

Both methods run through Optuna, so they share storage (a re-run resumes the study),
pruning (a median pruner on the running mean log loss after each fold) and reporting.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import optuna
import yaml
from sklearn.base import clone
from sklearn.metrics import log_loss

from training_platform.failpoints import failpoint
from training_platform.ml.modeling.journal import mend_journal
from training_platform.ml.modeling.selection import check_preference, choose_trial
from training_platform.ml.provenance import is_dead, process_tag

SEARCH_SPACES = Path(__file__).parent / "search_spaces"
METHODS = ("optuna", "grid")
ORPHAN_GRACE = datetime.timedelta(minutes=1)  # a RUNNING trial this old with no process tag is orphaned


def search_space(model: str, sport: str | None = None, market: str = "moneyline") -> dict:
    """The model's search space (search_spaces/<model>.yaml, or <model>_<market>.yaml where a market
    has its own); for Elo, the sport's `elo_search` where the sports file gives one (ratings move on a
    sport's own scale: MLB's K is a fifth of the NFL's)."""
    from training_platform.ml.modeling.catalog import base_model
    from training_platform.sports import configured

    own_market = SEARCH_SPACES / f"{base_model(model)}_{market}.yaml"
    if market != "moneyline" and own_market.exists():  # Elo's totals rate points, not teams
        return yaml.safe_load(own_market.read_text())
    own = configured().get(sport) if sport else None
    if model == "elo" and own is not None and own.elo_search is not None:
        return own.elo_search
    path = SEARCH_SPACES / f"{base_model(model)}.yaml"  # a market-free variant searches its base's space
    if not path.exists():
        raise ValueError(f"no search space for model {model!r} ({path} is missing)")
    return yaml.safe_load(path.read_text())


def seed_for(name: str) -> int:
    """A stable seed from a name (the asset key), so each asset's search is reproducible."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def cv_log_loss(
    estimator, X, y, weeks, splitter, on_fold: Callable[[int, float], None] | None = None
) -> float:
    """Mean log loss over the splitter's folds; `on_fold(i, running_mean)` after each fold.

    Rows whose y is NaN (ties) are fitted on where the estimator can (Elo) but never scored.
    """
    y = np.asarray(y, dtype=float)
    losses = []
    for fold, (train, test) in enumerate(splitter.split(X, y, weeks)):
        test = test[~np.isnan(y[test])]
        model = clone(estimator).fit(X.iloc[train], y[train])
        p = np.clip(model.predict_proba(X.iloc[test])[:, 1], 1e-15, 1 - 1e-15)
        losses.append(log_loss(y[test], p, labels=[0, 1]))
        if on_fold is not None:
            on_fold(fold, float(np.mean(losses)))
    return float(np.mean(losses))


def suggest(trial: optuna.Trial, space: dict) -> dict:
    params = {}
    for name, spec in space.items():
        if isinstance(spec, list):
            params[name] = trial.suggest_categorical(name, spec)
        elif spec["type"] == "int":
            params[name] = trial.suggest_int(name, spec["low"], spec["high"], log=spec.get("log", False))
        elif spec["type"] == "float":
            params[name] = trial.suggest_float(name, spec["low"], spec["high"], log=spec.get("log", False))
        else:
            raise ValueError(f"unknown parameter type {spec['type']!r} for {name}")
    return params


@dataclass
class TuningResult:
    study_name: str
    method: str
    best_params: dict  # the chosen trial's: the best, or the space's `prefer` rule's (selection.py)
    best_score: float
    trials_complete: int
    trials_pruned: int
    trials_this_run: int
    history: list[float] = field(default_factory=list)  # objective per finished trial, in order


def tune(
    estimator,
    space: dict,
    X,
    y,
    weeks,
    splitter,
    *,
    method: str,
    n_trials: int,
    storage,
    study_name: str,
    seed: int,
    log: Callable[[str], None] = print,
    on_trial: Callable[[optuna.trial.FrozenTrial], None] | None = None,
    user_attrs: dict | None = None,
    workers: int = 1,
) -> TuningResult:
    """Search `space` until the study holds `n_trials` finished trials (a grid: all of it).
    `user_attrs` are stored on the study (e.g. the window of games it was tuned on).

    `storage` is a location (a journal file or an RDB URL, see `optuna_storage`) or an Optuna storage.
    With `workers` > 1, that many processes share the study through the storage, as Optuna distributes
    a study: each runs trials until the study's quota is taken; processes on other hosts pointed at the
    same RDB study join the same way."""
    if method not in METHODS:
        raise ValueError(f"unknown tuning method {method!r}; use one of {METHODS}")
    if workers > 1 and not isinstance(storage, str):
        raise ValueError("workers > 1 share the study through its storage: give storage as a location")
    if method == "grid":
        n_trials = int(np.prod([len(v) for v in space["grid"].values()]))
    preference = check_preference(space.get("prefer"), set(_params_space(method, space)))
    if isinstance(storage, str) and "://" not in storage:
        mend_journal(Path(storage), log)
    location, storage = storage, optuna_storage(storage) if isinstance(storage, str) else storage
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # progress goes to `log`, not Optuna's INFO lines
    study = _study(storage, study_name, method, space, seed)
    for key, value in (user_attrs or {}).items():
        study.set_user_attr(key, value)
    _fail_orphaned_trials(study, log)
    objective = _Objective(estimator, _params_space(method, space), X, y, weeks, splitter, n_trials)
    seen: set[int] = set()

    def progress(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        seen.add(trial.number)
        if on_trial is not None:
            on_trial(trial)
        done = _finished(study)
        if done >= 2:
            failpoint("during_tuning")
        if trial.number % 10 == 0 or done == n_trials:
            log(f"{study_name}: {done}/{n_trials} trials, best log loss {study.best_value:.4f}")

    remaining = n_trials - _finished(study)
    if remaining > 0:
        helpers: list = []
        try:
            for i in range(1, workers):
                helpers.append(_start_helper(location, study_name, method, space, seed + i, objective))
            if helpers:
                log(f"{study_name}: {workers} workers share the study")
            study.optimize(objective, n_trials=remaining, callbacks=[progress], catch=(_QuotaReached,))
            for helper, _ in helpers:
                if helper.wait() != 0:  # its trials are not lost: this process runs what is left below
                    log(
                        f"{study_name}: a helper process exited with {helper.returncode} (its error is above)"
                    )
        finally:
            for helper, payload in helpers:
                if helper.poll() is None:  # this process failed before its helpers finished: stop them
                    helper.kill()
                    helper.wait()
                payload.unlink(missing_ok=True)
        # A quota race or a helper that died can leave trials undone: this process runs them.
        while (left := n_trials - _finished(study)) > 0:
            _fail_orphaned_trials(study, log)  # a trial of a process that died would hold its place forever
            done = _finished(study)
            study.optimize(objective, n_trials=left, callbacks=[progress], catch=(_QuotaReached,))
            if _finished(study) == done:  # every place is held by a running trial of another live process
                time.sleep(1)
        for trial in study.get_trials(deepcopy=False, states=_DONE):
            if trial.number not in seen and on_trial is not None:
                on_trial(trial)  # a helper's trial: logged by this process, which owns the MLflow run
    else:
        log(f"{study_name}: already holds {n_trials} finished trials; nothing to run")
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    chosen, why = choose_trial(finished, preference)
    if why:
        log(f"{study_name}: {why}")
    return TuningResult(
        study_name=study_name,
        method=method,
        best_params=dict(chosen.params),
        best_score=float(chosen.value),
        trials_complete=len(finished),
        trials_pruned=sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
        trials_this_run=max(remaining, 0),
        history=[float(t.value) for t in finished],
    )


def _params_space(method: str, space: dict) -> dict:
    return space["grid"] if method == "grid" else space["optuna"]


def _study(storage, study_name: str, method: str, space: dict, seed: int) -> optuna.Study:
    sampler = (
        optuna.samplers.GridSampler(space["grid"], seed=seed)
        if method == "grid"
        else optuna.samplers.TPESampler(seed=seed)
    )
    return optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction="minimize",
        sampler=sampler,
        # A space that prefers simpler trials needs them scored on every fold (selection.py), not pruned.
        pruner=optuna.pruners.NopPruner()
        if space.get("prefer")
        else optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1),
        load_if_exists=True,
    )


@dataclass
class _Objective:
    """Mean CV log loss of one trial's parameters; picklable, so helper processes run the same one."""

    estimator: object
    params_space: dict
    X: object
    y: object
    weeks: object
    splitter: object
    n_trials: int

    def __call__(self, trial: optuna.Trial) -> float:
        study = trial.study
        # Other processes may be tuning the same study: never let them together exceed n_trials.
        taken = sum(t.state in _TAKEN for t in study.get_trials(deepcopy=False) if t.number != trial.number)
        if taken >= self.n_trials:
            study.stop()
            raise _QuotaReached(
                f"{study.study_name} already holds or is running {taken} of {self.n_trials} trials"
            )
        trial.set_user_attr("process", process_tag())
        params = suggest(trial, self.params_space)

        def report(fold: int, running: float) -> None:
            trial.report(running, fold)
            if trial.should_prune():
                raise optuna.TrialPruned(f"running log loss {running:.4f} after fold {fold + 1}")

        model = clone(self.estimator).set_params(**params)
        return cv_log_loss(model, self.X, self.y, self.weeks, self.splitter, on_fold=report)


def _start_helper(location: str, study_name: str, method: str, space: dict, seed: int, objective: _Objective):
    """A process running trials of the same study: a fresh interpreter (`tuning_worker`) that imports only
    what a trial needs. multiprocessing's spawn would re-import the caller's main module (the dagster CLI,
    a script) and block the parent until the child had unpickled the objective (measured: 6-7 s with no
    trial running anywhere); the objective, with the training rows, goes through a file instead."""
    import os
    import pickle
    import subprocess
    import sys
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="tp-objective-", suffix=".pickle", delete=False) as payload:
        try:
            pickle.dump(
                (location, study_name, method, space, seed, objective), payload, pickle.HIGHEST_PROTOCOL
            )
        except BaseException:
            Path(payload.name).unlink(missing_ok=True)
            raise
    command = [sys.executable, "-m", "training_platform.ml.modeling.tuning_worker", payload.name]
    # The caller's import path, as spawn would pass it: the estimator may come from a module only it sees.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(command, env=env), Path(payload.name)


def run_helper(payload: str) -> None:
    """The helper's side of `_start_helper`: trials until the study's quota is taken."""
    import pickle

    location, study_name, method, space, seed, objective = pickle.loads(Path(payload).read_bytes())
    Path(payload).unlink(missing_ok=True)  # read: nothing is left behind even if the parent is killed
    # A helper's last trial normally finds the quota taken; Optuna would warn with its traceback.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = _study(optuna_storage(location), study_name, method, space, seed)
    study.optimize(objective, n_trials=objective.n_trials, catch=(_QuotaReached,))


def _fail_orphaned_trials(study: optuna.Study, log: Callable[[str], None]) -> None:
    """Trials left RUNNING by a process that died (a crash, a kill) are marked FAIL: they never
    finish and would hold a place in the quota forever."""
    now = datetime.datetime.now()
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        tag = trial.user_attrs.get("process")  # set as a trial starts; none after a minute: killed at once
        if is_dead(tag) or (tag is None and now - trial.datetime_start > ORPHAN_GRACE):
            # Optuna has no public call to fail another process's trial; the storage's own is used.
            study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
            log(
                f"{study.study_name}: trial {trial.number} was left running by a process that died; marked failed"
            )


class _QuotaReached(Exception):
    """A trial not run because the study's quota is taken; Optuna records it as FAIL, which never counts."""


_TAKEN = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.RUNNING)


_DONE = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def _finished(study: optuna.Study) -> int:
    return sum(t.state in _DONE for t in study.get_trials(deepcopy=False))


def optuna_storage(location: str):
    """An RDB URL (sqlite:///, postgresql://) as is; anything else is a journal file path."""
    if "://" in location:
        return location
    from optuna.storages.journal import JournalFileBackend

    Path(location).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(location))
