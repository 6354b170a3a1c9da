"""reports/<model>_<sport>: walk-forward backtest over the last seasons, baselines, betting and
images; and `metric_gates`, the blocking check that reads the report and gates.yaml.

The gates are a check of their own, so a changed gates.yaml is re-evaluated by running the check
alone, without re-running the backtest. The comparison with the champion is made by
production/<sport>, on the games the candidates and the champion have in common.
"""

import json
from collections.abc import Mapping

import dagster as dg

from training_platform.defs.features.assets import GOLD_FEATURES
from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.failpoints import failpoint
from training_platform.ml.artifacts import ModelArtifact
from training_platform.ml.modeling.catalog import BACKTEST_SEASONS, variant_of
from training_platform.ml.modeling.markets import MARKETS
from training_platform.sports import candidate_assets
from training_platform.storage.handoffs import Report

CHECK_NAME = "metric_gates"
IMAGES = ("reliability_diagram", "roc_curve", "cumulative_profit", "brier_per_season")


class ReportConfig(dg.Config):
    seasons: int = BACKTEST_SEASONS  # the backtest window: this many most recent seasons with results
    # Weeks scored per refit. Elo predicts online (each game updates the ratings for the next),
    # so one fit per season gives the same forecasts as weekly refits at a fraction of the cost.
    # Feature models refit every 4 weeks by default: 4x cheaper than weekly and, since
    # production refits weekly, a slightly pessimistic estimate rather than an optimistic one.
    refit_every_weeks: int | None = None  # unset: 53 for Elo, 4 otherwise
    edge_threshold: float = 0.03  # bet when the model's probability beats the odds' break-even by this
    kelly_fraction: float = 0.25


