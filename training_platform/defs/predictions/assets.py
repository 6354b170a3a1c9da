"""predictions/<sport>: the coming week's games scored by the champion it is given.

A market-aware champion reads the betting lines; a game whose lines are not posted yet is scored
by the sport's best market-free candidate that passed its gates (never by a model fed imputed
market medians). Every row says which model, version and variant scored it.

predictions/<sport>_ats and _totals: the line market's champion's P of each side of the posted spread
or total, and its pick; a game whose line is not posted yet has nothing to forecast and is left out.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

import dagster as dg

from training_platform.defs.automation.conditions import AFTER_UPSTREAM_UPDATES
from training_platform.defs.features.assets import GOLD_FEATURES
from training_platform.defs.jobs import trained_markets
from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.resources import ModelStoreResource, WarehouseResource
from training_platform.ml.modeling.markets import LINE_MARKETS, MARKETS
from training_platform.sports import SPORTS
from training_platform.storage.files import write_atomically
from training_platform.storage.handoffs import Champion

if TYPE_CHECKING:
    import pandas as pd


class PredictionsConfig(dg.Config):
    week: str | None = None  # a partition week (YYYY-MM-DD), every game of it; unset: the coming games


# What every predictions/ asset shares: it reads gold's coming games and follows its champion unasked.
PREDICTIONS_ASSET = dict(
    deps=[GOLD_FEATURES],
    group_name="predictions",
    owners=OWNERS,
    code_version=CODE_VERSION,
    kinds={"duckdb"},
    automation_condition=AFTER_UPSTREAM_UPDATES,
)


def _scored_by(games: "pd.DataFrame", model: Mapping, variant: str, registry, models_dir) -> "pd.DataFrame":
    """Score with a champion or its market-free fallback (both carry model, version and sha256): the file
    loaded is the one the warehouse recorded for that version, and its SHA-256 must be the one claimed."""
    from training_platform.ml.serving.forecast import score
    from training_platform.ml.verified import load_recorded

    estimator = load_recorded(
        registry, models_dir, model["model"], int(model["version"]), model["sha256"], "the production value"
    )
    return score(estimator, games).assign(
        model=model["model"], model_version=model["version"], variant=variant, sha256=model["sha256"]
    )


def _as_recorded(champion: Champion, registry, sport: str, market: str = "moneyline") -> Champion:
    """The champion handed over, if it is the registry's current one of this asset's own seat (the stored
    value is a file under the data folder: it is believed only when it agrees with the one record), with a
    market-free fallback of the same sport only."""
    from training_platform.defs.production.candidates import variant_of_row

    row = registry.current(sport, market)
    if row is None or (row["model"], int(row["version"]), row["sha256"]) != (
        champion.model,
        int(champion.version),
        champion.sha256,
    ):
        held = f"{row['model']} v{row['version']}" if row else "no champion"
        raise dg.Failure(
            f"the production value names {champion.model} v{champion.version} (sha256 {champion.sha256[:12]}), "
            f"but the registry records {held} for {sport} {market}: nothing is scored. "
            f"Materialize production/{MARKETS[market].seat(sport)} again"
        )
    fallback = champion.market_free
    if fallback and (
        not str(fallback["model"]).endswith(f"_{sport}")
        or variant_of_row({"model": fallback["model"]}) != "market_free"
    ):
        raise dg.Failure(
            f"the production value's market-free model {fallback['model']!r} is not a market-free {sport} model; "
            f"materialize production/{sport} again"
        )
    return champion.of({**champion, "variant": variant_of_row(row, market)})


# Columns every forecast file has (ml/serving/forecast.score gives them), even a week with nothing scored.
SCORED_COLUMNS = ["game_id", "game_date", "home_team", "away_team", "p_home", "p_away", "starter_assumed"]


def _warn_of_assumed_starters(context: dg.AssetExecutionContext, forecasts: "pd.DataFrame") -> int:
    assumed = int(forecasts["starter_assumed"].sum()) if "starter_assumed" in forecasts else 0
    if assumed:
        context.log.warning(
            f"{assumed} game(s) have a side whose starting QB the source does not name yet: their "
            "forecasts assume the team's last starter (column starter_assumed), as the reports scored "
            "every game; re-run once the starters are named for a forecast that knows them"
        )
    return assumed


def build_predictions_asset(sport: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["predictions", sport],
        ins={"champion": dg.AssetIn(key=["production", sport])},
        **PREDICTIONS_ASSET,
        description=f"P(home win) for the coming {sport.upper()} games from the champion (games without lines: "
        "the best market-free candidate), with model, version and variant on every row; also appended to "
        "the prediction_log table, which the drift sensor scores once results arrive.",
    )
    def _predictions(
        context: dg.AssetExecutionContext,
        config: PredictionsConfig,
        champion: Mapping,
        warehouse: WarehouseResource,
        model_store: ModelStoreResource,
    ):
        import pandas as pd

        from training_platform.ml.serving.forecast import coming_week, lacks_market
        from training_platform.storage.registry import ChampionRegistry

        store = warehouse.open()
        registry = ChampionRegistry(store)
        champion = _as_recorded(Champion.of(champion), registry, sport)
        week, games = coming_week(warehouse.read(GOLD_FEATURES, sport), config.week)
        no_lines = (
            lacks_market(games) if champion.variant == "market_aware" else pd.Series(False, games.index)
        )
        parts = (
            [_scored_by(games[~no_lines], champion, champion.variant, registry, model_store.models_dir)]
            if (~no_lines).any()
            else []
        )
        fallback = champion.market_free
        unscored = 0
        if no_lines.any() and fallback:
            parts.append(
                _scored_by(games[no_lines], fallback, "market_free", registry, model_store.models_dir)
            )
            context.log.info(
                f"{int(no_lines.sum())} game(s) without lines scored by {fallback['model']} "
                f"v{fallback['version']} (market-free)"
            )
        elif no_lines.any():
            unscored = int(no_lines.sum())
            context.log.warning(
                f"{unscored} game(s) have no lines yet and no market-free candidate passed its "
                f"gates; they are not predicted (train elo_{sport}, or wait for the lines)"
            )
        columns = [*SCORED_COLUMNS, "model", "model_version", "variant", "sha256"]
        forecasts = (
            pd.concat(parts).sort_values(["game_date", "game_id"]).reset_index(drop=True)
            if parts
            else pd.DataFrame(columns=columns)
        )
        forecasts = forecasts.assign(sport=sport, predicted_at=pd.Timestamp.now(tz="UTC"))
        assumed = _warn_of_assumed_starters(context, forecasts)
        if week is None:
            context.log.warning(
                f"no {sport.upper()} game without a result is stored; nothing to predict "
                "(ingest the coming week, or set config week to re-score a past one)"
            )
        elif len(forecasts):
            registry.log_predictions(forecasts)
            out = model_store.open().predictions_file(sport, week)
            out.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(out, forecasts.to_csv(index=False).encode())  # never through a planted link
            context.log.info(f"{len(forecasts)} {sport.upper()} games of week {week} scored -> {out}")
        shown = forecasts[["game_date", "home_team", "away_team", "p_home", "model", "variant"]].head(30)
        context.add_output_metadata(
            {
                "week": week or "none scheduled",
                "games": len(forecasts),
                "not_predicted_without_lines": unscored,
                "starters_assumed": assumed,
                "champion": f"{champion.model} v{champion.version}",
                "scored_by": dg.MetadataValue.json(
                    forecasts.groupby(["model", "model_version"])
                    .size()
                    .rename("games")
                    .reset_index()
                    .astype(str)
                    .to_dict("records")
                ),
                "preview": dg.MetadataValue.md(
                    shown.to_markdown(index=False, floatfmt=".3f") if len(shown) else "(none)"
                ),
            }
        )
        return forecasts

    return _predictions


def build_line_predictions_asset(sport: str, market: str) -> dg.AssetsDefinition:
    own = MARKETS[market]
    seat = own.seat(sport)
    yes, no = own.forecast_columns

    @dg.asset(
        key=["predictions", seat],
        ins={"champion": dg.AssetIn(key=["production", seat])},
        **PREDICTIONS_ASSET,
        tags={"market": market},
        description=f"{yes} and {no} for the coming {sport.upper()} games against their posted "
        f"{own.line.replace('_', ' ')}, and the pick, from the {own.label} champion; a game without a line "
        "is left out. Written to the week's CSV (the prediction_log and its drift sensor hold the moneyline).",
    )
    def _line_predictions(
        context: dg.AssetExecutionContext,
        config: PredictionsConfig,
        champion: Mapping,
        warehouse: WarehouseResource,
        model_store: ModelStoreResource,
    ):
        import numpy as np
        import pandas as pd

        from training_platform.ml.serving.forecast import coming_week
        from training_platform.storage.registry import ChampionRegistry

        registry = ChampionRegistry(warehouse.open())
        champion = _as_recorded(Champion.of(champion), registry, sport, market)
        week, games = coming_week(warehouse.read(GOLD_FEATURES, sport), config.week)
        posted = games[own.line].notna()
        if (~posted).any():
            context.log.warning(f"{int((~posted).sum())} game(s) have no {own.line} yet; not predicted")
        scored = (
            _scored_by(games[posted], champion, champion.variant, registry, model_store.models_dir)
            if posted.any()
            else pd.DataFrame(columns=SCORED_COLUMNS)
        )
        forecasts = scored.rename(columns={"p_home": yes, "p_away": no}).assign(
            market=market, line=games.loc[posted, own.line].to_numpy(), sport=sport
        )
        forecasts["pick"] = np.where(forecasts[yes] > 0.5, own.sides[0], own.sides[1])
        assumed = _warn_of_assumed_starters(context, forecasts)
        if week is not None and len(forecasts):
            out = model_store.open().predictions_file(seat, week)
            out.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(out, forecasts.to_csv(index=False).encode())  # never through a planted link
            context.log.info(f"{len(forecasts)} {seat} games of week {week} scored -> {out}")
        shown = forecasts[["game_date", "home_team", "away_team", "line", yes, "pick"]].head(30)
        context.add_output_metadata(
            {
                "week": week or "none scheduled",
                "games": len(forecasts),
                "not_predicted_without_a_line": int((~posted).sum()),
                "starters_assumed": assumed,
                "champion": f"{champion.model} v{champion.version}",
                "preview": dg.MetadataValue.md(
                    shown.to_markdown(index=False, floatfmt=".3f") if len(shown) else "(none)"
                ),
            }
        )
        return forecasts

    return _line_predictions


predictions_assets = [build_predictions_asset(sport) for sport in SPORTS] + [
    build_line_predictions_asset(sport, market)
    for sport in SPORTS
    for market in trained_markets(sport)
    if market in LINE_MARKETS
]
