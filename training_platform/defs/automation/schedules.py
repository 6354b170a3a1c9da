"""The weekly schedule: Sunday 02:00 UTC, ingest the latest weeks of every configured sport.

Retraining follows from `retrain_after_ingest`, promotion and predictions from their
automation conditions: each step starts when the one before it has finished.
"""

import dagster as dg

from training_platform.defs.jobs import ingest_job
from training_platform.defs.partitions import range_tags
from training_platform.settings import Settings


def configured_sports() -> list[str]:
    """TP_SPORTS (validated by the settings): the sports the schedule and sensors cover."""
    return list(Settings.from_env().sports)


@dg.schedule(
    cron_schedule="0 2 * * 0",
    execution_timezone="UTC",
    job=ingest_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sunday 02:00 UTC: ingest last week's results and the week in progress for every "
    "sport in TP_SPORTS; training, promotion and predictions follow.",
)
def weekly_schedule(context: dg.ScheduleEvaluationContext):
    from training_platform.sources.weeks import WEEK, week_start

    now = context.scheduled_execution_time
    current = week_start([now.date()]).iloc[0].date()
    previous = current - WEEK
    for sport in configured_sports():
        yield dg.RunRequest(
            run_key=f"weekly-{sport}-{now:%Y-%m-%d}",
            tags={**range_tags(sport, previous, current), "trigger": "weekly_schedule"},
        )
