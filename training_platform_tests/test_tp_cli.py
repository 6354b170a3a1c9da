"""`tp`'s contract, as a user types it: every command, every exit code (0 done, 1 a run failed, 2 a gate
blocked the promotion, 3 wrong input or configuration), one-line errors that name the input and the fix,
progress on stderr, and nothing stored changed by a refused command."""

import json

import dagster as dg
import pandas as pd
import pytest

from training_platform.location import JOB_PAGE_TAGS
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.registry import ChampionRegistry
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources, run_tp, subprocess_env
from training_platform_tests.test_lineage import ingest

pytestmark = pytest.mark.slow


def ingested(root, sport: str, seasons: int) -> dict:
    """`seasons` synthetic seasons of `sport` ingested under `root`; the environment `tp` runs in."""
    resources = make_resources(root, seasons=seasons)
    games = resources["games_source"].games(sport)
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    with dg.instance_for_test() as instance:
        assert ingest(resources, instance, sport, weeks).success
    return subprocess_env(TP_DATA_DIR=str(root), TP_SYNTHETIC_SEASONS=str(seasons))


tp = run_tp


@pytest.fixture(scope="module")
def league(tmp_path_factory):
    """Three NBA seasons, Elo trained and promoted by `tp train` (the first test reads that run)."""
    root = tmp_path_factory.mktemp("tp")
    env = ingested(root / "data", "nba", 3)
    trained = tp(env, "train", "nba", "--optimize", "--trials", "4", "--output-json", str(root / "out.json"))
    return root, env, trained


def history(root):
    return ChampionRegistry(Warehouse(root / "data" / "warehouse.duckdb")).history("nba")


def test_train_tunes_fits_evaluates_and_promotes_with_progress_and_an_outcome_file(league):
    root, env, trained = league
    assert trained.returncode == 0, trained.stderr[-3000:]
    for step in ("tuning/elo_nba", "models/elo_nba", "reports/elo_nba", "production/nba", "predictions/nba"):
        assert f"  {step} …" in trained.stderr and f"  {step} done in" in trained.stderr
    assert "reports/elo_nba metric_gates: passed" in trained.stderr
    assert "4/4 trials" in trained.stderr  # the assets' own progress lines come through
    assert "STEP_START" not in trained.stderr  # not Dagster's DEBUG stream
    assert trained.stdout.strip() == "nba champion: elo_nba v1"
    outcome = json.loads((root / "out.json").read_text())
    assert outcome["exit_code"] == 0 and outcome["champion"]["model"] == "elo_nba"
    assert outcome["plan"]["train"]["run_config"]["ops"]["tuning__elo_nba"]["config"]["n_trials"] == 4
    assert outcome["reports"]["elo_nba"]["gates_passed"] is True
    assert history(root)["model"].tolist() == ["elo_nba"]
    # the runs are the code location's jobs' and are listed on their pages in the UI (filtered by this tag)
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        for job in ("train_nba_job", "promote_nba_job"):
            runs = instance.get_runs(dg.RunsFilter(job_name=job, tags=JOB_PAGE_TAGS))
            assert [run.run_id for run in runs] == [outcome[f"{job.split('_')[0]}_run_id"]]


def test_report_predict_and_status_read_the_champion(league):
    root, env, _ = league
    report = tp(env, "report", "elo_nba")
    assert report.returncode == 0, report.stderr[-2000:]
    figures = json.loads(report.stdout)
    assert figures["version"] == 1 and figures["gates_passed"] and figures["report"].endswith("report.html")
    predicted = tp(env, "predict", "nba")
    assert predicted.returncode == 0 and "elo_nba" in predicted.stdout and "p_home" in predicted.stdout
    status = tp(env, "status", "--json")
    assert status.returncode == 0
    documents = json.loads(status.stdout)
    assert documents["nba"]["model"] == "elo_nba" and documents["nfl"] is None


