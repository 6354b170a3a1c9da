"""Serving latency (issue 4): a loaded champion scoring one game, and 10,000 games at once."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench.foundation import result
from training_platform.ml.artifacts import load_model, save_model
from training_platform.ml.features.gold import build_gold_features
from training_platform.ml.modeling.training import fit_calibrated, training_rows
from training_platform.ml.serving.compiled import compile_predictor
from training_platform.sources.synthetic import generate_league

SINGLE_CALLS = 3000
BATCH = 10_000


def percentile_ms(fn, calls: int) -> tuple[float, float]:
    for _ in range(50):  # warm caches and lazy imports
        fn()
    samples = np.empty(calls)
    for i in range(calls):
        started = time.perf_counter()
        fn()
        samples[i] = time.perf_counter() - started
    return float(np.percentile(samples, 50) * 1e3), float(np.percentile(samples, 99) * 1e3)


def bench_latency(work: Path) -> list[dict]:
    """Each demo candidate as a champion: saved, loaded through the SHA-256 check, then timed."""
    gold = build_gold_features(generate_league("nfl", seasons=10))
    X, y, _ = training_rows(gold)
    # Serving scores fixtures: games without a result yet.
    games = X.sample(BATCH, replace=True, random_state=0).reset_index(drop=True).assign(home_margin=np.nan)
    fixtures = [games.iloc[[i]] for i in range(BATCH)]  # built before timing: the anchor times the calls only
    rows = []
    for model in ("elo", "logistic"):
        params = (
            {} if model == "logistic" else {"k_factor": 20.0, "home_advantage": 48.0, "mean_reversion": 1 / 3}
        )
        artifact = save_model(
            fit_calibrated(model, "nfl", params, X, y, seed=0),
            work / "latency",
            f"{model}_nfl",
            metadata={"model": model},
        )
        champion = load_model(artifact)
        predict_home, kind = compile_predictor(champion)  # what predictions/<sport> serves with
        single = games.iloc[[0]]
        p50, p99 = percentile_ms(lambda: predict_home(single), SINGLE_CALLS)
        sklearn_p50, sklearn_p99 = percentile_ms(lambda: champion.predict_proba(single), SINGLE_CALLS)
        batch_ms = min(_timed_ms(lambda: predict_home(games)) for _ in range(5))
        one_by_one_ms = _timed_ms(lambda: [predict_home(fixture) for fixture in fixtures])
        print(
            f"  {model} ({kind}): single game p50 {p50:.3f} ms, p99 {p99:.3f} ms (target p99 <= 1 ms; "
            f"through predict_proba p50 {sklearn_p50:.3f}, p99 {sklearn_p99:.3f}); "
            f"{BATCH} games {batch_ms:.1f} ms (target <= 50 ms)"
        )
        rows += [
            result(
                f"predict_single_game_p50_{model}",
                p50,
                "ms",
                "same champion through predict_proba, p50",
                sklearn_p50,
            ),
            result(
                f"predict_single_game_p99_{model}",
                p99,
                "ms",
                "same champion through predict_proba, p99",
                sklearn_p99,
            ),
            result(
                f"predict_10000_games_{model}",
                batch_ms,
                "ms",
                "the same 10,000 games as 10,000 single calls",
                one_by_one_ms,
            ),
        ]
    return rows


def _timed_ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1e3
