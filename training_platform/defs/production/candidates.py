"""The glue between production/<seat> and the champion choice: a report as a candidate, the incumbent
as one, and the market-free model that scores a moneyline game without lines."""

from typing import TYPE_CHECKING

from training_platform.ml.modeling.markets import MARKETS
from training_platform.storage.handoffs import Report

if TYPE_CHECKING:
    import pandas as pd

    from training_platform.ml.evaluation.champion_choice import Candidate


def variant_of_row(row: dict, market: str = "moneyline") -> str:
    from training_platform.ml.modeling.catalog import variant_of

    # the registered name is <model>_<sport><suffix>: elo_nfl, logistic_nfl_ats
    model = row["model"].removesuffix(MARKETS[market].suffix).rsplit("_", 1)[0]
    return variant_of(model, market)


def verified_reports(registry, store, reports: dict) -> tuple[dict[str, tuple], dict]:
    """Each candidate's latest report with its forecasts and its artifact, read only from files the warehouse
    vouches for and naming the artifact the warehouse recorded; and the refused ones with the reason."""
    from training_platform.ml.artifacts import ArtifactIntegrityError
    from training_platform.ml.verified import UnverifiedReport, read_verified_report, recorded_artifact

    verified, refused = {}, {}
    for name, report in reports.items():
        if report is None:
            continue
        try:
            read = read_verified_report(registry, store, name, report.report_dir)
            claimed = read.report["model_artifact"]
            if claimed["name"] != name:
                raise UnverifiedReport(f"reports/{name} evaluates {claimed['name']!r}, not {name}")
            artifact = recorded_artifact(
                registry,
                store.models_dir,
                claimed["name"],
                int(claimed["version"]),
                claimed["sha256"],
                f"reports/{name}",
            )
        except (UnverifiedReport, ArtifactIntegrityError, OSError, ValueError, KeyError) as exc:
            refused[name] = f"refused: {exc}"  # an unreadable planted file refuses its candidate, not the run
            continue
        verified[name] = (Report.of(read.report), read.forecasts, artifact)
    return verified, refused


def candidate_of(report: Report, forecasts: "pd.DataFrame", thresholds) -> "Candidate":
    from training_platform.ml.evaluation.backtest import SCORING
    from training_platform.ml.evaluation.champion_choice import Candidate
    from training_platform.ml.evaluation.gates import all_passed, evaluate_gates

    return Candidate(
        report.model_artifact["name"],
        int(report.model_artifact["version"]),
        report.data_hash or "",
        all_passed(evaluate_gates(report, thresholds)),
        forecasts,
        report.variant or "market_aware",
        comparable=report.scoring == SCORING,
    )


def incumbent_candidate(row: dict | None, pool: list["Candidate"], registry, store) -> "Candidate | None":
    """The incumbent as a candidate: its current report if it has one, else its own report's forecasts
    (none when its report's files are gone or changed: then nothing is compared and nothing changes)."""
    import pandas as pd

    from training_platform.champion import verified_report_of_row
    from training_platform.ml.evaluation.backtest import SCORING
    from training_platform.ml.evaluation.champion_choice import Candidate
    from training_platform.ml.verified import FORECAST_COLUMNS

    if row is None:
        return None
    same = [c for c in pool if c.key == (row["model"], int(row["version"]))]
    if same:
        return same[0]
    verified = verified_report_of_row(registry, store, row)
    # a report scored another way than today's (older code's named starters) cannot be compared; one
    # whose files are gone has no forecasts to compare, which the choice already handles
    comparable = verified is None or verified.report.get("scoring") == SCORING
    forecasts = verified.forecasts if verified else pd.DataFrame(columns=FORECAST_COLUMNS)
    return Candidate(row["model"], int(row["version"]), "", True, forecasts, comparable=comparable)


def market_free_fallback(row, pool, current_data, demoted, reports) -> dict | None:
    """The best current market-free candidate that passed its gates: it scores games without lines."""
    if variant_of_row(row) == "market_free":
        return {
            "model": row["model"],
            "version": int(row["version"]),
            "artifact": row["artifact_path"],
            "sha256": row["sha256"],
        }
    free = [
        c
        for c in pool
        if c.variant == "market_free"
        and c.data_hash == current_data
        and c.gates_passed
        and c.key not in demoted
    ]
    if not free:
        return None
    best = min(free, key=lambda c: reports[c.name].model["log_loss"])
    artifact = reports[best.name].model_artifact
    return {
        "model": best.name,
        "version": best.version,
        "artifact": artifact["path"],
        "sha256": artifact["sha256"],
    }
