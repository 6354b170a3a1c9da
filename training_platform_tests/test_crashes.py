"""A real `dagster asset materialize` killed (SIGKILL to its process group) at five points: the state
is consistent after the kill, and a re-run of the same command heals it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import optuna
import pandas as pd
import pytest

from training_platform.failpoints import INGEST_POINT, POINTS
from training_platform.ml.artifacts import ModelArtifact, verify_artifact
from training_platform.ml.modeling.tuning import optuna_storage
from training_platform.ml.verified import artifact_of_row
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.registry import ChampionRegistry
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import subprocess_env

DAGSTER = Path(sys.executable).parent / "dagster"
CHAIN = (
    "--select",
    "tuning/elo_nba++++",  # tuning, model, report and its gates, production, predictions
    "--config-json",
    '{"execution": {"config": {"in_process": {}}}}',
)  # one process: cheaper, killed all the same


def dagster(data: Path, *args, failpoint: str | None = None, **settings: str) -> subprocess.CompletedProcess:
    env = subprocess_env(
        TP_DATA_DIR=str(data),
        TP_SYNTHETIC_SEASONS="2",
        TP_SPORTS="nba",
        **({"TP_FAILPOINT": failpoint} if failpoint else {}),
        **settings,
    )
    return subprocess.run(
        [str(DAGSTER), "asset", "materialize", "-m", "training_platform.definitions", *args],
        env=env,
        cwd=data.parent,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )  # its own process group, which the failpoint kills


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("crash") / "data"
    games = generate_league("nba", seasons=2, first_season=2023)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    done = dagster(
        data, "--select", "raw/games,features/gold", "--partition-range", f"nba|{weeks[0]}...nba|{weeks[-1]}"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return data


def assert_consistent(data: Path) -> None:
    """No half-written version is visible, and whatever the registry says is champion verifies."""
    registry = ChampionRegistry(Warehouse(data / "warehouse.duckdb"))
    for version_dir in (data / "models").glob("*/v*"):
        meta = json.loads((version_dir / "metadata.json").read_text())
        verify_artifact(
            ModelArtifact(
                meta["name"],
                meta["version"],
                str(version_dir / "model.joblib"),
                registry.recorded_sha256(meta["name"], meta["version"]) or meta["sha256"],
            )
        )
    for report_dir in (data / "reports").glob("*/v*"):
        assert (report_dir / "report.json").exists(), report_dir
    champion = registry.current("nba")
    if champion is not None:  # the registry's row, resolved and verified as every load resolves it
        artifact_of_row(registry, data / "models", champion)


def assert_healed(data: Path) -> None:
    assert_consistent(data)
    champion = ChampionRegistry(Warehouse(data / "warehouse.duckdb")).current("nba")
    pointer = json.loads((data / "production" / "nba.json").read_text())
    assert (pointer["model"], pointer["version"], pointer["sha256"]) == (
        champion["model"],
        champion["version"],
        champion["sha256"],
    )
    uri = f"sqlite:///{data / 'mlflow.db'}"
    client = mlflow.MlflowClient(
        tracking_uri=uri, registry_uri=uri
    )  # not the registry another test set globally
    assert (
        str(client.get_registered_model(champion["model"]).aliases["champion"])
        == champion["mlflow_model_version"]
    )
    versions = {str(v.version) for v in client.search_model_versions("name='elo_nba'")}
    on_disk = {
        str(json.loads(m.read_text())["mlflow_model_version"])
        for m in (data / "models").glob("elo_nba/v*/metadata.json")
    }
    assert versions == on_disk  # MLflow's versions map one-to-one to artifacts
    experiment = client.get_experiment_by_name("training_platform").experiment_id
    assert not client.search_runs([experiment], filter_string="attributes.status = 'RUNNING'")
    storage = optuna_storage(str(data / "optuna" / "studies.journal"))
    for summary in optuna.get_all_study_summaries(storage):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        assert not study.get_trials(states=(optuna.trial.TrialState.RUNNING,))


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_at_any_point_leaves_consistent_state_that_a_rerun_heals(ingested, tmp_path, point):
    data = tmp_path / "data"
    shutil.copytree(ingested, data)
    killed = dagster(data, *CHAIN, failpoint=point)
    assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-2000:])
    assert_consistent(data)
    again = dagster(data, *CHAIN)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_healed(data)


@pytest.mark.slow
def test_an_ingest_killed_between_raw_and_features_keeps_the_old_features_and_a_rerun_heals(tmp_path):
    """raw/games and features/gold are two steps, each one transaction: killed between them, the
    features are exactly what they were (never half-written), and the same command rebuilds them."""
    data, csv = tmp_path / "data", tmp_path / "nba.csv"
    games = generate_league("nba", seasons=1, first_season=2024)
    games.to_csv(csv, index=False)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    source = {"TP_SOURCE_NBA": f"csv:{csv}"}
    ingest = ("--select", "raw/games,features/gold")
    assert (
        dagster(data, *ingest, "--partition-range", f"nba|{weeks[0]}...nba|{weeks[-1]}", **source).returncode
        == 0
    )
    store = Warehouse(data / "warehouse.duckdb")
    week = pd.Timestamp(weeks[3])
    game = games.index[(games["game_date"] >= week) & (games["game_date"] < week + pd.Timedelta(days=7))][0]
    gold_before = store.read("features_gold", "nba")
    corrected = games.copy()  # the source corrects one result: the winner changes
    corrected.loc[game, ["home_score", "away_score"]] = games.loc[
        game, ["away_score", "home_score"]
    ].to_numpy()
    corrected.to_csv(csv, index=False)

    ingest = (
        *ingest,
        "--config-json",
        json.dumps({"ops": {"raw__games": {"config": {"allow_corrections": True}}}}),
    )
    killed = dagster(data, *ingest, "--partition", f"nba|{weeks[3]}", failpoint=INGEST_POINT, **source)
    assert killed.returncode == -9, killed.stderr[-2000:]
    raw = store.read("raw_games", "nba").set_index("game_id")
    assert (
        raw.loc[games.loc[game, "game_id"], "home_score"] == games.loc[game, "away_score"]
    )  # raw has the correction
    pd.testing.assert_frame_equal(store.read("features_gold", "nba"), gold_before)  # features as they were

    again = dagster(data, *ingest, "--partition", f"nba|{weeks[3]}", **source)
    assert again.returncode == 0, again.stderr[-3000:]
    gold = store.read("features_gold", "nba").set_index("game_id")
    was = gold_before.set_index("game_id").loc[games.loc[game, "game_id"], "home_win"]
    assert gold.loc[games.loc[game, "game_id"], "home_win"] == 1 - was and len(gold) == len(raw)


@pytest.mark.slow
def test_two_ingests_of_different_sports_at_once_lose_nothing(tmp_path):
    data = tmp_path / "data"
    weeks = {"nfl": "2024-09-10", "nba": "2024-11-05"}
    runs = [
        subprocess.Popen(
            [
                str(DAGSTER),
                "asset",
                "materialize",
                "-m",
                "training_platform.definitions",
                "--select",
                "raw/games,features/gold",
                "--partition",
                f"{sport}|{week}",
            ],
            # each its own Dagster instance (two processes creating one SQLite instance's tables race)
            env=subprocess_env(TP_DATA_DIR=str(data), TP_SYNTHETIC_SEASONS="1"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for sport, week in weeks.items()
    ]
    outcomes = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outcomes]
    store = Warehouse(data / "warehouse.duckdb")
    for sport, week in weeks.items():
        expected = generate_league(sport, seasons=1, first_season=2024)
        start = pd.Timestamp(week)
        in_week = expected[
            (expected["game_date"] >= start) & (expected["game_date"] < start + pd.Timedelta(days=7))
        ]
        assert len(store.read("raw_games", sport)) == len(in_week) > 0
        assert len(store.read("features_gold", sport)) == len(in_week)
