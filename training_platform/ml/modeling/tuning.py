"""Hyperparameter search: one time-series CV objective, searched by Optuna (TPE or a grid).

Both methods run through Optuna, so they share storage (a re-run resumes the study),
pruning (a median pruner on the running mean log loss after each fold) and reporting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import optuna
import yaml
from sklearn.base import clone
from sklearn.metrics import log_loss

from training_platform.failpoints import failpoint
from training_platform.ml.provenance import is_dead, process_tag

SEARCH_SPACES = Path(__file__).parent / "search_spaces"
METHODS = ("optuna", "grid")


def search_space(model: str) -> dict:
    path = SEARCH_SPACES / f"{model}.yaml"
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
    best_params: dict
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
) -> TuningResult:
    """Search `space` until the study holds `n_trials` finished trials (a grid: all of it).
    `user_attrs` are stored on the study (e.g. the window of games it was tuned on)."""
    if method not in METHODS:
        raise ValueError(f"unknown tuning method {method!r}; use one of {METHODS}")
    if method == "grid":
        grid = space["grid"]
        sampler = optuna.samplers.GridSampler(grid, seed=seed)
        n_trials = int(np.prod([len(v) for v in grid.values()]))
        params_space = grid
    else:
        sampler = optuna.samplers.TPESampler(seed=seed)
        params_space = space["optuna"]
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # progress goes to `log`, not Optuna's INFO lines
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction="minimize",
        sampler=sampler,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1),
        load_if_exists=True,
    )
    for key, value in (user_attrs or {}).items():
        study.set_user_attr(key, value)
    _fail_orphaned_trials(study, log)

    def objective(trial: optuna.Trial) -> float:
        # Another process may be tuning the same study: never let the two together exceed n_trials.
        taken = sum(t.state in _TAKEN for t in study.get_trials(deepcopy=False) if t.number != trial.number)
        if taken >= n_trials:
            study.stop()
            raise _QuotaReached(f"{study_name} already holds or is running {taken} of {n_trials} trials")
        trial.set_user_attr("process", process_tag())
        params = suggest(trial, params_space)

        def report(fold: int, running: float) -> None:
            trial.report(running, fold)
            if trial.should_prune():
                raise optuna.TrialPruned(f"running log loss {running:.4f} after fold {fold + 1}")

        return cv_log_loss(clone(estimator).set_params(**params), X, y, weeks, splitter, on_fold=report)

    def progress(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if on_trial is not None:
            on_trial(trial)
        done = _finished(study)
        if done >= 2:
            failpoint("during_tuning")
        if trial.number % 10 == 0 or done == n_trials:
            log(f"{study_name}: {done}/{n_trials} trials, best log loss {study.best_value:.4f}")

    remaining = n_trials - _finished(study)
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, callbacks=[progress], catch=(_QuotaReached,))
    else:
        log(f"{study_name}: already holds {n_trials} finished trials; nothing to run")
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return TuningResult(
        study_name=study_name,
        method=method,
        best_params=dict(study.best_params),
        best_score=float(study.best_value),
        trials_complete=len(finished),
        trials_pruned=sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
        trials_this_run=max(remaining, 0),
        history=[float(t.value) for t in finished],
    )


def _fail_orphaned_trials(study: optuna.Study, log: Callable[[str], None]) -> None:
    """Trials left RUNNING by a process that died (a crash, a kill) are marked FAIL: they never
    finish and would hold a place in the quota forever."""
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if is_dead(trial.user_attrs.get("process")):
            # Optuna has no public call to fail another process's trial; the storage's own is used.
            study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
            log(
                f"{study.study_name}: trial {trial.number} was left running by a process that died; marked failed"
            )


class _QuotaReached(Exception):
    """A trial not run because the study's quota is taken; Optuna records it as FAIL, which never counts."""


_TAKEN = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.RUNNING)


def _finished(study: optuna.Study) -> int:
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return sum(t.state in states for t in study.get_trials(deepcopy=False))


def optuna_storage(location: str):
    """An RDB URL (sqlite:///, postgresql://) as is; anything else is a journal file path."""
    if "://" in location:
        return location
    from optuna.storages.journal import JournalFileBackend

    Path(location).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(location))
