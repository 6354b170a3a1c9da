"""production/<sport>: the champion, materialized only from a candidate whose gates passed."""


import json
from pathlib import Path

import dagster as dg
import pandas as pd

from training_platform.defs.resources import ModelStoreResource
from training_platform.ml.gates import all_passed, evaluate_gates
from training_platform.sources.schema import SPORTS


def build_production_asset(sport: str, candidate: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["production", sport],
        ins={"report": dg.AssetIn(key=["reports", candidate]), "model": dg.AssetIn(key=["models", candidate])},
        group_name="production",
        description=f"The {sport.upper()} moneyline champion. Refuses a candidate whose report fails a gate.",
    )
    def _production(context: dg.AssetExecutionContext, report: dict, model, model_store: ModelStoreResource) -> dict:
        # The blocking check already stops this step in the same run; re-checking here also
        # guards a run that selects production/<sport> alone after a failed report.
        gates = evaluate_gates(report)
        if report["model_artifact"]["sha256"] != model.sha256:
            raise dg.Failure(f"report was made for {candidate} v{report['model_artifact']['version']}, "
                             f"but the model input is v{model.version}; re-materialize reports/{candidate}")
        if not all_passed(gates):
            failed = [f"{g.name}: {g.value:.4f} vs {g.threshold}" for g in gates if not g.passed]
            raise dg.Failure(f"{candidate} v{model.version} failed its gates: {failed}")
        champion = {
            "sport": sport, "model": candidate, "version": model.version, "artifact": model.path,
            "sha256": model.sha256, "metrics": report["model"], "season_evaluated": report["season"],
            "promoted_at": pd.Timestamp.now(tz="UTC").isoformat(), "dagster_run_id": context.run.run_id,
        }
        pointer = Path(model_store.models_dir).parent / "production" / f"{sport}.json"
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.write_text(json.dumps(champion, indent=2))
        context.add_output_metadata({
            "champion": f"{candidate} v{model.version}", "sha256": model.sha256,
            "log_loss": report["model"]["log_loss"], "brier": report["model"]["brier"],
            "pointer": dg.MetadataValue.path(str(pointer)),
        })
        return champion

    return _production


production_assets = [build_production_asset(sport, f"elo_{sport}") for sport in SPORTS]
