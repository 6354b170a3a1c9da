"""Sensors: new raw data at the source, features older code built, retraining after an ingest, gate
outcomes, champion drift."""

import datetime as dt
import json
import urllib.request

import dagster as dg

from training_platform.defs.automation.schedules import configured_sports
from training_platform.defs.features.assets import GOLD_FEATURES, GOLD_TABLE
from training_platform.defs.jobs import ingest_job, train_jobs
from training_platform.defs.partitions import range_tags, sport_of_run, week_partitions
from training_platform.defs.raw.assets import RAW_TABLE
from training_platform.defs.reports.assets import CHECK_NAME, report_assets
from training_platform.defs.resources import GamesSourceResource, WarehouseResource
from training_platform.redaction import redacted, without_credentials
from training_platform.settings import Settings

HOURLY = 3600

# Dagster makes this sensor itself when assets have automation conditions, but stopped; declared here
# so that production/<sport> and predictions/<sport> follow a passing report under `dagster dev` unasked.
automation_condition_sensor = dg.AutomationConditionSensorDefinition(
    "default_automation_condition_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates the assets' automation conditions: production/<sport> after a report passes "
    "its gates, predictions/<sport> after a new champion.",
)


def last_week_partition() -> str:
    """The latest week partition (the week in progress + 1); read at each tick, as the calendar moves."""
    return week_partitions.get_last_partition_key()


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=HOURLY,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Fingerprints every week of each configured source; requests an ingest of the weeks that "
    "are new or changed (retraining follows the ingest).",
)
def new_raw_data_sensor(
    context: dg.SensorEvaluationContext, games_source: GamesSourceResource, warehouse: WarehouseResource
):
    from training_platform.sources.fingerprints import changed_weeks, week_fingerprints

    cursor = json.loads(context.cursor) if context.cursor else {}
    store = warehouse.open()
    for sport in configured_sports():
        fingerprints = week_fingerprints(games_source.games(sport))
        if sport in cursor:
            changed = changed_weeks(cursor[sport], fingerprints)
        else:  # first look: a sport never ingested needs all of it; otherwise remember what is there
            stored = store.query(f"SELECT count(*) AS n FROM {RAW_TABLE} WHERE sport = ?", [sport])
            changed = sorted(fingerprints) if stored.empty or int(stored["n"].iloc[0]) == 0 else []
        cursor[sport] = fingerprints
        newest = last_week_partition()
        if changed and changed[0] > newest:
            context.log.info(f"{sport}: changes only in weeks after {newest}, which have no partition yet")
            changed = []
        if changed:
            # Every week after a change replays it (features/gold depends on the previous week), so
            # one run covers the first changed week through the source's last week (with a partition).
            last = min(max([*fingerprints, changed[-1]]), newest)
            context.log.info(
                f"{sport}: {len(changed)} new or changed week(s) from {changed[0]}; rebuilding "
                f"{changed[0]}..{last} in one run"
            )
            yield dg.RunRequest(
                run_key=f"new-data-{sport}-{changed[0]}-{last}-{fingerprints.get(changed[-1], 'gone')}",
                tags={
                    **range_tags(sport, dt.date.fromisoformat(changed[0]), dt.date.fromisoformat(last)),
                    "trigger": "new_raw_data_sensor",
                    "changed_weeks": str(len(changed)),
                },
            )
    context.update_cursor(json.dumps(cursor))


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests one features/gold run over the weeks whose stored features another feature "
    "version built (after an upgrade training refuses them), so they heal unasked; retraining follows.",
)
def stale_features_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from training_platform.ml.features.columns import FEATURE_VERSION

    store, sports, notes = warehouse.open(), configured_sports(), []
    for sport in sports:
        stale = store.query(
            f"SELECT min(partition_week) AS first, max(partition_week) AS last, count(*) AS games "
            f"FROM {GOLD_TABLE} WHERE sport = ? AND coalesce(feature_version, '') <> ?",
            [sport, FEATURE_VERSION],
        )
        if stale.empty or not int(stale["games"].iloc[0]):
            notes.append(f"{sport}: every stored week is {FEATURE_VERSION}")
            continue
        first, last = (dt.date.fromisoformat(str(stale[end].iloc[0])[:10]) for end in ("first", "last"))
        games = int(stale["games"].iloc[0])
        context.log.info(
            f"{sport}: {games} games of older features in {first}..{last}; rebuilding them in one run"
        )
        yield dg.RunRequest(
            run_key=f"stale-features-{sport}-{FEATURE_VERSION}-{first}-{last}-{games}",
            asset_selection=[GOLD_FEATURES],  # the raw games are current: only their features are rebuilt
            tags={**range_tags(sport, first, last), "trigger": "stale_features_sensor"},
        )
    if len(notes) == len(sports):  # nothing requested
        yield dg.SkipReason("; ".join(notes) or "no sport configured")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_jobs=list(train_jobs.values()),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a successful ingest, retrain that sport's candidates.",
)
def retrain_after_ingest(context: dg.RunStatusSensorContext):
    sport = sport_of_run(context.dagster_run.tags)
    if sport not in train_jobs:
        return dg.SkipReason(f"run {context.dagster_run.run_id} names no sport in its partition tags")
    return dg.RunRequest(
        run_key=f"retrain-{context.dagster_run.run_id}",
        job_name=train_jobs[sport].name,
        tags={"trigger": "retrain_after_ingest", "ingest_run": context.dagster_run.run_id},
    )


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed metric-gate check as a blocked promotion: a log line, a row in the "
    "gate_alerts table and, if TP_ALERT_WEBHOOK is set, a JSON POST to it.",
)
def gate_outcome_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from training_platform.storage.registry import ChampionRegistry

    seen = json.loads(context.cursor) if context.cursor else {}
    blocked = []
    for asset in report_assets:
        check_key = dg.AssetCheckKey(asset.key, CHECK_NAME)
        record = context.instance.get_latest_asset_check_evaluation_record(check_key)
        name = asset.key.to_user_string()
        if record is None or record.id <= seen.get(name, 0):
            continue
        if not hasattr(record.evaluation, "passed"):  # planned, not evaluated yet: a later tick reads it
            continue
        seen[name] = record.id
        if record.evaluation.passed:
            continue
        gates = record.evaluation.metadata["gates"].value  # structured: one dict per gate
        failed = {
            g["name"]: {"value": g["value"], "threshold": g["threshold"], "rule": g["rule"]}
            for g in gates
            if not g["passed"]
        }
        alert = {
            "candidate": name,
            "check": CHECK_NAME,
            "run_id": record.run_id,
            "failed_gates": json.dumps(failed),
        }
        context.log.warning(f"blocked promotion of {name} (run {record.run_id}): {failed}")
        ChampionRegistry(warehouse.open()).record_alert(alert)
        _post_webhook(context, alert)
        blocked.append(name)
    context.update_cursor(json.dumps(seen))
    return dg.SkipReason(
        f"recorded {len(blocked)} blocked promotion(s): {', '.join(blocked)}"
        if blocked
        else "no new failed gate checks"
    )


