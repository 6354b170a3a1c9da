"""Nested against non-nested tuning on the real nflverse file, with training_platform library functions only (no Dagster).

Mirrors defs/tuning/assets.py (tune), defs/models/assets.py (fit_calibrated) and
defs/reports/assets.py (walk_forward_backtest). `--tune-before-season YEAR` tunes only on
rows with season < YEAR (what tuning/<model>_nfl does with its default holdout_seasons: 2020);
the final fit and the backtest are unchanged. Run: python bench/nested_backtest.py [--tune-before-season 2020]
"""

import argparse
import json
import time
from pathlib import Path

import training_platform
from training_platform.ml.evaluation.backtest import walk_forward_backtest
from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.modeling.training import default_splitter, fit_calibrated, training_rows
from training_platform.ml.modeling.tuning import search_space, seed_for, tune
from training_platform.ml.modeling.zoo import make_model
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.weeks import week_start

DEFAULT_PATH = str(
    Path(__file__).resolve().parents[2] / "shared" / "data" / "nflverse_games_1999_2024.csv.gz"
)
DEFAULT_METHOD = {"elo": "grid"}  # as defs/tuning/assets.py


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--path", default=DEFAULT_PATH)
    ap.add_argument("--tune-before-season", type=int, default=None)
    ap.add_argument("--models", default="elo,logistic")
    ap.add_argument("--n-trials", type=int, default=50)
    args = ap.parse_args()
    print(f"training_platform: {training_platform.__file__}")
    print(f"tune-before-season: {args.tune_before_season}")

    t = time.perf_counter()
    games = read_nflverse_games(args.path)
    gold = build_gold_features(games)
    gold["partition_week"] = week_start(gold["game_date"]).to_numpy()
    X, y, weeks = training_rows(gold)
    print(
        f"[data] {len(games)} games read, {len(gold)} gold rows, {len(X)} training rows "
        f"(seasons {X['season'].min()}-{X['season'].max()}), {time.perf_counter() - t:.1f}s"
    )

    if args.tune_before_season is not None:
        keep = (X["season"] < args.tune_before_season).to_numpy()
        X_tune = X.loc[keep].reset_index(drop=True)
        y_tune, weeks_tune = y[keep], weeks[keep]
    else:
        X_tune, y_tune, weeks_tune = X, y, weeks
    print(f"[data] tuning rows: {len(X_tune)} (seasons {X_tune['season'].min()}-{X_tune['season'].max()})")

    for model in args.models.split(","):
        name = f"{model}_nfl"
        method = DEFAULT_METHOD.get(model, "optuna")
        print(f"\n=== {model} ({method}) ===", flush=True)

        t = time.perf_counter()
        estimator = make_model(model, "nfl", seed=seed_for(name))
        result = tune(
            estimator,
            search_space(model),
            X_tune,
            y_tune,
            weeks_tune,
            default_splitter(5, 0),
            method=method,
            n_trials=args.n_trials,
            storage=None,
            study_name=f"{name}-{method}",
            seed=seed_for(f"tuning/{name}"),
            log=lambda m: print("  " + m, flush=True),
        )
        t_tune = time.perf_counter() - t
        print(
            f"[tune] best params {json.dumps(result.best_params)}  cv log loss {result.best_score:.5f}  "
            f"(complete {result.trials_complete}, pruned {result.trials_pruned})  {t_tune:.1f}s",
            flush=True,
        )

        t = time.perf_counter()
        final = fit_calibrated(model, "nfl", result.best_params, X, y, seed=seed_for(name), n_splits=5)
        t_fit = time.perf_counter() - t
        print(f"[fit] calibration {final.method_}  {t_fit:.1f}s", flush=True)

        t = time.perf_counter()
        refit = 53 if model == "elo" else 4
        bt = walk_forward_backtest(final, gold, seasons=5, refit_every_weeks=refit)
        t_bt = time.perf_counter() - t
        m, mk = bt["model"], bt["baselines"]["market"]
        print(f"[backtest] refit_every_weeks {refit}  {t_bt:.1f}s")
        print(f"  seasons {bt['seasons'][0]}-{bt['seasons'][-1]}  games {bt['games']}")
        print(
            f"  model : log_loss {m['log_loss']:.5f}  brier {m['brier']:.5f}  accuracy {m['accuracy']:.4f}  "
            f"ece {m['ece']:.5f}"
        )
        print(f"  market: log_loss {mk['log_loss']:.5f}  brier {mk['brier']:.5f}  (games {mk['games']})")
        print(
            f"  model on market games: log_loss {mk['model_on_same_games']['log_loss']:.5f}  "
            f"brier {mk['model_on_same_games']['brier']:.5f}"
        )
        print(f"[time] tune {t_tune:.1f}s  fit {t_fit:.1f}s  backtest {t_bt:.1f}s", flush=True)


if __name__ == "__main__":
    main()
