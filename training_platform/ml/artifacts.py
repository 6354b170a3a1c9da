"""Versioned model artifacts: joblib file + metadata JSON, SHA-256 verified before any load."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from training_platform.failpoints import failpoint
from training_platform.ml.provenance import pid_alive
from training_platform.storage.model_store import staging_dir, staging_leftovers, version_dir, versions

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


class ArtifactIntegrityError(RuntimeError):
    """The artifact on disk is not the one that was recorded: refuse to load it."""


@dataclass(frozen=True)
class ModelArtifact:
    name: str
    version: int
    path: str  # the joblib file
    sha256: str

    @property
    def directory(self) -> Path:
        return Path(self.path).parent

    def metadata(self) -> dict:
        return json.loads((self.directory / METADATA_FILE).read_text())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model, root: str | Path, name: str, metadata: dict) -> ModelArtifact:
    """Write `model` as the next version `root/name/v<N>/`; never overwrites a version."""
    (Path(root) / name).mkdir(parents=True, exist_ok=True)
    for leftover, pid in staging_leftovers(root, name):  # a staging folder whose writer died mid-save
        if pid is not None and not pid_alive(pid):
            shutil.rmtree(leftover, ignore_errors=True)
    version = 1 + max(versions(root, name), default=0)
    staging = staging_dir(root, name, version, os.getpid())
    staging.mkdir()
    import joblib  # with scikit-learn and friends: only when a model is saved or loaded

    joblib.dump(model, staging / MODEL_FILE)
    digest = sha256_of(staging / MODEL_FILE)
    record = {**metadata, "name": name, "version": version, "sha256": digest}
    (staging / METADATA_FILE).write_text(json.dumps(record, indent=2, sort_keys=True, default=str))
    failpoint("after_artifact_staging")
    final = version_dir(root, name, version)
    staging.rename(final)  # a version directory appears complete or not at all
    return ModelArtifact(name, version, str(final / MODEL_FILE), digest)


def find_version(root: str | Path, name: str, inputs_fingerprint: str) -> ModelArtifact | None:
    """The newest intact version of `name` fitted from inputs with this fingerprint, if any."""
    for version in reversed(versions(root, name)):
        try:
            meta = json.loads((version_dir(root, name, version) / METADATA_FILE).read_text())
        except (OSError, ValueError):
            continue
        if meta.get("inputs_fingerprint") == inputs_fingerprint:
            artifact = ModelArtifact(
                name, version, str(version_dir(root, name, version) / MODEL_FILE), meta["sha256"]
            )
            try:
                verify_artifact(artifact)
            except ArtifactIntegrityError:
                continue  # a damaged copy is never reused; a new version is fitted instead
            return artifact
    return None


def load_model(artifact: ModelArtifact):
    """Load the model after checking its bytes still hash to the recorded SHA-256."""
    import joblib

    verify_artifact(artifact)
    return joblib.load(artifact.path)


def verify_artifact(artifact: ModelArtifact) -> None:
    """Raise ArtifactIntegrityError unless the file exists and hashes to the recorded SHA-256."""
    path = Path(artifact.path)
    if not path.exists():
        raise ArtifactIntegrityError(f"{artifact.name} v{artifact.version}: {path} is missing")
    actual = sha256_of(path)
    if actual != artifact.sha256:
        raise ArtifactIntegrityError(
            f"{artifact.name} v{artifact.version}: {path} has SHA-256 {actual}, "
            f"recorded {artifact.sha256}; refusing to load a modified artifact"
        )
