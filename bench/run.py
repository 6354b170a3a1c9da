"""`make bench`: every figure beside an anchor measured in the same run, written to bench/results.json.

Real-data benchmarks read ../shared/data/nflverse_games_1999_2024.csv.gz and are skipped, with a
message, where it is absent.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import foundation, reliability, scale_out, serving, training, trial_speed  # noqa: E402


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows.append(scale_out.bench_definitions_import())
        rows.append(foundation.bench_demo(work))
        rows.extend(serving.bench_latency(work))
        if not foundation.NFLVERSE.exists():
            print(f"skipped the real-data benchmarks: {foundation.NFLVERSE} is absent")
        else:
            rows.append(foundation.bench_nflverse_ingest(work))
            rows.append(foundation.bench_features())
            rows.extend(training.bench_optuna_xgboost(work))
            rows.extend(training.bench_warm_start())
            rows.extend(trial_speed.bench_trial_speed())
            rows.append(training.bench_peak_memory(work))
            rows.extend(reliability.bench_weekly_updates(work))
            rows.extend(scale_out.bench_postgres(work))
    out = Path(__file__).parent / "results.json"
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
