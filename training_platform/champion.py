"""Promotion and rollback of a sport's champion: the registry row, MLflow's `champion` alias,
the production pointer and the model-status JSON, always together. Plain Python, no Dagster,
so the rollback job and the CLI share it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from training_platform.ml.artifacts import METADATA_FILE, MODEL_FILE, ModelArtifact, verify_artifact
from training_platform.storage.registry import ChampionRegistry

CHAMPION_ALIAS = "champion"


def promote(registry: ChampionRegistry, sport: str, artifact: ModelArtifact, report: dict, report_dir: str,
            production_dir: str | Path, mlflow_uri: str | None, run_id: str, forced: bool = False,
            action: str = "promote") -> dict:
    """Make `artifact` the champion of `sport`: append the registry row, move the MLflow alias,
    write the pointer and the model-status file. Returns the registry row."""
    meta = artifact.metadata()
    row = registry.record({
        "sport": sport, "market": meta.get("market", "moneyline"), "model": artifact.name, "version": artifact.version,
        "artifact_path": artifact.path, "sha256": artifact.sha256, "metrics": report["model"], "report_dir": report_dir,
        "dagster_run_id": run_id, "forced": bool(forced), "action": action,
        "mlflow_model_version": str(meta.get("mlflow_model_version") or ""),
    })
    if mlflow_uri and meta.get("mlflow_model_version"):
        set_champion_alias(mlflow_uri, sport, artifact.name, meta["mlflow_model_version"])
    production_dir = Path(production_dir)
    production_dir.mkdir(parents=True, exist_ok=True)
    pointer = {**{k: row[k] for k in ("sport", "market", "model", "version", "artifact_path", "sha256", "promoted_at",
                                      "dagster_run_id", "forced", "action", "entry_id")},
               "metrics": report["model"]}
    _write_json(production_dir / f"{sport}.json", pointer)
    _write_json(production_dir / f"{sport}.model_status.json", model_status(meta, report, row))
    return row


def model_status(meta: dict, report: dict, row: dict) -> dict:
    """The champion in the shape of the requirements' /api/model_status."""
    metrics = report["model"]
    return {
        "model_type": meta["model"], "model": meta["name"], "version": meta["version"], "sport": meta["sport"],
        "market": meta.get("market", "moneyline"),
        "accuracy": metrics["accuracy"], "auc": metrics.get("roc_auc"), "f1": metrics.get("f1"),
        "log_loss": metrics["log_loss"], "brier": metrics["brier"], "ece": metrics.get("ece"),
        "evaluated_on": {"seasons": report.get("seasons"), "games": report.get("games")},
        "last_trained": meta.get("trained_at"), "training_window": meta.get("training_window"),
        "features": meta.get("features", []), "samples": meta.get("training_games"),
        "calibration": meta.get("calibration"), "optimisation": meta.get("optimisation", {}),
        "params": meta.get("params", {}), "sha256": meta["sha256"],
        "promoted_at": row["promoted_at"], "forced": bool(row["forced"]), "action": row["action"],
    }


def rollback(registry: ChampionRegistry, sport: str, model_name: str, version: int, models_dir: str | Path,
             reports_dir: str | Path, production_dir: str | Path, mlflow_uri: str | None, run_id: str) -> dict:
    """Make an earlier version the champion again, after checking its bytes still hash to the
    SHA-256 recorded when it was saved. Appends a row; earlier rows are never changed."""
    directory = Path(models_dir) / model_name / f"v{version}"
    if not (directory / METADATA_FILE).exists():
        available = sorted(p.name for p in (Path(models_dir) / model_name).glob("v*")) if (Path(models_dir) / model_name).exists() else []
        raise ValueError(f"no artifact {model_name} v{version} under {models_dir}; versions on disk: {available or 'none'}")
    meta = json.loads((directory / METADATA_FILE).read_text())
    if meta["sport"] != sport:
        raise ValueError(f"{model_name} v{version} is a {meta['sport']} model, not {sport}")
    artifact = ModelArtifact(model_name, int(version), str(directory / MODEL_FILE), meta["sha256"])
    verify_artifact(artifact)  # never roll back to bytes that changed since they were saved
    report_dir = Path(reports_dir) / model_name / f"v{version}"
    if not (report_dir / "report.json").exists():
        raise ValueError(f"{model_name} v{version} has no report under {report_dir}; a model that was never "
                         f"evaluated cannot be champion (materialize reports/{model_name} for it first)")
    report = json.loads((report_dir / "report.json").read_text())
    return promote(registry, sport, artifact, report, str(report_dir), production_dir, mlflow_uri, run_id,
                   action="rollback")


def set_champion_alias(mlflow_uri: str, sport: str, registered_name: str, version: str | int) -> None:
    """Point the `champion` alias at this version, and take it off every other model of the sport."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    for model in client.search_registered_models(filter_string=f"name LIKE '%_{sport}'"):
        if model.name != registered_name and CHAMPION_ALIAS in (model.aliases or {}):
            try:
                client.delete_registered_model_alias(model.name, CHAMPION_ALIAS)
            except MlflowException:
                pass  # already gone
    client.set_registered_model_alias(registered_name, CHAMPION_ALIAS, str(version))


def champion_predictions(champion: dict | None) -> pd.DataFrame | None:
    """The champion's own walk-forward forecasts (game_id, p_home), from its report."""
    if not champion:
        return None
    path = Path(champion["report_dir"]) / "predictions.csv"
    return pd.read_csv(path, usecols=["game_id", "p_home"]) if path.exists() else None


def _write_json(path: Path, payload: dict) -> None:
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(payload, indent=2, default=str))
    staging.replace(path)  # readers never see half a file
