"""`make demo`: ingest every sport's history; tune, fit and evaluate the candidates; promote the
best one that passes its gates; score the coming week.

Runs go to the Dagster instance at $DAGSTER_HOME (the Makefile points it at the repo; a directory that
does not exist yet is created, and with it unset the runs go to a throwaway instance), so `make ui` shows
them afterwards. Prints where the reports are.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import dagster as dg

from training_platform.cli.runs import instance as dagster_instance
from training_platform.definitions import defs
from training_platform.defs.jobs import candidate_keys
from training_platform.defs.partitions import range_tags
from training_platform.defs.resources import default_resources
from training_platform.location import JOB_PAGE_TAGS
from training_platform.ml.modeling.catalog import MODEL_NAMES
from training_platform.settings import candidate_models
from training_platform.sources.weeks import weeks_covering
from training_platform.sports import SPORTS, configured

DEMO_MODELS = ("elo", "logistic")  # xgboost and the rest: make demo DEMO_ARGS="--models elo xgboost"
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def partition_range_tags(sport: str, resources: dict | None = None) -> dict[str, str]:
    """Tags that make one run cover every week the sport's source has games in."""
    games = (resources or default_resources())["games_source"].games(sport)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    return range_tags(sport, weeks[0], weeks[-1])


def run_job(
    name: str,
    instance: dg.DagsterInstance,
    tags: dict | None = None,
    selection: list[dg.AssetKey] | None = None,
) -> dg.ExecuteInJobResult:
    started = time.perf_counter()
    result = defs.resolve_job_def(name).execute_in_process(
        instance=instance,
        tags={**JOB_PAGE_TAGS, **(tags or {})},  # listed under the job's page in the UI
        raise_on_error=False,
        run_config=QUIET_LOGS,
        asset_selection=selection,
    )
    status = "ok" if result.success else "FAILED"
    print(
        f"  {name} {tags.get('dagster/asset_partition_range_start', '') if tags else ''}: {status} in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    return result


def print_champion(
    sport: str, result: dg.ExecuteInJobResult, reports: dict[str, dict], gates: dict[str, bool]
) -> None:
    champion = result.output_for_node(f"production__{sport}")
    report = reports.get(champion["model"])
    if report is None:
        print(f"  champion {champion['model']} v{champion['version']} (unchanged; not retrained in this run)")
        return
    tuned, scored = report["tuning_window"], report["backtest_window"]
    print(
        f"  champion {champion['model']} v{champion['version']} ({champion['variant']}): tuned on games of "
        f"{tuned['first_game_date']}..{tuned['last_game_date']}, scored walk-forward on "
        f"{scored['first_game_date']}..{scored['last_game_date']} ({report['games']} games):"
    )
    rows = [("model", report["model"])] + [(name, base) for name, base in report["baselines"].items()]
    for name, m in rows:
        print(
            f"    {name:<20} log loss {m['log_loss']:.4f}  Brier {m['brier']:.4f}  accuracy {m['accuracy']:.3f}  "
            f"ECE {m['ece']:.3f}"
        )
    betting = report["betting"]
    if betting.get("bets"):
        print(
            f"    betting: {betting['bets']} bets, ROI {betting['roi']:+.3f}, {betting['units']:+.1f} units"
        )
    compared = {f"{model}_{sport}" for model in candidate_models(sport)}
    for name, other in reports.items():
        if name != champion["model"]:
            print(candidate_line(name, other, gates.get(name, False), name in compared))
    fallback = champion.get("market_free")
    if fallback and fallback["model"] != champion["model"]:
        print(f"  fallback for games without lines: {fallback['model']} v{fallback['version']} (market-free)")
    forecasts = result.output_for_node(f"predictions__{sport}")
    print(f"  predictions: {len(forecasts)} coming games scored")


def candidate_line(name: str, report: dict, passed: bool, compared: bool) -> str:
    # a model trained here but outside TP_CANDIDATES has a report that production never compares
    outside = "" if compared else "; not compared by production (add it to TP_CANDIDATES)"
    return (
        f"    candidate {name} ({report['variant']}): log loss {report['model']['log_loss']:.4f}, "
        f"gates {'passed' if passed else 'failed'}{outside}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sports", nargs="+", default=list(SPORTS), choices=SPORTS)
    parser.add_argument(
        "--models",
        nargs="+",
        default=list(DEMO_MODELS),
        choices=MODEL_NAMES,
        help="candidates to tune, fit and evaluate (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    try:
        instance = dagster_instance()
    except ValueError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 3
    started = time.perf_counter()
    failed = []
    for sport in args.sports:
        print(f"{sport}: ingest and features", flush=True)
        if not run_job("ingest_job", instance, partition_range_tags(sport)).success:
            failed.append(f"ingest {sport}")
            continue
        # those with assets for the sport (else its TP_CANDIDATES)
        models = [m for m in args.models if m in configured()[sport].models] or candidate_models(sport)
        print(f"{sport}: tune, fit and evaluate {', '.join(models)}", flush=True)
        trained = run_job(f"train_{sport}_job", instance, selection=candidate_keys(sport, models))
        reports = {
            f"{m}_{sport}": trained.output_for_node(f"reports__{m}_{sport}")
            for m in models
            if trained.asset_materializations_for_node(f"reports__{m}_{sport}")
        }
        gates = {e.asset_key.path[-1]: e.passed for e in trained.get_asset_check_evaluations()}
        print(f"{sport}: choose the champion, predict the coming week", flush=True)
        promoted = run_job(f"promote_{sport}_job", instance)
        if not promoted.success:
            failed.append(f"promote {sport}")
            continue
        print_champion(sport, promoted, reports, gates)
    resources = default_resources()
    production = resources["model_store"].production_dir
    print(f"\ndemo finished in {time.perf_counter() - started:.1f}s")
    print(f"reports:    {resources['model_store'].reports_dir}/<model>_<sport>/v<N>-<evaluation>/report.html")
    print(
        f"champions:  {production}/<sport>.json and <sport>.model_status.json (history: tp champion --sport {args.sports[0]})"
    )
    print(f"models:     {resources['model_store'].models_dir}")
    print(f"warehouse:  {resources['warehouse'].path}")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
