"""`make bench`: every figure beside an anchor measured in the same run, written to bench/results.json.

Real-data benchmarks read ../shared/data/nflverse_games_1999_2024.csv.gz and are skipped, with a
message, where it is absent. `--only GROUP...` (or BENCH="GROUP..." with make) runs some groups. Each
row names its group; a group this run measured replaces its previous rows, the others keep theirs, so
a clone without ../shared never loses the real-data rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if __name__ == "__main__":
    # The code location the benchmarks load reads the NFL from nflverse, so its weeks begin at nflverse's
    # first (1999); set before the bench modules load the partitions, and only for `make bench` itself.
    NFLVERSE = Path(__file__).resolve().parents[2] / "shared" / "data" / "nflverse_games_1999_2024.csv.gz"
    os.environ.setdefault("TP_SOURCE_NFL", f"nflverse:{NFLVERSE}")

from bench import (  # noqa: E402
    foundation,
    line_scorecard,
    make_test,
    reliability,
    scale_out,
    scorecard,
    serving,
    training,
    trial_speed,
)

OUT = Path(__file__).parent / "results.json"
# name -> (needs the real data, the benchmarks), in the order they run
GROUPS = {
    "import": (False, lambda work: [scale_out.bench_definitions_import()]),
    "demo": (False, foundation.bench_demo),
    "serving": (False, serving.bench_latency),
    "ingest": (True, lambda work: [foundation.bench_nflverse_ingest(work), foundation.bench_features()]),
    "tuning": (True, lambda work: training.bench_optuna_xgboost(work) + training.bench_warm_start()),
    "trials": (True, lambda work: trial_speed.bench_trial_speed()),
    "memory": (True, lambda work: [training.bench_peak_memory(work)]),
    "load": (True, reliability.bench_weekly_updates),
    "postgres": (True, scale_out.bench_postgres),
    "scorecard": (True, lambda work: scorecard.run()),
    "line_scorecard": (True, lambda work: line_scorecard.run()),
    "make_test": (False, make_test.bench_make_test),
}


def merged(previous: list[dict], measured: dict[str, list[dict]]) -> list[dict]:
    """Rows in GROUPS order: a group measured now replaces all of its previous rows; others are kept."""
    rows = []
    for group in GROUPS:
        rows += measured.get(group) or [row for row in previous if row.get("group") == group]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), default=list(GROUPS), metavar="GROUP")
    args = parser.parse_args(argv)
    previous = json.loads(OUT.read_text()) if OUT.exists() else []
    measured: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only:
            needs_real_data, bench = GROUPS[name]
            needed = scorecard.REQUIRED if name == "scorecard" else (foundation.NFLVERSE,)
            absent = [path for path in needed if not path.exists()] if needs_real_data else []
            if absent:
                print(f"skipped {name}: {absent[0]} is absent; its rows keep their previous values")
                continue
            work = Path(tmp) / name
            work.mkdir()
            measured[name] = [{**row, "group": name} for row in bench(work)]
            # written after every group: a later group failing keeps what was measured
            OUT.write_text(json.dumps(merged(previous, measured), indent=2) + "\n")
    print(
        f"wrote {OUT}: {sum(map(len, measured.values()))} row(s) measured now ({', '.join(measured) or 'none'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
