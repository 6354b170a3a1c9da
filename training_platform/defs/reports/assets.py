"""reports/<model>_<sport>: out-of-sample metrics on the last season, with a blocking gate."""


import json
from pathlib import Path

import dagster as dg

from training_platform.defs.features.assets import GOLD_TABLE
from training_platform.defs.resources import ModelStoreResource, WarehouseResource
from training_platform.ml.artifacts import ModelArtifact, load_model
from training_platform.ml.evaluation import evaluate_last_season
from training_platform.ml.gates import evaluate_gates
from training_platform.ml.report_html import render_report
from training_platform.sources.schema import SPORTS


class ReportConfig(dg.Config):
    # Weeks scored per refit. Elo predicts online (each game updates the ratings for the next),
    # so one fit per season gives the same forecasts as weekly refits at a fraction of the cost.
    refit_every_weeks: int | None = None  # unset: 53 for Elo, 1 for feature models


def build_report_asset(model_name: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["reports", model_name])

    @dg.asset(
        key=key,
        ins={"model": dg.AssetIn(key=["models", model_name])},
        group_name="reports",
        kinds={"scikit-learn"},
        description="Walk-forward evaluation of the model's hyperparameters over the most recent season, "
        "against the constant, market and (synthetic data) oracle baselines on the same games.",
        check_specs=[dg.AssetCheckSpec("metric_gates", asset=key, blocking=True,
                                       description="held-out games, Brier and beating the constant baseline")],
    )
    def _report(context: dg.AssetExecutionContext, config: ReportConfig, model: ModelArtifact,
                warehouse: WarehouseResource, model_store: ModelStoreResource):
        estimator = load_model(model)  # refuses an artifact whose SHA-256 changed
        sport = model.metadata()["sport"]
        gold = warehouse.open().read(GOLD_TABLE, sport)
        refit = config.refit_every_weeks or (53 if model_name.startswith("elo_") else 1)
        result = evaluate_last_season(estimator, gold, log=context.log.info, refit_every_weeks=refit)
        predictions = result.pop("predictions")
        result["model_artifact"] = {"name": model.name, "version": model.version, "sha256": model.sha256}
        gates = evaluate_gates(result)
        result["gates"] = [gate.__dict__ for gate in gates]

        out_dir = Path(model_store.reports_dir) / model_name / f"v{model.version}"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.json").write_text(json.dumps(result, indent=2, default=str))
        predictions.to_csv(out_dir / "predictions.csv", index=False)
        (out_dir / "report.html").write_text(render_report(model_name, result))
        context.log.info(f"report written to {out_dir / 'report.html'}")

        yield dg.Output(result, metadata={
            "season": result["season"], "games": result["games"],
            **{f"model_{k}": v for k, v in result["model"].items() if k != "games"},
            **{f"{name}_log_loss": b["log_loss"] for name, b in result["baselines"].items()},
            "report": dg.MetadataValue.path(str(out_dir / "report.html")),
        })
        yield dg.AssetCheckResult(
            check_name="metric_gates",
            passed=all(g.passed for g in gates),
            metadata={g.name: dg.MetadataValue.text(
                f"{'pass' if g.passed else 'FAIL'}: {g.value:.4f} vs {g.threshold} ({g.rule})") for g in gates},
        )

    return _report


report_assets = [build_report_asset(f"elo_{sport}") for sport in SPORTS]
