"""Runs of the code location's own jobs for `tp`: the same assets, config and checks as the UI and the
schedule, in this process, in the instance at $DAGSTER_HOME (a throwaway one when it is unset)."""

from __future__ import annotations

import functools

import dagster as dg


@functools.cache  # one per command: its second run (promotion) reads what the first materialized
def instance() -> dg.DagsterInstance:
    from training_platform.settings import Settings

    return dg.DagsterInstance.get() if Settings.from_env().dagster_home else dg.DagsterInstance.ephemeral()


def run_job(job: str, selection: list[list[str]], run_config: dict, tags: dict) -> dg.ExecuteInJobResult:
    """`selection` of the job's assets (asset key paths), with the progress logger instead of Dagster's
    DEBUG stream (the run's full event log is in the instance, as for any run)."""
    from training_platform.definitions import defs

    return defs.resolve_job_def(job).execute_in_process(
        instance=instance(),
        run_config={**run_config, "loggers": {"progress": {}}},
        asset_selection=[dg.AssetKey(path) for path in selection],
        raise_on_error=False,
        tags=tags,
    )


def failure_message(result: dg.ExecuteInJobResult) -> str:
    """The first failed step's cause, on one line."""
    failures = result.get_step_failure_events()
    if not failures:
        return "the run failed"
    error = failures[0].step_failure_data.error
    while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
        error = error.cause
    first = error.message.strip().splitlines()[0]
    return f"{failures[0].step_key.replace('__', '/', 1)}: {first}"


def failed_checks(result: dg.ExecuteInJobResult) -> list[dg.AssetCheckEvaluation]:
    return [check for check in result.get_asset_check_evaluations() if not check.passed]
