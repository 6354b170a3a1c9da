"""Jobs: ingest, train (tune, fit, evaluate every candidate) and promote, one per champion's seat (a
sport's moneyline, spread, totals). A rollback is a materialization of production/<seat> with config
action "rollback" (`tp rollback`)."""

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
        for model in models or candidate_models(sport, market)
        if model in own.models_for(market)
        for stage in ("tuning", "models", "reports")
    ]


def trained_markets(sport: str) -> tuple[str, ...]:
    """The markets `sport` has candidates in (TP_CANDIDATES among the sports file's models): the moneyline,
    and the spread and totals where it gives them any."""
    return tuple(market for market in MARKETS if candidate_models(sport, market))


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


def _promote_job(sport: str, market: str):
    seat = MARKETS[market].seat(sport)  # the moneyline's is the sport's own name: production/nfl
    return dg.define_asset_job(
        f"promote_{seat}_job",
        selection=dg.AssetSelection.assets(["production", seat], ["predictions", seat]),
        description=f"Choose the {sport.upper()} {MARKETS[market].label} champion among candidates whose "
        "gates passed, then score the coming week with it.",
        executor_def=dg.in_process_executor,  # short steps in sequence
    )


# One per champion's seat: promote_nfl_job (moneyline, then predictions), promote_nfl_ats_job, ...
promote_jobs = {
    MARKETS[market].seat(sport): _promote_job(sport, market)
    for sport in SPORTS
    for market in trained_markets(sport)
}
