"""Start-up and scale-out benchmarks: loading the definitions against `import dagster`, the full-history
ingest on the Postgres instance profile, and Optuna trials per minute with one and two workers sharing a
Postgres study. Each figure beside an anchor measured in the same run."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from bench.foundation import NFLVERSE, backfill, nflverse_resources, plain_pipeline, result, timed
from training_platform.local_postgres import PostgresUnavailable, start
from training_platform.ml.modeling.training import default_splitter, training_rows
from training_platform.ml.modeling.tuning import search_space, tune
from training_platform.ml.modeling.zoo import make_model
from training_platform.settings import environment_with
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]


def bench_definitions_import(repeats: int = 5) -> dict:
    """Wall time of a fresh interpreter loading the code location, beside one importing dagster alone
    (what every CLI call and every step process pays); medians of alternating runs."""

    def wall(statement: str) -> float:
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=environment_with(clean=True))
        return time.perf_counter() - began

    ours, anchor = [], []
    for _ in range(repeats):
        ours.append(wall("import training_platform.definitions"))
        anchor.append(wall("import dagster"))
    return result(
        "definitions_import_seconds",
        statistics.median(ours),
        "s",
        "import dagster, same run",
        statistics.median(anchor),
    )


def _postgres():
    folder = Path(tempfile.mkdtemp(prefix="tp-bench-postgres-"))
    try:
        return start(folder), folder
    except PostgresUnavailable as exc:
        print(f"skipped the Postgres benchmarks: {exc}")
        shutil.rmtree(folder, ignore_errors=True)
        return None, None


def bench_postgres(work: Path) -> list[dict]:
    server, folder = _postgres()
    if server is None:
        return []
    try:
        return [_ingest_on_postgres(work, server), *_tuning_workers(work, server)]
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _ingest_on_postgres(work: Path, server) -> dict:
    games = read_nflverse_games(NFLVERSE)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    home = work / "postgres_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    # The profile reads its URL from the environment, as a deployment would; batching is Dagster's own.
    os.environ.update(DAGSTER_PG_URL=server.url("dagster"), DAGSTER_EVENT_BATCH_SIZE="1000")
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            seconds, outcome = timed(
                lambda: backfill(nflverse_resources(work / "pg_ingest"), instance, weeks)
            )
    finally:
        os.environ.pop("DAGSTER_EVENT_BATCH_SIZE")
    assert outcome.success
    anchor_seconds, _ = timed(
        lambda: plain_pipeline(read_nflverse_games(NFLVERSE), Warehouse(work / "pg_plain.duckdb"), "nfl")
    )
    print(f"  Postgres instance, DAGSTER_EVENT_BATCH_SIZE=1000: {len(weeks)} partitions; target <= 30 s")
    return result(
        "nflverse_full_history_ingest_postgres", seconds, "s", "same work without dagster", anchor_seconds
    )


def _tuning_workers(work: Path, server, model: str = "xgboost", n_trials: int = 40) -> list[dict]:
    from training_platform.ml.features.gold import DEFAULT_ELO, build_gold_features

    gold = build_gold_features(read_nflverse_games(NFLVERSE), DEFAULT_ELO["nfl"])
    X, y, weeks = training_rows(gold)

    def run(workers: int) -> float:
        began = time.perf_counter()
        tune(
            make_model(model, "nfl", seed=1),
            search_space(model),
            X,
            y,
            weeks,
            default_splitter(5, 0),
            method="optuna",
            n_trials=n_trials,
            storage=server.url("optuna"),
            study_name=f"bench-{model}-{workers}-workers",
            seed=7,
            log=lambda _: None,
            workers=workers,
        )
        return n_trials / ((time.perf_counter() - began) / 60)

    one = run(1)
    two = run(2)
    print(
        f"  {n_trials} {model} trials on the NFL history, Postgres study: {one:.0f}/min alone, {two:.0f}/min with 2 workers"
    )
    return [
        result(f"optuna_{model}_trials_per_minute_1_worker", one, "trials/min"),
        result(f"optuna_{model}_trials_per_minute_2_workers", two, "trials/min", "1 worker, same study", one),
    ]
