"""production/<sport> (the moneyline) and production/<sport>_ats, _totals: each market's champion,
recorded in the registry and derived everywhere else.

Every run first reconciles the pointer, status file and MLflow alias with the registry. Then,
by config: `auto` compares the configured candidates' current reports with the champion on
common games; `rollback` restores an earlier version (the version rolled back from is never
re-promoted automatically); `manual` promotes a version by hand (`tp promote`), recorded as such.
"""

import dagster as dg

from training_platform.defs.automation.conditions import AFTER_UPSTREAM_UPDATES
from training_platform.defs.features.assets import GOLD_FEATURES
from training_platform.defs.jobs import trained_markets
from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.production.candidates import (
    candidate_of,
    incumbent_candidate,
    market_free_fallback,
    variant_of_row,
    verified_reports,
)
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.ml.modeling.markets import MARKETS
from training_platform.settings import candidate_models
from training_platform.sports import SPORTS
from training_platform.storage.handoffs import Champion

COMPARISON_CHECK = "champion_comparison"


class ProductionConfig(dg.Config):
    action: str = (
        "auto"  # "auto": the best current candidate; "rollback" / "manual": the model and version below
    )
    model: str | None = None  # e.g. elo_nfl, for rollback and manual
    version: int | None = None
    # Candidates (e.g. ["elo_nfl"]) whose comparison with the champion this run overrides. It is
    # recorded in the registry and on the champion_comparison check, and counts for this run only.
    force: list[str] = []


