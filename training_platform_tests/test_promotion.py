"""Promotion, blocked promotion, rollback and the predictions that follow, through Dagster against
real DuckDB, MLflow and Optuna storage."""

import hashlib
import json

import dagster as dg
import mlflow
import pandas as pd
import pytest

from training_platform.defs.automation.sensors import gate_outcome_sensor
from training_platform.sources.schema import as_upcoming
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start, weeks_covering
from training_platform.storage.registry import ChampionRegistry
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources, run_tp, subprocess_env
from training_platform_tests.test_lineage import ALL_ASSETS, chain, check_results, ingest, run_chain

SEASONS = 3  # NBA: ~2,460 backtest games, enough for the gates to speak clearly
FAST_TUNING = {"ops": {"tuning__logistic_nba": {"config": {"n_trials": 8}}}}
PRODUCTION = [dg.AssetKey(["production", "nba"])]
PREDICTIONS = [dg.AssetKey(["predictions", "nba"])]


def nba_source(tmp_path) -> tuple[pd.DataFrame, list]:
    """Three NBA seasons as a CSV whose last week is still to be played, half of it before the lines."""
    games = generate_league("nba", seasons=SEASONS, first_season=2022)
    last_week = week_start(games["game_date"]) == week_start(games["game_date"]).max()
    games = as_upcoming(games, last_week.to_numpy())
    no_lines = games.index[last_week.to_numpy()][::2]
    games.loc[no_lines, ["home_moneyline", "away_moneyline", "spread_line", "total_line"]] = pd.NA
    games.to_csv(tmp_path / "nba.csv", index=False)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    return games.assign(no_lines=games.index.isin(no_lines)), weeks


def ingest_nba(tmp_path, instance, csv=None, **config):
    resources = make_resources(tmp_path, seasons=SEASONS, nba=f"csv:{csv or tmp_path / 'nba.csv'}")
    games, weeks = nba_source(tmp_path) if csv is None else (None, None)
    if weeks is None:
        frame = pd.read_csv(csv, parse_dates=["game_date"])
        weeks = weeks_covering(frame["game_date"].min().date(), frame["game_date"].max().date())
    assert ingest(resources, instance, "nba", weeks, **config).success
    return resources, games


def registry(tmp_path) -> ChampionRegistry:
    return ChampionRegistry(Warehouse(tmp_path / "warehouse.duckdb"))


def champion_alias(tmp_path, name):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    version = {m.name: m.aliases.get("champion") for m in client.search_registered_models()}.get(name)
    return None if version is None else str(version)


def version_tags(tmp_path, name, version) -> dict:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri).get_model_version(name, str(version)).tags


def test_mlflow_shows_the_model_view_a_link_to_dagster_and_each_versions_facts(two_candidates):
    root, _, _, _, elo, *_ = two_candidates
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.get_experiment_by_name("training_platform")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    artifact = elo.output_for_node("models__elo_nba")
    run = client.get_run(artifact.metadata()["mlflow_run_id"])
    assert run.data.tags["dagster_run_url"] == f"http://127.0.0.1:3000/runs/{elo.run_id}"
    assert f"[{elo.run_id}](http://127.0.0.1:3000/runs/{elo.run_id})" in run.data.tags["mlflow.note.content"]
    tags = version_tags(root, "elo_nba", artifact.metadata()["mlflow_model_version"])
    assert tags["sha256"] == artifact.sha256 and tags["artifact_version"] == str(artifact.version)
    assert tags["gates_passed"] == "True" and tags["failed_gates"] == "none"


def production(resources, instance, **config):
    run_config = {"ops": {"production__nba": {"config": config}}} if config else None
    return run_chain(resources, instance, PRODUCTION, run_config)


