"""Promotion, blocked promotion and rollback, through Dagster against real DuckDB, MLflow and Optuna storage."""

import json
import os
import subprocess
import sys

import dagster as dg
import mlflow
import pandas as pd

from training_platform.defs.automation.sensors import gate_outcome_sensor
from training_platform.defs.jobs import rollback_job
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.registry import ChampionRegistry
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources
from training_platform_tests.test_lineage import ALL_ASSETS, chain, check_results, ingest, run_chain

SEASONS = 3  # NBA: ~2,460 backtest games, enough for the gates to speak clearly
FAST_TUNING = {"ops": {f"tuning__{m}_nba": {"config": {"n_trials": 8}} for m in ("logistic",)}}


def ingest_nba(tmp_path, instance, **source):
    resources = make_resources(tmp_path, seasons=SEASONS, **source)
    games = generate_league("nba", seasons=SEASONS, first_season=2022)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    assert ingest(resources, instance, "nba", weeks).success
    return resources, games


def registry(tmp_path) -> ChampionRegistry:
    return ChampionRegistry(Warehouse(tmp_path / "warehouse.duckdb"))


def champion_alias(tmp_path, name):
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    version = {m.name: m.aliases.get("champion") for m in client.search_registered_models()}.get(name)
    return None if version is None else str(version)


def test_a_bad_retrain_is_blocked_and_the_champion_is_unchanged(tmp_path, instance):
    resources, games = ingest_nba(tmp_path, instance)
    assert run_chain(resources, instance, chain("elo", "nba")).success
    pointer = tmp_path / "production" / "nba.json"
    before = (pointer.read_text(), registry(tmp_path).history("nba"))
    assert champion_alias(tmp_path, "elo_nba") == "1"

    # The data goes bad: coin-flip results. The retrained candidate must fail and change nothing.
    flips = games.copy()
    home_wins = pd.Series(range(len(flips))).sample(frac=1.0, random_state=1).to_numpy() % 2 == 0
    flips["home_score"], flips["away_score"] = (home_wins * 7 + 100), 103
    flips.to_csv(tmp_path / "coinflip.csv", index=False)
    resources, _ = ingest_nba(tmp_path, instance, nba=f"csv:{tmp_path / 'coinflip.csv'}")
    result = run_chain(resources, instance, chain("elo", "nba"))
    assert check_results(result) == {"metric_gates": False}
    assert not result.asset_materializations_for_node("production__nba")
    assert pointer.read_text() == before[0]
    assert registry(tmp_path).history("nba").equals(before[1])
    assert champion_alias(tmp_path, "elo_nba") == "1"  # v2 exists in MLflow but is not champion
    failed = result.get_asset_check_evaluations()[0]
    assert failed.metadata["accuracy"].value.startswith("FAIL")

    # The gate sensor records the blocked promotion once.
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": resources["warehouse"]})
    outcome = gate_outcome_sensor(context)
    assert "reports/elo_nba" in outcome.skip_message
    alerts = registry(tmp_path).alerts()
    assert list(alerts["candidate"]) == ["reports/elo_nba"] and "accuracy" in json.loads(alerts["failed_gates"][0])
    again = dg.build_sensor_context(instance=instance, resources={"warehouse": resources["warehouse"]},
                                    cursor=context.cursor)
    assert gate_outcome_sensor(again).skip_message == "no new failed gate checks"