def build_production_asset(sport: str, market: str = "moneyline") -> dg.AssetsDefinition:
    own = MARKETS[market]
    seat = own.seat(sport)  # nfl, nfl_ats, nfl_totals
    key = dg.AssetKey(["production", seat])
    candidates = {
        own.asset_name(model, sport): dg.AssetIn(
            key=["reports", own.asset_name(model, sport)], input_manager_key="latest_report_loader"
        )
        for model in candidate_models(sport, market)
    }

    @dg.asset(
        key=key,
        ins=candidates,
        deps=[GOLD_FEATURES],
        group_name="production",
        owners=OWNERS,
        code_version=CODE_VERSION,
        kinds={"duckdb", "mlflow"},
        # Its own run, so one candidate failing its blocking gate in a training run does not
        # stop a passing candidate from being promoted.
        automation_condition=AFTER_UPSTREAM_UPDATES,
        check_specs=[
            dg.AssetCheckSpec(
                COMPARISON_CHECK,
                asset=key,
                description="the promoted candidate was no worse than the champion on "
                "their common games, or replaced a champion failing today's gates, or the run forced it, "
                "or a champion failing today's gates kept its seat for want of a passing candidate (said here)",
            )
        ],
        tags={"market": market},
        description=f"The {sport.upper()} {own.label} champion: among the configured candidates whose report is on "
        "the current features and passed every gate, the lowest log loss on their common games, if it is no "
        "worse than the champion's on the games both scored (or the champion fails today's gates). Config action rollback/manual restores a version.",
    )
    def _production(
        context: dg.AssetExecutionContext,
        config: ProductionConfig,
        warehouse: WarehouseResource,
        model_store: ModelStoreResource,
        tracking: TrackingResource,
        **reports,
    ):
        from training_platform.champion import reconcile
        from training_platform.ml.artifacts import ArtifactIntegrityError
        from training_platform.ml.evaluation.gates import VARIANTS, load_thresholds
        from training_platform.ml.modeling.training import played_data_hash
        from training_platform.storage.registry import ChampionRegistry

        registry = ChampionRegistry(warehouse.open())
        before = registry.current(sport, market)
        try:  # heal the copies a crash left behind
            reconcile(registry, sport, model_store.open(), tracking.mlflow_uri, market)
        except ArtifactIntegrityError as exc:
            if config.action == "auto":  # never carry on with a champion whose bytes changed
                raise dg.Failure(
                    f"the {seat} champion's artifact is damaged: {exc}. Roll back or promote another "
                    f"version: tp rollback --sport {sport}{own.flag} --model <model>_{seat} --version <N>"
                ) from exc
            context.log.warning(
                f"the current champion's artifact is damaged ({exc}); {config.action} replaces it"
            )
        current_data, thresholds = (
            played_data_hash(warehouse.read(GOLD_FEATURES, sport), market),
            load_thresholds(sport, market),
        )
        of_variant = {v: load_thresholds(sport, market, variant=v) for v in VARIANTS}  # the file once each
        # figures only from reports the warehouse vouches for, naming artifacts it recorded
        verified, refused = verified_reports(registry, model_store.open(), reports)
        for name, reason in refused.items():
            context.log.warning(f"{name}: {reason}")
        reports = {name: report for name, (report, _, _) in verified.items()}
        artifacts = {name: artifact for name, (_, _, artifact) in verified.items()}  # each verified once
        pool = [  # each candidate is gated by its own variant's thresholds
            candidate_of(report, forecasts, of_variant[report.variant or "market_aware"])
            for report, forecasts, _ in verified.values()
        ]
        if config.action == "auto" and not pool:
            raise dg.Failure(
                f"no {sport.upper()} {own.label} candidate has a report the warehouse vouches for; "
                + (
                    "; ".join(f"{n}: {r}" for n, r in refused.items())
                    or f"materialize reports/<model>_{seat}"
                )
            )
        if config.action in ("rollback", "manual"):
            row, verdicts, warning_note = _by_hand(context, config, registry, model_store), {}, None
        elif config.action == "auto":
            row, verdicts, warning_note = _automatic(
                context, config, registry, pool, current_data, thresholds, reports, artifacts, model_store
            )
        else:
            raise dg.Failure(f"unknown action {config.action!r}; use auto, rollback or manual")
        verdicts = {**refused, **verdicts}
        if before is None or row["entry_id"] != before["entry_id"]:  # a new record: derive its copies
            reconcile(registry, sport, model_store.open(), tracking.mlflow_uri, market)
        # Games without a moneyline are scored by a market-free model; a line market has nothing to
        # forecast without its line, so it has no fallback.
        fallback = (
            market_free_fallback(row, pool, current_data, registry.demoted(sport), reports)
            if market == "moneyline"
            else None
        )
        champion = Champion(
            sport=sport,
            model=row["model"],
            version=int(row["version"]),
            artifact=row["artifact_path"],
            sha256=row["sha256"],
            metrics=row["metrics"],
            variant=variant_of_row(row, market),
            forced=bool(row["forced"]),
            action=row["action"],
            promoted_at=str(row["promoted_at"]),
            registry_entry=int(row["entry_id"]),
            market_free=fallback,
            market=market,
        )
        yield dg.Output(
            champion,
            metadata={
                "champion": f"{row['model']} v{row['version']}",
                "sha256": row["sha256"],
                "forced": bool(row["forced"]),
                "action": row["action"],
                "registry_entry": int(row["entry_id"]),
                "log_loss": row["metrics"].get("log_loss"),
                "brier": row["metrics"].get("brier"),
                "market_free_fallback": f"{fallback['model']} v{fallback['version']}" if fallback else "none",
                "candidates": dg.MetadataValue.md(
                    "\n".join(f"- **{n}**: {t}" for n, t in verdicts.items()) or "-"
                ),
                "pointer": dg.MetadataValue.path(str(model_store.open().pointer(seat))),
            },
        )
        overridden = bool(warning_note) or row["action"] in ("rollback", "manual")
        yield dg.AssetCheckResult(  # an override or an unearned seat is never shown as a clean pass
            check_name=COMPARISON_CHECK,
            passed=not overridden,
            severity=dg.AssetCheckSeverity.WARN,
            description=warning_note
            or (
                f"{row['action'].upper()}: {row['model']} v{row['version']} set by hand, "
                "not by the comparison"
                if overridden
                else f"{row['model']} v{row['version']}: chosen by the comparison"
            ),
            metadata={
                "forced": bool(warning_note and warning_note.startswith("FORCED")),
                "action": row["action"],
                "overridden": overridden,
            },
        )

    def _automatic(
        context, config, registry, pool, current_data, thresholds, reports, artifacts, model_store
    ):
        from training_platform.champion import record_champion
        from training_platform.ml.evaluation.champion_choice import choose

        incumbent = registry.current(sport, market)
        champion = incumbent_candidate(incumbent, pool, registry, model_store.open())
        decision = choose(
            pool,
            current_data,
            champion,
            registry.demoted(sport, market),
            thresholds.champion_tolerance,
            set(config.force),
        )
        for name, verdict in decision.verdicts.items():
            context.log.info(f"{name}: {verdict}")
        if decision.promote is None and incumbent is None:
            raise dg.Failure(
                description=f"no {sport.upper()} {own.label} candidate can be champion; nothing changes",
                metadata={n: dg.MetadataValue.text(t) for n, t in decision.verdicts.items()},
            )
        if decision.promote is None:
            name = f"{incumbent['model']} v{incumbent['version']}"
            if decision.unearned:  # nothing replaced it: it keeps serving, and says so on the check
                unearned = (
                    f"UNEARNED: {name} fails the current gates and no candidate replaced it (see candidates)"
                )
                context.log.warning(unearned)
                return incumbent, decision.verdicts, unearned
            context.log.info(f"{name} stays the champion")
            return incumbent, decision.verdicts, None
        report = reports[decision.promote.name]
        artifact = artifacts[decision.promote.name]  # as the warehouse recorded it, never the report's path
        row = record_champion(
            registry, sport, artifact, report, context.run.run_id, forced=decision.forced, market=market
        )
        note = f"FORCED: {decision.verdicts[artifact.name]}" if decision.forced else None
        context.log.info(
            f"promoted {artifact.name} v{artifact.version} (replaces {row['replaces_version']})"
            + (" FORCED by this run's config" if decision.forced else "")
        )
        return registry.current(sport, market), decision.verdicts, note

    def _by_hand(context, config, registry, model_store):
        from training_platform.champion import record_champion, refuse_current_champion, stored_version

        if config.model is None or config.version is None:
            raise dg.Failure(f"action {config.action} needs config model (e.g. elo_{seat}) and version")
        try:
            refuse_current_champion(registry, sport, config.model, config.version, market)
            artifact, report = stored_version(
                registry, model_store.open(), sport, config.model, config.version, market
            )
        except (ValueError, RuntimeError) as exc:
            raise dg.Failure(f"{config.action} refused: {exc}") from exc
        row = record_champion(
            registry, sport, artifact, report, context.run.run_id, action=config.action, market=market
        )
        context.log.info(
            f"{config.action}: {seat} champion is now {artifact.name} v{artifact.version} "
            f"(was {row['replaces_version']})"
        )
        return registry.current(sport, market)

    return _production


production_assets = [
    build_production_asset(sport, market) for sport in SPORTS for market in trained_markets(sport)
]
