"""`make demo`: ingest every sport's history, then fit, evaluate and promote each Elo model.

Runs go to the Dagster instance at $DAGSTER_HOME (the Makefile points it at the repo),
so `make ui` shows them afterwards. Prints where the reports are.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import dagster as dg

from training_platform.definitions import defs
from training_platform.defs.partitions import range_tags
from training_platform.defs.resources import default_resources
from training_platform.sources.schema import SPORTS
from training_platform.sources.weeks import weeks_covering


QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def partition_range_tags(sport: str) -> dict[str, str]:
    """Tags that make one run cover every week the sport's source has games in."""
    games = default_resources()["games_source"].games(sport)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    return range_tags(sport, weeks[0], weeks[-1])


def run_job(name: str, instance: dg.DagsterInstance, tags: dict | None = None) -> dg.ExecuteInJobResult:
    started = time.perf_counter()
    result = defs.get_job_def(name).execute_in_process(
        instance=instance, tags=tags or {}, raise_on_error=False, run_config=QUIET_LOGS)
    status = "ok" if result.success else "FAILED"
    print(f"  {name} {tags.get('dagster/asset_partition_range_start', '') if tags else ''}: {status} in {time.perf_counter() - started:.1f}s", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sports", nargs="+", default=list(SPORTS), choices=SPORTS)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    instance = dg.DagsterInstance.get()
    started = time.perf_counter()
    failed = []
    for sport in args.sports:
        print(f"{sport}: ingest and features", flush=True)
        if not run_job("ingest_job", instance, partition_range_tags(sport)).success:
            failed.append(f"ingest {sport}")
            continue
        print(f"{sport}: fit, evaluate, promote", flush=True)
        result = run_job(f"promote_{sport}_job", instance)
        if not result.success:
            failed.append(f"promote {sport}")
            continue
        report = result.output_for_node(f"reports__elo_{sport}")
        champion = result.output_for_node(f"production__{sport}")
        model, market = report["model"], report["baselines"].get("market", {})
        print(f"  champion {champion['model']} v{champion['version']}: season {report['season']} "
              f"log loss {model['log_loss']:.4f}, Brier {model['brier']:.4f}, accuracy {model['accuracy']:.3f} "
              f"(market Brier {market.get('brier', float('nan')):.4f})")
    resources = default_resources()
    print(f"\ndemo finished in {time.perf_counter() - started:.1f}s")
    print(f"reports:    {resources['model_store'].reports_dir}/<model>/v<N>/report.html")
    print(f"models:     {resources['model_store'].models_dir}")
    print(f"warehouse:  {resources['warehouse'].path}")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
