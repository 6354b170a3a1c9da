"""JSON-lines run logs through dagster.yaml's `python_logs.dagster_handler_config` (Dagster's own hook)."""

import datetime as dt
import json

import dagster as dg
import yaml

from training_platform_tests.conftest import make_resources
from training_platform_tests.live_dagster import REPO
from training_platform_tests.test_lineage import ingest


def test_runs_write_json_lines_with_level_module_and_metrics(tmp_path):
    log = tmp_path / "logs" / "training.log"  # its folder does not exist yet
    checkout_config = yaml.safe_load((REPO / "dagster.yaml").read_text())["python_logs"]
    handler = checkout_config["dagster_handler_config"]["handlers"]["json_lines"]
    assert handler["()"] == "training_platform.logs.JsonLinesFileHandler"  # what the checkout's instance uses
    config = {"dagster_handler_config": {"handlers": {"json_lines": {**handler, "filename": str(log)}}}}
    resources = make_resources(tmp_path / "data", seasons=1)
    week = dt.date(2024, 11, 5)
    with dg.instance_for_test(overrides={"python_logs": config}) as instance:
        assert ingest(resources, instance, "nba", [week, week]).success
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines and all(
        set(line) == {"timestamp", "level", "message", "module", "run_id", "job", "event", "metrics"}
        for line in lines
    )
    debug = [line for line in lines if line["level"] == "DEBUG"]  # only the events that carry outcomes
    assert debug and {line["event"] for line in debug} <= {
        "ASSET_MATERIALIZATION",
        "ASSET_CHECK_EVALUATION",
        "STEP_SUCCESS",
        "RUN_SUCCESS",
    }
    assert any(line["level"] == "INFO" and "games featurised" in line["message"] for line in lines)
    materialized = [e for e in lines if e["event"] == "ASSET_MATERIALIZATION" and e["module"] == "raw/games"]
    assert materialized and materialized[0]["metrics"]["games_stored"] > 0, materialized
    assert dt.datetime.fromisoformat(lines[0]["timestamp"]).tzinfo is not None
    assert len({line["run_id"] for line in lines}) == 1 and lines[-1]["event"] == "RUN_SUCCESS"


def test_the_handler_writes_where_tp_log_file_says_when_dagster_yaml_names_no_file(tmp_path, monkeypatch):
    from training_platform.logs import JsonLinesFileHandler

    monkeypatch.setenv("TP_LOG_FILE", str(tmp_path / "elsewhere" / "runs.jsonl"))
    handler = JsonLinesFileHandler()
    assert handler.baseFilename == str(tmp_path / "elsewhere" / "runs.jsonl")
    assert (tmp_path / "elsewhere").is_dir()
    monkeypatch.delenv("TP_LOG_FILE")
    monkeypatch.setenv("TP_DATA_DIR", str(tmp_path / "data"))
    assert JsonLinesFileHandler(min_level="warning").baseFilename == str(
        tmp_path / "data" / "logs" / "training.log"
    )