def test_best_passing_candidate_wins_and_rollback_restores_the_exact_earlier_artifact(tmp_path, instance):
    resources, _ = ingest_nba(tmp_path, instance)
    elo = run_chain(resources, instance, chain("elo", "nba"))
    elo_sha = elo.output_for_node("models__elo_nba").sha256

    # A second candidate trained without production: production reacts to its report on its own.
    selection = [dg.AssetKey(["production", "nba"])]
    definitions = dg.Definitions(assets=ALL_ASSETS, resources=resources)
    first = dg.evaluate_automation_conditions(defs=definitions, instance=instance,
                                              asset_selection=dg.AssetSelection.assets(*selection))
    logistic = run_chain(resources, instance, chain("logistic", "nba")[:3], FAST_TUNING)
    assert check_results(logistic) == {"metric_gates": True}
    after = dg.evaluate_automation_conditions(defs=definitions, instance=instance, cursor=first.cursor,
                                              asset_selection=dg.AssetSelection.assets(*selection))
    assert after.get_requested_partitions(selection[0]) == {None}

    promoted = run_chain(resources, instance, selection)
    champion = promoted.output_for_node("production__nba")
    reports = {m: logistic.output_for_node("reports__logistic_nba") if m == "logistic" else elo.output_for_node("reports__elo_nba")
               for m in ("elo", "logistic")}
    assert reports["logistic"]["model"]["log_loss"] < reports["elo"]["model"]["log_loss"]
    assert champion["model"] == "logistic_nba"
    assert reports["logistic"]["champion"] == {"model": "elo_nba", "version": 1}  # compared with the champion
    assert champion_alias(tmp_path, "logistic_nba") == "1" and champion_alias(tmp_path, "elo_nba") is None
    status = json.loads((tmp_path / "production" / "nba.model_status.json").read_text())
    assert {"model_type", "accuracy", "auc", "f1", "log_loss", "brier", "last_trained", "features", "samples",
            "calibration", "optimisation"} <= set(status)
    assert status["model_type"] == "logistic"
    assert status["optimisation"]["trials"] + status["optimisation"]["pruned"] == 8
    # --force: elo is worse than the logistic champion, so only force lets it through; it is recorded.
    unforced = run_chain(resources, instance, chain("elo", "nba")[2:4])
    assert check_results(unforced) == {"metric_gates": False}
    assert registry(tmp_path).current("nba")["model"] == "logistic_nba"
    forced = run_chain(resources, instance, chain("elo", "nba")[2:4],
                       {"ops": {"reports__elo_nba": {"config": {"force": True}}}})
    assert check_results(forced) == {"metric_gates": True}
    gate = forced.get_asset_check_evaluations()[0].metadata["not_worse_than_champion"].value
    assert "FORCED" in gate
    assert forced.output_for_node("production__nba")["model"] == "elo_nba"
    assert registry(tmp_path).current("nba")["forced"]

    history_before = registry(tmp_path).history("nba")
    logistic_sha = logistic.output_for_node("models__logistic_nba").sha256
    rolled = rollback_job.execute_in_process(
        instance=instance, resources=resources,
        run_config={"ops": {"rollback_champion": {"config": {"sport": "nba", "model": "logistic_nba", "version": 1}}}})
    assert rolled.success
    history = registry(tmp_path).history("nba")
    assert history.iloc[:3].equals(history_before)  # history is appended to, never rewritten
    assert list(history["action"]) == ["promote", "promote", "promote", "rollback"]
    assert list(history["forced"]) == [False, False, True, False]
    assert history.iloc[-1]["sha256"] == logistic_sha != elo_sha
    assert json.loads((tmp_path / "production" / "nba.json").read_text())["sha256"] == logistic_sha
    assert champion_alias(tmp_path, "logistic_nba") == "1" and champion_alias(tmp_path, "elo_nba") is None

    # The CLI refuses what it cannot do, and changes nothing when it does.
    env = {**os.environ, "TP_DATA_DIR": str(tmp_path)}
    def tp(*args):
        return subprocess.run([sys.executable, "-m", "training_platform.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)
    missing = tp("rollback", "--sport", "nba", "--model", "elo_nba", "--version", "9")
    assert missing.returncode == 2 and "no artifact elo_nba v9" in missing.stderr and "v1" in missing.stderr
    artifact = tmp_path / "models" / "elo_nba" / "v1" / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    tampered = tp("rollback", "--sport", "nba", "--model", "elo_nba", "--version", "1")
    assert tampered.returncode == 2 and "SHA-256" in tampered.stderr
    assert registry(tmp_path).history("nba").equals(history)
    shown = tp("champion", "--sport", "nba")
    assert shown.returncode == 0 and shown.stdout.count("logistic_nba") == 2 and "rollback" in shown.stdout