def build_report_asset(
    model: str, sport: str, market: str = "moneyline"
) -> tuple[dg.AssetsDefinition, dg.AssetChecksDefinition]:
    name = MARKETS[market].asset_name(model, sport)
    key = dg.AssetKey(["reports", name])
    variant = variant_of(model, market)

    @dg.asset(
        key=key,
        ins={"artifact": dg.AssetIn(key=["models", name])},
        deps=[GOLD_FEATURES],
        group_name="reports",
        owners=OWNERS,
        code_version=CODE_VERSION,
        kinds={"scikit-learn", "mlflow"},
        tags={"variant": variant, "market": market},  # filterable in the UI
        description=_description(market),
    )
    def _report(
        context: dg.AssetExecutionContext,
        config: ReportConfig,
        artifact: ModelArtifact,
        warehouse: WarehouseResource,
        model_store: ModelStoreResource,
        tracking: TrackingResource,
    ):
        from training_platform.ml.artifacts import ArtifactIntegrityError
        from training_platform.ml.evaluation.betting import BettingRules
        from training_platform.ml.evaluation.gates import load_thresholds
        from training_platform.ml.modeling.training import played_data_hash
        from training_platform.ml.provenance import fingerprint, modelling_version
        from training_platform.ml.reporting.plots import png_data_uri
        from training_platform.ml.reporting.report_files import log_report_to_model_run, write_report
        from training_platform.ml.verified import (
            UnverifiedReport,
            read_verified_report,
            recorded_artifact,
        )
        from training_platform.storage.registry import ChampionRegistry

        load_thresholds(
            sport, market, variant=variant
        )  # a broken gates file fails here, not after the backtest
        registry = ChampionRegistry(warehouse.open())
        try:  # the stored models/ value is a file: its path is never read, its SHA-256 must be the record's
            if artifact.name != name:
                raise ArtifactIntegrityError(f"models/{name}'s stored value names {artifact.name!r}")
            artifact = recorded_artifact(
                registry,
                model_store.models_dir,
                artifact.name,
                artifact.version,
                artifact.sha256,
                f"models/{name}",
            )
        except ArtifactIntegrityError as exc:
            raise dg.Failure(f"reports/{name} refused its model: {exc}") from exc
        gold = warehouse.read(GOLD_FEATURES, sport)
        refit = config.refit_every_weeks or (53 if model == "elo" else 4)
        digest = played_data_hash(gold, market)
        evaluation = fingerprint(
            model_sha256=artifact.sha256,
            data_hash=digest,
            config=config.model_dump(),
            refit=refit,
            code=modelling_version(),
        )
        out_dir = model_store.open().report_dir(name, artifact.version, evaluation)
        # a version's files are immutable: the same inputs, the same report, if its files are the ones written
        result = None
        if out_dir.exists():
            try:
                result = read_verified_report(registry, model_store.open(), name, out_dir).report
                context.log.info(
                    f"{name} v{artifact.version} was already evaluated on these inputs: {out_dir}"
                )
            except UnverifiedReport as exc:
                aside = out_dir.with_name(f".{out_dir.name}.unverified-{context.run.run_id[:8]}")
                out_dir.rename(aside)  # kept for inspection, never read
                context.log.warning(f"{exc}; moved to {aside} and evaluated again")
        if result is None:
            from training_platform.ml.evaluation.backtest import anchor_comparison

            result = _evaluate(context, artifact, gold, config, refit, market)
            failpoint("during_report")
            result.update(
                data_hash=digest,
                evaluation=evaluation,
                report_dir=str(out_dir),
                variant=variant,
                dagster_run_id=context.run.run_id,
            )
            result["vs_anchor"] = anchor_comparison(result, result["variant"])
            digests = write_report(
                out_dir,
                name,
                result,
                result.pop("predictions"),
                BettingRules(config.edge_threshold, config.kelly_fraction),
                market,
            )
            registry.record_report(name, artifact.version, out_dir.name, digests, context.run.run_id)
            log_report_to_model_run(tracking.mlflow_uri, artifact, out_dir, result)
            context.log.info(f"report written to {out_dir / 'report.html'}")
        tuned, scored = result["tuning_window"], result["backtest_window"]
        yield dg.Output(
            Report.of(result),
            data_version=dg.DataVersion(evaluation[:16]),
            metadata={
                "seasons": f"{result['seasons'][0]}-{result['seasons'][-1]}",
                "games": result["games"],
                "tuning_window": f"{tuned['first_game_date']}..{tuned['last_game_date']}",
                "backtest_window": f"{scored['first_game_date']}..{scored['last_game_date']}",
                "variant": result["variant"],
                # market-aware against the closing line, market-free against Elo: paired, same games
                **{f"vs_anchor_{k}": v for k, v in result["vs_anchor"].items()},
                **{f"model_{k}": v for k, v in result["model"].items() if k != "games"},
                # scored as served before lineups; with the game's own named starters, where they matter
                **{
                    f"named_starters_{k}": v
                    for k, v in result.get("named_starters", {}).get("model", {}).items()
                    if k in ("brier", "log_loss")
                },
                **{f"{base}_log_loss": b["log_loss"] for base, b in result["baselines"].items()},
                **{f"{base}_brier": b["brier"] for base, b in result["baselines"].items()},
                **{f"betting_{k}": v for k, v in result["betting"].items()},
                **{f"picks_{k}": v for k, v in (result.get("picks") or {}).items()},
                "report": dg.MetadataValue.path(str(out_dir / "report.html")),
                "report_json": dg.MetadataValue.path(str(out_dir / "report.json")),
                **{
                    image: dg.MetadataValue.md(
                        f"![{image}]({png_data_uri((out_dir / f'{image}.png').read_bytes())})"
                    )
                    for image in IMAGES
                },
            },
        )

    @dg.asset_check(
        asset=key,
        name=CHECK_NAME,
        blocking=True,
        description="thresholds from training_platform/gates.yaml (TP_GATES_FILE): games, accuracy, "
        "precision, recall, F1, calibration, beating the constant baseline and, for a market-aware "
        "candidate, not being worse than the closing line; betting gates where the file sets them",
    )
    def _gates(
        context: dg.AssetCheckExecutionContext,
        report: Mapping,
        tracking: TrackingResource,
        model_store: ModelStoreResource,
    ) -> dg.AssetCheckResult:
        from training_platform.ml.evaluation.gates import all_passed, evaluate_gates, load_thresholds
        from training_platform.ml.tracking import tag_model_version

        report = Report.of(report)
        promotion = f"; production/{MARKETS[market].seat(sport)} may promote it"
        gates = evaluate_gates(report, load_thresholds(sport, market, variant=variant))
        passed = all_passed(gates)
        failed = [g.name for g in gates if not g.passed]
        version = report.model_artifact["version"]
        if passed:
            context.log.info(f"{name} v{version} passed every gate{promotion}")
        else:  # the blocking check stops the run here; say why where a shell user looks
            context.log.warning(
                f"{name} v{version} is blocked from production: "
                + "; ".join(f"{g.name} {g.describe()}" for g in gates if not g.passed)
            )
        metadata = model_store.open().version_dir(name, version) / "metadata.json"  # never the report's path
        if mlflow_version := json.loads(metadata.read_text()).get("mlflow_model_version"):
            tag_model_version(
                tracking.mlflow_uri,
                name,
                mlflow_version,
                {
                    "gates_passed": passed,
                    "failed_gates": ",".join(failed) or "none",
                    "report": report.report_dir,
                },
            )
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description="every threshold gate passed" if passed else "FAILED: " + ", ".join(failed),
            metadata={
                # numbers, so the UI plots each gate's figure over the check's executions
                **{
                    g.name: dg.MetadataValue.float(float(g.value))
                    for g in gates
                    if isinstance(g.value, (int, float))
                },
                "verdicts": dg.MetadataValue.md("\n".join(f"- **{g.name}** {g.describe()}" for g in gates)),
                "failed_gates": dg.MetadataValue.json(failed),
                "gates": dg.MetadataValue.json([g.__dict__ for g in gates]),
            },
        )

    return _report, _gates


