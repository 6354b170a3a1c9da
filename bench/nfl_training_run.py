"""One whole NFL training run in this process; prints its peak RSS as JSON (used by bench/training.py)."""

import json
import resource
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dagster as dg  # noqa: E402

from bench.foundation import NFLVERSE, backfill, nflverse_resources  # noqa: E402
from training_platform.defs.features.assets import features_gold  # noqa: E402
from training_platform.defs.models.assets import build_model_asset  # noqa: E402
from training_platform.defs.tuning.assets import build_tuning_asset  # noqa: E402
from training_platform.demo import QUIET_LOGS  # noqa: E402
from training_platform.sources.nflverse import read_nflverse_games  # noqa: E402
from training_platform.sources.weeks import weeks_covering  # noqa: E402


def peak_mb() -> float:
    """This process's own high-water RSS. (ru_maxrss would carry the parent's peak across fork+exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


baseline = peak_mb()
started = time.perf_counter()
root = Path(sys.argv[1])
games = read_nflverse_games(NFLVERSE)
weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
resources = nflverse_resources(root)
assets = [
    a
    for m in ("elo", "logistic", "xgboost")
    for a in (build_tuning_asset(m, "nfl"), build_model_asset(m, "nfl"))
]
trials = {f"tuning__{m}_nfl": {"config": {"n_trials": 30}} for m in ("logistic", "xgboost")}
with dg.instance_for_test() as instance:
    assert backfill(resources, instance, weeks).success
    assert dg.materialize(
        [*assets, features_gold.to_source_asset()],
        selection=[a.key for a in assets],
        resources=resources,
        instance=instance,
        run_config={**QUIET_LOGS, "ops": trials},
    ).success
print(json.dumps({"peak_mb": peak_mb(), "baseline_mb": baseline, "seconds": time.perf_counter() - started}))
