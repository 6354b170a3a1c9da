"""Metric gates a candidate must pass before it may become the production model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GateThresholds:
    min_games: int = 100
    max_brier: float = 0.25
    max_log_loss_vs_constant: float = 0.0  # model log loss minus constant baseline's must be below this


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    value: float
    threshold: float
    rule: str


def evaluate_gates(report: dict, thresholds: GateThresholds = GateThresholds()) -> list[GateResult]:
    model = report["model"]
    constant = report["baselines"]["constant_home_rate"]
    edge = constant["model_on_same_games"]["log_loss"] - constant["log_loss"]
    return [
        GateResult("enough_games", report["games"] >= thresholds.min_games, report["games"],
                   thresholds.min_games, "held-out games >= threshold"),
        GateResult("brier", model["brier"] <= thresholds.max_brier, model["brier"],
                   thresholds.max_brier, "Brier <= threshold"),
        GateResult("beats_constant_baseline", edge < thresholds.max_log_loss_vs_constant, edge,
                   thresholds.max_log_loss_vs_constant, "log loss minus constant baseline's < threshold"),
    ]


def all_passed(results: list[GateResult]) -> bool:
    return all(r.passed for r in results)
