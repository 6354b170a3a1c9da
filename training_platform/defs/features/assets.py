"""features/gold: one row per game with pre-game features and the three markets' targets."""

from typing import TYPE_CHECKING

import dagster as dg

from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.partitions import selected_weeks, sport_week_partitions
from training_platform.defs.raw.assets import RAW_GAMES, raw_games
from training_platform.defs.resources import WarehouseResource
from training_platform.storage.tables import table_for

if TYPE_CHECKING:
    from training_platform.ml.features.elo import EloParams


GOLD_FEATURES = dg.AssetKey(["features", "gold"])
GOLD_TABLE = table_for(GOLD_FEATURES.path)


class GoldFeaturesConfig(dg.Config):
    """Elo settings for the rating features; unset values use the sport's default."""

    elo_k_factor: float | None = None
    elo_home_advantage: float | None = None
    elo_mean_reversion: float | None = None


def elo_params(sport: str, config: GoldFeaturesConfig) -> "EloParams":
    from training_platform.ml.features.elo import EloParams
    from training_platform.ml.features.gold import default_elo

    base = default_elo(sport)
    return EloParams(
        k_factor=config.elo_k_factor if config.elo_k_factor is not None else base.k_factor,
        home_advantage=config.elo_home_advantage
        if config.elo_home_advantage is not None
        else base.home_advantage,
        mean_reversion=config.elo_mean_reversion
        if config.elo_mean_reversion is not None
        else base.mean_reversion,
        initial_rating=base.initial_rating,
        margin_multiplier=base.margin_multiplier,
    )


# A week's features replay every earlier stored game, so they depend on the previous week's features
# as well as on the week's own raw games: a self-dependency on the week dimension. A correction to an
# early week therefore marks every later week out of date, and new_raw_data_sensor rebuilds them
# all in one single-run backfill from the corrected week on.
PREVIOUS_WEEK = dg.MultiPartitionMapping(
    {
        "sport": dg.DimensionPartitionMapping("sport", dg.IdentityPartitionMapping()),
        "week": dg.DimensionPartitionMapping(
            "week", dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
        ),
    }
)


@dg.asset(
    key=GOLD_FEATURES,
    deps=[raw_games, dg.AssetDep(GOLD_FEATURES, partition_mapping=PREVIOUS_WEEK)],
    partitions_def=sport_week_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="features",
    owners=OWNERS,
    code_version=CODE_VERSION,
    kinds={"duckdb", "pandas"},
    description="Pre-game features (Elo, rest, streaks, form, market, weather) and targets. "
    "A week's features replay all stored games before it, so they see only the past.",
    check_specs=[
        dg.AssetCheckSpec(
            "no_leakage",
            asset=GOLD_FEATURES,
            blocking=True,
            description="features of the last game day written are unchanged when that day's and later "
            "results are hidden and later games name no starter, and those known before lineups also when "
            "that day's own starters are not named",
        )
    ],
)
def features_gold(
    context: dg.AssetExecutionContext, config: GoldFeaturesConfig, warehouse: WarehouseResource
):
    import pandas as pd

    from training_platform.ml.features.columns import FEATURE_COLUMNS, FEATURE_VERSION
    from training_platform.ml.features.gold import build_gold_features
    from training_platform.ml.features.leakage import leaking_features
    from training_platform.sources.weeks import WEEK, week_start

    store = warehouse.open()
    written, leaks, probed = 0, {}, []
    for sport, weeks in selected_weeks(context).items():
        history = warehouse.read(RAW_GAMES, sport, before=weeks[-1] + WEEK)
        params = elo_params(sport, config)
        features = build_gold_features(
            history.drop(columns=["partition_week", "ingested_at"], errors="ignore"), params
        )
        features["partition_week"] = week_start(features["game_date"]).to_numpy()
        features["feature_version"] = FEATURE_VERSION
        selected = features[features["partition_week"].isin(pd.to_datetime(weeks))]
        store.replace_weeks({GOLD_TABLE: selected}, sport, weeks)
        written += len(selected)
        context.log.info(
            f"{sport}: {len(selected)} games featurised over {len(weeks)} week(s) from {len(history)} stored games"
        )
        if not selected.empty:
            probe_date = pd.Timestamp(selected["game_date"].max()).date()
            probed.append(f"{sport} {probe_date}")
            found = leaking_features(history, probe_date, features, params)
            if found:
                leaks[sport] = found

    yield dg.MaterializeResult(
        metadata={
            "games_written": written,
            "feature_version": FEATURE_VERSION,
            "features": dg.MetadataValue.json(FEATURE_COLUMNS),
            "table": GOLD_TABLE,
        }
    )
    yield dg.AssetCheckResult(
        check_name="no_leakage",
        passed=not leaks,
        metadata={
            "probed": ", ".join(probed) or "nothing written",
            "leaking_columns": dg.MetadataValue.json(leaks),
        },
    )
