"""Jobs: ingest, train (tune, fit, evaluate every candidate), promote, and roll back."""


import dagster as dg

from training_platform.champion import rollback
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.settings import candidate_models
from training_platform.sources.schema import SPORTS
from training_platform.storage.registry import ChampionRegistry

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(["raw", "games"], ["features", "gold"]),
    description="Ingest games and build gold features for the selected sport-week partition(s).",
)


def candidate_keys(sport: str, models: list[str] | None = None) -> list[dg.AssetKey]:
    return [dg.AssetKey([stage, f"{model}_{sport}"]) for model in models or candidate_models()
            for stage in ("tuning", "models", "reports")]


train_jobs = {
    sport: dg.define_asset_job(
        f"train_{sport}_job",
        selection=dg.AssetSelection.assets(*candidate_keys(sport)),
        description=f"Tune, fit and evaluate every {sport.upper()} candidate ({', '.join(candidate_models())}; "
        "TP_CANDIDATES). A candidate failing its gates is recorded, never promoted.",
    )
    for sport in SPORTS
}

promote_jobs = {
    sport: dg.define_asset_job(
        f"promote_{sport}_job",
        selection=dg.AssetSelection.assets(["production", sport], ["predictions", sport]),
        description=f"Choose the {sport.upper()} champion among candidates whose gates passed, then score the coming week.",
    )
    for sport in SPORTS
}


class RollbackConfig(dg.Config):
    sport: str
    model: str  # e.g. elo_nfl
    version: int


@dg.op(description="Make an earlier model version the champion again (after verifying its SHA-256); "
       "appends a registry row, never rewrites one.")
def rollback_champion(context: dg.OpExecutionContext, config: RollbackConfig, warehouse: WarehouseResource,
                      model_store: ModelStoreResource, tracking: TrackingResource) -> dict:
    row = rollback(ChampionRegistry(warehouse.open()), config.sport, config.model, config.version,
                   model_store.models_dir, model_store.reports_dir, model_store.production_dir,
                   tracking.mlflow_uri, context.run.run_id)
    context.log.info(f"{config.sport} champion is now {config.model} v{config.version} (was {row['replaces_version']})")
    return row


@dg.job(description="Roll the champion of a sport back to an earlier version: run config "
        "ops.rollback_champion.config = {sport, model, version}.")
def rollback_job():
    rollback_champion()
