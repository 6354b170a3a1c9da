"""predictions/<sport>: the coming week's games scored by the champion it is given."""


import dagster as dg
import pandas as pd

from training_platform.defs.automation.conditions import AFTER_UPSTREAM_UPDATES
from training_platform.defs.features.assets import GOLD_TABLE, features_gold
from training_platform.defs.resources import ModelStoreResource, WarehouseResource
from training_platform.ml.artifacts import ModelArtifact, load_model
from training_platform.ml.forecast import coming_week, score
from training_platform.sources.schema import SPORTS
from training_platform.storage.registry import ChampionRegistry


class PredictionsConfig(dg.Config):
    week: str | None = None  # a partition week (YYYY-MM-DD); unset: the earliest week with a game not yet played


def build_predictions_asset(sport: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["predictions", sport],
        ins={"champion": dg.AssetIn(key=["production", sport])},
        deps=[features_gold],
        group_name="production",
        kinds={"duckdb"},
        automation_condition=AFTER_UPSTREAM_UPDATES,
        description=f"P(home win) for the coming {sport.upper()} week from the champion, with its version; "
        "also appended to the prediction_log table, which the drift sensor scores once results arrive.",
    )
    def _predictions(context: dg.AssetExecutionContext, config: PredictionsConfig, champion: dict,
                     warehouse: WarehouseResource, model_store: ModelStoreResource) -> pd.DataFrame:
        artifact = ModelArtifact(champion["model"], champion["version"], champion["artifact"], champion["sha256"])
        estimator = load_model(artifact)  # refuses a champion whose bytes changed
        store = warehouse.open()
        week, games = coming_week(store.read(GOLD_TABLE, sport), config.week)
        forecasts = score(estimator, games)
        forecasts = forecasts.assign(sport=sport, model=champion["model"], version=champion["version"],
                                     sha256=champion["sha256"], predicted_at=pd.Timestamp.now(tz="UTC"))
        if week is None:
            context.log.warning(f"no {sport.upper()} game without a result is stored; nothing to predict "
                                "(ingest the coming week, or set config week to re-score a past one)")
        else:
            ChampionRegistry(store).log_predictions(forecasts)
            out = model_store.predictions_dir / sport / f"{week}.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            forecasts.to_csv(out, index=False)
            context.log.info(f"{len(forecasts)} {sport.upper()} games of week {week} scored by "
                             f"{champion['model']} v{champion['version']} -> {out}")
        shown = forecasts[["game_date", "home_team", "away_team", "p_home"]].head(30)
        context.add_output_metadata({
            "week": week or "none scheduled", "games": len(forecasts),
            "champion": f"{champion['model']} v{champion['version']}",
            "preview": dg.MetadataValue.md(shown.to_markdown(index=False, floatfmt=".3f") if len(shown) else "(none)"),
        })
        return forecasts

    return _predictions


predictions_assets = [build_predictions_asset(sport) for sport in SPORTS]
