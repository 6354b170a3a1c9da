"""The weekly schedule and the sensors, evaluated with Dagster's own test contexts."""

import datetime as dt

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from training_platform.defs.automation.schedules import weekly_schedule
from training_platform.defs.automation.sensors import (
    champion_drift_sensor,
    new_raw_data_sensor,
    retrain_after_ingest,
    stale_features_sensor,
)
from training_platform.defs.features.assets import GOLD_TABLE, features_gold
from training_platform.defs.jobs import ingest_job
from training_platform.defs.partitions import partition_key, range_tags
from training_platform.defs.raw.assets import raw_games
from training_platform.ml.features.columns import FEATURE_COLUMNS
from training_platform.ml.features.gold import build_gold_features
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start
from training_platform.storage.registry import ChampionRegistry
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources

SUNDAY_2AM = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)


def test_weekly_schedule_ingests_last_week_and_the_week_in_progress_for_every_sport(monkeypatch):
    monkeypatch.delenv("TP_SPORTS", raising=False)
    assert weekly_schedule.cron_schedule == "0 2 * * 0" and weekly_schedule.execution_timezone == "UTC"
    requests = list(weekly_schedule(dg.build_schedule_context(scheduled_execution_time=SUNDAY_2AM)))
    assert sorted(r.tags["dagster/asset_partition_range_start"] for r in requests) == [
        f"{sport}|2026-11-10" for sport in ("mlb", "nba", "nfl")
    ]
    assert {r.tags["dagster/asset_partition_range_end"].split("|")[1] for r in requests} == {"2026-11-17"}
    assert len({r.run_key for r in requests}) == 3


def test_weekly_schedule_follows_tp_sports_and_refuses_an_unknown_one(monkeypatch):
    monkeypatch.setenv("TP_SPORTS", "nba")
    requests = list(weekly_schedule(dg.build_schedule_context(scheduled_execution_time=SUNDAY_2AM)))
    assert [r.tags["dagster/asset_partition_range_start"] for r in requests] == ["nba|2026-11-10"]
    monkeypatch.setenv("TP_SPORTS", "nba,cricket")
    with pytest.raises(Exception, match="unknown sport.*cricket"):
        list(weekly_schedule(dg.build_schedule_context(scheduled_execution_time=SUNDAY_2AM)))


def test_a_successful_ingest_requests_retraining_of_its_sport(tmp_path, instance):
    resources = make_resources(tmp_path, seasons=1)
    week = partition_key("nba", dt.date(2024, 11, 5))
    job = dg.Definitions(
        assets=[raw_games, features_gold], jobs=[ingest_job], resources=resources
    ).get_job_def("ingest_job")
    result = job.execute_in_process(instance=instance, partition_key=week)
    assert result.success
    context = dg.build_run_status_sensor_context(
        sensor_name=retrain_after_ingest.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
    )
    request = retrain_after_ingest(context)
    assert request.job_name == "train_nba_job" and request.run_key == f"retrain-{result.run_id}"


def csv_league(tmp_path, monkeypatch, sport: str, seasons: int, first_season: int):
    """A sport whose only source is a CSV the test can edit: (games, csv path, resources, sensor resources)."""
    monkeypatch.setenv("TP_SPORTS", sport)
    games = generate_league(sport, seasons=seasons, first_season=first_season)
    csv = tmp_path / f"{sport}.csv"
    games.to_csv(csv, index=False)
    resources = make_resources(tmp_path, **{sport: f"csv:{csv}"})
    return games, csv, resources, {k: resources[k] for k in ("games_source", "warehouse")}


def ingested_csv_league(tmp_path, monkeypatch, instance, sport: str, seasons: int, first_season: int):
    """csv_league with its whole history ingested and featurised in one run: (..., weeks)."""
    games, csv, resources, sensor_resources = csv_league(tmp_path, monkeypatch, sport, seasons, first_season)
    weeks = sorted(week_start(games["game_date"]).dt.date.unique())
    assert dg.materialize(
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        tags=range_tags(sport, weeks[0], weeks[-1]),
    ).success
    return games, csv, resources, sensor_resources, weeks


def test_new_or_changed_source_weeks_are_requested_and_nothing_else(tmp_path, instance, monkeypatch):
    games, csv, resources, sensor_resources = csv_league(tmp_path, monkeypatch, "nba", 1, 2024)

    def tick(cursor=None):
        context = dg.build_sensor_context(instance=instance, resources=sensor_resources, cursor=cursor)
        return list(new_raw_data_sensor(context) or []), context.cursor

    requests, cursor = tick()  # nothing stored yet: the whole history
    first_week = games["game_date"].min()
    assert len(requests) == 1 and requests[0].tags["dagster/asset_partition_range_start"].startswith(
        "nba|2024-10-"
    )
    assert tick(cursor)[0] == []  # unchanged source: nothing to do

    changed = games.copy()
    row = changed.index[changed["game_date"] >= pd.Timestamp("2025-01-08")][0]
    changed.loc[row, "home_score"] += 1
    changed.to_csv(csv, index=False)
    requests, _ = tick(cursor)
    assert len(requests) == 1
    tags = requests[0].tags
    assert tags["dagster/asset_partition_range_start"] == "nba|2025-01-07"  # the changed week ...
    last_week = week_start(games["game_date"]).max()
    assert (
        tags["dagster/asset_partition_range_end"] == f"nba|{last_week:%Y-%m-%d}"
    )  # ... and every week after it
    assert first_week < pd.Timestamp("2025-01-07")