def _evaluate(context, artifact: ModelArtifact, gold, config: ReportConfig, refit: int, market: str) -> dict:
    """The backtest, refusing one whose games the tuning saw (the figures a gate reads must be honest)."""
    from training_platform.ml.artifacts import load_model
    from training_platform.ml.evaluation.backtest import walk_forward_backtest
    from training_platform.ml.evaluation.betting import BettingRules

    tuned = artifact.metadata().get("tuning_window")
    if not tuned:
        raise dg.Failure(
            f"{artifact.name} v{artifact.version} records no tuning window; re-materialize "
            f"tuning/{artifact.name} and models/{artifact.name}"
        )
    estimator = load_model(artifact)  # refuses an artifact whose SHA-256 changed
    rules = BettingRules(config.edge_threshold, config.kelly_fraction)
    result = walk_forward_backtest(
        estimator, gold, config.seasons, refit, rules, log=context.log.info, market=market
    )
    scored = result["backtest_window"]
    if tuned["last_game_date"] >= scored["first_game_date"]:
        raise dg.Failure(
            f"tuning/{artifact.name} saw games up to {tuned['last_game_date']}, but the backtest starts on "
            f"{scored['first_game_date']}: its figures would not be out of sample. Give tuning holdout_seasons "
            f">= the report's seasons ({config.seasons}) and re-materialize tuning/{artifact.name}+."
        )
    result["tuning_window"] = tuned
    result["model_artifact"] = {
        "name": artifact.name,
        "version": artifact.version,
        "sha256": artifact.sha256,
        "path": artifact.path,
    }
    return result


def _description(market: str) -> str:
    scored = (
        "the constant, market, Elo and oracle baselines on the same games, the paired difference to the "
        "variant's anchor (market-aware: the closing line; market-free: Elo) with its standard error, and "
        "betting against the closing moneyline"
        if market == "moneyline"
        else "the constant and the market's vig-free price of the line on the same games with the paired "
        "difference to the market, the hit rate of the model's picks with its 95% interval against the 52.4% "
        "break-even of -110, pushes scored as pushes, and ROI at the real odds"
    )
    return (
        f"Walk-forward backtest ({MARKETS[market].label}) of the model's tuned hyperparameters over the last "
        f"seasons, which tuning never saw: classification and probability metrics per season and pooled, {scored}."
    )


_built = [build_report_asset(model, sport, market) for model, sport, market in candidate_assets()]
report_assets = [report for report, _ in _built]
report_checks = [gates for _, gates in _built]
