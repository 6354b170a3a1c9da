"""Only the warehouse decides what is loaded or believed.

A model file is loaded only as `<models>/<name>/v<N>/model.joblib`, derived from its name and
version (never a path a report, pointer, metadata.json or stored Dagster value names), confined to
the models folder, and only if its bytes hash to the SHA-256 `model_versions` recorded when the
platform saved it. A report's files are read only if each still hashes to what `report_digests`
recorded when the platform wrote them. Anyone who can edit files under the data folder can then
break a load, but never get a different model loaded or a different figure compared.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from training_platform.ml.artifacts import (
    METADATA_FILE,
    MODEL_FILE,
    ArtifactIntegrityError,
    ModelArtifact,
    load_model,
    verify_artifact,
)
from training_platform.storage.model_store import ModelStore, version_dir
from training_platform.storage.registry import ChampionRegistry

MODEL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # e.g. elo_nfl, logistic_nfl_ats
FORECAST_COLUMNS = ["game_id", "p_home", "home_win"]


class UnverifiedReport(RuntimeError):
    """A report's files are not the ones the platform wrote: they are never read as evidence."""


def relative_artifact_path(name: str, version: int) -> str:
    """What model_versions and the registry store: the artifact's place inside the models folder."""
    return f"{name}/v{int(version)}/{MODEL_FILE}"


def recorded_artifact(
    registry: ChampionRegistry,
    models_dir: str | Path,
    name: str,
    version: int,
    claimed_sha256: str | None = None,
    claimed_by: str = "",
) -> ModelArtifact:
    """`name` v`version` as the warehouse recorded it, its bytes verified. `claimed_sha256` is what a
    report, a registry row or a stored value says the artifact is: it must be the recorded one."""
    if not MODEL_NAME.match(str(name)):
        raise ArtifactIntegrityError(f"{name!r} is not a model name; nothing is loaded")
    root = Path(models_dir).resolve()
    path = version_dir(models_dir, name, version) / MODEL_FILE
    if root not in path.resolve().parents:  # a planted symlink leads out of the models folder
        raise ArtifactIntegrityError(
            f"{name} v{version}: {path} resolves to {path.resolve()}, outside the models folder {root}; "
            "refusing to load it"
        )
    record = registry.recorded_version(name, int(version))
    recorded = record["sha256"] if record else None
    if recorded is None:
        raise ArtifactIntegrityError(
            f"{name} v{version} was never recorded by models/{name} in the warehouse; an artifact the "
            "platform did not save is never loaded"
        )
    if claimed_sha256 is not None and claimed_sha256 != recorded:
        raise ArtifactIntegrityError(
            f"{claimed_by or 'the caller'} names {name} v{version} with SHA-256 {claimed_sha256}, but the "
            f"warehouse recorded {recorded} when it was saved; refusing it (re-materialize the asset that "
            "wrote that claim)"
        )
    artifact = ModelArtifact(name, int(version), str(path.resolve()), recorded)
    verify_artifact(artifact)
    metadata = record["metadata_sha256"]
    if metadata is not None:  # its windows, market and MLflow version are believed only as saved
        actual = hashlib.sha256((path.parent / METADATA_FILE).read_bytes()).hexdigest()
        if actual != metadata:
            raise ArtifactIntegrityError(
                f"{name} v{version}: {path.parent / METADATA_FILE} has SHA-256 {actual}, recorded {metadata} "
                "when it was saved; refusing a version whose metadata changed"
            )
    return artifact


def load_recorded(registry: ChampionRegistry, models_dir, name, version, claimed_sha256=None, claimed_by=""):
    """The fitted model of `name` v`version`, unpickled only after `recorded_artifact` vouched for it."""
    return load_model(recorded_artifact(registry, models_dir, name, version, claimed_sha256, claimed_by))


def artifact_of_row(registry: ChampionRegistry, models_dir: str | Path, row: dict) -> ModelArtifact:
    """A registry row's artifact. The row's path must be the version's own place (relative, or an
    absolute path from before the data folder moved that ends in it): any other path is refused."""
    stored = str(row.get("artifact_path") or "")
    own = relative_artifact_path(row["model"], row["version"])
    if stored and stored != own and not stored.endswith("/" + own):
        raise ArtifactIntegrityError(
            f"registry entry {row.get('entry_id')} names {stored} for {row['model']} v{row['version']}, "
            f"not {own} inside the models folder; refusing it"
        )
    return recorded_artifact(
        registry, models_dir, row["model"], int(row["version"]), row["sha256"], "the registry row"
    )


@dataclass(frozen=True)
class VerifiedReport:
    report: dict  # report.json, its report_dir the folder where it now is
    forecasts: pd.DataFrame  # its walk-forward forecasts: game_id, p_home, home_win
    directory: Path


def read_verified_report(
    registry: ChampionRegistry, store: ModelStore, name: str, report_dir: str | Path
) -> VerifiedReport:
    """The report `name` whose folder is named like `report_dir`'s, read from the bytes whose SHA-256
    the warehouse recorded (each file read once, so what is checked is what is parsed). The folder is
    `<reports>/<name>/<its name>` wherever `report_dir` says it was: a report names no other place."""
    directory = Path(store.reports_dir) / name / Path(str(report_dir)).name
    recorded = registry.recorded_report(name, directory.name)
    if recorded is None:
        raise UnverifiedReport(
            f"{directory}: no digest of its files is recorded in the warehouse (written by older code, or not "
            f"by the platform); it is not read. Re-materialize reports/{name} to evaluate the model again"
        )
    if not directory.is_dir():
        raise UnverifiedReport(f"{directory} is gone; re-materialize reports/{name}")
    contents = {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}
    actual = {file: hashlib.sha256(data).hexdigest() for file, data in contents.items()}
    changed = sorted(f for f in set(recorded) | set(actual) if recorded.get(f) != actual.get(f))
    if changed:
        raise UnverifiedReport(
            f"{directory}: {', '.join(changed)} changed since the platform wrote the report (their SHA-256 "
            f"no longer match the warehouse's record); it is not read. Re-materialize reports/{name}"
        )
    report = {**json.loads(contents["report.json"]), "report_dir": str(directory)}
    forecasts = pd.read_csv(io.BytesIO(contents["predictions.csv"]), usecols=FORECAST_COLUMNS)
    return VerifiedReport(report, forecasts, directory)
