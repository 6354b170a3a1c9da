"""`tp train`, `tp predict`, `tp report`: the code location's jobs run from a shell, with progress."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from training_platform.cli.errors import BLOCKED, FAILED, OK, CliError, UsageError
from training_platform.cli.runs import failed_checks, failure_message, run_job


def train(args) -> int:
    """tuning → models → reports of each model in the market (train_<sport>_job), then production/<seat>
    (and, in the moneyline, predictions/<sport>: promote_<seat>_job) among the candidates whose gates passed."""
    from training_platform.defs.jobs import candidate_keys
    from training_platform.ml.modeling.markets import MARKETS
    from training_platform.settings import candidate_models
    from training_platform.sports import configured

    if args.output_json:  # a summary that cannot be written is said now, before anything changes
        _check_writable(Path(args.output_json))
    own = MARKETS[args.market]
    seat = own.seat(args.sport)
    names = [own.asset_name(model, args.sport) for model in args.model]
    offered = configured()[args.sport].models_for(args.market)
    unconfigured = sorted(set(args.model) - set(offered))
    if unconfigured:
        raise UsageError(
            f"--model {' '.join(unconfigured)} has no {args.sport} {args.market} assets: the sports file gives "
            f"{', '.join(offered) or 'none'} (sports.{args.sport}.{'models' if args.market == 'moneyline' else 'markets.' + args.market}); "
            "add it there or choose another"
        )
    candidates = candidate_models(args.sport, args.market)
    outside = sorted(set(args.model) - set(candidates))
    if outside:  # production/<seat> compares only the configured candidates: it would never be promoted
        raise UsageError(
            f"--model {' '.join(outside)} is not among the candidates production/{seat} compares "
            f"({','.join(candidates)}: TP_CANDIDATES among the sports file's {args.market} models); "
            "add it to TP_CANDIDATES or choose another"
        )
    keys = [key.path for key in candidate_keys(args.sport, args.model, markets=(args.market,))]
    tuning = {"method": "optuna", "n_trials": args.trials} if args.optimize else {}
    config = {"ops": {f"tuning__{name}": {"config": tuning} for name in names if tuning}}
    promote = {"ops": {f"production__{seat}": {"config": {"force": names if args.force else []}}}}
    gates = _tightened_gates(args)
    plan = {
        "train": {
            "job": f"train_{args.sport}_job",
            "assets": ["/".join(k) for k in keys],
            "run_config": config,
        },
        "promote": {"job": f"promote_{seat}_job", "run_config": promote},
        "gates": gates["thresholds"],
    }
    if args.dry_run:
        print(json.dumps(plan, indent=2))
        return OK
    summary = {"sport": args.sport, "market": args.market, "models": names, "plan": plan}
    try:
        _require_features(args.sport)
        with _gates_file(gates["file"]):
            return _train_and_promote(args, keys, config, promote, summary)
    except CliError as exc:
        summary.update(outcome=str(exc), exit_code=exc.code)
        raise
    finally:
        if args.output_json:
            _write_json(Path(args.output_json), summary)


def _train_and_promote(args, keys, config, promote, summary) -> int:
    print(f"training {', '.join(summary['models'])}: {len(keys)} assets", file=sys.stderr)
    trained = run_job(f"train_{args.sport}_job", keys, config, {"trigger": "tp train"})
    summary["train_run_id"] = trained.run_id
    summary["reports"] = {
        name: _report_figures(trained, name) for name in summary["models"] if _has_output(trained, name)
    }
    gates_failed = {
        check.asset_key.to_user_string(): check.metadata["failed_gates"].value
        for check in failed_checks(trained)
        if "failed_gates" in check.metadata
    }
    summary["gates_failed"] = gates_failed
    blocked = (
        "promotion blocked by the metric gates: "
        + "; ".join(f"{key} failed {', '.join(failed)}" for key, failed in gates_failed.items())
        + f" (tp report {next(iter(gates_failed)).split('/')[1]} shows the figures)"
        if gates_failed
        else None
    )
    if len(gates_failed) == len(summary["models"]):
        raise CliError(blocked, BLOCKED)
    if not trained.success and not gates_failed:
        raise CliError(f"training failed: {failure_message(trained)}", FAILED)
    from training_platform.ml.modeling.markets import MARKETS

    seat = MARKETS[args.market].seat(args.sport)
    promoted = run_job(
        f"promote_{seat}_job",
        [["production", seat], ["predictions", seat]],  # a seat's forecasts: predictions/nfl, /nfl_ats
        promote,
        {"trigger": "tp train"},
    )
    summary["promote_run_id"] = promoted.run_id
    if not promoted.success:
        raise CliError(f"promotion failed: {failure_message(promoted)}", FAILED)
    champion = promoted.output_for_node(f"production__{seat}")
    summary.update(champion={k: champion[k] for k in ("model", "version", "sha256") if k in champion})
    kept = "" if champion["model"] in summary["models"] else " (kept: no trained model beat it)"
    print(f"{seat} champion: {champion['model']} v{champion['version']}{kept}")
    if blocked:  # the passing models were compared; the blocked ones never were
        raise CliError(blocked, BLOCKED)
    summary.update(outcome="ok", exit_code=OK)
    return OK


def predict(args) -> int:
    from training_platform.cli.registry_commands import open_registry, require_seat, seat_of
    from training_platform.ml.modeling.markets import MARKETS

    require_seat(args)
    seat = seat_of(args)
    _, registry = open_registry("predict")
    if registry.current(args.sport, args.market) is None:
        raise UsageError(
            f"no {seat} champion yet: train one first (tp train {args.sport}{MARKETS[args.market].flag})"
        )
    if args.week:
        _check_week(args.week)
    config = {"ops": {f"predictions__{seat}": {"config": {"week": args.week}}}} if args.week else {}
    result = run_job(f"promote_{seat}_job", [["predictions", seat]], config, {"trigger": "tp predict"})
    if not result.success:
        raise CliError(f"prediction failed: {failure_message(result)}", FAILED)
    frame = result.output_for_node(f"predictions__{seat}")
    print(frame.to_string(index=False) if len(frame) else f"{seat}: no games to predict")
    return OK


def report(args) -> int:
    """Evaluate the model's current version (reports/<model>: the same report again when nothing
    changed) and print its figures and gate verdicts."""
    from training_platform.ml.modeling.markets import LINE_MARKETS, MARKETS
    from training_platform.sports import SPORTS, configured

    market = next((m for m in LINE_MARKETS if args.model.endswith(MARKETS[m].suffix)), "moneyline")
    model, _, sport = args.model.removesuffix(MARKETS[market].suffix).rpartition("_")
    if sport not in SPORTS or model not in configured()[sport].models_for(market):
        offered = (
            f"{sport} {market}: {', '.join(configured()[sport].models_for(market)) or 'none'}"
            if sport in SPORTS
            else ", ".join(SPORTS)
        )
        raise UsageError(
            f"{args.model!r} is not a model name: <model>_<sport>[_ats|_totals] with a sport of the sports "
            f"file and one of its models in that market ({offered}), e.g. elo_nfl or elo_nfl_ats"
        )
    _require_features(sport)
    result = run_job(f"train_{sport}_job", [["reports", args.model]], {}, {"trigger": "tp report"})
    if not result.success and not failed_checks(result):
        raise CliError(f"report failed: {failure_message(result)}", FAILED)
    figures = _report_figures(result, args.model)
    print(json.dumps(figures, indent=2, default=str))
    return OK if not failed_checks(result) else BLOCKED


def _check_week(week: str) -> None:
    import datetime as dt

    try:
        day = dt.date.fromisoformat(week)
    except ValueError:
        raise UsageError(
            f"--week {week!r} is not a date: give a week start as YYYY-MM-DD, e.g. 2024-12-24"
        ) from None
    if day.weekday() != 1:
        tuesday = day - dt.timedelta(days=(day.weekday() - 1) % 7)
        raise UsageError(
            f"--week {week} is a {day:%A}: weeks start on Tuesday; the week holding it is --week {tuesday}"
        )


def _report_figures(result, name: str) -> dict:
    report = result.output_for_node(f"reports__{name}")
    checks = {c.check_name: c for c in result.get_asset_check_evaluations() if c.asset_key.path[-1] == name}
    gates = checks.get("metric_gates")
    return {
        "version": report["model_artifact"]["version"],
        "games": report["games"],
        "seasons": report["seasons"],
        "model": report["model"],
        "baselines": report["baselines"],
        **({"picks": report["picks"]} if report.get("picks") else {}),  # a line market's pick record
        "report": str(Path(report["report_dir"]) / "report.html"),
        "gates_passed": None if gates is None else gates.passed,
        "gates": None if gates is None else gates.metadata["gates"].value,
    }


def _has_output(result, name: str) -> bool:
    return any(e.step_key == f"reports__{name}" for e in result.get_step_success_events())


def _require_features(sport: str) -> None:
    from training_platform.defs.resources import default_resources

    store = default_resources()["warehouse"].open()
    if not store.path.exists() or store.read("features_gold", sport).empty:
        raise UsageError(
            f"no {sport} features in {store.path} (TP_DATA_DIR / TP_WAREHOUSE): ingest first, e.g. "
            f"`make demo`, or dagster asset materialize --select 'raw/games,features/gold' --partition-range …"
        )


def _thresholds(sport: str, market: str, gates_file: Path | None) -> dict:
    from dataclasses import asdict

    from training_platform.ml.evaluation.gates import load_thresholds

    try:
        return asdict(load_thresholds(sport, market, path=gates_file))
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _tightened_gates(args) -> dict:
    """The thresholds in force and, with --min-accuracy (which may only tighten the gate), the gates
    file's content with it for this command's runs."""
    thresholds = _thresholds(args.sport, args.market, None)
    if args.min_accuracy is None:
        return {"thresholds": thresholds, "file": None}
    current = thresholds["min_accuracy"]
    if args.min_accuracy > 1:
        raise UsageError(f"--min-accuracy {args.min_accuracy} is above 1: give a share, e.g. 0.65")
    if args.min_accuracy < current:
        raise UsageError(
            f"--min-accuracy {args.min_accuracy} is below the gates file's {current}: a flag can only tighten "
            "a gate; loosen it in a gates file of your own (TP_GATES_FILE)"
        )
    import yaml

    from training_platform.ml.evaluation.gates import gates_file_path

    config = yaml.safe_load(gates_file_path().read_text()) or {}
    config["sports"] = config.get("sports") or {}
    sport = config["sports"].get(args.sport) or {}
    sport[args.market] = {**(sport.get(args.market) or {}), "min_accuracy": args.min_accuracy}
    config["sports"][args.sport] = sport
    return {"thresholds": {**thresholds, "min_accuracy": args.min_accuracy}, "file": yaml.safe_dump(config)}


@contextlib.contextmanager
def _gates_file(content: str | None):
    """TP_GATES_FILE pointed at a temporary copy holding `content` while this process's runs read it."""
    if content is None:
        yield
        return
    before = os.environ.get("TP_GATES_FILE")
    with tempfile.NamedTemporaryFile("w", prefix="tp-gates-", suffix=".yaml") as copy:
        copy.write(content)
        copy.flush()
        os.environ["TP_GATES_FILE"] = copy.name
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("TP_GATES_FILE", None)
            else:
                os.environ["TP_GATES_FILE"] = before


def _check_writable(path: Path) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text("")
        partial.unlink()
    except OSError as exc:
        raise UsageError(
            f"--output-json {path}: cannot be written ({exc.strerror or exc}); nothing was run. Give a path "
            "in a folder you can write"
        ) from None
    if path.is_dir():
        raise UsageError(f"--output-json {path} is a folder; give a file name; nothing was run")


def _write_json(path: Path, payload: dict) -> None:
    """Atomically: a reader never sees half a summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(payload, indent=2, default=str))
    os.replace(partial, path)
