"""Start-up and scale-out benchmarks: loading the definitions against `import dagster`, the full-history
ingest on the Postgres instance profile, one Postgres study with one and with two workers, and what two
processes get from this machine. Each figure beside an anchor measured in the same run."""

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
from bench.training import nfl_training_rows
from training_platform.local_postgres import PostgresUnavailable, start
from training_platform.ml.modeling.training import default_splitter
from training_platform.ml.modeling.tuning import optuna_storage, search_space, tune
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


def _tuning_workers(work: Path, server, model: str = "xgboost", n_trials: int = 200) -> list[dict]:
    """One Postgres study of `n_trials` with one worker, then a fresh one with two; per process: trials
    run and when its first trial started (a helper's start-up is its imports of the modelling stack)."""
    import optuna

    X, y, weeks = nfl_training_rows()

    def run(workers: int) -> float:
        name = f"bench-{model}-{workers}-workers"
        began = time.perf_counter()
        started = time.time()
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
            study_name=name,
            seed=7,
            log=lambda _: None,
            workers=workers,
        )
        seconds = time.perf_counter() - began
        trials = optuna.load_study(study_name=name, storage=optuna_storage(server.url("optuna"))).trials
        done = [
            t for t in trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
        ]
        by_process: dict[str, list] = {}
        for trial in done:
            by_process.setdefault(trial.user_attrs["process"], []).append(trial)
        shares = ", ".join(
            f"{len(ts)} trials from {min(t.datetime_start.timestamp() for t in ts) - started:.1f} s"
            for ts in by_process.values()
        )
        pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in done)
        print(
            f"  {workers} worker(s): {seconds:.1f} s; {len(done)} trials ({pruned} pruned); per process: {shares}"
        )
        return seconds

    one, two = run(1), run(2)
    return [
        result(f"optuna_{model}_{n_trials}_trials_seconds_1_worker", one, "s"),
        result(f"optuna_{model}_{n_trials}_trials_seconds_2_workers", two, "s", "1 worker, same study", one),
        _parallel_fits(model),
    ]


def _fits(model: str, count: int, ready) -> None:
    from training_platform.ml.modeling.tuning import cv_log_loss

    X, y, weeks = nfl_training_rows()
    ready.wait()
    for seed in range(count):
        cv_log_loss(make_model(model, "nfl", seed=seed), X, y, weeks, default_splitter(5, 0))
    ready.wait()


def _parallel_fits(model: str, count: int = 10) -> dict:
    """What two processes get from this machine: `count` CV fits in each of two processes at once, beside
    the same 2 x `count` fits in one process (timed from when every process has its data)."""
    import multiprocessing

    def wall(processes: int, each: int) -> float:
        context = multiprocessing.get_context("spawn")
        ready = context.Barrier(processes + 1)
        workers = [context.Process(target=_fits, args=(model, each, ready)) for _ in range(processes)]
        for worker in workers:
            worker.start()
        ready.wait()
        began = time.perf_counter()
        ready.wait()
        seconds = time.perf_counter() - began
        for worker in workers:
            worker.join()
        return seconds

    two = wall(2, count)
    one = wall(1, 2 * count)
    return result(
        f"cv_fits_{model}_two_processes_seconds", two, "s", f"the same {2 * count} fits in one process", one
    )
