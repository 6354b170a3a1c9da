"""Bad inputs that need a setup of their own (test_bad_input_suite.py has the table of cases against
one stored history): each gets a clear error that names the input, and nothing stored is lost."""

import datetime as dt
import json
import os
import pickle
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from training_platform.defs.features.assets import features_gold
from training_platform.defs.partitions import partition_key, range_tags
from training_platform.defs.raw.assets import raw_games
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.bad_input_world import failure, snapshot
from training_platform_tests.conftest import make_resources, subprocess_env


@pytest.fixture
def stored_nfl(tmp_path, instance):
    """One NFL season ingested from a CSV the test may then break."""
    games = generate_league("nfl", seasons=1, first_season=2024)
    csv = tmp_path / "nfl.csv"
    games.to_csv(csv, index=False)
    resources = make_resources(tmp_path / "data", nfl=f"csv:{csv}")
    weeks = sorted(week_start(games["game_date"]).dt.date.unique())
    assert dg.materialize(
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        tags=range_tags("nfl", weeks[0], weeks[-1]),
    ).success
    return games, csv, resources, weeks


def ingest_week(resources, instance, week: dt.date, **config):
    return dg.materialize(
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        raise_on_error=False,
        partition_key=partition_key("nfl", week),
        run_config={"ops": {"raw__games": {"config": config}}} if config else None,
    )


def test_allow_delete_removes_an_emptied_week_when_asked(stored_nfl, tmp_path, instance):
    games, csv, resources, weeks = stored_nfl
    week = weeks[2]
    games[week_start(games["game_date"]).dt.date != week].to_csv(csv, index=False)
    assert ingest_week(resources, instance, week, allow_delete=True).success
    stored = Warehouse(tmp_path / "data" / "warehouse.duckdb").read("raw_games", "nfl")
    assert week not in set(stored["partition_week"].dt.date) and len(stored) < len(games)


@pytest.mark.parametrize(
    "url, shown",
    [
        (
            "https://hooks.example.org/T0/B0/secret-token?key=abc",
            "https://hooks.example.org/T0/B0/secret-token?key=***",
        ),
        ("https://user:pa55@example.org/alert", "https://***@example.org/alert"),
        ("postgresql://tp:hunter2@db:5432/dagster", "postgresql://***@db:5432/dagster"),
    ],
)
def test_secrets_in_urls_are_redacted(url, shown):
    from training_platform.redaction import redacted

    assert redacted(url) == shown


def test_a_source_url_is_named_in_messages_without_its_credentials():
    from training_platform.defs.resources import GamesSourceResource

    source = GamesSourceResource(
        cache_dir="c", sources={"nfl": "nflverse:https://me:s3cret@host/games.csv?token=t0ken"}
    )
    assert source.describe("nfl") == "'nflverse:https://***@host/games.csv?token=***' (TP_SOURCE_NFL)"
    assert (
        GamesSourceResource(cache_dir="c", sources={"nfl": "csv:/data/nfl.csv"}).describe("nfl")
        == "'csv:/data/nfl.csv' (TP_SOURCE_NFL)"
    )


def test_an_unreachable_webhook_is_logged_without_its_credentials(tmp_path, instance, monkeypatch, capfd):
    from training_platform.defs.automation.sensors import _post_webhook

    monkeypatch.setenv("TP_ALERT_WEBHOOK", "http://alice:s3cret@127.0.0.1:9/hook?token=t0ken")
    context = dg.build_sensor_context(instance=instance)
    _post_webhook(context, {"candidate": "reports/elo_nfl"})
    logged = capfd.readouterr().err  # the sensor's log goes to Dagster's console logger
    assert "alert webhook http://***@127.0.0.1:9/hook?token=*** failed" in logged
    assert "s3cret" not in logged and "t0ken" not in logged


