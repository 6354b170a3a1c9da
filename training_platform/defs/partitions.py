"""Sport x week partitions shared by raw/games and features/gold (keys like `nfl|2024-09-03`)."""


import datetime as dt
from collections import defaultdict

import dagster as dg

from training_platform.sources.schema import SPORTS
from training_platform.sources.weeks import WEEK_ANCHOR

sport_partitions = dg.StaticPartitionsDefinition(list(SPORTS))
week_partitions = dg.WeeklyPartitionsDefinition(
    start_date=WEEK_ANCHOR.isoformat(),
    day_offset=2,  # weeks start on Tuesday
    end_offset=1,  # include the week in progress, so upcoming games can be ingested
)
sport_week_partitions = dg.MultiPartitionsDefinition({"sport": sport_partitions, "week": week_partitions})


def selected_weeks(context: dg.AssetExecutionContext) -> dict[str, list[dt.date]]:
    """The week starts this run materializes, per sport (one key, a range, or a backfill)."""
    weeks: dict[str, list[dt.date]] = defaultdict(list)
    for key in context.partition_keys:
        if not isinstance(key, dg.MultiPartitionKey):
            key = sport_week_partitions.get_partition_key_from_str(key)
        dims = key.keys_by_dimension
        weeks[dims["sport"]].append(dt.date.fromisoformat(dims["week"]))
    return {sport: sorted(days) for sport, days in weeks.items()}


def partition_key(sport: str, week: dt.date) -> str:
    return dg.MultiPartitionKey({"sport": sport, "week": week.isoformat()})
