"""Scale-out on existing engines: Dagster's storage, MLflow's tracking and Optuna's studies in a real
PostgreSQL server (Debian's package, started here in a temporary folder), and the Kubernetes executor
profile loaded and validated. Skipped, with the reason, where no PostgreSQL server is installed."""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import pytest
import yaml

from training_platform.defs.resources import default_resources
from training_platform.local_postgres import PostgresUnavailable, start
from training_platform.settings import Settings
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import weeks_covering
from training_platform_tests.conftest import subprocess_env
from training_platform_tests.test_lineage import ingest, run_chain

REPO = Path(__file__).resolve().parents[1]
DAGSTER = Path(sys.executable).with_name("dagster")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres():
    folder = Path(tempfile.mkdtemp(prefix="tp-postgres-"))
    try:
        server = start(folder)
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def query(server, database: str, sql: str) -> list[tuple]:
    import psycopg2

    with (
        psycopg2.connect(server.url(database).replace("+psycopg2", "")) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
        return cursor.fetchall()


def test_a_materialization_on_the_postgres_profile_stores_runs_and_events_in_postgres(postgres, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    games = generate_league("nba", seasons=2, first_season=2023)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    env = subprocess_env(
        TP_DATA_DIR=str(tmp_path / "data"),
        TP_SYNTHETIC_SEASONS="2",
        TP_SPORTS="nba",
        DAGSTER_HOME=str(home),
        DAGSTER_PG_URL=postgres.url("dagster"),
        DAGSTER_EVENT_BATCH_SIZE="200",
    )
    done = subprocess.run(
        [str(DAGSTER), "asset", "materialize", "-m", "training_platform.definitions"]
        + ["--select", "raw/games,features/gold", "--partition-range", f"nba|{weeks[0]}...nba|{weeks[-1]}"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert query(postgres, "dagster", "SELECT status FROM runs") == [("SUCCESS",)]
    materialized = query(
        postgres,
        "dagster",
        "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'",
    )[0][0]
    assert materialized == 2 * len(weeks)  # raw/games and features/gold, every week partition
    assert not (tmp_path / "data" / "dagster" / "storage").exists()  # nothing went to the SQLite default


def ingested_nba(resources, instance, seasons: int) -> None:
    games = generate_league(
        "nba", seasons=seasons, first_season=2025 - seasons
    )  # as TP_SYNTHETIC_SEASONS gives
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    assert ingest(resources, instance, "nba", weeks).success


def test_two_tuning_workers_share_one_postgres_study_and_finish_exactly_n_trials(
    postgres, tmp_path, instance, monkeypatch
):
    import optuna

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the helper's payload is written

    storage = postgres.url("optuna")
    resources = default_resources(Settings.for_folder(tmp_path, synthetic_seasons=4, optuna_storage=storage))
    ingested_nba(resources, instance, seasons=4)
    # Trials long enough (random_forest) that the helper, which first imports the modelling stack, gets some.
    config = {"n_trials": 24, "workers": 2, "holdout_seasons": 1}
    tuned = run_chain(
        resources,
        instance,
        [dg.AssetKey(["tuning", "random_forest_nba"])],
        {"ops": {"tuning__random_forest_nba": {"config": config}}},
    )
    assert tuned.success
    study_name = tuned.output_for_node("tuning__random_forest_nba").study_name
    study = optuna.load_study(study_name=study_name, storage=storage)
    finished = [
        t
        for t in study.trials
        if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    ]
    assert len(finished) == 24  # none lost, none beyond the quota
    assert len({t.user_attrs["process"] for t in finished}) == 2  # both workers ran trials
    assert not list(scratch.iterdir())  # the helper's payload is removed


def test_mlflow_tracks_runs_and_registers_versions_in_postgres(postgres, tmp_path, instance):
    from mlflow import MlflowClient

    uri = postgres.url("mlflow")
    resources = default_resources(Settings.for_folder(tmp_path, synthetic_seasons=3, mlflow_tracking_uri=uri))
    ingested_nba(resources, instance, seasons=3)
    keys = [dg.AssetKey(["tuning", "elo_nba"]), dg.AssetKey(["models", "elo_nba"])]
    fitted = run_chain(
        resources, instance, keys, {"ops": {"tuning__elo_nba": {"config": {"holdout_seasons": 1}}}}
    )
    assert fitted.success
    versions = MlflowClient(uri).search_model_versions("name = 'elo_nba'")
    assert [int(v.version) for v in versions] == [1]
    assert (
        query(postgres, "mlflow", "SELECT count(*) FROM runs")[0][0] >= 2
    )  # tuning and model runs, in Postgres


def test_the_kubernetes_executor_profile_loads_and_its_run_config_validates(tmp_path):
    pytest.importorskip("dagster_k8s", reason="dagster-k8s is in the dev extra; pip install -e '.[dev]'")
    script = """
import json, sys, yaml, dagster as dg
from training_platform.definitions import defs
job = defs.resolve_job_def("train_nba_job")
good = yaml.safe_load(open(sys.argv[1]))
bad = {"execution": {"config": {**good["execution"]["config"], "max_concurrent": "many"}}}
print(json.dumps({
    "executor": job.executor_def.name,
    "ingest_executor": defs.resolve_job_def("ingest_job").executor_def.name,
    "good": dg.validate_run_config(job, good) is not None,
    "bad": str(pytest_error(lambda: dg.validate_run_config(job, bad))),
}))
"""
    script = script.replace(
        "import json, sys",
        "def pytest_error(fn):\n    try:\n        fn()\n    except Exception as exc:\n        return exc\n    return None\nimport json, sys",
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "deploy" / "kubernetes" / "run_config.yaml")],
        env=subprocess_env(TP_EXECUTOR="k8s", TP_DATA_DIR=str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["executor"] == "k8s"
    assert found["good"] is True
    assert "max_concurrent" in found["bad"]


def test_an_unknown_executor_is_a_clear_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import training_platform.definitions"],
        env=subprocess_env(TP_EXECUTOR="kubernetes", TP_DATA_DIR=str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "TP_EXECUTOR='kubernetes'" in done.stderr and "multiprocess, k8s" in done.stderr


def test_the_postgres_profile_reads_its_url_from_the_environment():
    profile = yaml.safe_load((REPO / "deploy" / "postgres" / "dagster.yaml").read_text())
    assert profile["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