class _Planted:
    """What an attacker with write access to data/ would leave: a pickle that runs a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_planted_values_between_steps_are_never_executed(tmp_path, instance):
    from training_platform.defs.resources import PlainValuesIOManager

    io_dir, marker = tmp_path / "io", tmp_path / "pwned"
    manager = PlainValuesIOManager(base_dir=str(io_dir))
    key = dg.AssetKey(["production", "nfl"])
    (io_dir / "production").mkdir(parents=True)
    (io_dir / "production" / "nfl").write_bytes(
        pickle.dumps(_Planted(marker))
    )  # where a pickle IO manager reads
    with pytest.raises(FileNotFoundError, match="no stored value of production/nfl"):
        manager.load_input(dg.build_input_context(asset_key=key))
    (io_dir / "production" / "nfl.json").write_text(
        json.dumps({"__type__": "posix.system", "args": ["touch x"]})
    )
    with pytest.raises(ValueError, match="refusing a stored value of type 'posix.system'"):
        manager.load_input(dg.build_input_context(asset_key=key))
    assert not marker.exists()


def test_plain_values_round_trip():
    from training_platform.ml.artifacts import ModelArtifact
    from training_platform.storage.plain_values import dumps, loads

    value = {
        "artifact": ModelArtifact("elo_nfl", 2, "/m/elo_nfl/v2/model.joblib", "ab" * 32),
        "per_season": {2023: {"brier": np.float64(0.21), "games": np.int64(5)}},
        "nan": float("nan"),
        "table": pd.DataFrame({"game_id": ["a", "b"], "p_home": [0.4, 0.6]}),
    }
    back = loads(dumps(value))
    assert back["artifact"] == value["artifact"] and back["per_season"] == {
        "2023": {"brier": 0.21, "games": 5}
    }
    assert back["nan"] is None
    pd.testing.assert_frame_equal(back["table"], value["table"])
    with pytest.raises(TypeError, match="set is not a plain value"):
        dumps({"x": {1, 2}})


def test_a_flipped_spread_sign_fails_its_check_and_nothing_is_written(stored_nfl, tmp_path, instance):
    games, csv, resources, weeks = stored_nfl
    before = snapshot(tmp_path / "data")
    games.assign(spread_line=-games["spread_line"]).to_csv(csv, index=False)
    result = ingest_week(resources, instance, weeks[3])
    check = next(
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "spread_sign_convention"
    )
    assert not check.passed and "away team's side" in check.description
    assert check.metadata["agreement"].value["nfl"]["share"] < 0.2
    assert "Nothing was written" in failure(result) and str(csv) in failure(result)
    assert not result.asset_materializations_for_node("features__gold")  # blocked: no inverted features
    assert snapshot(tmp_path / "data") == before  # the stored spreads are not overwritten by flipped ones


def test_the_spread_convention_holds_on_the_real_file():
    from training_platform.sources.nflverse import read_nflverse_games
    from training_platform.sources.quality import spread_agreement
    from training_platform_tests.conftest import NFLVERSE, require_shared

    games = read_nflverse_games(require_shared(NFLVERSE))
    compared, share = spread_agreement(games)
    assert compared > 4900 and share > 0.99
    assert spread_agreement(games.assign(spread_line=-games["spread_line"]))[1] < 0.01


def _die_mid_work(args):
    """A process that leaves a RUNNING MLflow run, a RUNNING Optuna trial and a staging folder, then is killed."""
    import signal

    import optuna

    from training_platform.ml.modeling.tuning import optuna_storage
    from training_platform.ml.provenance import process_tag
    from training_platform.ml.tracking import tracked_run

    root, run_name = args
    study = optuna.create_study(
        storage=optuna_storage(f"{root}/studies.journal"), study_name="s", load_if_exists=True
    )
    trial = study.ask()
    trial.set_user_attr("process", process_tag())
    (Path(root) / "models" / "elo_nfl" / f".v1.{os.getpid()}.tmp").mkdir(parents=True)
    with tracked_run(f"sqlite:///{root}/mlflow.db", "tp", run_name, {}, f"{root}/mlartifacts"):
        os.kill(os.getpid(), signal.SIGKILL)


def test_work_a_killed_process_left_running_is_marked_failed_on_the_next_run(tmp_path):
    import multiprocessing

    import mlflow
    import optuna

    from training_platform.ml.artifacts import save_model
    from training_platform.ml.modeling.tuning import optuna_storage, tune
    from training_platform.ml.modeling.zoo import make_model
    from training_platform.ml.tracking import tracked_run

    process = multiprocessing.get_context("spawn").Process(
        target=_die_mid_work, args=((str(tmp_path), "models/elo_nfl"),)
    )
    process.start()
    process.join(120)
    assert process.exitcode == -9
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")  # runs only, no registry
    experiment = client.get_experiment_by_name("tp").experiment_id
    assert [r.info.status for r in client.search_runs([experiment])] == ["RUNNING"]
    with tracked_run(
        f"sqlite:///{tmp_path}/mlflow.db", "tp", "models/elo_nfl", {}, f"{tmp_path}/mlartifacts"
    ):
        pass
    assert sorted(r.info.status for r in client.search_runs([experiment])) == ["FAILED", "FINISHED"]

    storage = optuna_storage(f"{tmp_path}/studies.journal")
    assert [t.state for t in optuna.load_study(study_name="s", storage=storage).trials] == [
        optuna.trial.TrialState.RUNNING
    ]
    games = generate_league("nfl", seasons=2, first_season=2023)
    from training_platform.ml.features.gold import build_gold_features
    from training_platform.ml.modeling.splits import ExpandingWindowSplit

    gold = build_gold_features(games)
    gold = gold[gold["home_win"].notna()].reset_index(drop=True)
    result = tune(
        make_model("logistic"),
        {"optuna": {"model__C": {"type": "float", "low": 0.1, "high": 1}}},
        gold,
        gold["home_win"].to_numpy(),
        week_start(gold["game_date"]).to_numpy(),
        ExpandingWindowSplit(2, test_weeks=4),
        method="optuna",
        n_trials=2,
        storage=storage,
        study_name="s",
        seed=1,
        log=lambda m: None,
    )
    states = [t.state for t in optuna.load_study(study_name="s", storage=storage).trials]
    assert states[0] == optuna.trial.TrialState.FAIL and result.trials_complete + result.trials_pruned == 2

    save_model({"a": 1}, tmp_path / "models", "elo_nfl", metadata={})
    assert not list(
        (tmp_path / "models" / "elo_nfl").glob(".v*.tmp")
    )  # the dead writer's staging folder is gone


@pytest.mark.parametrize(
    "command",
    [["champion", "--sport", "nfl"], ["rollback", "--sport", "nfl", "--model", "elo_nfl", "--version", "1"]],
)
def test_a_mistyped_warehouse_is_an_error_not_a_new_empty_registry(tmp_path, command):
    import subprocess
    import sys

    env = subprocess_env(TP_DATA_DIR=str(tmp_path), TP_WAREHOUSE=str(tmp_path / "warehuose.duckdb"))
    done = subprocess.run(
        [sys.executable, "-m", "training_platform.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3 and "no warehouse at" in done.stderr and "warehuose.duckdb" in done.stderr
    assert not (tmp_path / "warehuose.duckdb").exists() and not (tmp_path / "production").exists()
