"""The files of one evaluation (reports/<model>_<sport>): written once, complete or absent, and logged to
the MLflow run that trained the model."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from training_platform.ml.artifacts import ModelArtifact
from training_platform.ml.evaluation.betting import BettingRules
from training_platform.redaction import credentials_scrubbed


def write_report(
    out_dir: Path, name: str, result: dict, predictions, rules: BettingRules, market: str
) -> dict[str, str]:
    """All files of one evaluation, staged and renamed into place: complete or absent, never rewritten.
    Returns each file's SHA-256, taken from the bytes made here (what the warehouse records), never
    from the files read back."""
    from training_platform.ml.evaluation.betting import place_bets
    from training_platform.ml.reporting.plots import (
        brier_per_season_png,
        cumulative_profit_png,
        reliability_png,
        roc_png,
    )
    from training_platform.ml.reporting.report_html import render_report

    staging = out_dir.with_name(f".{out_dir.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.mkdir(mode=0o700)  # private until renamed: nothing is swapped in between hashing and use
    title = f"reports/{name}"
    images = {
        "reliability_diagram": reliability_png(predictions, f"{title}: reliability"),
        "roc_curve": roc_png(predictions, f"{title}: ROC"),
        "cumulative_profit": cumulative_profit_png(
            place_bets(predictions, rules, market), f"{title}: flat stakes vs closing odds"
        ),
        "brier_per_season": brier_per_season_png(result, f"{title}: Brier per season"),
    }
    files = {
        **{f"{image}.png": png for image, png in images.items()},
        "predictions.csv": predictions.to_csv(index=False).encode(),
        "report.html": render_report(title, result, images).encode(),
        "report.json": json.dumps(result, indent=2, default=str).encode(),
    }
    for file, data in files.items():
        (staging / file).write_bytes(data)
    staging.chmod(0o755)
    staging.rename(out_dir)
    return {file: hashlib.sha256(data).hexdigest() for file, data in sorted(files.items())}


@credentials_scrubbed()
def log_report_to_model_run(mlflow_uri: str, artifact: ModelArtifact, out_dir: Path, result: dict) -> None:
    """The report, its images and its headline metrics, on the MLflow run that trained the model."""
    import mlflow

    run_id = artifact.metadata().get("mlflow_run_id")
    if not run_id:
        return
    client = mlflow.MlflowClient(tracking_uri=mlflow_uri)
    client.log_artifacts(run_id, str(out_dir), artifact_path=f"report/{out_dir.name}")
    for metric, value in result["model"].items():
        if metric != "games" and value == value:  # NaN is not a metric
            client.log_metric(run_id, f"backtest_{metric}", value)
