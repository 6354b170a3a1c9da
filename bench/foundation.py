"""Foundation benchmarks (issue 2), each beside an anchor measured in the same run.

- demo wall time (python -m training_platform.demo, fresh data dir) vs the same asset bodies called directly
- full nflverse 1999-2024 ingest (raw/games + features/gold, every weekly partition, one run)
  vs reading, validating, featurising and writing the same games with plain Python
- gold feature build on the full nflverse history vs the Elo replay alone
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NFLVERSE = ROOT.parent / "shared" / "data" / "nflverse_games_1999_2024.csv.gz"
sys.path.insert(0, str(ROOT))

import dagster as dg  # noqa: E402

from bench.demo_anchor import partition_bookkeeping  # noqa: E402
from training_platform.defs.features.assets import features_gold  # noqa: E402
from training_platform.defs.partitions import range_tags  # noqa: E402
from training_platform.defs.raw.assets import raw_games  # noqa: E402
from training_platform.defs.resources import default_resources  # noqa: E402
from training_platform.demo import QUIET_LOGS  # noqa: E402
from training_platform.ml.features.elo import replay  # noqa: E402
from training_platform.ml.features.gold import build_gold_features, default_elo  # noqa: E402
from training_platform.settings import Settings, environment_with  # noqa: E402
from training_platform.sources.nflverse import read_nflverse_games  # noqa: E402
from training_platform.sources.quality import find_problems, split_valid  # noqa: E402
from training_platform.sources.weeks import week_start, weeks_covering  # noqa: E402
from training_platform.storage.warehouse import Warehouse  # noqa: E402

warnings.filterwarnings("ignore")


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def result(name, value, unit, anchor_name=None, anchor_value=None):
    row = {"name": name, "value": round(value, 3), "unit": unit}
    if anchor_name is not None:
        row.update(
            anchor_name=anchor_name,
            anchor_value=round(anchor_value, 3),
            ratio=float(f"{value / anchor_value:.3g}"),
        )
    print(
        f"{name}: {value:.2f} {unit}"
        + (
            f"   anchor {anchor_name}: {anchor_value:.2f} {unit}   ratio {value / anchor_value:.3g}"
            if anchor_name
            else ""
        ),
        flush=True,
    )
    return row


def nflverse_resources(folder: Path) -> dict:
    """Every store under `folder`, NFL read from the real nflverse file."""
    return default_resources(
        Settings.for_folder(folder, synthetic_seasons=3, sources={"nfl": f"nflverse:{NFLVERSE}"})
    )


def backfill(resources: dict, instance, weeks) -> dg.ExecuteInProcessResult:
    """raw/games and features/gold for every NFL week in `weeks`, as one run."""
    return dg.materialize(
        [raw_games, features_gold],
        resources=resources,
        instance=instance,
        tags=range_tags("nfl", weeks[0], weeks[-1]),
        run_config=QUIET_LOGS,
    )


def plain_pipeline(games, store: Warehouse, sport: str):
    """Everything the ingest and promote jobs compute, with no Dagster around it."""
    games = games.assign(partition_week=week_start(games["game_date"]).to_numpy())
    weeks = sorted({d.date() for d in games["partition_week"]})
    problems = find_problems(games, weeks, None, dt.date.today())
    valid, bad = split_valid(games, problems)
    store.replace_weeks({"raw_games": valid, "raw_games_quarantine": bad}, sport, weeks)
    gold = build_gold_features(
        store.read("raw_games", sport).drop(columns=["partition_week"]), default_elo(sport)
    )
    gold["partition_week"] = week_start(gold["game_date"]).to_numpy()
    store.replace_weeks({"features_gold": gold}, sport, weeks)
    return gold


def bench_demo(work: Path) -> list[dict]:
    """`python -m training_platform.demo` on a fresh data folder and instance, beside the same asset and
    check bodies called directly, sport by sport (bench/demo_anchor.py), each in its own process."""

    def wall(command: list[str], folder: str) -> float:
        (work / f"{folder}_home").mkdir()
        # clean: the user's TP_/MLflow settings (a shared Optuna storage, say) would let the second find the
        # first's studies finished
        env = environment_with(
            clean=True, TP_DATA_DIR=str(work / folder), DAGSTER_HOME=str(work / f"{folder}_home")
        )
        seconds, _ = timed(
            lambda: subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        )
        return seconds

    seconds = wall([sys.executable, "-m", "training_platform.demo"], "demo")
    anchor_seconds = wall([sys.executable, str(ROOT / "bench" / "demo_anchor.py")], "demo_anchor")
    (work / "floor_home").mkdir()
    # SQLite, as the demo's; telemetry off, or Dagster would log it under $DAGSTER_HOME (the checkout)
    (work / "floor_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(work / "floor_home")) as instance:
        floor = partition_bookkeeping(default_resources(Settings.for_folder(work / "floor")), instance)
    return [
        result("demo_wall_time", seconds, "s", "same asset bodies without Dagster's runs", anchor_seconds),
        result(
            "demo_partition_bookkeeping_seconds",
            floor,
            "s",
            "demo wall time minus the same work without Dagster",
            seconds - anchor_seconds,
        ),
    ]


def bench_nflverse_ingest(work: Path) -> dict:
    games = read_nflverse_games(NFLVERSE)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    resources = nflverse_resources(work / "ingest")
    (work / "ingest_home").mkdir()
    with dg.instance_for_test(temp_dir=str(work / "ingest_home")) as instance:
        seconds, outcome = timed(lambda: backfill(resources, instance, weeks))
    assert outcome.success
    anchor_seconds, _ = timed(
        lambda: plain_pipeline(read_nflverse_games(NFLVERSE), Warehouse(work / "plain.duckdb"), "nfl")
    )
    print(f"  ({len(weeks)} weekly partitions, {len(games)} games; target <= 120 s)")
    return result("nflverse_full_history_ingest", seconds, "s", "same work without dagster", anchor_seconds)


def bench_features() -> dict:
    games = read_nflverse_games(NFLVERSE).sort_values(["game_date", "game_id"])
    seconds, _ = timed(lambda: build_gold_features(games, default_elo("nfl")))
    margin = (games["home_score"] - games["away_score"]).astype(float)
    rows = list(
        zip(
            games["season"],
            games["home_team"],
            games["away_team"],
            games["neutral"].fillna(False),
            [None if m != m else m for m in margin],
        )
    )
    anchor_seconds, _ = timed(lambda: replay(rows, default_elo("nfl")))
    return result("gold_feature_build_nflverse", seconds, "s", "elo replay alone", anchor_seconds)
