"""production/<sport>: the champion, chosen among candidates whose gates passed."""

import json
from pathlib import Path

import dagster as dg

from training_platform.champion import promote
from training_platform.defs.automation.conditions import AFTER_UPSTREAM_UPDATES
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.ml.artifacts import ModelArtifact
from training_platform.ml.gates import choose_champion
from training_platform.ml.zoo import MODEL_NAMES
from training_platform.sources.schema import SPORTS
from training_platform.storage.registry import ChampionRegistry


@dg.input_manager
def latest_report_loader(context: dg.InputContext):
    """A candidate's report as its latest materialization recorded it; None if it never ran.

    Lets production/<sport> list every model as a candidate while users train only some.
    """
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    path = event.asset_materialization.metadata["report_json"].value
    return json.loads(Path(path).read_text())


def build_production_asset(sport: str) -> dg.AssetsDefinition:
    candidates = {f"{model}_{sport}": dg.AssetIn(key=["reports", f"{model}_{sport}"],
                                                 input_manager_key="latest_report_loader")
                  for model in MODEL_NAMES}

    @dg.asset(
        key=["production", sport],
        ins=candidates,
        group_name="production",
        # Its own run, so one candidate failing its blocking gate in a training run does not
        # stop a passing candidate from being promoted.
        automation_condition=AFTER_UPSTREAM_UPDATES,
        description=f"The {sport.upper()} moneyline champion: the candidate with the lowest walk-forward log loss "
        "among those whose every gate passed. Does not materialize when none passed.",
    )
    def _production(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    model_store: ModelStoreResource, tracking: TrackingResource, **reports) -> dict:
        evaluated = {name: report for name, report in reports.items() if report is not None}
        if not evaluated:
            raise dg.Failure(f"no {sport.upper()} candidate has a report yet; materialize reports/<model>_{sport}")
        # A candidate forced in this very run is what the user asked for; a stale forced report is not.
        forced_now = {n: r for n, r in evaluated.items() if r.get("forced") and r.get("dagster_run_id") == context.run.run_id}
        choice = (forced_now and _pick(forced_now)) or _pick(evaluated)
        summary = {name: _summary(r) for name, r in evaluated.items()}
        if choice is None:
            raise dg.Failure(
                description=f"no {sport.upper()} candidate passed its gates; the champion is unchanged",
                metadata={name: dg.MetadataValue.text(text) for name, text in summary.items()})
        report = evaluated[choice]
        artifact = ModelArtifact(**{k: report["model_artifact"][k] for k in ("name", "version", "path", "sha256")})
        registry = ChampionRegistry(warehouse.open())
        current = registry.current(sport)
        if current and current["sha256"] == artifact.sha256:
            context.log.info(f"{choice} v{artifact.version} is already the champion; nothing to promote")
            row = current
        else:
            row = promote(registry, sport, artifact, report, report["report_dir"], model_store.production_dir,
                          tracking.mlflow_uri, context.run.run_id, forced=report.get("forced", False))
            context.log.info(f"promoted {choice} v{artifact.version} (replaces {row['replaces_version']})")
        context.add_output_metadata({
            "champion": f"{choice} v{artifact.version}", "sha256": artifact.sha256, "forced": bool(row["forced"]),
            "log_loss": report["model"]["log_loss"], "brier": report["model"]["brier"],
            "accuracy": report["model"]["accuracy"], "registry_entry": int(row["entry_id"]),
            "candidates": dg.MetadataValue.md("\n".join(f"- **{n}**: {t}" for n, t in summary.items())),
            "pointer": dg.MetadataValue.path(str(model_store.production_dir / f"{sport}.json")),
            "model_status": dg.MetadataValue.path(str(model_store.production_dir / f"{sport}.model_status.json")),
        })
        return {"sport": sport, "model": choice, "version": artifact.version, "artifact": artifact.path,
                "sha256": artifact.sha256, "metrics": report["model"], "seasons_evaluated": report["seasons"],
                "forced": bool(row["forced"]), "promoted_at": row["promoted_at"], "registry_entry": int(row["entry_id"])}

    return _production


def _pick(reports: dict[str, dict]) -> str | None:
    return choose_champion({name: {"gates_passed": r["gates_passed"], "log_loss": r["model"]["log_loss"]}
                            for name, r in reports.items()})


def _summary(report: dict) -> str:
    failed = [f"{g['name']} {g['value']:.4f} vs {g['threshold']}" for g in report["gates"] if not g["passed"]]
    verdict = "passed every gate" if not failed else "FAILED " + "; ".join(failed)
    return f"v{report['model_artifact']['version']} log loss {report['model']['log_loss']:.4f}, {verdict}"


production_assets = [build_production_asset(sport) for sport in SPORTS]
