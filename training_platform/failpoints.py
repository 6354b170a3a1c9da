"""Named points where the crash tests kill a run: with TP_FAILPOINT=<name> set, reaching that point
sends SIGKILL to the whole process group, as a killed `dagster asset materialize` dies. Unset (always,
outside those tests) it does nothing. The points: during_tuning, after_artifact_staging,
after_mlflow_registration, during_report, during_promotion, and between_raw_and_features (raw/games
written, features/gold not yet)."""

from __future__ import annotations

import os
import signal

POINTS = (
    "during_tuning",
    "after_artifact_staging",
    "after_mlflow_registration",
    "during_report",
    "during_promotion",
)
INGEST_POINT = "between_raw_and_features"


def failpoint(name: str) -> None:
    from training_platform.settings import Settings

    if Settings.from_env().failpoint == name:
        os.killpg(os.getpgrp(), signal.SIGKILL)
