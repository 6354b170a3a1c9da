"""The shell commands of the README, as a user types them."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import weeks_covering
from training_platform_tests.conftest import subprocess_env

DAGSTER = Path(sys.executable).parent / "dagster"
REPO = Path(__file__).resolve().parents[1]


def dagster(*args, env):
    return subprocess.run([str(DAGSTER), *args], env=env, capture_output=True, text=True, timeout=300)


def test_backfill_tune_then_materialize_the_model_from_the_shell(tmp_path):
    env = subprocess_env(TP_DATA_DIR=str(tmp_path), TP_SYNTHETIC_SEASONS="2")
    games = generate_league("nfl", seasons=2, first_season=2023)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    ingest = dagster(
        "asset",
        "materialize",
        "-m",
        "training_platform.definitions",
        "--select",
        "raw/games,features/gold",
        "--partition-range",
        f"nfl|{weeks[0]}...nfl|{weeks[-1]}",
        env=env,
    )
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    tuning = dagster(
        "asset", "materialize", "-m", "training_platform.definitions", "--select", "tuning/elo_nfl", env=env
    )
    assert tuning.returncode == 0, tuning.stderr[-3000:]
    # The card's command exactly as typed, from the repo root of an activated venv (the Makefile's set-up
    # appends deploy/activate.sh to it); then the `dg` form Dagster's own warnings recommend.
    model = typed_after_activation("dagster asset materialize --select models/elo_nfl", env)
    assert model.returncode == 0, model.stderr[-3000:]
    assert (tmp_path / "models" / "elo_nfl" / "v1" / "model.joblib").exists()
    assert "models__elo_nfl" in model.stderr and "RUN_SUCCESS" in model.stderr
    launched = typed_after_activation("dg launch --assets models/elo_nfl", env)
    assert launched.returncode == 0, launched.stderr[-3000:]
    assert "RUN_SUCCESS" in launched.stderr
    assert not (tmp_path / "models" / "elo_nfl" / "v2").exists()  # same data and code: the same version
    # the runs went to the test's instance, not the checkout's
    assert (Path(env["DAGSTER_HOME"]) / "history" / "runs.db").exists()


def typed_after_activation(command: str, env: dict) -> subprocess.CompletedProcess:
    activate = REPO / ".venv" / "bin" / "activate"
    if "training_platform activation" not in (activate.read_text() if activate.exists() else ""):
        pytest.skip(f"{activate} is not the Makefile's set-up (make test creates it)")
    return subprocess.run(
        ["bash", "-c", f"source {activate} && {command}"],
        cwd=REPO,
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_unknown_partition_is_refused(tmp_path):
    env = subprocess_env(TP_DATA_DIR=str(tmp_path))
    bad = dagster(
        "asset",
        "materialize",
        "-m",
        "training_platform.definitions",
        "--select",
        "raw/games",
        "--partition",
        "nfl|2024-09-04",
        env=env,
    )  # a Wednesday: not a week start
    assert bad.returncode != 0
    assert "2024-09-04" in bad.stderr + bad.stdout
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_moving_the_models_never_moves_the_champion_out_of_the_data_folder(tmp_path, monkeypatch):
    from training_platform.defs.resources import default_resources

    monkeypatch.setenv("TP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TP_MODELS_DIR", str(tmp_path / "elsewhere" / "models"))
    store = default_resources()["model_store"]
    assert store.production_dir == tmp_path / "data" / "production"
    assert store.predictions_dir == tmp_path / "data" / "predictions"
    monkeypatch.setenv("TP_PRODUCTION_DIR", str(tmp_path / "pointers"))
    assert default_resources()["model_store"].production_dir == tmp_path / "pointers"


def test_the_readme_lists_every_setting_as_the_code_defines_it():
    from training_platform.settings import settings_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("<!-- settings-table -->\n", 1)[1].split("\n<!-- /settings-table -->", 1)[0]
    assert block == settings_table(), "regenerate it: python -m training_platform.settings"


def test_a_mistyped_setting_is_named_with_the_closest_known_one(monkeypatch):
    import pytest

    from training_platform.settings import Settings

    monkeypatch.setenv("TP_MODLES_DIR", "/elsewhere")
    with pytest.warns(
        UserWarning, match=r"unknown setting\(s\) ignored: TP_MODLES_DIR \(did you mean TP_MODELS_DIR\?\)"
    ):
        Settings.from_env()
    monkeypatch.setenv("TP_DRIFT_WINDOW", "fifty")
    with pytest.raises(ValueError, match=r"TP_DRIFT_WINDOW='fifty' must be an integer"):
        Settings.from_env()


def test_make_optuna_dashboard_serves_the_tuning_studies(tmp_path):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    from training_platform_tests.live_dagster import free_port

    journal = tmp_path / "studies.journal"
    missing = subprocess.run(
        ["make", "-s", "optuna-dashboard"],
        cwd=REPO,
        env=subprocess_env(TP_OPTUNA_STORAGE=str(journal), PATH="/usr/bin:/bin"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode != 0 and f"no tuning study yet in {journal}" in missing.stdout + missing.stderr
    study = optuna.create_study(
        study_name="elo_nfl-grid-test", storage=JournalStorage(JournalFileBackend(str(journal)))
    )
    study.optimize(lambda trial: trial.suggest_float("k", 0, 1), n_trials=2)
    port = free_port()
    server = subprocess.Popen(
        ["make", "-s", "optuna-dashboard", f"OPTUNA_DASHBOARD_PORT={port}"],
        cwd=REPO,
        env=subprocess_env(TP_OPTUNA_STORAGE=str(journal), PATH="/usr/bin:/bin"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=5) as answer:
                    studies = json.loads(answer.read())
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "optuna-dashboard did not start"
                time.sleep(1)
        assert "elo_nfl-grid-test" in json.dumps(studies), studies
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