def test_a_bad_retrain_is_blocked_and_the_champion_is_unchanged(tmp_path, instance):
    resources, games = ingest_nba(tmp_path, instance)
    assert run_chain(resources, instance, chain("elo", "nba")).success
    pointer = tmp_path / "production" / "nba.json"
    before = (pointer.read_text(), registry(tmp_path).history("nba"))
    assert champion_alias(tmp_path, "elo_nba") == "1"

    # The data goes bad: coin-flip results. The retrained candidate must fail and change nothing.
    flips = games.drop(columns="no_lines")
    home_wins = pd.Series(range(len(flips))).sample(frac=1.0, random_state=1).to_numpy() % 2 == 0
    played = flips["home_score"].notna()
    flips.loc[played, "home_score"], flips.loc[played, "away_score"] = (
        (home_wins[played.to_numpy()] * 7 + 100),
        103,
    )
    flips.to_csv(tmp_path / "coinflip.csv", index=False)
    resources, _ = ingest_nba(
        tmp_path, instance, csv=tmp_path / "coinflip.csv", allow_corrections=True
    )  # every result replaced by a coin flip: the run says the source corrects them
    result = run_chain(resources, instance, chain("elo", "nba"))
    assert check_results(result) == {"metric_gates": False}
    assert not result.asset_materializations_for_node("production__nba")
    assert pointer.read_text() == before[0]
    assert registry(tmp_path).history("nba").equals(before[1])
    assert champion_alias(tmp_path, "elo_nba") == "1"  # v2 exists in MLflow but is not champion
    failed = result.get_asset_check_evaluations()[0]
    assert "accuracy" in failed.metadata["failed_gates"].value
    gates = {g["name"]: g for g in failed.metadata["gates"].value}
    assert failed.metadata["accuracy"].value == gates["accuracy"]["value"] < gates["accuracy"]["threshold"]
    assert "**accuracy** FAIL" in failed.metadata["verdicts"].value

    # The gate sensor records the blocked promotion once, from the check's structured metadata.
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": resources["warehouse"]})
    outcome = gate_outcome_sensor(context)
    assert "reports/elo_nba" in outcome.skip_message
    alerts = registry(tmp_path).alerts()
    assert list(alerts["candidate"]) == ["reports/elo_nba"]
    assert json.loads(alerts["failed_gates"][0])["accuracy"]["threshold"] == 0.6
    again = dg.build_sensor_context(
        instance=instance, resources={"warehouse": resources["warehouse"]}, cursor=context.cursor
    )
    assert gate_outcome_sensor(again).skip_message == "no new failed gate checks"


@pytest.fixture(scope="module")
def two_candidates(tmp_path_factory):
    """elo promoted, then logistic trained: the state the rollback and predictions tests start from."""
    root = tmp_path_factory.mktemp("promotion")
    with dg.instance_for_test() as instance:
        resources, games = ingest_nba(root, instance)
        elo = run_chain(resources, instance, chain("elo", "nba"))
        assert elo.success
        # production reacts to a new candidate report on its own: evaluate its condition before and after
        definitions = dg.Definitions(assets=ALL_ASSETS, resources=resources)
        selection = dg.AssetSelection.assets(*PRODUCTION)
        first = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=selection
        )
        logistic = run_chain(resources, instance, chain("logistic", "nba")[:3], FAST_TUNING)
        assert check_results(logistic) == {"metric_gates": True}
        requested = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, cursor=first.cursor, asset_selection=selection
        )
        promoted = production(resources, instance)  # every test below starts from this champion
        yield root, resources, instance, games, elo, logistic, requested, promoted


def test_the_best_current_candidate_is_promoted_by_its_automation_condition(two_candidates):
    root, resources, instance, _, elo, logistic, requested, promoted = two_candidates
    assert requested.get_requested_partitions(PRODUCTION[0]) == {None}  # logistic's report triggers it
    champion = promoted.output_for_node("production__nba")
    reports = {
        "elo": elo.output_for_node("reports__elo_nba"),
        "logistic": logistic.output_for_node("reports__logistic_nba"),
    }
    assert reports["logistic"]["model"]["log_loss"] < reports["elo"]["model"]["log_loss"]
    assert champion["model"] == "logistic_nba" and champion["variant"] == "market_aware"
    assert champion["market_free"]["model"] == "elo_nba"  # the fallback for games without lines
    assert champion_alias(root, "logistic_nba") == "1" and champion_alias(root, "elo_nba") is None
    status = json.loads((root / "production" / "nba.model_status.json").read_text())
    assert (
        status["model_type"] == "logistic"
        and status["optimisation"]["trials"] + status["optimisation"]["pruned"] == 8
    )
    assert (
        status["evaluated_on"]["tuning_window"]["last_game_date"]
        < status["evaluated_on"]["backtest_window"]["first_game_date"]
    )


