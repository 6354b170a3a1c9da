"""Jobs: ingest, train (tune, fit, evaluate every candidate) and promote. A rollback is a
materialization of production/<sport> with config action "rollback" (`tp rollback`)."""

import dagster as dg

from training_platform.settings import candidate_models
from training_platform.sports import SPORTS

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(["raw", "games"], ["features", "gold"]),
    description="Ingest games and build gold features for the selected sport-week partition(s).",
    executor_def=dg.in_process_executor,  # two short steps in sequence: a process each would only add start-up
)


def candidate_keys(sport: str, models: list[str] | None = None) -> list[dg.AssetKey]:
    return [
        dg.AssetKey([stage, f"{model}_{sport}"])
        for model in models or candidate_models(sport)
        for stage in ("tuning", "models", "reports")
    ]


train_jobs = {
    sport: dg.define_asset_job(
        f"train_{sport}_job",
        selection=dg.AssetSelection.assets(*candidate_keys(sport)),
        description=f"Tune, fit and evaluate every {sport.upper()} candidate ({', '.join(candidate_models(sport))}; "
        "TP_CANDIDATES among the sports file's models). A candidate failing its gates is recorded, never promoted.",
    )
    for sport in SPORTS
}

promote_jobs = {
    sport: dg.define_asset_job(
        f"promote_{sport}_job",
        selection=dg.AssetSelection.assets(["production", sport], ["predictions", sport]),
        description=f"Choose the {sport.upper()} champion among candidates whose gates passed, then score the coming week.",
        executor_def=dg.in_process_executor,  # two short steps in sequence
    )
    for sport in SPORTS
}
