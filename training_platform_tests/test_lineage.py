"""The Dagster lineage, in process against real DuckDB files: raw → features → model → report → production."""

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from training_platform.definitions import defs
from training_platform.defs.features.assets import GOLD_TABLE, features_gold
from training_platform.defs.models.assets import model_assets
from training_platform.defs.partitions import partition_key
from training_platform.defs.production.assets import production_assets
from training_platform.defs.raw.assets import QUARANTINE_TABLE, RAW_TABLE, raw_games
from training_platform.defs.reports.assets import report_assets
from training_platform.defs.tuning.assets import tuning_assets
from training_platform.sources.quality import RULES
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources, range_tags

NFL_CHAIN = [a for a in tuning_assets + model_assets + report_assets + production_assets
             if a.key.path[-1] in ("elo_nfl", "nfl")]


def ingest(resources, instance, sport, weeks):
    return dg.materialize([raw_games, features_gold], resources=resources, instance=instance,
                          tags=range_tags(sport, weeks[0], weeks[-1]), raise_on_error=False)


def check_results(result) -> dict[str, bool]:
    return {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}


def test_definitions_load_with_the_design_asset_keys():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/games", "features/gold", "models/elo_nfl", "reports/elo_nfl", "production/nfl"} <= keys
    assert "nfl|2024-09-03" in defs.resolve_assets_def(dg.AssetKey(["raw", "games"])).partitions_def.get_partition_keys()


def test_whole_lineage_materializes_and_promotes(tmp_path, instance):
    resources = make_resources(tmp_path, seasons=5)
    games = generate_league("nfl", seasons=5, first_season=2020)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    result = ingest(resources, instance, "nfl", weeks)
    assert result.success and all(check_results(result).values())
    store = Warehouse(tmp_path / "warehouse.duckdb")
    assert len(store.read(RAW_TABLE, "nfl")) == len(games)
    assert len(store.read(GOLD_TABLE, "nfl")) == len(games)

    chain = dg.materialize(NFL_CHAIN, resources=resources, instance=instance)
    assert chain.success
    report = chain.output_for_node("reports__elo_nfl")
    champion = chain.output_for_node("production__nfl")
    assert report["season"] == 2024 and report["games"] > 200
    assert report["baselines"]["oracle"]["log_loss"] < report["model"]["log_loss"] < report["baselines"]["constant_home_rate"]["log_loss"]
    assert champion["sha256"] == chain.output_for_node("models__elo_nfl").sha256
    assert (tmp_path / "reports" / "elo_nfl" / "v1" / "report.html").exists()
    assert check_results(chain) == {"metric_gates": True}


def test_rematerializing_a_partition_is_idempotent(tmp_path, instance):
    resources = make_resources(tmp_path, seasons=1)
    week = dt.date(2024, 9, 10)
    store = Warehouse(tmp_path / "warehouse.duckdb")
    for _ in range(2):
        assert dg.materialize([raw_games], resources=resources, instance=instance, partition_key=partition_key("nfl", week)).success
        once = store.read(RAW_TABLE, "nfl")
        assert len(once) == 16 and set(once["partition_week"]) == {pd.Timestamp(week)}


def test_bad_rows_fail_their_checks_and_are_quarantined(tmp_path, instance):
    good = generate_league("nfl", seasons=1, first_season=2024)
    week = dt.date(2024, 9, 10)
    in_week = good[(good["game_date"] >= pd.Timestamp(week)) & (good["game_date"] < pd.Timestamp(week) + pd.Timedelta(days=7))]
    bad = in_week.head(4).copy()
    bad["game_id"] = ["dup", "dup", "neg", "unk"]
    bad.loc[bad.index[2], "home_score"] = -1
    bad.loc[bad.index[3], "home_team"] = "NOPE"
    bad.loc[bad.index[0], "home_moneyline"] = 20
    csv = tmp_path / "games.csv"
    pd.concat([good, bad]).to_csv(csv, index=False)
    resources = make_resources(tmp_path, nfl=f"csv:{csv}")
    earlier = partition_key("nfl", dt.date(2024, 9, 3))
    assert dg.materialize([raw_games], resources=resources, instance=instance, partition_key=earlier).success
    store = Warehouse(tmp_path / "warehouse.duckdb")
    stored_before = store.read(RAW_TABLE, "nfl")

    result = dg.materialize([raw_games, features_gold], resources=resources, instance=instance,
                            partition_key=partition_key("nfl", week), raise_on_error=False)
    checks = check_results(result)
    assert {name for name, passed in checks.items() if not passed} == {"duplicate_game_id", "impossible_score", "invalid_odds"}
    assert set(checks) == set(RULES)  # unknown_team has no list for a generic CSV: passes, noted
    quarantine = store.read(QUARANTINE_TABLE, "nfl")
    assert sorted(quarantine["game_id"]) == ["dup", "dup", "neg"]
    assert len(store.read(RAW_TABLE, "nfl")) == len(stored_before) + len(in_week) + 1  # + the kept "unk" row
    assert store.read(RAW_TABLE, "nfl", before=week).equals(stored_before)  # the earlier week is untouched
    # the blocking checks stopped features/gold in that run
    assert not result.asset_materializations_for_node("features__gold")


def test_schema_error_writes_nothing(tmp_path, instance):
    csv = tmp_path / "games.csv"
    csv.write_text("game_id,season\nx,2024\n")
    resources = make_resources(tmp_path, nfl=f"csv:{csv}")
    result = dg.materialize([raw_games], resources=resources, instance=instance,
                            partition_key=partition_key("nfl", dt.date(2024, 9, 3)), raise_on_error=False)
    assert not result.success
    assert "missing required column" in result.get_step_failure_events()[0].step_failure_data.error.to_string()
    assert Warehouse(tmp_path / "warehouse.duckdb").read(RAW_TABLE, "nfl").empty


def test_a_candidate_failing_its_gate_never_reaches_production(tmp_path, instance):
    # Coin-flip results: no model can beat the constant baseline, so the gate must block.
    games = generate_league("nfl", seasons=3, first_season=2022).copy()
    rng = pd.Series(range(len(games))).sample(frac=1.0, random_state=1).to_numpy() % 2 == 0
    games["home_score"], games["away_score"] = pd.Series(rng * 7 + 10).to_numpy(), 13
    csv = tmp_path / "coinflip.csv"
    games.to_csv(csv, index=False)
    resources = make_resources(tmp_path, nfl=f"csv:{csv}")
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    assert ingest(resources, instance, "nfl", weeks).success
    chain = dg.materialize(NFL_CHAIN, resources=resources, instance=instance, raise_on_error=False)
    assert check_results(chain) == {"metric_gates": False}
    assert not chain.asset_materializations_for_node("production__nfl")
    assert not (tmp_path / "production" / "nfl.json").exists()
