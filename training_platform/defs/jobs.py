"""Jobs: weekly ingest of games and features, and each sport's train-evaluate-promote chain."""


import dagster as dg

from training_platform.sources.schema import SPORTS

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(["raw", "games"], ["features", "gold"]),
    description="Ingest games and build gold features for the selected sport-week partition(s).",
)

promote_jobs = [
    dg.define_asset_job(
        f"promote_{sport}_job",
        selection=dg.AssetSelection.assets(["tuning", f"elo_{sport}"], ["models", f"elo_{sport}"],
                                           ["reports", f"elo_{sport}"], ["production", sport]),
        description=f"Tune, fit, evaluate and (if every gate passes) promote the {sport.upper()} Elo model.",
    )
    for sport in SPORTS
]
