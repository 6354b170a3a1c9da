"""Versioned model artifacts: joblib file + metadata JSON, SHA-256 verified before any load."""

from __future__ import annotations

import hashlib
import io
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
    staging.mkdir(mode=0o700)  # a private folder: nothing can be swapped in before the rename
    import joblib  # with scikit-learn and friends: only when a model is saved or loaded

    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()  # of the bytes made here, not of a file read back
    _write_new(staging / MODEL_FILE, data)
    record = {**metadata, "name": name, "version": version, "sha256": digest}
    _write_new(staging / METADATA_FILE, json.dumps(record, indent=2, sort_keys=True, default=str).encode())
    failpoint("after_artifact_staging")
    final = version_dir(root, name, version)
    staging.chmod(0o755)
    staging.rename(final)  # a version directory appears complete or not at all
    return ModelArtifact(name, version, str(final / MODEL_FILE), digest)


def _write_new(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


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
    """Load the model from the very bytes that hashed to the recorded SHA-256: the file is read once
    (never through a link), so nothing swapped in after the check is ever unpickled."""
    import joblib

    data = read_verified(artifact)
    return joblib.load(io.BytesIO(data))


def read_verified(artifact: ModelArtifact) -> bytes:
    """The artifact's bytes, if they hash to the recorded SHA-256; else ArtifactIntegrityError."""
    path = Path(artifact.path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise ArtifactIntegrityError(f"{artifact.name} v{artifact.version}: {path} is missing") from None
    except OSError as exc:
        raise ArtifactIntegrityError(
            f"{artifact.name} v{artifact.version}: {path} cannot be read ({exc})"
        ) from None
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != artifact.sha256:
        raise ArtifactIntegrityError(
            f"{artifact.name} v{artifact.version}: {path} has SHA-256 {actual}, "
            f"recorded {artifact.sha256}; refusing to load a modified artifact"
        )
    return data


def verify_artifact(artifact: ModelArtifact) -> None:
    """Raise ArtifactIntegrityError unless the file exists and hashes to the recorded SHA-256."""
    read_verified(artifact)