def test_no_line_games_use_market_free_model(two_candidates):
    root, resources, instance, games, *_ = two_candidates
    assert registry(root).current("nba")["model"] == "logistic_nba"
    forecasts = run_chain(resources, instance, PREDICTIONS).output_for_node("predictions__nba")
    upcoming = games[games["home_score"].isna()].set_index("game_id")
    assert set(forecasts["game_id"]) == set(upcoming.index)  # only the coming games, none already played
    without_lines = upcoming.loc[forecasts["game_id"], "no_lines"].to_numpy()
    assert without_lines.any() and (~without_lines).any()
    assert set(forecasts.loc[without_lines, "model"]) == {"elo_nba"}
    assert set(forecasts.loc[without_lines, "variant"]) == {"market_free"}
    assert set(forecasts.loc[~without_lines, "model"]) == {"logistic_nba"}
    logged = registry(root).predictions("nba")
    assert {"model", "model_version", "variant"} <= set(logged.columns)
    week_csv = pd.read_csv(next((root / "predictions" / "nba").glob("*.csv")))
    assert {"model", "model_version", "variant"} <= set(week_csv.columns)


def test_force_counts_only_in_its_own_run(two_candidates):
    root, resources, instance, *_ = two_candidates
    unforced = production(resources, instance)
    assert unforced.output_for_node("production__nba")["model"] == "logistic_nba"  # elo loses on common games
    forced = production(resources, instance, force=["elo_nba"])
    champion = forced.output_for_node("production__nba")
    assert champion["model"] == "elo_nba" and champion["forced"]
    comparison = forced.get_asset_check_evaluations()[0]
    assert comparison.description.startswith("FORCED") and comparison.metadata["forced"].value is True
    assert registry(root).current("nba")["forced"]
    tags = version_tags(root, "elo_nba", champion_alias(root, "elo_nba"))
    assert tags["forced"] == "True" and "FORCED" in tags["last_promotion"]
    later = production(resources, instance)  # the force is not remembered: the better candidate returns
    assert later.output_for_node("production__nba")["model"] == "logistic_nba"
    assert not registry(root).current("nba")["forced"]


def test_rollback_survives_next_promotion(two_candidates):
    root, resources, instance, *_ = two_candidates
    assert registry(root).current("nba")["model"] == "logistic_nba"
    history_before = registry(root).history("nba")
    rolled = production(resources, instance, action="rollback", model="elo_nba", version=1)
    assert rolled.success and rolled.output_for_node("production__nba")["model"] == "elo_nba"
    history = registry(root).history("nba")
    assert history.iloc[: len(history_before)].equals(history_before)  # appended to, never rewritten
    assert history.iloc[-1]["action"] == "rollback"
    assert json.loads((root / "production" / "nba.json").read_text())["model"] == "elo_nba"
    assert champion_alias(root, "elo_nba") == "1" and champion_alias(root, "logistic_nba") is None

    forecasts = run_chain(resources, instance, PREDICTIONS).output_for_node("predictions__nba")
    assert set(forecasts["model"]) == {"elo_nba"}  # the next predictions use the restored version

    # A retrain on the same data and code gives the same logistic v1 and the same report: still demoted.
    retrained = run_chain(resources, instance, [*chain("logistic", "nba")[:3], *PRODUCTION], FAST_TUNING)
    assert retrained.output_for_node("models__logistic_nba").version == 1
    assert retrained.output_for_node("production__nba")["model"] == "elo_nba"
    assert registry(root).current("nba")["action"] == "rollback"

    manual = production(resources, instance, action="manual", model="logistic_nba", version=1)  # tp promote
    assert manual.output_for_node("production__nba")["model"] == "logistic_nba"
    assert registry(root).current("nba")["action"] == "manual"


