"""Reliability load benchmark (issue 10): the full nflverse history backfilled, then 50 weekly
updates back to back in one process, with no failure and no memory growth per update.

Figures: seconds per weekly update beside the same update in plain Python (validate the week, replace
its raw rows, rebuild its features from the stored history), and the resident memory after the last
update minus after the first, beside the resident memory after the first.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import dagster as dg
import pandas as pd

from bench.foundation import NFLVERSE, QUIET_LOGS, backfill, nflverse_resources, result
from training_platform.defs.features.assets import features_gold
from training_platform.defs.partitions import partition_key
from training_platform.defs.raw.assets import raw_games
from training_platform.ml.features.gold import build_gold_features, default_elo
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.quality import find_problems, split_valid
from training_platform.sources.weeks import WEEK, week_start, weeks_covering
from training_platform.storage.warehouse import Warehouse

UPDATES = 50


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plain_weekly_update(games, store: Warehouse, week: dt.date) -> None:
    batch = games[week_start(games["game_date"]).dt.date == week].assign(partition_week=pd.Timestamp(week))
    valid, bad = split_valid(batch, find_problems(batch, [week], None, dt.date.today()))
    store.replace_weeks({"raw_games": valid, "raw_games_quarantine": bad}, "nfl", [week])
    history = store.read("raw_games", "nfl", before=week + WEEK).drop(
        columns=["partition_week", "ingested_at"], errors="ignore"
    )
    gold = build_gold_features(history, default_elo("nfl"))
    gold["partition_week"] = week_start(gold["game_date"]).to_numpy()
    store.replace_weeks({"features_gold": gold[gold["partition_week"] == pd.Timestamp(week)]}, "nfl", [week])


def bench_weekly_updates(work: Path) -> list[dict]:
    games = read_nflverse_games(NFLVERSE)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    played = sorted(week_start(games["game_date"]).dt.date.unique())[-UPDATES:]
    resources = nflverse_resources(work / "load")
    (work / "load_home").mkdir()
    with dg.instance_for_test(temp_dir=str(work / "load_home")) as instance:
        assert backfill(resources, instance, weeks).success
        memory, started = [], time.perf_counter()
        for week in played:
            outcome = dg.materialize(
                [raw_games, features_gold],
                resources=resources,
                instance=instance,
                partition_key=partition_key("nfl", week),
                run_config=QUIET_LOGS,
            )
            assert outcome.success, f"weekly update {week} failed"
            memory.append(resident_mb())
        per_update = (time.perf_counter() - started) / len(played)
    store = Warehouse(work / "plain_load.duckdb")
    plain_weekly_update(games, store, played[0])
    anchor_started = time.perf_counter()
    for week in played:
        plain_weekly_update(games, store, week)
    anchor = (time.perf_counter() - anchor_started) / len(played)
    print(
        f"  ({len(played)} weekly updates after the {len(weeks)}-week backfill, none failed; resident memory "
        f"{memory[0]:.0f} -> {memory[-1]:.0f} MB)"
    )
    return [
        result("load_weekly_update_seconds", per_update, "s/update", "same update in plain python", anchor),
        result(
            "load_memory_growth_50_updates",
            memory[-1] - memory[0],
            "MB",
            "resident after the first update",
            memory[0],
        ),
    ]
