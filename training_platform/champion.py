"""A sport's champion: the registry row is the record; the pointer file, the model-status file and
MLflow's `champion` alias are copies derived from it by `reconcile`, which every production run
calls, so a crash between the record and its copies heals on the next run. Plain Python, no
Dagster: production/<sport> and the CLI share it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from training_platform.failpoints import failpoint
from training_platform.ml.artifacts import ModelArtifact, verify_artifact
from training_platform.ml.modeling.markets import MARKETS
from training_platform.ml.registry_mirror import (
    CHAMPION_ALIAS,
    champion_alias,
    mirror_of,
    mirrored_version,
    set_champion_alias,
)
from training_platform.ml.verified import (
    MODEL_NAME,
    UnverifiedReport,
    VerifiedReport,
    artifact_of_row,
    read_verified_report,
    recorded_artifact,
    relative_artifact_path,
)
from training_platform.redaction import credentials_scrubbed
from training_platform.storage.files import write_atomically
from training_platform.storage.model_store import ModelStore
from training_platform.storage.registry import ChampionRegistry

log = logging.getLogger(__name__)


def record_champion(
    registry: ChampionRegistry,
    sport: str,
    artifact: ModelArtifact,
    report: dict,
    run_id: str,
    forced: bool = False,
    action: str = "promote",
    market: str = "moneyline",
) -> dict:
    """Append the registry row that makes `artifact` the champion, after verifying its bytes
    (`artifact` comes from ml/verified.recorded_artifact: the warehouse's record, never a report's)."""
    verify_artifact(artifact)
    meta = artifact.metadata()
    row = registry.record(
        {
            "sport": sport,
            "market": market,  # the seat's own, never a file's word
            "model": artifact.name,
            "version": artifact.version,
            "artifact_path": relative_artifact_path(artifact.name, artifact.version),
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
    artifact = artifact_of_row(registry, store.models_dir, row)  # copies never point at changed bytes
    Path(store.production_dir).mkdir(parents=True, exist_ok=True)
    for path, payload, exact in _derived_copies(registry, store, row, artifact, seat):
        if exact or not _copy_of(path, row):
            _write_json(path, payload)
    if mlflow_uri:  # MLflow's registry is a copy too: a lost or emptied store gets the version back
        version = mirrored_version(mlflow_uri, artifact, row.get("mlflow_model_version"))
        set_champion_alias(mlflow_uri, seat, row["model"], version)
        from training_platform.ml.tracking import tag_model_version

        forced = " FORCED past the champion comparison" if row.get("forced") else ""
        tag_model_version(
            mlflow_uri,
            row["model"],
            version,
            {
                "last_promotion": f"{row['action']}, registry entry {row['entry_id']}{forced}",
                "forced": bool(row.get("forced")),
            },
        )
    return row


@credentials_scrubbed()
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
    seat = MARKETS[market].seat(sport)
    artifact = artifact_of_row(registry, store.models_dir, row)
    stale = [
        str(path)
        for path, payload, exact in _derived_copies(registry, store, row, artifact, seat)
        if not _copy_of(path, row, payload if exact else None)
    ]
    if mlflow_uri:
        expected = mirror_of(mlflow_uri, artifact) or row.get("mlflow_model_version")
        alias = champion_alias(mlflow_uri, row["model"])
        if alias is None or str(alias) != str(expected):
            stale.append(f"MLflow alias {row['model']}@{CHAMPION_ALIAS}")
    return stale


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
    if not MODEL_NAME.match(model_name) or not model_name.endswith(f"_{seat}"):
        where = sport if market == "moneyline" else f"{sport} {market}"
        other = [m for m in MARKETS if m != market and model_name.endswith(f"_{MARKETS[m].seat(sport)}")]
        hint = f" (a model of the {other[0]} market: pass --market {other[0]})" if other else ""
        raise ValueError(f"{model_name!r} is not a {where} model name such as elo_{seat}{hint}")
    if not store.version_dir(model_name, version).exists():
        found = [f"v{n}" for n in store.versions(model_name)]
        raise ValueError(
            f"no artifact {model_name} v{version} under {store.models_dir}; versions on disk: {found or 'none'}"
        )
    artifact = recorded_artifact(registry, store.models_dir, model_name, int(version))
    problems = []
    for folder in registry.recorded_report_folders(model_name, version):  # newest first, by the record
        try:
            return artifact, read_verified_report(registry, store, model_name, folder).report
        except (UnverifiedReport, OSError, ValueError, KeyError) as exc:
            problems.append(str(exc))
    raise ValueError(
        f"{model_name} v{version} has no report under {store.reports_dir} that the warehouse vouches for; "
        f"a model that was never evaluated cannot be champion (materialize reports/{model_name} for it first)"
        + (f". Refused: {'; '.join(problems)}" if problems else "")
    )


def refuse_current_champion(
    registry: ChampionRegistry, sport: str, model_name: str, version: int, market: str = "moneyline"
) -> None:
    """A rollback or promotion to the version that is already champion would only append a row."""
    current = registry.current(sport, market)
    if current is not None and (current["model"], int(current["version"])) == (model_name, int(version)):
        raise ValueError(
            f"{model_name} v{version} is already the {MARKETS[market].seat(sport)} champion; nothing changed"
        )


def verified_report_of_row(registry: ChampionRegistry, store: ModelStore, row: dict) -> VerifiedReport | None:
    """The report a registry row names, read only if its files are the ones the platform wrote; None if
    they are gone or changed (logged: the champion's figures then come from the row alone)."""
    try:
        return read_verified_report(registry, store, row["model"], row["report_dir"])
    except (UnverifiedReport, OSError, ValueError) as exc:
        log.warning(f"the report of {row['model']} v{row['version']} is not read: {exc}")
        return None


def _derived_copies(registry, store: ModelStore, row: dict, artifact: ModelArtifact, seat: str) -> list:
    """(path, what it must hold, exactly?) for the pointer and the model-status file. While the row's report
    cannot be verified the status is not exact: a copy derived from this row while it could be is kept."""
    verified = verified_report_of_row(registry, store, row)
    keys = ("sport", "market", "model", "version", "sha256", "promoted_at", "dagster_run_id", "forced")
    pointer = {
        **{k: row[k] for k in (*keys, "action", "entry_id")},
        "artifact_path": artifact.path,  # where it is now (the row keeps its place in the models folder)
        "metrics": row["metrics"],
    }
    report = verified.report if verified else {"model": row["metrics"]}
    status = model_status(artifact.metadata(), report, row)
    return [(store.pointer(seat), pointer, True), (store.model_status(seat), status, verified is not None)]


def _copy_of(path: Path, row: dict, payload: dict | None = None) -> bool:
    """Whether the file at `path` holds `payload` exactly (None: any copy derived from this row)."""
    try:
        copy = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if payload is not None:
        return copy == json.loads(json.dumps(payload, default=str))
    return (copy.get("sha256"), copy.get("promoted_at")) == (row["sha256"], str(row["promoted_at"]))


def _write_json(path: Path, payload: dict) -> None:
    write_atomically(path, json.dumps(payload, indent=2, default=str).encode())