def test_the_cli_rolls_back_through_dagster_and_refuses_what_it_cannot_do(two_candidates):
    root, *_ = two_candidates
    env = subprocess_env(TP_DATA_DIR=str(root), TP_SOURCE_NBA=f"csv:{root / 'nba.csv'}")

    def tp(*args):
        return run_tp(env, *args)

    history = registry(root).history("nba")
    for model, version, message in (
        ("elo_nba", 9, "no artifact elo_nba v9"),
        ("../../../evil_nba", 1, "is not a nba model name"),
        ("elo_nfl", 1, "is not a nba model name"),
    ):
        refused = tp("rollback", "--sport", "nba", "--model", model, "--version", str(version))
        assert refused.returncode == 3 and message in refused.stderr, refused.stderr[-2000:]  # wrong input
    artifact = root / "models" / "elo_nba" / "v1" / "model.joblib"
    original = artifact.read_bytes()
    artifact.write_bytes(original + b"tampered")
    tampered = tp("rollback", "--sport", "nba", "--model", "elo_nba", "--version", "1")
    assert tampered.returncode == 2 and "SHA-256" in tampered.stderr  # blocked by the integrity check
    metadata = artifact.with_name("metadata.json")
    original_metadata = metadata.read_text()  # the attacker edits the SHA-256 beside the artifact too
    metadata.write_text(
        original_metadata.replace(
            json.loads(original_metadata)["sha256"], hashlib.sha256(artifact.read_bytes()).hexdigest()
        )
    )
    still = tp("rollback", "--sport", "nba", "--model", "elo_nba", "--version", "1")
    assert still.returncode == 2 and "SHA-256" in still.stderr
    metadata.write_text(original_metadata)
    assert registry(root).history("nba").equals(history)  # nothing changed
    artifact.write_bytes(original)
    restored = tp("rollback", "--sport", "nba", "--model", "elo_nba", "--version", "1")
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert "champion is now elo_nba v1" in restored.stdout
    shown = tp("champion", "--sport", "nba")
    assert shown.returncode == 0 and "rollback" in shown.stdout and "elo_nba" in shown.stdout


def test_a_damaged_champion_stops_production_until_it_is_replaced(two_candidates):
    root, resources, instance, *_ = two_candidates
    champion = registry(root).current("nba")
    artifact = root / "models" / champion["model"] / f"v{champion['version']}" / "model.joblib"
    original = artifact.read_bytes()
    artifact.write_bytes(original + b"tampered")
    try:
        history = registry(root).history("nba")
        blocked = production(resources, instance)
        assert not blocked.success
        assert (
            "artifact is damaged" in blocked.get_step_failure_events()[0].step_failure_data.error.to_string()
        )
        assert registry(root).history("nba").equals(history)
        other = "logistic_nba" if champion["model"] == "elo_nba" else "elo_nba"
        replaced = production(resources, instance, action="manual", model=other, version=1)
        assert replaced.success and registry(root).current("nba")["model"] == other
    finally:
        artifact.write_bytes(original)


def test_a_champion_failing_tightened_gates_loses_its_seat_to_one_that_passes(two_candidates, monkeypatch):
    root, resources, instance, *_ = two_candidates
    if registry(root).current("nba")["model"] != "logistic_nba":
        assert production(resources, instance, action="manual", model="logistic_nba", version=1).success
    gates = root / "tightened_gates.yaml"
    # market-aware logistic must now beat the line by 0.5 log loss; market-free elo is not asked to
    gates.write_text("defaults: {max_log_loss_vs_market: -0.5}\n")
    monkeypatch.setenv("TP_GATES_FILE", str(gates))
    replaced = production(resources, instance)
    assert replaced.output_for_node("production__nba")["model"] == "elo_nba"  # without having to beat it
    assert check_results(replaced) == {"champion_comparison": True}
    assert registry(root).current("nba")["action"] == "promote"

    gates.write_text("defaults: {min_accuracy: 0.99}\n")  # now nothing passes: elo keeps serving, flagged
    history = registry(root).history("nba")
    kept = production(resources, instance)
    assert kept.output_for_node("production__nba")["model"] == "elo_nba"
    assert registry(root).history("nba").equals(history)
    comparison = kept.get_asset_check_evaluations()[0]
    assert not comparison.passed and comparison.severity == dg.AssetCheckSeverity.WARN
    assert comparison.description.startswith("UNEARNED: elo_nba v1 fails the current gates and no candidate")
