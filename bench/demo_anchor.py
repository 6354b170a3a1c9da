"""The demo's work without Dagster's orchestration: every asset and check body the demo runs, called
by Dagster's direct invocation sport by sport as the demo runs them, each output handed straight to the next.

Same code, same data, same MLflow logging, plots, reports, gates, registry and predictions as
`python -m training_platform.demo`; what it leaves out is exactly what Dagster adds: runs, the event
log (one planned and one materialization event per sport-week partition), IO-manager hand-offs.
Run as a script (`python bench/demo_anchor.py`) so it pays the same interpreter start as the demo.
"""

from __future__ import annotations

import inspect
import sys
import time
import uuid
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dagster as dg  # noqa: E402
from dagster._core.execution.context.invocation import DirectOpExecutionContext  # noqa: E402

from training_platform.definitions import defs  # noqa: E402
from training_platform.defs.jobs import candidate_keys  # noqa: E402
from training_platform.defs.partitions import sport_week_partitions  # noqa: E402
from training_platform.defs.reports.assets import CHECK_NAME  # noqa: E402
from training_platform.defs.resources import default_resources  # noqa: E402
from training_platform.demo import DEMO_MODELS, QUIET_LOGS, partition_range_tags  # noqa: E402
from training_platform.settings import candidate_models  # noqa: E402
from training_platform.sports import SPORTS  # noqa: E402

SINGLE_RUN = dg.BackfillPolicy.single_run()


def _value(definition, context, **inputs):
    """The asset's output value (what its IO manager would store), after running the whole body."""
    returned = definition(context=context, **inputs)
    events = list(returned) if inspect.isgenerator(returned) else [returned]
    for event in events:
        if isinstance(event, dg.Output):
            return event.value
        if not isinstance(event, (dg.AssetCheckResult, dg.MaterializeResult)):
            return event
    return None


def history_range(resources: dict, sport: str) -> dg.PartitionKeyRange:
    """Every week from the sport's first game to its last: what the demo's ingest run covers."""
    tags = partition_range_tags(sport, resources)
    return dg.PartitionKeyRange(
        tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]
    )


@dg.asset(key=["raw", "games"], partitions_def=sport_week_partitions, backfill_policy=SINGLE_RUN)
def _no_op_raw(context) -> dg.MaterializeResult:
    return dg.MaterializeResult()


@dg.asset(
    key=["features", "gold"],
    deps=[_no_op_raw],
    partitions_def=sport_week_partitions,
    backfill_policy=SINGLE_RUN,
)
def _no_op_gold(context) -> dg.MaterializeResult:
    return dg.MaterializeResult()


def partition_bookkeeping(resources: dict, instance: dg.DagsterInstance) -> float:
    """Seconds Dagster takes to record the demo's ingest runs when the assets do nothing: two assets
    over the same sport-week ranges, one run per sport, logging as the demo does (a planned and a
    materialization event per partition each)."""
    began = time.perf_counter()
    for sport in SPORTS:
        tags = partition_range_tags(sport, resources)
        run = dg.materialize([_no_op_raw, _no_op_gold], instance=instance, tags=tags, run_config=QUIET_LOGS)
        assert run.success
    return time.perf_counter() - began


def run_demo_work(resources: dict, models=DEMO_MODELS) -> dict[str, object]:
    """Each sport: ingest its whole history, tune/fit/report/gate each model, promote, predict."""

    def asset(key: dg.AssetKey, partitions: dg.PartitionKeyRange | None = None, **inputs):
        with dg.build_asset_context(resources=resources, partition_key_range=partitions) as context:
            return _value(defs.get_assets_def(key), context, **inputs)

    # A directly invoked body has no run; the bodies only read its id (for lineage tags): one stands in.
    stand_in = dg.DagsterRun(job_name="demo_anchor", run_id=str(uuid.uuid4()))
    dagsters_own = DirectOpExecutionContext.__dict__["dagster_run"]
    DirectOpExecutionContext.dagster_run = property(lambda _: stand_in)
    try:
        return _each_sport(asset, resources, models)
    finally:
        DirectOpExecutionContext.dagster_run = dagsters_own


def _each_sport(asset, resources: dict, models) -> dict[str, object]:
    champions = {}
    for sport in SPORTS:
        history = history_range(resources, sport)
        asset(dg.AssetKey(["raw", "games"]), history)
        asset(dg.AssetKey(["features", "gold"]), history)
        reports = {}
        for tuning_key, model_key, report_key in zip(*[iter(candidate_keys(sport, list(models)))] * 3):
            tuning = asset(tuning_key)
            artifact = asset(model_key, tuning=tuning)
            report = asset(report_key, artifact=artifact)
            gates = defs.get_asset_checks_def(dg.AssetCheckKey(report_key, CHECK_NAME))
            with dg.build_op_context(resources=resources) as context:
                _value(gates, context, report=report)
            reports[report_key.path[-1]] = report
        candidates = {f"{m}_{sport}": reports.get(f"{m}_{sport}") for m in candidate_models(sport)}
        champions[sport] = asset(dg.AssetKey(["production", sport]), **candidates)
        asset(dg.AssetKey(["predictions", sport]), champion=champions[sport])
    return champions


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    for sport, champion in run_demo_work(default_resources()).items():
        print(f"{sport}: champion {champion.model} v{champion.version}")
    print(f"same work without Dagster's orchestration: {time.perf_counter() - started:.1f}s")
