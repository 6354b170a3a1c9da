"""The Dagster lineage, in process against real DuckDB files: raw → features → model → report → production."""

import datetime as dt

import dagster as dg
import pandas as pd

from training_platform.definitions import ALL_ASSETS as DEFINED_ASSETS
from training_platform.definitions import defs
from training_platform.defs.features.assets import GOLD_TABLE, features_gold
from training_platform.defs.partitions import partition_key, range_tags
from training_platform.defs.raw.assets import QUARANTINE_TABLE, RAW_TABLE, raw_games
from training_platform.defs.reports.assets import report_checks
from training_platform.sources.rules import RULES
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources

ALL_ASSETS = [*DEFINED_ASSETS, *report_checks]


def chain(model: str, sport: str = "nfl") -> list[dg.AssetKey]:
    """tuning -> models -> reports of one candidate, then production and predictions of its sport."""
    return [dg.AssetKey([stage, f"{model}_{sport}"]) for stage in ("tuning", "models", "reports")] + [
        dg.AssetKey(["production", sport]),
        dg.AssetKey(["predictions", sport]),
    ]


def run_chain(resources, instance, keys, run_config=None):
    return dg.materialize(
        ALL_ASSETS,
        selection=keys,
        resources=resources,
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
    )


def ingest(resources, instance, sport, weeks, **config):
    return dg.materialize(
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        tags=range_tags(sport, weeks[0], weeks[-1]),
        raise_on_error=False,
        run_config={"ops": {"raw__games": {"config": config}}} if config else None,
    )


def check_results(result) -> dict[str, bool]:
    return {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}


def test_definitions_load_with_the_design_asset_keys():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/games", "features/gold", "models/elo_nfl", "reports/elo_nfl", "production/nfl"} <= keys
    assert (
        "nfl|2024-09-03"
        in defs.resolve_assets_def(dg.AssetKey(["raw", "games"])).partitions_def.get_partition_keys()
    )


def test_whole_lineage_materializes_and_promotes(tmp_path, instance):
    resources = make_resources(
        tmp_path, seasons=3
    )  # NBA: ~2,460 backtest games, enough for the gates to speak clearly
    games = generate_league("nba", seasons=3, first_season=2022)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    result = ingest(resources, instance, "nba", weeks)
    assert result.success and all(check_results(result).values())
    store = Warehouse(tmp_path / "warehouse.duckdb")
    assert len(store.read(RAW_TABLE, "nba")) == len(games)
    assert len(store.read(GOLD_TABLE, "nba")) == len(games)

    result = run_chain(resources, instance, chain("elo", "nba"))
    assert result.success
    report = result.output_for_node("reports__elo_nba")
    champion = result.output_for_node("production__nba")
    assert report["seasons"] == [2023, 2024] and report["games"] > 2000
    assert set(report["per_season"]) == {2023, 2024}
    # nested: the hyperparameters were tuned on the season before the backtest only
    assert report["tuning_window"]["last_game_date"] < report["backtest_window"]["first_game_date"]
    baselines = report["baselines"]
    assert (
        baselines["oracle"]["log_loss"]
        < report["model"]["log_loss"]
        < baselines["constant_home_rate"]["log_loss"]
    )
    assert baselines["market"]["games"] == report["games"] and "champion" not in baselines
    assert champion["sha256"] == result.output_for_node("models__elo_nba").sha256
    report_dir = tmp_path / "reports" / "elo_nba" / f"v1-{report['evaluation'][:10]}"
    assert report["report_dir"] == str(report_dir)
    assert {
        "report.html",
        "report.json",
        "predictions.csv",
        "reliability_diagram.png",
        "roc_curve.png",
        "cumulative_profit.png",
        "brier_per_season.png",
    } <= {p.name for p in report_dir.iterdir()}
    assert check_results(result) == {"metric_gates": True, "champion_comparison": True}
    forecasts = result.output_for_node("predictions__nba")
    assert (
        len(forecasts) > 10
        and forecasts["p_home"].between(0, 1).all()
        and (forecasts["model_version"] == 1).all()
    )
    assert set(forecasts["model"]) == {"elo_nba"} and set(forecasts["variant"]) == {"market_free"}


