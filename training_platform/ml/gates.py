"""Metric gates a candidate must pass before it may become the production model, and the
choice of champion among the candidates that passed."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

DEFAULT_GATES_FILE = Path(__file__).resolve().parents[1] / "gates.yaml"


@dataclass(frozen=True)
class GateThresholds:
    min_games: int = 100
    min_accuracy: float = 0.60
    min_precision: float = 0.55
    min_recall: float = 0.50
    min_f1: float = 0.52
    max_ece: float = 0.05
    max_log_loss_vs_constant: float = 0.0
    champion_tolerance: float = 0.002


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    value: float
    threshold: float
    rule: str
    note: str = ""

    def describe(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        note = f"; {self.note}" if self.note else ""
        return f"{verdict}: {self.value:.4f} vs {self.threshold} ({self.rule}{note})"


def load_thresholds(sport: str, market: str = "moneyline", path: str | Path | None = None) -> GateThresholds:
    """Thresholds for one sport and market: the file's defaults, overridden per sport and market."""
    path = Path(path or os.environ.get("TP_GATES_FILE") or DEFAULT_GATES_FILE)
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise FileNotFoundError(f"gates file {path} does not exist (TP_GATES_FILE)") from None
    merged = {**(config.get("defaults") or {}), **((config.get("sports") or {}).get(sport, {}) or {}).get(market, {})}
    known = {f.name for f in fields(GateThresholds)}
    unknown = set(merged) - known
    if unknown:
        raise ValueError(f"{path}: unknown gate setting(s) {sorted(unknown)}; known: {sorted(known)}")
    return replace(GateThresholds(), **merged)


def evaluate_gates(report: dict, thresholds: GateThresholds = GateThresholds(), force: bool = False) -> list[GateResult]:
    """Every gate on a walk-forward report. `force` overrides the champion comparison only."""
    model = report["model"]
    constant = report["baselines"]["constant_home_rate"]
    results = [
        GateResult("enough_games", report["games"] >= thresholds.min_games, report["games"],
                   thresholds.min_games, "out-of-sample games >= threshold"),
        *(_at_least(metric, model[metric], getattr(thresholds, f"min_{metric}"))
          for metric in ("accuracy", "precision", "recall", "f1")),
        _at_most("ece", model["ece"], thresholds.max_ece, "expected calibration error <= threshold"),
        _below("beats_constant_baseline", constant["model_on_same_games"]["log_loss"] - constant["log_loss"],
               thresholds.max_log_loss_vs_constant, "log loss minus the constant home-win rate's < threshold"),
    ]
    results.append(_champion_gate(report, thresholds, force))
    return results


def _at_least(metric: str, value: float, threshold: float) -> GateResult:
    return GateResult(metric, _finite(value) and value >= threshold, value, threshold, f"{metric} >= threshold")


def _at_most(name: str, value: float, threshold: float, rule: str) -> GateResult:
    return GateResult(name, _finite(value) and value <= threshold, value, threshold, rule)


def _below(name: str, value: float, threshold: float, rule: str) -> GateResult:
    return GateResult(name, _finite(value) and value < threshold, value, threshold, rule)


def _champion_gate(report: dict, thresholds: GateThresholds, force: bool) -> GateResult:
    rule = "log loss minus the champion's on the same games <= tolerance"
    champion = report["baselines"].get("champion")
    if champion is None:
        return GateResult("not_worse_than_champion", True, 0.0, thresholds.champion_tolerance, rule,
                          "no champion yet" if not report.get("champion") else "no games in common with the champion")
    gap = champion["model_on_same_games"]["log_loss"] - champion["log_loss"]
    passed = _finite(gap) and gap <= thresholds.champion_tolerance
    note = f"champion {report['champion']['model']} v{report['champion']['version']} on {champion['games']} games"
    if force and not passed:
        return GateResult("not_worse_than_champion", True, gap, thresholds.champion_tolerance, rule,
                          note + "; FORCED: would have failed, overridden by force=True")
    return GateResult("not_worse_than_champion", passed, gap, thresholds.champion_tolerance, rule, note)


def _finite(value) -> bool:
    return value is not None and math.isfinite(float(value))


def all_passed(results: list[GateResult]) -> bool:
    return all(r.passed for r in results)


def choose_champion(candidates: dict[str, dict]) -> str | None:
    """Name of the candidate with the lowest walk-forward log loss among those whose gates all
    passed; None when none passed. `candidates` maps name -> {"gates_passed", "log_loss"}."""
    passing = {name: c["log_loss"] for name, c in candidates.items() if c["gates_passed"] and _finite(c["log_loss"])}
    return min(passing, key=lambda name: (passing[name], name)) if passing else None
