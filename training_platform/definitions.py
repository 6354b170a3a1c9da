"""The code location: `dagster dev` / `dagster asset materialize -m training_platform.definitions`."""

import warnings

import dagster as dg

from training_platform.defs.automation.schedules import weekly_schedule
from training_platform.defs.automation.sensors import (
    automation_condition_sensor,
    champion_drift_sensor,
    gate_outcome_sensor,
    new_raw_data_sensor,
    retrain_after_ingest,
    stale_features_sensor,
)
from training_platform.defs.features.assets import features_gold
from training_platform.defs.jobs import ingest_job, promote_jobs, train_jobs
from training_platform.defs.loggers import LOGGERS
from training_platform.defs.models.assets import model_assets
from training_platform.defs.predictions.assets import predictions_assets
from training_platform.defs.production.assets import production_assets
from training_platform.defs.raw.assets import raw_games
from training_platform.defs.reports.assets import report_assets, report_checks
from training_platform.defs.resources import default_resources
from training_platform.defs.tuning.assets import tuning_assets
from training_platform.settings import Settings

# dagster.yaml's JSON-lines handler (python_logs) is Dagster's own hook, marked beta: nothing a user can act on.
warnings.filterwarnings(
    "ignore", message="Handling yaml-defined logging configuration", category=dg.BetaWarning
)

ALL_ASSETS = [
    raw_games,
    features_gold,
    *tuning_assets,
    *model_assets,
    *report_assets,
    *production_assets,
    *predictions_assets,
]


def executor(settings: Settings):
    """The executor of every job that does not pick its own (ingest and promotion run in one process):
    Dagster's default (one process per step, or in_process by run config), or dagster-k8s's Kubernetes
    Job per step (TP_EXECUTOR=k8s, run config in deploy/kubernetes/run_config.yaml)."""
    if settings.executor == "k8s":
        from dagster_k8s import k8s_job_executor  # the cluster extra: pip install -e '.[k8s]'

        return k8s_job_executor
    return None


defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=report_checks,
    jobs=[ingest_job, *train_jobs.values(), *promote_jobs.values()],
    schedules=[weekly_schedule],
    sensors=[
        automation_condition_sensor,
        new_raw_data_sensor,
        stale_features_sensor,
        retrain_after_ingest,
        gate_outcome_sensor,
        champion_drift_sensor,
    ],
    resources=default_resources(by_reference=True),  # credentials stay in the environment
    loggers=LOGGERS,
    executor=executor(Settings.from_env()),
)