def _post_webhook(context, alert: dict) -> None:
    url = Settings.from_env().alert_webhook
    if not url:
        return
    plain, auth = without_credentials(url)
    request = urllib.request.Request(
        plain,
        data=json.dumps(alert).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **auth},
    )
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except (
        OSError,
        ValueError,
    ) as exc:  # ValueError: a URL urllib cannot parse  # an unreachable webhook must not stop the alert row being kept
        context.log.error(f"alert webhook {redacted(url)} failed: {exc}")  # never log its credentials


@dg.sensor(
    jobs=list(train_jobs.values()),
    minimum_interval_seconds=HOURLY,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rolling Brier of the champion's logged predictions on games now played, against its "
    "backtest Brier; requests retraining when it has decayed (TP_DRIFT_WINDOW, TP_DRIFT_TOLERANCE).",
)
def champion_drift_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from training_platform.ml.evaluation.drift import drift_check
    from training_platform.storage.registry import ChampionRegistry

    settings = Settings.from_env()
    window, tolerance = settings.drift_window, settings.drift_tolerance
    store = warehouse.open()
    registry = ChampionRegistry(store)
    notes, requested = [], False
    for sport in configured_sports():
        champion = registry.current(sport)
        if champion is None:
            continue
        logged = registry.predictions(sport)
        if logged.empty:
            notes.append(f"{sport}: no predictions logged")
            continue
        logged = logged[
            (logged["model"] == champion["model"]) & (logged["model_version"] == champion["version"])
        ]
        results = store.read(GOLD_TABLE, sport)[["game_id", "home_win"]]
        scored = logged.merge(results, on="game_id").sort_values(["game_date", "game_id"])
        scored = scored[scored["home_win"].notna()]  # only games with a result count towards a window
        check = drift_check(
            scored["p_home"], scored["home_win"], champion["metrics"]["brier"], window, tolerance
        )
        notes.append(f"{sport}: {check.describe()}")
        if check.decayed:
            requested = True
            context.log.warning(
                f"{sport} champion {champion['model']} v{champion['version']} decayed: {check.describe()}"
            )
            # One request per evaluation window of scored games, not one per newly scored game.
            yield dg.RunRequest(
                run_key=f"drift-{sport}-{champion['entry_id']}-window{len(scored) // window}",
                job_name=train_jobs[sport].name,
                tags={"trigger": "champion_drift_sensor", "rolling_brier": f"{check.rolling_brier:.4f}"},
            )
    if not requested:
        yield dg.SkipReason("; ".join(notes) or "no champion yet")
