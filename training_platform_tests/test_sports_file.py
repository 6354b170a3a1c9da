"""The sports file: what it refuses, how each setting reaches the platform (sources, history starts, score and
tie rules, candidates, gates, model versions), and what `tp` and the code location say when it is broken."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from training_platform.settings import Settings, environment_with
from training_platform.sports import FALLBACK_HISTORY_START, history_start, load_sports

HOCKEY = "sports: {{hockey: {{{extra}max_score: 15, ties: false}}}}"


@pytest.fixture
def hockey_file(tmp_path, monkeypatch):
    """A sports file with only hockey (its source from `extra` or TP_SOURCE_HOCKEY), active in this process."""

    def write(extra: str = "source: 'csv:/data/hockey.csv', ") -> Path:
        path = tmp_path / "sports.yaml"
        path.write_text(HOCKEY.format(extra=extra))
        monkeypatch.setenv("TP_SPORTS_FILE", str(path))
        return path

    return write


def test_history_starts_follow_the_source_the_synthetic_seasons_and_the_file(tmp_path, hockey_file):
    package = Settings.for_folder(tmp_path)
    assert history_start("nfl", package) == dt.date(2015, 9, 10)  # the embedded league's first opening day
    assert history_start("nfl", Settings.for_folder(tmp_path, synthetic_seasons=3)) == dt.date(2022, 9, 8)
    assert (
        history_start("nfl", Settings.for_folder(tmp_path, sources={"nfl": "csv:x.csv"}))
        == FALLBACK_HISTORY_START
    )
    path = hockey_file("source: 'csv:x.csv', history_start: '2019-10-01', ")  # quoted: read as a date too
    assert history_start("hockey", Settings.from_env()) == dt.date(2019, 10, 1)
    assert load_sports(path)["hockey"].history_start == dt.date(2019, 10, 1)


def test_weeks_older_than_the_partitions_are_refused_naming_both_fixes():
    from training_platform.defs.partitions import FIRST_WEEK, range_tags

    with pytest.raises(
        ValueError, match=r"older than the partitions' first week .*history_start.*TP_SYNTHETIC_SEASONS"
    ):
        range_tags("nfl", FIRST_WEEK - dt.timedelta(days=7), FIRST_WEEK)
    assert (
        range_tags("nfl", FIRST_WEEK, FIRST_WEEK)["dagster/asset_partition_range_start"]
        == f"nfl|{FIRST_WEEK}"
    )


def test_a_sport_without_a_source_in_the_file_takes_tp_source(hockey_file, monkeypatch):
    path = hockey_file(extra="")
    with pytest.raises(
        ValueError,
        match=rf"hockey has no games source: set sports.hockey.source in {path} or TP_SOURCE_HOCKEY",
    ):
        Settings.from_env()
    monkeypatch.setenv("TP_SOURCE_HOCKEY", "csv:/data/hockey.csv")
    assert Settings.from_env().source("hockey") == "csv:/data/hockey.csv"
    monkeypatch.setenv("TP_SOURCE_HOCKEY", "synthetic")
    with pytest.raises(
        ValueError, match="TP_SOURCE_HOCKEY='synthetic': the synthetic league has only mlb, nba, nfl"
    ):
        Settings.from_env()
    monkeypatch.setenv("TP_SOURCE_HOCKEY", "csv:/data/hockey.csv")
    monkeypatch.setenv("TP_SPORTS", "hockey,cricket")
    with pytest.raises(
        ValueError, match=rf"unknown sport\(s\) \['cricket'\]; the sports file {path} declares hockey"
    ):
        Settings.from_env()


def test_the_new_sports_score_and_tie_rules_quarantine_its_rows(hockey_file):
    from training_platform.sources.quality import find_problems
    from training_platform.sources.schema import conform

    hockey_file()
    day = dt.date(2021, 10, 12)
    rows = [
        dict(
            game_id=f"g{i}",
            sport="hockey",
            season=2021,
            game_date=day,
            home_team="A",
            away_team="B",
            home_score=h,
            away_score=a,
        )
        for i, (h, a) in enumerate([(3, 2), (2, 2), (20, 1)])
    ]
    problems = find_problems(conform(pd.DataFrame(rows)), [day], None, dt.date(2026, 1, 1))
    assert dict(zip(problems["row"], problems["reason"])) == {
        1: "a tie in a sport without ties",
        2: "score above 15 (max_score in the sports file)",
    }


def test_the_packages_gates_file_serves_a_sports_file_without_its_sports(tmp_path):
    sports = tmp_path / "sports.yaml"
    sports.write_text(HOCKEY.format(extra="source: 'csv:x.csv', "))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from training_platform.ml.evaluation.gates import load_thresholds as t; print(t('hockey').min_accuracy)",
        ],
        env=environment_with(clean=True, TP_SPORTS_FILE=str(sports)),
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert (
        probe.stdout.strip() == "0.6"
    )  # the defaults; the package's MLB override is for a sport not declared here


def test_an_edit_to_the_sports_file_makes_a_new_modelling_version(hockey_file):
    from training_platform.ml.provenance import modelling_version

    hockey_file("source: 'csv:x.csv', elo: {k_factor: 8.0}, ")
    before = modelling_version()
    hockey_file("source: 'csv:x.csv', elo: {k_factor: 9.0}, ")
    assert modelling_version() != before


def test_the_sports_file_rejects_what_it_cannot_run_naming_the_entry_and_the_fix(tmp_path):
    cases = {
        "sports: {hockey: {source: synthetic}}": "the synthetic league has only mlb, nba, nfl; give hockey a source",
        "sports: {hockey: {source: 'csv:x.csv', elo: {k_factor: fast}}}": "sports.hockey.elo.k_factor: 'fast' must be a number",
        "sports: {hockey: {source: 'csv:x.csv', ties: maybe}}": "sports.hockey.ties: 'maybe' must be true or false",
        "sports: {hockey: {source: 'csv:x.csv', max_score: -3}}": "sports.hockey.max_score: -3 must be a positive",
        "sports: {hockey: {source: 'csv:x.csv', colour: red}}": "unknown setting(s) ['colour']",
        "sports: {Hockey: {source: 'csv:x.csv'}}": "a sport's name must be lower-case",
        "sports: {hockey: {source: 'csv:x.csv', history_start: soon}}": "'soon' is not a date; write it as YYYY-MM-DD",
        "sports: {hockey: {source: 'csv:x.csv', elo_search: {grid: {}}}}": "needs both `grid` and `optuna`",
        "sports: {hockey: {source: 'csv:x.csv', elo: {k: 3}}}": "unknown Elo setting(s)",
        "sports: {hockey: {source: 'csv:x.csv', models: [elo, svm]}}": "sports.hockey.models: ['elo', 'svm'] must",
        "sports: {hockey: {source: 'csv:x.csv', markets: {spread: [elo]}}}": "sports.hockey.markets: {'spread'",
        "sports: {hockey: {source: 'csv:x.csv', markets: {ats: elo}}}": "sports.hockey.markets.ats: 'elo' must list",
        "sports: {hockey: {source: 'csv:x.csv', markets: {ats: []}}}": "sports.hockey.markets.ats: [] must list",
        "sports: {hockey: {source: 'csv:x.csv', markets: {totals: [market_correction]}}}": "markets.totals: ['market_correction'] must list models among elo,",
        "sports: {hockey: {source: 'csv:x.csv', markets: [ats]}}": "must map ats and/or totals to a list",
        "sports: {}": "must hold a non-empty mapping",
        "sports: [": "is not valid YAML",
    }
    for i, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"sports{i}.yaml"
        path.write_text(text)
        with pytest.raises(ValueError) as raised:
            load_sports(path)
        assert message in str(raised.value) and str(path) in str(raised.value), (text, raised.value)
    with pytest.raises(FileNotFoundError, match="TP_SPORTS_FILE"):
        load_sports(tmp_path / "missing.yaml")


def test_tp_refuses_a_broken_sports_file_in_one_line_and_the_code_location_names_it(tmp_path):
    broken = tmp_path / "sports.yaml"
    broken.write_text("sports: {hockey: {source: 'csv:x.csv', ties: maybe}}")
    env = environment_with(clean=True, TP_DATA_DIR=str(tmp_path / "data"), TP_SPORTS_FILE=str(broken))
    tp = subprocess.run(
        [sys.executable, "-m", "training_platform.cli", "status"], env=env, capture_output=True, text=True
    )
    assert tp.returncode == 3
    assert tp.stderr.strip().splitlines() == [
        f"tp: {broken}: sports.hockey.ties: 'maybe' must be true or false"
    ]
    load = subprocess.run(
        [sys.executable, "-c", "import training_platform.definitions"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert load.returncode != 0
    assert (
        load.stderr.strip().splitlines()[-1]
        == f"ValueError: {broken}: sports.hockey.ties: 'maybe' must be true or false"
    )


def test_the_candidates_of_a_sport_are_tp_candidates_among_its_models(tmp_path, monkeypatch):
    from training_platform.settings import candidate_models

    sports = tmp_path / "sports.yaml"
    sports.write_text("sports: {hockey: {source: 'csv:x.csv', models: [elo, logistic]}}")
    monkeypatch.setenv("TP_SPORTS_FILE", str(sports))
    assert candidate_models("hockey") == ["elo", "logistic"]  # TP_CANDIDATES' xgboost has no hockey assets
    monkeypatch.setenv("TP_CANDIDATES", "xgboost,random_forest")
    with pytest.raises(
        ValueError, match=r"none has assets for hockey .*sports.hockey.models is elo, logistic"
    ):
        candidate_models("hockey")


def test_a_line_markets_candidates_are_tp_candidates_among_that_markets_models(tmp_path, monkeypatch):
    from training_platform.settings import candidate_models

    sports = tmp_path / "sports.yaml"  # logistic competes in the spread only
    sports.write_text(
        "sports: {hockey: {source: 'csv:x.csv', models: [elo], markets: {ats: [elo, logistic]}}}"
    )
    monkeypatch.setenv("TP_SPORTS_FILE", str(sports))
    monkeypatch.setenv("TP_CANDIDATES", "elo,logistic")
    assert candidate_models("hockey") == ["elo"]
    assert candidate_models("hockey", "ats") == ["elo", "logistic"]
    assert candidate_models("hockey", "totals") == []  # no seat, rather than an error
