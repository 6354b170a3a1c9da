"""`make bench`'s results file: a partial run (BENCH=..., or a clone without ../shared) replaces only
the groups it measured."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench.run  # noqa: E402
from bench.run import main, merged  # noqa: E402


def row(name: str, group: str, value: float = 1.0) -> dict:
    return {"name": name, "value": value, "unit": "s", "group": group}


def test_a_measured_group_replaces_all_its_rows_and_the_others_keep_theirs():
    previous = [
        row("definitions_import_seconds", "import"),
        row("optuna_xgboost_trials_per_minute_2_workers", "postgres"),  # a row the new run no longer makes
        row("nflverse_full_history_ingest", "ingest"),
    ]
    measured = {"postgres": [row("optuna_xgboost_200_trials_seconds_2_workers", "postgres", 2.0)]}
    assert [r["name"] for r in merged(previous, measured)] == [
        "definitions_import_seconds",
        "nflverse_full_history_ingest",
        "optuna_xgboost_200_trials_seconds_2_workers",
    ]


def test_a_group_that_measured_nothing_keeps_its_previous_rows():
    previous = [row("nflverse_full_history_ingest_postgres", "postgres", 26.0)]
    assert merged(previous, {"postgres": []}) == previous  # e.g. no PostgreSQL on this machine


def test_an_unknown_group_is_refused_before_anything_runs(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["--only", "demoo"])
    assert refused.value.code == 2
    assert "invalid choice: 'demoo'" in capsys.readouterr().err


def test_a_failing_group_keeps_what_the_groups_before_it_measured(tmp_path, monkeypatch):
    out = tmp_path / "results.json"
    out.write_text(json.dumps([row("definitions_import_seconds", "import", 9.0)]) + "\n")

    def fails(work):
        raise RuntimeError("make test failed")

    groups = {
        "import": (False, lambda work: [row("definitions_import_seconds", "import", 1.5)]),
        "make_test": (False, fails),
    }
    monkeypatch.setattr(bench.run, "OUT", out)
    monkeypatch.setattr(bench.run, "GROUPS", groups)
    with pytest.raises(RuntimeError, match="make test failed"):
        main(["--only", "import", "make_test"])
    assert [r["value"] for r in json.loads(out.read_text())] == [1.5]  # the import group's new row
