"""MLflow tracking on MLflow's own API: one run per materialization, nested runs per trial.

Runs are always ended, also when the step fails, so the next run in the same process can
start (dagster-mlflow's resource is not used: one MLflow run per Dagster run; see test_mlflow_ecosystem.py).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from training_platform.ml.provenance import is_dead, process_tag
from training_platform.redaction import credentials_scrubbed
from training_platform.settings import allow_mlflow_file_store

allow_mlflow_file_store()


@contextmanager
def tracked_run(
    tracking_uri: str,
    experiment: str,
    run_name: str,
    tags: dict[str, str],
    artifact_location: str | None = None,
) -> Iterator[object]:
    import mlflow

    with credentials_scrubbed(tracking_uri):  # MLflow's errors name the URI, password and all
        mlflow.set_tracking_uri(tracking_uri)
        if artifact_location:
            _retire_if_moved(mlflow.MlflowClient(), experiment, Path(artifact_location).resolve())
        if artifact_location and mlflow.get_experiment_by_name(experiment) is None:
            # Without this, artifacts of a sqlite store land in ./mlruns of whatever directory runs it.
            mlflow.create_experiment(experiment, artifact_location=Path(artifact_location).resolve().as_uri())
        mlflow.set_experiment(experiment)
        # MLflow 3 opens an experiment without this tag in GenAI mode; these are classical model runs.
        mlflow.set_experiment_tag("mlflow.experimentKind", "custom_model_development")
        while mlflow.active_run() is not None:  # never nest under a run someone else left open
            mlflow.end_run()
        _fail_orphaned_runs(
            mlflow.MlflowClient(), mlflow.get_experiment_by_name(experiment).experiment_id, run_name
        )
        run = mlflow.start_run(
            run_name=run_name,
            tags={**tags, **_dagster_link(tags.get("dagster_run_id")), "tp.process": process_tag()},
        )
        try:
            yield run
        except BaseException:
            mlflow.end_run(status="FAILED")
            raise
        else:
            mlflow.end_run()


def _retire_if_moved(client, experiment: str, artifact_root: Path) -> None:
    """An experiment whose artifacts were kept in a local folder that is gone while the configured one is
    elsewhere (the data folder moved) is renamed, keeping its history, so that a new one of the same name
    keeps its artifacts where the data folder is now, never under the old path."""
    from urllib.parse import unquote, urlparse

    found = client.get_experiment_by_name(experiment)
    if found is None or not str(found.artifact_location).startswith("file:"):
        return
    old = Path(unquote(urlparse(found.artifact_location).path))
    if old != artifact_root and not old.exists():
        client.rename_experiment(found.experiment_id, f"{experiment} (artifacts were in {old})")


def _fail_orphaned_runs(client, experiment_id: str, run_name: str) -> None:
    """Runs of this asset, and their nested trial runs, left RUNNING by a process that died are
    marked FAILED, so the store never shows a crashed materialization as still running."""
    running = client.search_runs(
        [experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=500
    )
    dead = {
        r.info.run_id
        for r in running
        if r.info.run_name == run_name and is_dead(r.data.tags.get("tp.process"))
    }
    for run in running:
        if run.info.run_id in dead or run.data.tags.get("mlflow.parentRunId") in dead:
            client.set_terminated(run.info.run_id, status="FAILED")


class TrialLogger:
    """Logs each finished Optuna trial as a nested run of the active run, on a background thread.

    Tuning is CPU-bound on one core; the store writes overlap with it instead of adding to
    it. `close()` waits for every trial to be logged and re-raises a logging error.
    """

    def __init__(self):
        import mlflow

        self._parent = mlflow.active_run()
        self._client = mlflow.MlflowClient()
        self._queue: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="mlflow-trials", daemon=True)
        self._thread.start()

    def __call__(self, trial) -> None:
        self._queue.put(trial)

    def _work(self) -> None:
        while (trial := self._queue.get()) is not None:
            if self._error is None:
                try:
                    _log_trial(self._client, self._parent, trial)
                except BaseException as exc:  # surfaced by close()
                    self._error = exc

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise RuntimeError(f"logging Optuna trials to MLflow failed: {self._error}") from self._error


def _log_trial(client, parent, trial) -> None:
    """One trial as a nested run in three store calls (create, one batch, terminate)."""
    import time

    from mlflow.entities import Metric, Param, RunTag

    run = client.create_run(
        parent.info.experiment_id,
        run_name=f"trial-{trial.number}",
        tags={"mlflow.parentRunId": parent.info.run_id, "state": trial.state.name},
    )
    now = int(time.time() * 1000)
    metrics = [
        Metric("running_cv_log_loss", value, now, step)
        for step, value in sorted(trial.intermediate_values.items())
    ]
    if trial.value is not None:
        metrics.append(Metric("cv_log_loss", trial.value, now, 0))
    client.log_batch(
        run.info.run_id,
        metrics=metrics,
        params=[Param(k, str(v)) for k, v in trial.params.items()],
        tags=[RunTag("optuna_trial", str(trial.number))],
    )
    client.set_terminated(run.info.run_id, status="FINISHED")


def _dagster_link(run_id: str | None) -> dict[str, str]:
    """The run's description (MLflow renders it as markdown): a link back to the Dagster run that made it."""
    if not run_id:
        return {}
    from training_platform.settings import Settings

    url = f"{Settings.from_env().dagster_ui_url.rstrip('/')}/runs/{run_id}"
    return {"dagster_run_url": url, "mlflow.note.content": f"Made by Dagster run [{run_id}]({url})."}


