"""Metric gates and the choice of champion, property-based over metric tuples."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training_platform.ml.gates import (
    GateThresholds,
    all_passed,
    choose_champion,
    evaluate_gates,
    load_thresholds,
)

unit = st.floats(0.0, 1.0, allow_nan=False)
metrics = st.fixed_dictionaries({
    "log_loss": st.floats(0.4, 0.9), "accuracy": unit, "precision": unit, "recall": unit, "f1": unit,
    "ece": st.floats(0.0, 0.2), "games": st.integers(0, 3000),
})
candidate = st.tuples(metrics, st.floats(0.6, 0.75), st.one_of(st.none(), st.floats(0.4, 0.9)))


def make_report(model: dict, constant_log_loss: float, champion_log_loss: float | None) -> dict:
    report = {"games": model["games"], "model": model,
              "baselines": {"constant_home_rate": {"log_loss": constant_log_loss, "model_on_same_games": model}}}
    if champion_log_loss is not None:
        report["baselines"]["champion"] = {"log_loss": champion_log_loss, "games": model["games"],
                                           "model_on_same_games": model}
        report["champion"] = {"model": "elo_nfl", "version": 1}
    return report


def passes_by_hand(model, constant, champion, t: GateThresholds) -> bool:
    return (model["games"] >= t.min_games and model["accuracy"] >= t.min_accuracy
            and model["precision"] >= t.min_precision and model["recall"] >= t.min_recall
            and model["f1"] >= t.min_f1 and model["ece"] <= t.max_ece
            and model["log_loss"] - constant < t.max_log_loss_vs_constant
            and (champion is None or model["log_loss"] - champion <= t.champion_tolerance))


@settings(max_examples=300, deadline=None)
@given(st.lists(candidate, min_size=1, max_size=6))
def test_only_a_candidate_passing_every_gate_becomes_champion(candidates):
    thresholds = GateThresholds()
    reports = {f"m{i}": make_report(*c) for i, c in enumerate(candidates)}
    outcomes = {name: {"gates_passed": all_passed(evaluate_gates(r, thresholds)), "log_loss": r["model"]["log_loss"]}
                for name, r in reports.items()}
    for name, (model, constant, champion) in zip(reports, candidates):
        assert outcomes[name]["gates_passed"] == passes_by_hand(model, constant, champion, thresholds)
    chosen = choose_champion(outcomes)
    passing = {n: o["log_loss"] for n, o in outcomes.items() if o["gates_passed"]}
    if not passing:
        assert chosen is None
    else:
        assert outcomes[chosen]["gates_passed"] and passing[chosen] == min(passing.values())


GOOD = {"log_loss": 0.62, "accuracy": 0.65, "precision": 0.66, "recall": 0.75, "f1": 0.70, "ece": 0.02, "games": 1000}


def test_force_overrides_the_champion_comparison_and_nothing_else():
    worse_than_champion = make_report(GOOD, 0.69, champion_log_loss=0.60)
    assert not all_passed(evaluate_gates(worse_than_champion))
    forced = evaluate_gates(worse_than_champion, force=True)
    assert all_passed(forced)
    assert "FORCED" in next(g for g in forced if g.name == "not_worse_than_champion").note
    inaccurate = make_report({**GOOD, "accuracy": 0.55}, 0.69, champion_log_loss=0.60)
    failed = [g.name for g in evaluate_gates(inaccurate, force=True) if not g.passed]
    assert failed == ["accuracy"]


def test_a_nan_metric_fails_its_gate():
    report = make_report({**GOOD, "ece": math.nan}, 0.69, None)
    assert [g.name for g in evaluate_gates(report) if not g.passed] == ["ece"]


def test_every_gate_describes_itself_with_value_and_threshold():
    gates = evaluate_gates(make_report({**GOOD, "recall": 0.4}, 0.69, None))
    recall = next(g for g in gates if g.name == "recall")
    assert recall.describe().startswith("FAIL: 0.4000 vs 0.5")
    assert next(g for g in gates if g.name == "not_worse_than_champion").note == "no champion yet"


def test_thresholds_come_from_the_file_with_sport_overrides(tmp_path):
    assert load_thresholds("nfl") == GateThresholds()  # the requirements' defaults
    assert load_thresholds("mlb").min_accuracy < GateThresholds().min_accuracy
    custom = tmp_path / "gates.yaml"
    custom.write_text("defaults: {min_accuracy: 0.7}\nsports: {nba: {moneyline: {max_ece: 0.01}}}\n")
    assert load_thresholds("nba", path=custom) == GateThresholds(min_accuracy=0.7, max_ece=0.01)
    assert load_thresholds("nba", market="totals", path=custom) == GateThresholds(min_accuracy=0.7)


def test_bad_gates_files_are_refused_clearly(tmp_path):
    typo = tmp_path / "gates.yaml"
    typo.write_text("defaults: {min_acuracy: 0.7}\n")
    with pytest.raises(ValueError, match="unknown gate setting.*min_acuracy"):
        load_thresholds("nfl", path=typo)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_thresholds("nfl", path=tmp_path / "missing.yaml")
