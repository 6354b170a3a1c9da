"""Runs of the code location's own jobs for `tp`: the same assets, config and checks as the UI and the
schedule, in this process, in the instance at $DAGSTER_HOME (a throwaway one when it is unset)."""

from __future__ import annotations

import functools
from pathlib import Path

import dagster as dg

from training_platform.location import JOB_PAGE_TAGS


@functools.cache  # one per command: its second run (promotion) reads what the first materialized
def instance() -> dg.DagsterInstance:
    from training_platform.settings import Settings

    home = Settings.from_env().dagster_home
    if not home:
        return dg.DagsterInstance.ephemeral()
    path = Path(home).expanduser()  # as Dagster reads it
    if not path.is_absolute():
        raise ValueError(f"DAGSTER_HOME={home} is a relative path: Dagster needs an absolute one")
    if path.exists() and not path.is_dir():
        raise ValueError(
            f"DAGSTER_HOME={home} is a file: point DAGSTER_HOME at a directory (a new one is created)"
        )
    path.mkdir(parents=True, exist_ok=True)  # Dagster refuses a home that does not exist yet
    return dg.DagsterInstance.get()


def run_job(job: str, selection: list[list[str]], run_config: dict, tags: dict) -> dg.ExecuteInJobResult:
    """`selection` of the job's assets (asset key paths), with the progress logger instead of Dagster's
    DEBUG stream (the run's full event log is in the instance, as for any run)."""
    from training_platform.definitions import defs

    return defs.resolve_job_def(job).execute_in_process(
        instance=instance(),
        run_config={**run_config, "loggers": {"progress": {}}},
        asset_selection=[dg.AssetKey(path) for path in selection],
        raise_on_error=False,
        tags={**JOB_PAGE_TAGS, **tags},
    )


def root_error(result: dg.ExecuteInJobResult):
    """The first failed step's error, unwrapped from Dagster's step-execution wrapper; None if no step failed."""
    failures = result.get_step_failure_events()
    error = failures[0].step_failure_data.error if failures else None
    while (
        error is not None
        and error.cause is not None
        and error.cls_name == "DagsterExecutionStepExecutionError"
    ):
        error = error.cause
    return error


def failure_message(result: dg.ExecuteInJobResult) -> str:
    """The first failed step and its cause, on one line."""
    error = root_error(result)
    if error is None:
        return "the run failed"
    step = result.get_step_failure_events()[0].step_key.replace("__", "/", 1)
    return f"{step}: {error.message.strip().splitlines()[0]}"


def failed_checks(result: dg.ExecuteInJobResult) -> list[dg.AssetCheckEvaluation]:
    return [check for check in result.get_asset_check_evaluations() if not check.passed]
