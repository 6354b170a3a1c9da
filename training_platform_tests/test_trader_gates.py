"""The trader's gates: a market-aware candidate must not be worse than the closing line beyond noise; the
betting gates (ROI's lower bound, drawdown) apply where a gates file sets them."""

import math

import numpy as np
import pytest

from training_platform.ml.evaluation.gates import GateThresholds, evaluate_gates, load_thresholds
from training_platform.ml.evaluation.metrics import paired_difference

GOOD = {
    "log_loss": 0.60,
    "accuracy": 0.7,
    "precision": 0.7,
    "recall": 0.7,
    "f1": 0.7,
    "ece": 0.01,
    "games": 500,
}


def report(variant="market_aware", paired=None, betting=None, market=True) -> dict:
    baselines = {"constant_home_rate": {"log_loss": 0.69, "model_on_same_games": GOOD}}
    if market:
        baselines["market"] = {"log_loss": 0.60, "model_on_same_games": GOOD}
        if paired is not None:
            baselines["market"]["model_minus_this"] = paired
    return {"games": 500, "model": GOOD, "baselines": baselines, "variant": variant, "betting": betting or {}}


def gate(result, name):
    (found,) = [g for g in evaluate_gates(result, GateThresholds()) if g.name == name] or [None]
    return found


def test_the_paired_difference_is_the_mean_per_game_difference_with_its_standard_error():
    y = np.array([1, 0, 1, 1, 0, np.nan])
    p = np.array([0.7, 0.4, 0.6, 0.8, 0.3, 0.5])
    q = np.array([0.6, 0.5, 0.6, 0.7, 0.4, 0.5])
    diff = paired_difference(y, p, q)
    brier = (p[:5] - y[:5]) ** 2 - (q[:5] - y[:5]) ** 2
    assert diff["games"] == 5
    assert diff["brier_diff"] == pytest.approx(brier.mean())
    assert diff["brier_diff_se"] == pytest.approx(brier.std(ddof=1) / math.sqrt(5))
    loss = -(y[:5] * np.log(p[:5]) + (1 - y[:5]) * np.log(1 - p[:5])) + (
        y[:5] * np.log(q[:5]) + (1 - y[:5]) * np.log(1 - q[:5])
    )
    assert diff["log_loss_diff"] == pytest.approx(loss.mean()) and diff["log_loss_diff"] < 0
    assert diff["log_loss_diff_se"] == pytest.approx(loss.std(ddof=1) / math.sqrt(5))
    assert paired_difference(y, q, q)["log_loss_diff"] == 0.0


def test_a_market_aware_model_worse_than_the_market_beyond_noise_is_blocked():
    worse = gate(
        report(paired={"games": 500, "log_loss_diff": 0.010, "log_loss_diff_se": 0.002}),
        "no_worse_than_market",
    )
    assert not worse.passed and worse.value == pytest.approx(0.010 - 1.96 * 0.002)
    noise = gate(
        report(paired={"games": 500, "log_loss_diff": 0.002, "log_loss_diff_se": 0.002}),
        "no_worse_than_market",
    )
    assert noise.passed and "+0.0020 ± 0.0020 on 500 games" in noise.describe()


def test_the_market_gate_skips_market_free_models_and_games_without_lines_but_never_an_unmeasured_report():
    paired = {"games": 500, "log_loss_diff": 0.05, "log_loss_diff_se": 0.001}
    assert gate(report(variant="market_free", paired=paired), "no_worse_than_market") is None
    assert gate(report(market=False), "no_worse_than_market") is None
    unmeasured = gate(report(paired=None), "no_worse_than_market")
    assert not unmeasured.passed and "re-materialize the report" in unmeasured.describe()


def test_betting_gates_are_off_by_default_and_bite_when_the_file_sets_them(tmp_path):
    losing = report(
        paired={"games": 500, "log_loss_diff": 0.0, "log_loss_diff_se": 0.001},
        betting={"bets": 300, "roi_lower_95": -0.12, "max_drawdown_units": 44.6},
    )
    assert {"roi_lower_bound", "max_drawdown"}.isdisjoint(
        g.name for g in evaluate_gates(losing, GateThresholds())
    )
    path = tmp_path / "gates.yaml"
    path.write_text("defaults: {min_roi_lower_bound: -0.05, max_drawdown_units: 25}\n")
    gates = {g.name: g for g in evaluate_gates(losing, load_thresholds("nfl", path=path))}
    assert not gates["roi_lower_bound"].passed and "300 bets" in gates["roi_lower_bound"].describe()
    assert not gates["max_drawdown"].passed
    no_bets = {**losing, "betting": {"bets": 0, "roi_lower_95": float("nan"), "max_drawdown_units": 0.0}}
    gates = {g.name: g for g in evaluate_gates(no_bets, load_thresholds("nfl", path=path))}
    assert not gates["roi_lower_bound"].passed and not gates["max_drawdown"].passed  # nothing measured
    path.write_text(
        "defaults: {min_roi_lower_bound: -0.05}\nsports: {nfl: {moneyline: {min_roi_lower_bound: null}}}\n"
    )
    assert load_thresholds("nfl", path=path).min_roi_lower_bound is None  # one sport switches it off
    path.write_text("defaults: {min_roi_lower_bound: -3}\n")
    with pytest.raises(ValueError, match=r"min_roi_lower_bound = -3 must be a number in \[-1.0, 10.0\]"):
        load_thresholds("nfl", path=path)
