"""reports/<model>_<sport>: walk-forward backtest over the last seasons, baselines, betting,
images, and the blocking metric-gate check."""

import json
from pathlib import Path

import dagster as dg

from training_platform.champion import champion_predictions
from training_platform.defs.features.assets import GOLD_TABLE
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.ml.artifacts import ModelArtifact, load_model
from training_platform.ml.backtest import DEFAULT_SEASONS, walk_forward_backtest
from training_platform.ml.betting import BettingRules, place_bets
from training_platform.ml.gates import all_passed, evaluate_gates, load_thresholds
from training_platform.ml.plots import (
    brier_per_season_png,
    cumulative_profit_png,
    png_data_uri,
    reliability_png,
    roc_png,
)
from training_platform.ml.report_html import render_report
from training_platform.ml.zoo import MODEL_NAMES
from training_platform.sources.schema import SPORTS
from training_platform.storage.registry import ChampionRegistry

CHECK_NAME = "metric_gates"


class ReportConfig(dg.Config):
    seasons: int = DEFAULT_SEASONS  # the backtest window: this many most recent seasons with results
    # Weeks scored per refit. Elo predicts online (each game updates the ratings for the next),
    # so one fit per season gives the same forecasts as weekly refits at a fraction of the cost.
    # Feature models refit every 4 weeks by default: 4x cheaper than weekly and, since
    # production refits weekly, a slightly pessimistic estimate rather than an optimistic one.
    refit_every_weeks: int | None = None  # unset: 53 for Elo, 4 otherwise
    edge_threshold: float = 0.03  # bet when the model's probability beats the odds' break-even by this
    kelly_fraction: float = 0.25
    force: bool = False  # the requirements' --force: overrides the champion comparison only, and is recorded


def build_report_asset(model_name: str, sport: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["reports", model_name])

    @dg.asset(
        key=key,
        ins={"model": dg.AssetIn(key=["models", model_name])},
        group_name="reports",
        kinds={"scikit-learn", "mlflow"},
        description="Walk-forward backtest of the model's tuned hyperparameters over the last seasons: "
        "classification and probability metrics per season and pooled, the constant, market, oracle and champion "
        "baselines on the same games, and betting against the closing moneyline.",
        check_specs=[dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=True,
                                       description="thresholds from training_platform/gates.yaml, beating the "
                                       "constant baseline, calibration, and not losing to the current champion")],
    )
    def _report(context: dg.AssetExecutionContext, config: ReportConfig, model: ModelArtifact,
                warehouse: WarehouseResource, model_store: ModelStoreResource, tracking: TrackingResource):
        estimator = load_model(model)  # refuses an artifact whose SHA-256 changed
        store = warehouse.open()
        champion = ChampionRegistry(store).current(sport)
        refit = config.refit_every_weeks or (53 if model_name.startswith("elo_") else 4)
        rules = BettingRules(config.edge_threshold, config.kelly_fraction)
        result = walk_forward_backtest(estimator, store.read(GOLD_TABLE, sport), config.seasons, refit, rules,
                                       champion=champion_predictions(champion), log=context.log.info)
        predictions = result.pop("predictions")
        result["model_artifact"] = {"name": model.name, "version": model.version, "sha256": model.sha256,
                                    "path": model.path}
        if champion:
            result["champion"] = {"model": champion["model"], "version": champion["version"]}
        gates = evaluate_gates(result, load_thresholds(sport), force=config.force)
        result.update(gates=[g.__dict__ for g in gates], gates_passed=all_passed(gates), forced=config.force,
                      dagster_run_id=context.run.run_id)

        out_dir = Path(model_store.reports_dir) / model_name / f"v{model.version}"
        result["report_dir"] = str(out_dir)
        images = _write_report(out_dir, model_name, result, predictions, rules)
        _log_to_model_run(tracking, model, out_dir, result)
        context.log.info(f"report written to {out_dir / 'report.html'}")
        if result["gates_passed"]:
            context.log.info(f"{model_name} v{model.version} passed every gate; it may be promoted")
        else:  # the blocking check stops the run below; say why where a shell user looks
            context.log.warning(f"{model_name} v{model.version} is blocked from production: " + "; ".join(
                f"{g.name} {g.describe()}" for g in gates if not g.passed))

        yield dg.Output(result, metadata={
            "seasons": f"{result['seasons'][0]}-{result['seasons'][-1]}", "games": result["games"],
            **{f"model_{k}": v for k, v in result["model"].items() if k != "games"},
            **{f"{name}_log_loss": b["log_loss"] for name, b in result["baselines"].items()},
            **{f"{name}_brier": b["brier"] for name, b in result["baselines"].items()},
            **{f"betting_{k}": v for k, v in result["betting"].items()},
            "report": dg.MetadataValue.path(str(out_dir / "report.html")),
            "report_json": dg.MetadataValue.path(str(out_dir / "report.json")),
            **{name: dg.MetadataValue.md(f"![{name}]({png_data_uri(png)})")
               for name, png in images.items()},
        })
        yield dg.AssetCheckResult(
            check_name=CHECK_NAME, passed=result["gates_passed"],
            severity=dg.AssetCheckSeverity.ERROR,
            description="every gate passed" if result["gates_passed"] else
            "FAILED: " + ", ".join(g.name for g in gates if not g.passed),
            metadata={g.name: dg.MetadataValue.text(g.describe()) for g in gates},
        )

    return _report


def _write_report(out_dir: Path, model_name: str, result: dict, predictions, rules: BettingRules) -> dict[str, bytes]:
    out_dir.mkdir(parents=True, exist_ok=True)
    title = f"reports/{model_name}"
    images = {
        "reliability_diagram": reliability_png(predictions, f"{title}: reliability"),
        "roc_curve": roc_png(predictions, f"{title}: ROC"),
        "cumulative_profit": cumulative_profit_png(place_bets(predictions, rules), f"{title}: flat stakes vs closing line"),
        "brier_per_season": brier_per_season_png(result, f"{title}: Brier per season"),
    }
    for name, png in images.items():
        (out_dir / f"{name}.png").write_bytes(png)
    (out_dir / "report.json").write_text(json.dumps(result, indent=2, default=str))
    predictions.to_csv(out_dir / "predictions.csv", index=False)
    (out_dir / "report.html").write_text(render_report(title, result, images))
    return images


def _log_to_model_run(tracking: TrackingResource, model: ModelArtifact, out_dir: Path, result: dict) -> None:
    """The report, its images and its headline metrics, on the MLflow run that trained the model."""
    import mlflow

    run_id = model.metadata().get("mlflow_run_id")
    if not run_id:
        return
    client = mlflow.MlflowClient(tracking_uri=tracking.mlflow_uri)
    client.log_artifacts(run_id, str(out_dir), artifact_path="report")
    for name, value in result["model"].items():
        if name != "games" and value == value:  # NaN is not a metric
            client.log_metric(run_id, f"backtest_{name}", value)
    client.set_tag(run_id, "gates_passed", str(result["gates_passed"]))


report_assets = [build_report_asset(f"{model}_{sport}", sport) for model in MODEL_NAMES for sport in SPORTS]
