"""MLflow's model registry as a copy of the warehouse's: the champion's version and its alias are put
back from the one record whenever they are missing (a lost, emptied or replaced mlflow.db), from the
artifact the warehouse vouches for."""

from __future__ import annotations

from training_platform.ml.artifacts import ModelArtifact
from training_platform.redaction import credentials_scrubbed
from training_platform.settings import allow_mlflow_file_store

CHAMPION_ALIAS = "champion"


def _client(mlflow_uri: str):
    import mlflow

    allow_mlflow_file_store()  # and MLflow's short timeouts: `tp status` may reach here first
    return mlflow.MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)


@credentials_scrubbed()
def mirror_of(mlflow_uri: str, artifact: ModelArtifact) -> str | None:
    """The MLflow version registered for these bytes (tagged with their SHA-256), None if MLflow has none."""
    from mlflow.exceptions import MlflowException

    try:
        found = _client(mlflow_uri).search_model_versions(f"name='{artifact.name}'")
    except MlflowException:
        return None
    return next((v.version for v in found if v.tags.get("sha256") == artifact.sha256), None)


@credentials_scrubbed()
def mirrored_version(mlflow_uri: str, artifact: ModelArtifact, recorded: str | int | None = None) -> str:
    """The MLflow version of `artifact` (verified by the caller): the one tagged with its SHA-256, else
    the `recorded` one if MLflow has it untagged (older code), else a version registered now from the
    artifact's folder and tagged as restored from the warehouse."""
    from mlflow.exceptions import MlflowException

    client = _client(mlflow_uri)
    if (found := mirror_of(mlflow_uri, artifact)) is not None:
        return str(found)
    try:
        client.get_registered_model(artifact.name)
    except MlflowException:
        client.create_registered_model(artifact.name, description="restored from the warehouse's registry")
    if recorded:
        try:
            if "sha256" not in client.get_model_version(artifact.name, str(recorded)).tags:
                return str(recorded)
        except MlflowException:
            pass  # gone with the store it was in
    restored = client.create_model_version(
        artifact.name,
        source=artifact.directory.resolve().as_uri(),
        tags={
            "sha256": artifact.sha256,
            "artifact_version": str(artifact.version),
            "restored_from": "the warehouse's model_registry",
        },
        description=f"{artifact.name} v{artifact.version}, registered again from its verified artifact",
    )
    return str(restored.version)


@credentials_scrubbed()
def champion_alias(mlflow_uri: str, name: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        alias = _client(mlflow_uri).get_registered_model(name).aliases.get(CHAMPION_ALIAS)
    except MlflowException:
        return None
    return None if alias is None else str(alias)


@credentials_scrubbed()
def set_champion_alias(mlflow_uri: str, seat: str, registered_name: str, version: str | int) -> None:
    """Point the `champion` alias at this version, and take it off every other model of the seat (a sport
    and market: nfl, nfl_ats; `%_nfl` matches no model of nfl_ats)."""
    from mlflow.exceptions import MlflowException

    client = _client(mlflow_uri)
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
