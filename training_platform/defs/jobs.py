"""Jobs: ingest, train (tune, fit, evaluate every candidate) and promote. A rollback is a
materialization of production/<sport> with config action "rollback" (`tp rollback`)."""

import dagster as dg

from training_platform.ml.modeling.markets import MARKETS
from training_platform.settings import candidate_models
from training_platform.sports import SPORTS, configured

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(["raw", "games"], ["features", "gold"]),
    description="Ingest games and build gold features for the selected sport-week partition(s).",
    executor_def=dg.in_process_executor,  # two short steps in sequence: a process each would only add start-up
)


def candidate_keys(
    sport: str, models: list[str] | None = None, markets: tuple[str, ...] = ("moneyline",)
) -> list[dg.AssetKey]:
    """tuning/, models/ and reports/ of `models` (default: TP_CANDIDATES) in each of `markets` where the
    sports file gives them assets (the spread and totals: its `markets` lists)."""
    own = configured()[sport]
    return [
        dg.AssetKey([stage, MARKETS[market].asset_name(model, sport)])
        for market in markets
        for model in models or candidate_models(sport)
        if model in own.models_for(market)
        for stage in ("tuning", "models", "reports")
    ]


def trained_markets(sport: str) -> tuple[str, ...]:
    """The markets `sport` has candidates in: the moneyline, and the spread and totals it is given."""
    return tuple(market for market in MARKETS if configured()[sport].models_for(market))


train_jobs = {
    sport: dg.define_asset_job(
        f"train_{sport}_job",
        selection=dg.AssetSelection.assets(*candidate_keys(sport, markets=trained_markets(sport))),
        description=f"Tune, fit and evaluate every {sport.upper()} candidate ({', '.join(candidate_models(sport))}; "
        f"TP_CANDIDATES among the sports file's models) in {', '.join(trained_markets(sport))}. A candidate "
        "failing its gates is recorded, never promoted.",
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