@credentials_scrubbed()
def tag_model_version(tracking_uri: str, name: str, version: str | int, tags: dict) -> None:
    """Facts about a registered version learnt after it was registered: its SHA-256, its gates, a forced
    promotion. Best effort on a version MLflow no longer has (the registry of record is the warehouse)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        for key, value in tags.items():
            client.set_model_version_tag(name, str(version), key, str(value))
    except MlflowException:
        pass


@credentials_scrubbed()
def log_model(model, name: str, input_example, registered_name: str) -> str:
    """Log a fitted classifier with its signature and register it as a new version."""
    import logging
    import warnings

    import mlflow
    from mlflow.models import infer_signature

    # Nothing a user can act on: the schema hint is about integer columns the gold features always fill,
    # and the artifact's integrity is guarded by its recorded SHA-256, not by the pickle format.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer column")
        logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)
        signature = infer_signature(input_example, model.predict_proba(input_example))
        info = mlflow.sklearn.log_model(
            model,
            name=name,
            signature=signature,
            input_example=input_example,
            registered_model_name=registered_name,
            serialization_format="cloudpickle",
            pip_requirements=serving_requirements(),
        )
    return str(info.registered_model_version)


SERVING_PACKAGES = (
    "scikit-learn",
    "numpy",
    "pandas",
    "scipy",
    "cloudpickle",
    "xgboost-cpu",
    "imbalanced-learn",
)


def serving_requirements() -> list[str]:
    """What loading a logged model needs, pinned to this environment. Given explicitly: otherwise MLflow
    starts a process that loads the model to infer them, several seconds on every registration."""
    from importlib.metadata import PackageNotFoundError, version

    pinned = []
    for package in SERVING_PACKAGES:
        try:
            pinned.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return pinned


@credentials_scrubbed()
def drop_orphaned_versions(tracking_uri: str, name: str, models_dir: str) -> None:
    """Delete registered versions of `name` whose run failed before its artifact was saved (a crash
    between registration and save): MLflow's versions then map one-to-one to artifacts on disk."""
    import json

    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    from training_platform.storage.model_store import version_dir, versions

    saved = set()
    for number in versions(models_dir, name):
        meta = version_dir(models_dir, name, number) / "metadata.json"
        if meta.exists():
            saved.add(str(json.loads(meta.read_text()).get("mlflow_model_version")))
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except MlflowException:
        return
    for version in versions:
        if str(version.version) in saved or not version.run_id:
            continue
        if client.get_run(version.run_id).info.status == "FAILED":
            client.delete_model_version(name, version.version)


def run_url(ui_url: str, run) -> str:
    return f"{ui_url.rstrip('/')}/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}"
