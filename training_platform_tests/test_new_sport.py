"""A sport the package has never heard of, brought by a sports file and a CSV, runs the whole lineage:
ingest, features, tuning, reports, gates and promotion to a champion, then predictions."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from training_platform.settings import environment_with
from training_platform.sources.weeks import week_start

pytestmark = pytest.mark.slow

HOCKEY_FILE = """
sports:
  hockey:
    source: csv:{csv}
    history_start: {first}
    max_score: 15
    ties: false          # a level game goes to overtime
    models: [elo, logistic, xgboost]
    elo: {{k_factor: 8.0, home_advantage: 35.0, mean_reversion: 0.3}}
    elo_search:
      grid: {{k_factor: [4, 8], home_advantage: [20, 35], mean_reversion: [0.3]}}
      optuna:
        k_factor: {{type: float, low: 2, high: 16}}
        home_advantage: {{type: float, low: 0, high: 60}}
        mean_reversion: {{type: float, low: 0.0, high: 0.6}}
"""
# Hockey is closer to a coin flip than the requirements' 60% accuracy allows (as MLB is); the gates file
# says so for this sport only, as it does for MLB.
HOCKEY_GATES = """
defaults: {min_games: 100, min_accuracy: 0.60, min_precision: 0.55, min_recall: 0.50, min_f1: 0.52,
           max_ece: 0.05, max_log_loss_vs_constant: 0.0, champion_tolerance: 0.002}
sports:
  hockey:
    moneyline: {min_accuracy: 0.55, min_precision: 0.52}
"""


def hockey_league(seasons: int = 4, teams: int = 16, seed: int = 7) -> pd.DataFrame:
    """Poisson goals from team strengths; a level game is decided in overtime by one goal. The last
    partition week is scheduled but not played (empty scores): the week to predict."""
    rng = np.random.default_rng(seed)
    codes = [f"H{i:02d}" for i in range(teams)]
    strength = rng.normal(0, 0.35, teams)
    rows = []
    for season in range(2019, 2019 + seasons):
        strength = 0.7 * strength + rng.normal(0, 0.25, teams)
        day = dt.date(season, 10, 1)
        for round_ in range(40):
            order = rng.permutation(teams)
            for home, away in zip(order[::2], order[1::2]):
                rate = np.exp(1.05 + np.array([strength[home] - strength[away] + 0.15, 0.0]) / 2)
                home_goals, away_goals = rng.poisson(rate)
                if home_goals == away_goals:
                    home_wins = rng.random() < 1 / (1 + np.exp(-(strength[home] - strength[away])))
                    home_goals, away_goals = home_goals + home_wins, away_goals + (not home_wins)
                rows.append(
                    dict(
                        game_id=f"{season}_{round_:02d}_{codes[home]}_{codes[away]}",
                        season=season,
                        game_date=(day + dt.timedelta(days=3 * round_)).isoformat(),
                        home_team=codes[home],
                        away_team=codes[away],
                        home_score=int(home_goals),
                        away_score=int(away_goals),
                    )
                )
    games = pd.DataFrame(rows)
    weeks = week_start(games["game_date"])
    last_week = (weeks == weeks.max()).to_numpy()
    games[["home_score", "away_score"]] = games[["home_score", "away_score"]].astype("Int64")
    games.loc[last_week, ["home_score", "away_score"]] = pd.NA
    return games


@pytest.fixture(scope="module")
def hockey(tmp_path_factory):
    root = tmp_path_factory.mktemp("hockey")
    games = hockey_league()
    games.to_csv(root / "hockey.csv", index=False)
    (root / "sports.yaml").write_text(
        HOCKEY_FILE.format(csv=root / "hockey.csv", first=games["game_date"].min())
    )
    (root / "gates.yaml").write_text(HOCKEY_GATES)
    (root / "home").mkdir()
    env = environment_with(
        clean=True,
        TP_DATA_DIR=str(root / "data"),
        DAGSTER_HOME=str(root / "home"),
        TP_SPORTS_FILE=str(root / "sports.yaml"),
        TP_GATES_FILE=str(root / "gates.yaml"),
    )
    demo = subprocess.run(
        [sys.executable, "-m", "training_platform.demo", "--models", "elo", "logistic"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return root, games, env, demo


def test_a_new_sport_from_a_sports_file_reaches_a_champion_and_predictions(hockey):
    root, games, env, demo = hockey
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "hockey: ingest and features" in demo.stdout
    assert not any(other in demo.stdout for other in ("nfl", "nba", "mlb"))
    champion = json.loads((root / "data" / "production" / "hockey.json").read_text())
    assert champion["model"] in ("elo_hockey", "logistic_hockey")
    status = subprocess.run(
        [sys.executable, "-m", "training_platform.cli", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["hockey"]["model"] == champion["model"]
    (week,) = (root / "data" / "predictions" / "hockey").glob("*.csv")
    predictions = pd.read_csv(week)
    assert sorted(predictions["game_id"]) == sorted(games.loc[games["home_score"].isna(), "game_id"])
    assert predictions["p_home"].between(0, 1).all() and set(predictions["model"]) == {champion["model"]}


def test_the_new_sport_has_its_models_only_its_elo_space_and_weeks_from_its_first_game(hockey):
    root, games, env, demo = hockey
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from training_platform.definitions import defs; "
            "from training_platform.defs.partitions import FIRST_WEEK; "
            "from training_platform.sports import SPORTS; "
            "keys = [k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()]; "
            "print(json.dumps([str(FIRST_WEEK), list(SPORTS), sorted(k for k in keys if '_hockey' in k)]))",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    first_week, sports, candidate_keys = json.loads(probe.stdout)
    first_game = dt.date.fromisoformat(games["game_date"].min())
    assert (
        dt.date.fromisoformat(first_week) <= first_game < dt.date.fromisoformat(first_week) + dt.timedelta(7)
    )
    assert sports == ["hockey"]
    # the graph holds the sport's configured models only, not every model of the catalog
    assert candidate_keys == sorted(
        f"{stage}/{model}_hockey"
        for stage in ("tuning", "models", "reports")
        for model in ("elo", "logistic", "xgboost")
    )
    # the grid of its own elo_search (2 x 2 x 1), not elo.yaml's 27 combinations
    tuned = json.loads((root / "data" / "dagster_io" / "tuning" / "elo_hockey.json").read_text())
    assert (tuned["method"], tuned["trials_complete"]) == ("grid", 4)
    assert tuned["params"]["k_factor"] in (4, 8) and tuned["params"]["mean_reversion"] == 0.3


def test_the_demo_says_when_a_trained_model_is_not_a_production_candidate():
    from training_platform.demo import candidate_line

    report = {"variant": "market_aware", "model": {"log_loss": 0.5959}}
    line = candidate_line("market_correction_nba", report, passed=True, compared=False)
    assert "gates passed; not compared by production (add it to TP_CANDIDATES)" in line
    assert "not compared" not in candidate_line("logistic_nba", report, passed=True, compared=True)
