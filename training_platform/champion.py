"""A sport's champion: the registry row is the record; the pointer file, the model-status file and
MLflow's `champion` alias are copies derived from it by `reconcile`, which every production run
calls, so a crash between the record and its copies heals on the next run. Plain Python, no
Dagster: production/<sport> and the CLI share it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from training_platform.failpoints import failpoint
from training_platform.ml.artifacts import MODEL_FILE, ModelArtifact, verify_artifact
from training_platform.ml.modeling.markets import MARKETS
from training_platform.storage.model_store import ModelStore
from training_platform.storage.registry import ChampionRegistry

CHAMPION_ALIAS = "champion"
_MODEL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def record_champion(
    registry: ChampionRegistry,
    sport: str,
    artifact: ModelArtifact,
    report: dict,
    run_id: str,
    forced: bool = False,
    action: str = "promote",
) -> dict:
    """Append the registry row that makes `artifact` the champion, after verifying its bytes."""
    verify_artifact(artifact)
    meta = artifact.metadata()
    row = registry.record(
        {
            "sport": sport,
            "market": meta.get("market", "moneyline"),
            "model": artifact.name,
            "version": artifact.version,
            "artifact_path": artifact.path,
            "sha256": artifact.sha256,
            "metrics": report["model"],
            "report_dir": report["report_dir"],
            "dagster_run_id": run_id,
            "forced": bool(forced),
            "action": action,
            "mlflow_model_version": str(meta.get("mlflow_model_version") or ""),
        }
    )
    failpoint("during_promotion")  # the record is written; its copies are reconciled by the caller
    return row


def reconcile(
    registry: ChampionRegistry,
    sport: str,
    store: ModelStore,
    mlflow_uri: str | None,
    market: str = "moneyline",
) -> dict | None:
    """Rewrite the pointer and model-status files and move MLflow's alias to match the registry's
    current row of the sport and market. Returns that row (None when it has no champion yet)."""
    seat = MARKETS[market].seat(sport)
    row = registry.current(sport, market)
    if row is None:
        return None
    artifact = artifact_of(row)
    verify_artifact(artifact)  # copies are never pointed at bytes that changed
    meta = artifact.metadata()
    report = report_of_row(row) or {"model": row["metrics"]}
    Path(store.production_dir).mkdir(parents=True, exist_ok=True)
    pointer = {
        **{
            k: row[k]
            for k in (
                "sport",
                "market",
                "model",
                "version",
                "artifact_path",
                "sha256",
                "promoted_at",
                "dagster_run_id",
                "forced",
                "action",
                "entry_id",
            )
        },
        "metrics": row["metrics"],
    }
    _write_json(store.pointer(seat), pointer)
    _write_json(store.model_status(seat), model_status(meta, report, row))
    if mlflow_uri and row.get("mlflow_model_version"):
        set_champion_alias(mlflow_uri, seat, row["model"], row["mlflow_model_version"])
        from training_platform.ml.tracking import tag_model_version

        forced = " FORCED past the champion comparison" if row.get("forced") else ""
        tag_model_version(
            mlflow_uri,
            row["model"],
            row["mlflow_model_version"],
            {
                "last_promotion": f"{row['action']}, registry entry {row['entry_id']}{forced}",
                "forced": bool(row.get("forced")),
            },
        )
    return row


def stale_copies(
    registry: ChampionRegistry,
    sport: str,
    store: ModelStore,
    mlflow_uri: str | None,
    market: str = "moneyline",
) -> list[str]:
    """The derived copies that disagree with the registry's current row (what `reconcile` would rewrite)."""
    row = registry.current(sport, market)
    if row is None:
        return []
    stale = []
    seat = MARKETS[market].seat(sport)
    for path in (store.pointer(seat), store.model_status(seat)):
        try:
            copy = json.loads(path.read_text())
        except (OSError, ValueError):
            copy = {}
        if (copy.get("sha256"), copy.get("promoted_at")) != (row["sha256"], str(row["promoted_at"])):
            stale.append(str(path))
    if mlflow_uri and row.get("mlflow_model_version"):
        import mlflow
        from mlflow.exceptions import MlflowException

        client = mlflow.MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
        try:
            alias = client.get_registered_model(row["model"]).aliases.get(CHAMPION_ALIAS)
        except MlflowException:
            alias = None
        if str(alias) != str(row["mlflow_model_version"]):
            stale.append(f"MLflow alias {row['model']}@{CHAMPION_ALIAS}")
    return stale


def artifact_of(row: dict) -> ModelArtifact:
    return ModelArtifact(row["model"], int(row["version"]), row["artifact_path"], row["sha256"])


