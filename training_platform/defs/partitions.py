"""Sport x week partitions shared by raw/games and features/gold (keys like `nfl|2024-09-03`).

The weeks begin at the week of the earliest sport's first game (sports.history_start): Dagster's
MultiPartitionsDefinition has one week dimension for every sport, so a sport whose history begins later
shows the weeks before its first game as never materialized.
"""

import datetime as dt
from collections import defaultdict

import dagster as dg

from training_platform.settings import Settings
from training_platform.sources.weeks import week_of
from training_platform.sports import SPORTS, history_start

FIRST_WEEK = week_of(min(history_start(sport, Settings.from_env()) for sport in SPORTS))
sport_partitions = dg.StaticPartitionsDefinition(list(SPORTS))
week_partitions = dg.WeeklyPartitionsDefinition(
    start_date=FIRST_WEEK.isoformat(),
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


def range_tags(sport: str, first_week: dt.date, last_week: dt.date) -> dict[str, str]:
    """Run tags that make one run cover every week from `first_week` to `last_week` of `sport`."""
    if first_week < FIRST_WEEK:
        raise ValueError(
            f"{sport}: games from the week of {first_week} are older than the partitions' first week "
            f"{FIRST_WEEK}; set sports.{sport}.history_start in the sports file (TP_SPORTS_FILE) to the "
            "source's first game (for the synthetic league TP_SYNTHETIC_SEASONS decides it: the code location "
            "and this run must agree)"
        )
    return {
        "dagster/asset_partition_range_start": partition_key(sport, first_week),
        "dagster/asset_partition_range_end": partition_key(sport, last_week),
    }


def sport_of_run(tags: dict[str, str]) -> str | None:
    """The sport a run materializes, from its partition or partition-range tags."""
    key = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition") or ""
    sport = tags.get("dagster/partition/sport") or key.split("|")[0]
    return sport or None