def test_a_dry_run_prints_the_plan_and_runs_nothing(league):
    root, env, _ = league
    planned = tp(env, "train", "nba", "--model", "logistic", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert plan["train"]["assets"] == ["tuning/logistic_nba", "models/logistic_nba", "reports/logistic_nba"]
    assert not (root / "data" / "models" / "logistic_nba").exists()
    spread = tp(env, "train", "nfl", "--market", "ats", "--dry-run")
    assert spread.returncode == 0, spread.stderr
    plan = json.loads(spread.stdout)
    assert plan["train"]["assets"] == ["tuning/elo_nfl_ats", "models/elo_nfl_ats", "reports/elo_nfl_ats"]
    assert plan["promote"]["job"] == "promote_nfl_ats_job"
    assert plan["gates"]["min_accuracy"] == 0.5  # the gates file's markets.ats


def test_a_failed_gate_blocks_the_promotion_with_exit_2(league):
    root, env, _ = league
    before = history(root)
    blocked = tp(env, "train", "nba", "--min-accuracy", "0.99", "--output-json", str(root / "blocked.json"))
    assert blocked.returncode == 2, blocked.stderr[-3000:]
    assert blocked.stderr.strip().splitlines()[-1] == (
        "tp train: promotion blocked by the metric gates: reports/elo_nba failed accuracy "
        "(tp report elo_nba shows the figures)"
    )
    assert json.loads((root / "blocked.json").read_text())["exit_code"] == 2
    assert history(root).equals(before)  # the champion stays


@pytest.mark.parametrize(
    "args, named",
    [
        (("train", "cricket"), "invalid choice: 'cricket'"),
        (("train", "nba", "--trials", "0"), "'0' is not a positive whole number"),
        (("train", "nba", "--min-accuracy", "0.1"), "--min-accuracy 0.1 is below the gates file's 0.6"),
        (("train", "nba", "--min-accuracy", "1.5"), "'1.5' is not a share between 0 and 1"),
        (("train", "nba", "--model", "random_forest"), "--model random_forest is not among the candidates"),
        (("train", "nba", "--market", "parlay"), "invalid choice: 'parlay'"),
        (("train", "nba", "--market", "ats"), "--model elo has no nba ats assets"),
        (("report", "elo_nba_ats"), "'elo_nba_ats' is not a model name"),
        (
            ("rollback", "--sport", "nba", "--market", "ats", "--model", "elo_nba", "--version", "1"),
            "--market ats: nba has no ats candidates",
        ),
        (
            ("rollback", "--sport", "nfl", "--market", "ats", "--model", "elo_nfl", "--version", "1"),
            "'elo_nfl' is not a nfl ats model name such as elo_nfl_ats (a model of the moneyline market: pass --market moneyline)",
        ),
        (
            ("promote", "--sport", "nfl", "--model", "elo_nfl_ats", "--version", "1"),
            "(a model of the ats market: pass --market ats)",
        ),
        (("champion", "--sport", "nba", "--market", "totals"), "nba has no totals candidates"),
        (("train", "nfl", "--market", "ats", "--model", "xgboost"), "--model xgboost has no nfl ats assets"),
        (("train", "nfl", "--market", "ats", "--min-accuracy", "0.45"), "below the gates file's 0.5"),
        (("predict", "nba", "--week", "24-12-2024"), "--week '24-12-2024' is not a date"),
        (
            ("predict", "nba", "--week", "2024-12-25"),
            "is a Wednesday: weeks start on Tuesday; the week holding it is --week 2024-12-24",
        ),
        (("train", "nfl"), "no nfl features in"),
        (("report", "elo_xyz"), "'elo_xyz' is not a model name"),
        (("predict", "nfl"), "no nfl champion yet: train one first (tp train nfl)"),
        (("predict", "nba", "--market", "ats"), "--market ats: nba has no ats candidates"),
        (
            ("predict", "nfl", "--market", "totals"),
            "no nfl_totals champion yet: train one first (tp train nfl --market totals)",
        ),
        (("rollback", "--sport", "nba", "--model", "elo_nba", "--version", "1"), "already the nba champion"),
        (("promote", "--sport", "nba", "--model", "elo_nba", "--version", "7"), "no artifact elo_nba v7"),
    ],
)
def test_wrong_input_exits_3_with_one_line_naming_it(league, args, named):
    root, env, _ = league
    before = (
        history(root),
        sorted(p.relative_to(root) for p in (root / "data").rglob("*") if "mlflow" not in str(p)),
    )
    refused = tp(env, *args)
    assert refused.returncode == 3, refused.stderr[-2000:]
    assert len(refused.stderr.strip().splitlines()) == 1 and named in refused.stderr, refused.stderr
    assert refused.stderr.count(f"tp {args[0]}: ") == 1, refused.stderr  # said once
    assert history(root).equals(before[0])
    assert (
        sorted(p.relative_to(root) for p in (root / "data").rglob("*") if "mlflow" not in str(p)) == before[1]
    )


def test_a_broken_gates_file_is_a_configuration_error(league, tmp_path):
    _, env, _ = league
    refused = tp({**env, "TP_GATES_FILE": str(tmp_path / "gates.yml")}, "train", "nba", "--dry-run")
    assert refused.returncode == 3 and f"gates file {tmp_path / 'gates.yml'} does not exist" in refused.stderr


def test_a_training_run_that_fails_exits_1_with_its_cause(tmp_path):
    env = ingested(tmp_path / "data", "nfl", 1)
    failed = tp(env, "train", "nfl")
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert failed.stderr.strip().splitlines()[-1] == (
        "tp train: training failed: tuning/elo_nfl: ValueError: a backtest needs results from at least two "
        "seasons; found [2024]"
    )
    assert not (tmp_path / "data" / "production").exists()


def test_the_tour_train_another_model_roll_back_and_predictions_follow(league):
    """The README's tour from a shell: a second model trained and compared, the loser forced in, a
    rollback to the one it replaced, then forecasts scored by the restored champion."""
    root, env, _ = league
    trained = tp(env, "train", "nba", "--model", "logistic", "--optimize", "--trials", "4")
    assert trained.returncode == 0, trained.stderr[-3000:]
    champion = history(root).iloc[-1]["model"]
    other = "elo_nba" if champion == "logistic_nba" else "logistic_nba"
    # --force promotes the candidate the comparison kept out, and the registry says it was forced
    # (the same --optimize --trials 4 studies as before: complete, so the same versions come back)
    forced = tp(env, "train", "nba", "--model", other.split("_")[0], "--optimize", "--trials", "4", "--force")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert forced.stdout.strip() == f"nba champion: {other} v1"
    assert history(root).iloc[-1][["model", "forced"]].tolist() == [other, True]
    rolled = tp(env, "rollback", "--sport", "nba", "--model", champion, "--version", "1")
    assert rolled.returncode == 0, rolled.stderr[-2000:]
    assert f"nba champion is now {champion} v1" in rolled.stdout
    other = champion  # the champion predictions must use
    predicted = tp(env, "predict", "nba")
    assert predicted.returncode == 0, predicted.stderr[-2000:]
    written = max(
        (root / "data" / "predictions" / "nba").glob("*.csv"), key=lambda path: path.stat().st_mtime
    )
    assert set(pd.read_csv(written)["model"]) == {other} and other in predicted.stdout


def test_a_dagster_home_that_does_not_exist_yet_is_created_and_a_file_is_refused(tmp_path, monkeypatch):
    from training_platform.cli.runs import instance

    home = tmp_path / "new" / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    made = instance.__wrapped__()  # uncached: this test's own environment
    assert home.is_dir() and not made.is_ephemeral
    made.dispose()
    not_a_directory = tmp_path / "home.txt"
    not_a_directory.write_text("kept")
    monkeypatch.setenv("DAGSTER_HOME", str(not_a_directory))
    with pytest.raises(
        ValueError, match=r"DAGSTER_HOME=.*home.txt is a file: point DAGSTER_HOME at a directory"
    ):
        instance.__wrapped__()
    assert not_a_directory.read_text() == "kept"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", "relative_home")
    with pytest.raises(ValueError, match="relative_home is a relative path: Dagster needs an absolute one"):
        instance.__wrapped__()
    assert not (tmp_path / "relative_home").exists()