def model_status(meta: dict, report: dict, row: dict) -> dict:
    """The champion in the shape of the requirements' /api/model_status."""
    metrics = report["model"]
    return {
        "model_type": meta["model"],
        "model": meta["name"],
        "version": meta["version"],
        "sport": meta["sport"],
        "market": meta.get("market", "moneyline"),
        "variant": report.get("variant"),
        "accuracy": metrics["accuracy"],
        "auc": metrics.get("roc_auc"),
        "f1": metrics.get("f1"),
        "log_loss": metrics["log_loss"],
        "brier": metrics["brier"],
        "ece": metrics.get("ece"),
        "evaluated_on": {
            "seasons": report.get("seasons"),
            "games": report.get("games"),
            "backtest_window": report.get("backtest_window"),
            "tuning_window": report.get("tuning_window"),
        },
        "last_trained": meta.get("trained_at"),
        "training_window": meta.get("training_window"),
        "features": meta.get("features", []),
        "samples": meta.get("training_games"),
        "calibration": meta.get("calibration"),
        "optimisation": meta.get("optimisation", {}),
        "params": meta.get("params", {}),
        "sha256": meta["sha256"],
        "promoted_at": row["promoted_at"],
        "forced": bool(row["forced"]),
        "action": row["action"],
    }


def stored_version(
    registry: ChampionRegistry,
    store: ModelStore,
    sport: str,
    model_name: str,
    version: int,
    market: str = "moneyline",
) -> tuple[ModelArtifact, dict]:
    """An earlier version of `model_name` and its latest report, for a rollback or a manual promotion.

    The name must be a model of `sport` and the folder inside the models folder (no path tricks);
    the artifact's bytes must still hash to the SHA-256 the warehouse recorded when it was saved
    (never the metadata file beside it, which anyone editing the artifact could edit too); a
    version never evaluated cannot be champion."""
    seat = MARKETS[market].seat(sport)
    if not _MODEL_NAME.match(model_name) or not model_name.endswith(f"_{seat}"):
        where = sport if market == "moneyline" else f"{sport} {market}"
        other = [m for m in MARKETS if m != market and model_name.endswith(f"_{MARKETS[m].seat(sport)}")]
        hint = f" (a model of the {other[0]} market: pass --market {other[0]})" if other else ""
        raise ValueError(f"{model_name!r} is not a {where} model name such as elo_{seat}{hint}")
    root = Path(store.models_dir).resolve()
    directory = store.version_dir(model_name, version).resolve()
    if root not in directory.parents:
        raise ValueError(f"{directory} is outside the models folder {root}")
    if not (directory / MODEL_FILE).exists():
        found = [f"v{n}" for n in store.versions(model_name)]
        raise ValueError(
            f"no artifact {model_name} v{version} under {store.models_dir}; versions on disk: {found or 'none'}"
        )
    recorded = registry.recorded_sha256(model_name, int(version))
    if recorded is None:
        raise ValueError(
            f"{model_name} v{version} was never recorded by models/{model_name} in the warehouse; "
            "an artifact the platform did not save is never loaded"
        )
    artifact = ModelArtifact(model_name, int(version), str(directory / MODEL_FILE), recorded)
    verify_artifact(artifact)
    reports = store.reports_of(model_name, version)
    if not reports:
        raise ValueError(
            f"{model_name} v{version} has no report under {store.reports_dir}; a model that was never "
            f"evaluated cannot be champion (materialize reports/{model_name} for it first)"
        )
    return artifact, json.loads(reports[-1].read_text())


def refuse_current_champion(
    registry: ChampionRegistry, sport: str, model_name: str, version: int, market: str = "moneyline"
) -> None:
    """A rollback or promotion to the version that is already champion would only append a row."""
    current = registry.current(sport, market)
    if current is not None and (current["model"], int(current["version"])) == (model_name, int(version)):
        raise ValueError(
            f"{model_name} v{version} is already the {MARKETS[market].seat(sport)} champion; nothing changed"
        )


def set_champion_alias(mlflow_uri: str, seat: str, registered_name: str, version: str | int) -> None:
    """Point the `champion` alias at this version, and take it off every other model of the seat (a sport
    and market: nfl, nfl_ats; `%_nfl` matches no model of nfl_ats)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    # by suffix in Python: in LIKE '%_nba' the underscore matches any character, so elo_wnba too
    for model in client.search_registered_models():
        if not model.name.endswith(f"_{seat}"):
            continue
        if model.name != registered_name and CHAMPION_ALIAS in (model.aliases or {}):
            try:
                client.delete_registered_model_alias(model.name, CHAMPION_ALIAS)
            except MlflowException:
                pass  # already gone
    current = client.get_registered_model(registered_name).aliases.get(CHAMPION_ALIAS)
    if str(current) != str(version):
        client.set_registered_model_alias(registered_name, CHAMPION_ALIAS, str(version))


def report_of_row(row: dict) -> dict | None:
    """The report.json a registry row names, or None if its files are gone."""
    path = Path(row["report_dir"]) / "report.json"
    return json.loads(path.read_text()) if path.exists() else None


def report_forecasts(report_dir: str | Path) -> pd.DataFrame:
    """A report's walk-forward forecasts (game_id, p_home, home_win); empty if its files are gone."""
    path = Path(report_dir) / "predictions.csv"
    if not path.exists():
        return pd.DataFrame(columns=["game_id", "p_home", "home_win"])
    return pd.read_csv(path, usecols=["game_id", "p_home", "home_win"])


def _write_json(path: Path, payload: dict) -> None:
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(payload, indent=2, default=str))
    staging.replace(path)  # readers never see half a file
