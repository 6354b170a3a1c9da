"""Training benchmarks (issue 3): Optuna through Dagster vs a plain script, warm start vs refit, peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import numpy as np
from sklearn.metrics import log_loss

from bench.foundation import NFLVERSE, ROOT, backfill, nflverse_resources, result, timed
from training_platform.defs.features.assets import features_gold
from training_platform.defs.tuning.assets import build_tuning_asset
from training_platform.demo import QUIET_LOGS
from training_platform.ml.evaluation.backtest import backtest_seasons  # noqa: E402
from training_platform.ml.features.gold import build_gold_features, default_elo
from training_platform.ml.modeling.training import default_splitter, training_rows
from training_platform.ml.modeling.tuning import optuna_storage, search_space, seed_for, tune
from training_platform.ml.modeling.warm_start import warm_update
from training_platform.ml.modeling.zoo import make_model
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.weeks import weeks_covering

TRIALS = 100


def nfl_training_rows():
    gold = build_gold_features(read_nflverse_games(NFLVERSE), default_elo("nfl"))
    return training_rows(gold)


def bench_optuna_xgboost(work: Path) -> list[dict]:
    """tuning/xgboost_nfl, 100 TPE trials, 5-fold expanding-window CV, pruning on, real NFL 1999-2019 (the
    seasons before the backtest window)."""
    games = read_nflverse_games(NFLVERSE)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    resources = nflverse_resources(work / "optuna_dagster")
    tuning = build_tuning_asset("xgboost", "nfl")
    config = {**QUIET_LOGS, "ops": {"tuning__xgboost_nfl": {"config": {"n_trials": TRIALS, "n_splits": 5}}}}
    with resources["tracking"].run(
        "store set-up", {}
    ):  # a deployment's store exists already: set it up untimed
        pass
    with dg.instance_for_test() as instance:
        assert backfill(resources, instance, weeks).success
        seconds, outcome = timed(
            lambda: dg.materialize(
                [tuning, features_gold.to_source_asset()],
                selection=[tuning.key],
                resources=resources,
                instance=instance,
                run_config=config,
            )
        )
    study = outcome.output_for_node("tuning__xgboost_nfl")

    X, y, week_of_row = nfl_training_rows()
    # The same study: tuning/xgboost_nfl tunes on the seasons before the report's backtest window only.
    gold = build_gold_features(games, default_elo("nfl"))
    early = (X["season"] < backtest_seasons(gold)[0]).to_numpy()
    X, y, week_of_row = X[early].reset_index(drop=True), y[early], week_of_row[early]
    plain_seconds, plain = timed(
        lambda: tune(
            make_model("xgboost", "nfl", seed=seed_for("xgboost_nfl")),
            search_space("xgboost"),
            X,
            y,
            week_of_row,
            default_splitter(5),
            method="optuna",
            n_trials=TRIALS,
            storage=optuna_storage(str(work / "plain.journal")),
            study_name="plain",
            seed=seed_for("tuning/xgboost_nfl"),
            log=lambda message: None,
        )
    )
    print(
        f"  dagster: best CV log loss {study['best_cv_log_loss']:.4f}, {study['trials_pruned']} of {TRIALS} pruned; "
        f"plain: {plain.best_score:.4f}, {plain.trials_pruned} pruned (target <= 60 s, ratio <= 1.2)"
    )
    return [
        result("optuna_xgboost_nfl_100_trials", seconds, "s", "same study as a plain script", plain_seconds),
        result(
            "optuna_xgboost_nfl_trials_pruned",
            study["trials_pruned"],
            "trials",
            "plain script",
            plain.trials_pruned,
        ),
    ]


def bench_warm_start() -> list[dict]:
    """Weekly update over the 2024 NFL season: warm start from last week's model vs a full refit."""
    X, y, weeks = nfl_training_rows()
    test_weeks = np.unique(weeks[X["season"].to_numpy() == 2024])
    rows = []
    for name, model in (
        ("elo", make_model("elo", "nfl").set_params(online=False)),
        ("xgboost", make_model("xgboost", "nfl")),
    ):
        full_p, warm_p, full_s, warm_s = [], [], 0.0, 0.0
        current = model.fit(X[weeks < test_weeks[0]], y[weeks < test_weeks[0]])
        for week in test_weeks:
            this_week = weeks == week
            started = time.perf_counter()
            refit = make_model(name, "nfl", params=model.get_params() if name == "elo" else None).fit(
                X[weeks < week], y[weeks < week]
            )
            full_s += time.perf_counter() - started
            full_p.append(refit.predict_proba(X[this_week])[:, 1])
            warm_p.append(current.predict_proba(X[this_week])[:, 1])
            started = time.perf_counter()
            current = warm_update(current, X[this_week], y[this_week])
            warm_s += time.perf_counter() - started
        truth = y[np.isin(weeks, test_weeks)]
        rows.append(
            result(
                f"warm_start_{name}_weekly_update_seconds",
                warm_s / len(test_weeks),
                "s/week",
                "full refit",
                full_s / len(test_weeks),
            )
        )
        rows.append(
            result(
                f"warm_start_{name}_log_loss_2024",
                log_loss(truth, np.concatenate(warm_p)),
                "log loss",
                "full refit",
                log_loss(truth, np.concatenate(full_p)),
            )
        )
    return rows


def bench_peak_memory(work: Path) -> dict:
    """Peak RSS of the whole NFL training run (ingest, tune and fit elo, logistic, xgboost) in a fresh process."""
    script = Path(__file__).with_name("nfl_training_run.py")
    out = subprocess.run(
        [sys.executable, str(script), str(work / "memory")],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  (target <= 1024 MB; the run took {figures['seconds']:.0f} s)")
    return result(
        "peak_memory_nfl_training_run",
        figures["peak_mb"],
        "MB",
        "python + imports only",
        figures["baseline_mb"],
    )