def test_rematerializing_a_partition_is_idempotent(tmp_path, instance):
    resources = make_resources(tmp_path, seasons=1)
    week = dt.date(2024, 9, 10)
    store = Warehouse(tmp_path / "warehouse.duckdb")
    for _ in range(2):
        assert dg.materialize(
            [raw_games], resources=resources, instance=instance, partition_key=partition_key("nfl", week)
        ).success
        once = store.read(RAW_TABLE, "nfl")
        assert len(once) == 16 and set(once["partition_week"]) == {pd.Timestamp(week)}


def test_bad_rows_fail_their_checks_and_are_quarantined(tmp_path, instance):
    good = generate_league("nfl", seasons=1, first_season=2024)
    week = dt.date(2024, 9, 10)
    in_week = good[
        (good["game_date"] >= pd.Timestamp(week))
        & (good["game_date"] < pd.Timestamp(week) + pd.Timedelta(days=7))
    ]
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

    result = dg.materialize(
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        partition_key=partition_key("nfl", week),
        raise_on_error=False,
    )
    checks = check_results(result)
    # a generic CSV has no franchise list: its teams are compared with those stored (the earlier week)
    assert {name for name, passed in checks.items() if not passed} == {
        "duplicate_game_id",
        "impossible_score",
        "invalid_odds",
        "unknown_team",
    }
    assert set(checks) == set(RULES) | {"spread_sign_convention"}
    quarantine = store.read(QUARANTINE_TABLE, "nfl")
    assert sorted(quarantine["game_id"]) == ["dup", "dup", "neg", "unk"]
    assert len(store.read(RAW_TABLE, "nfl")) == len(stored_before) + len(in_week)
    assert store.read(RAW_TABLE, "nfl", before=week).equals(stored_before)  # the earlier week is untouched
    # the blocking checks stopped features/gold in that run
    assert not result.asset_materializations_for_node("features__gold")


def test_schema_error_writes_nothing(tmp_path, instance):
    csv = tmp_path / "games.csv"
    csv.write_text("game_id,season\nx,2024\n")
    resources = make_resources(tmp_path, nfl=f"csv:{csv}")
    result = dg.materialize(
        [raw_games],
        resources=resources,
        instance=instance,
        partition_key=partition_key("nfl", dt.date(2024, 9, 3)),
        raise_on_error=False,
    )
    assert not result.success
    assert (
        "missing required column" in result.get_step_failure_events()[0].step_failure_data.error.to_string()
    )
    assert Warehouse(tmp_path / "warehouse.duckdb").read(RAW_TABLE, "nfl").empty


def _nba_with_a_tie(tmp_path, ties: int):
    games = generate_league("nba", seasons=1, first_season=2024)
    bad = games.index[games["home_score"].notna()][:ties]
    games.loc[bad, ["home_score", "away_score"]] = 0  # 0-0: a tie, impossible in the NBA
    csv = tmp_path / "nba.csv"
    games.to_csv(csv, index=False)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    return make_resources(tmp_path, nba=f"csv:{csv}"), games, weeks


def test_one_quarantined_row_does_not_block_the_history(tmp_path, instance):
    resources, games, weeks = _nba_with_a_tie(tmp_path, ties=1)
    result = ingest(resources, instance, "nba", weeks)
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "impossible_score"
    )
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "still run" in evaluation.description
    assert result.success and result.asset_materializations_for_node("features__gold")
    store = Warehouse(tmp_path / "warehouse.duckdb")
    assert len(store.read(QUARANTINE_TABLE, "nba")) == 1
    assert len(store.read(GOLD_TABLE, "nba")) == len(games) - 1


def test_quarantining_more_than_the_allowed_share_blocks_features(tmp_path, instance):
    resources, games, weeks = _nba_with_a_tie(tmp_path, ties=int(0.02 * 1230))  # 2% of a season
    result = ingest(resources, instance, "nba", weeks)
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "impossible_score"
    )
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert not result.asset_materializations_for_node("features__gold")
    assert Warehouse(tmp_path / "warehouse.duckdb").read(GOLD_TABLE, "nba").empty
    bad = dg.materialize(
        [raw_games],
        resources=resources,
        instance=instance,
        raise_on_error=False,
        tags=range_tags("nba", weeks[0], weeks[-1]),
        run_config={"ops": {"raw__games": {"config": {"max_quarantined_share": 1.5}}}},
    )
    assert (
        not bad.success
        and "between 0 and 1" in bad.get_step_failure_events()[0].step_failure_data.error.to_string()
    )