def test_features_older_code_built_are_rebuilt_in_one_run_that_training_then_accepts(
    tmp_path, instance, monkeypatch
):
    from training_platform.defs.features.assets import GOLD_FEATURES
    from training_platform.ml.features.gold import require_current_features

    games, _, resources, sensor_resources, weeks = ingested_csv_league(
        tmp_path, monkeypatch, instance, "nba", 1, 2024
    )
    sensor_resources = {"warehouse": sensor_resources["warehouse"]}

    def tick():
        context = dg.build_sensor_context(instance=instance, resources=sensor_resources)
        return list(stale_features_sensor(context))

    (skipped,) = tick()
    assert isinstance(skipped, dg.SkipReason) and "every stored week is gold-" in skipped.skip_message
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect() as con:  # an upgrade: two weeks as older code wrote them
        con.execute(
            f"UPDATE {GOLD_TABLE} SET feature_version = 'gold-v0' WHERE partition_week IN (?, ?)",
            [weeks[3], weeks[7]],
        )
    with pytest.raises(ValueError, match="feature version gold-v0"):
        require_current_features(warehouse.read(GOLD_TABLE, "nba"))
    (request,) = tick()
    assert request.asset_selection == [GOLD_FEATURES]  # the raw games stay as stored
    assert request.tags["dagster/asset_partition_range_start"] == f"nba|{weeks[3]}"
    assert request.tags["dagster/asset_partition_range_end"] == f"nba|{weeks[7]}"
    assert dg.materialize([features_gold], resources=resources, instance=instance, tags=request.tags).success
    require_current_features(warehouse.read(GOLD_TABLE, "nba"))  # healed: training reads it again
    assert isinstance(tick()[0], dg.SkipReason)


def test_correction_rebuilds_later_weeks(tmp_path, instance, monkeypatch):
    """Correct one early score at the source: after the sensor's run, every later week's stored
    features equal a full rebuild (each week replays the games before it)."""
    games, csv, resources, sensor_resources, weeks = ingested_csv_league(
        tmp_path, monkeypatch, instance, "nfl", 2, 2023
    )
    context = dg.build_sensor_context(instance=instance, resources=sensor_resources)
    assert list(new_raw_data_sensor(context) or []) == []  # stored already: remember, request nothing

    corrected = games.copy()
    first_game = corrected.index[corrected["game_date"] == corrected["game_date"].min()][0]
    corrected.loc[first_game, ["home_score", "away_score"]] = [0, 45]  # a blowout the other way
    corrected.to_csv(csv, index=False)
    context = dg.build_sensor_context(instance=instance, resources=sensor_resources, cursor=context.cursor)
    requests = list(new_raw_data_sensor(context))
    assert len(requests) == 1  # one run, not one per week
    refused = dg.materialize(  # the sensor's run as it asks: a changed stored result is refused ...
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        tags=requests[0].tags,
        raise_on_error=False,
    )
    assert not refused.success
    result = dg.materialize(  # ... until the run says the source corrects it
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        tags=requests[0].tags,
        run_config={"ops": {"raw__games": {"config": {"allow_corrections": True}}}},
    )
    assert result.success
    stored = Warehouse(tmp_path / "warehouse.duckdb").read(GOLD_TABLE, "nfl").set_index("game_id")
    rebuilt = build_gold_features(corrected).set_index("game_id").loc[stored.index]
    later = stored["game_date"] > corrected.loc[first_game, "game_date"]
    assert later.sum() > 400
    changed = ~np.isclose(
        stored.loc[later, "elo_diff"],
        build_gold_features(games).set_index("game_id").loc[stored.index[later], "elo_diff"],
    )
    assert changed.sum() > 100  # the correction reached most later games ...
    pd.testing.assert_frame_equal(
        stored[FEATURE_COLUMNS], rebuilt[FEATURE_COLUMNS], check_dtype=False, check_index_type=False
    )  # ... exactly


def drift_setup(tmp_path, p_home: float):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    played = pd.DataFrame(
        {
            "sport": "nba",
            "game_id": [f"g{i}" for i in range(60)],
            "home_win": [1.0, 0.0] * 30,
            "partition_week": pd.Timestamp("2025-01-07"),
            "game_date": pd.date_range("2025-01-07", periods=60, freq="h"),
        }
    )
    store.replace_weeks({GOLD_TABLE: played}, "nba", [dt.date(2025, 1, 7)])
    registry = ChampionRegistry(store)
    registry.record(
        {
            "sport": "nba",
            "model": "elo_nba",
            "version": 2,
            "artifact_path": "x",
            "sha256": "s",
            "metrics": {"brier": 0.22},
            "report_dir": "r",
            "dagster_run_id": "run",
        }
    )
    registry.log_predictions(
        played[["sport", "game_id", "game_date"]].assign(
            p_home=[p_home, 1 - p_home] * 30,
            model="elo_nba",
            model_version=2,
            predicted_at=pd.Timestamp.now(tz="UTC"),
        )
    )
    return {"warehouse": make_resources(tmp_path)["warehouse"]}


@pytest.mark.parametrize("p_home, retrain", [(0.62, False), (0.30, True)])
def test_drift_sensor_requests_retraining_only_when_the_champion_decays(
    tmp_path, instance, monkeypatch, p_home, retrain
):
    monkeypatch.setenv("TP_SPORTS", "nba")
    resources = drift_setup(tmp_path, p_home)
    results = list(champion_drift_sensor(dg.build_sensor_context(instance=instance, resources=resources)))
    requests = [r for r in results if isinstance(r, dg.RunRequest)]
    if retrain:
        assert [r.job_name for r in requests] == ["train_nba_job"]
    else:
        assert requests == [] and "ok" in results[0].skip_message
