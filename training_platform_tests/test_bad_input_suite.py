"""Every bad input a user can give, against a stored history with a promoted champion: each case
asserts its message (naming the input and the fix) and that every stored table, file, MLflow
version and the champion are unchanged afterwards (a quarantined row changes only the quarantine
table, and keeps the stored game). The cases run in order against one world, so a case that
leaked a change would also show in every later one."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from training_platform import cli
from training_platform_tests.bad_input_cases import (
    REPORT,
    bad_partition,
    champion_artifact,
    corrupt_warehouse,
    damaged_champion,
    duplicated_row,
    first_game,
    frame_as,
    future_completed_game,
    game_in_two_weeks,
    gates_file,
    gold_of_older_code,
    ingest_config,
    other_source,
    production_config,
    quarantine,
    renamed_team,
    rollback_to,
    set_values,
    source_as,
    tampered_with_its_metadata,
    tp,
    truncated_gzip,
    tuning_config,
    unknown_candidate,
    unknown_run_config,
    unrecorded_artifact,
    url_source,
)
from training_platform_tests.bad_input_trust import (
    ALIAS_BOMB,
    PREDICTIONS,
    artifact_swapped_for_pickle,
    blanks_a_result,
    changes_a_result,
    crowded_week,
    damaged_journal_record,
    drops_games,
    mlflow_unreachable_with_password,
    never_unpickled,
    pointer_names_foreign_pickle,
    registry_row_outside,
    report_forecasts_edited,
    report_names_foreign_pickle,
    source_edit,
    sports_file,
    staging_symlink,
    stored_value_names_foreign_pickle,
    symlinked_version,
)
from training_platform_tests.bad_input_world import (
    SPORT,
    World,
    failure,
    replaced,
    snapshot,
)


@dataclass(frozen=True)
class Case:
    id: str
    run: Callable[[World, pytest.MonkeyPatch], str]  # gives the bad input; returns what the user is told
    expect: str  # a regular expression the message must match
    quarantines: bool = False  # the bad row lands in quarantine (with its reason) instead of a refusal


@pytest.fixture
def world(stored_world):
    return stored_world


# One case per row, as the table it is.
# fmt: off
CASES = [
    # the source file
    Case("header_only", frame_as(lambda w, g: g.iloc[0:0]), r"holds 0 games.*allow_delete"),
    Case("week_missing", frame_as(lambda w, g: g[~w.week_games()]), r"has no games for week.*allow_delete"),
    Case("truncated_rows", frame_as(lambda w, g: g.head(len(g) // 2)), r"shrank by more than"),
    Case("missing_column", frame_as(lambda w, g: g.drop(columns="home_score")), r"missing required column\(s\) \['home_score'\]"),
    Case("renamed_column", frame_as(lambda w, g: g.rename(columns={"home_team": "home"})), r"\['home_team'\]"),
    Case("score_as_text", frame_as(lambda w, g: g.astype({"home_score": object}).assign(home_score="twenty")),
         r"column 'home_score' cannot be read as Int64 \(first bad value: 'twenty'\)"),
    Case("odds_as_text", frame_as(lambda w, g: g.assign(home_moneyline="evens")), r"'home_moneyline' cannot be read as Float64"),
    Case("empty_file", source_as(lambda w: b""), r"nba\.csv: not a readable CSV \(EmptyDataError"),
    Case("binary_file", source_as(lambda w: b"\xff\xfe\x00garbage\x00" * 50), r"nba\.csv: not a readable CSV"),
    Case("file_missing", source_as(lambda w: None), r"games CSV not found: .*nba\.csv"),
    Case("truncated_gzip", other_source(truncated_gzip), r"nba\.csv\.gz: not a readable CSV \((EOFError|BadGzipFile|error)"),
    Case("flipped_spread_sign", frame_as(lambda w, g: g.assign(spread_line=-g["spread_line"])),
         r"nba\.csv.*away team's side.*Nothing was written"),
    Case("unknown_source_kind", other_source(lambda w: f"excel:{w.source}"), r"unknown games source 'excel:"),
    Case("unparseable_partition", bad_partition("nba|2024-13-45"), r"nba\|2024-13-45"),
    Case("unknown_sport_partition", bad_partition("nhl|2024-09-03"), r"nhl\|2024-09-03"),
    Case("url_not_found", url_source(b"no such file", "text/plain", 404), r"http://127\.0\.0\.1:\d+/games\.csv.*404"),
    Case("url_returns_html", url_source(b"<html><body>maintenance</body></html>", "text/html"),
         r"http://127\.0\.0\.1:\d+/games\.csv.*(HTML|html)"),
    Case("url_unreachable_with_credentials", other_source(lambda w: "nflverse:https://me:s3cret@127.0.0.1:9/g.csv?key=abc",
                                                         sport="nfl", week=dt.date(2024, 9, 3)),
         r"https://\*\*\*@127\.0\.0\.1:9/g\.csv\?key=\*\*\*: unreachable(?!.*s3cret)"),
    Case("share_out_of_range", ingest_config(max_quarantined_share=1.5), r"max_quarantined_share must be a share between 0 and 1"),
    # rows the quality rules quarantine; the stored version of the game stays
    Case("duplicate_row", quarantine(duplicated_row), r"game id repeated in this batch; first row kept", quarantines=True),
    Case("game_in_two_weeks", quarantine(game_in_two_weeks), r"already stored under week .*re-ingest that week first", quarantines=True),
    Case("negative_score", quarantine(set_values(home_score=-3)), r"negative.*stored version of the game is kept", quarantines=True),
    Case("score_above_bound", quarantine(set_values(home_score=250)), r"score above 200", quarantines=True),
    Case("one_score_missing", quarantine(set_values(away_score=None)), r"only one team has a score", quarantines=True),
    Case("tie_in_a_sport_without_ties", quarantine(set_values(home_score=101, away_score=101)), r"tie", quarantines=True),
    Case("same_team_both_sides", quarantine(lambda w, g: set_values(away_team=g.loc[first_game(w), "home_team"])(w, g)),
         r"home and away team are the same; the stored version of the game is kept", quarantines=True),
    Case("unknown_team", quarantine(set_values(home_team="XYZ")), r"unknown team\(s\) \['XYZ'\].*accept_new_teams", quarantines=True),
    Case("renamed_team", quarantine(renamed_team), r"unknown team\(s\) \['\w+X'\]", quarantines=True),
    Case("future_completed_game", quarantine(future_completed_game), r"final score on .*after today", quarantines=True),
    Case("zero_odds", quarantine(set_values(home_moneyline=0.0)), r"home_moneyline=0\.0 is not valid American odds", quarantines=True),
    Case("odds_inside_100", quarantine(set_values(away_moneyline=50.0)), r"away_moneyline=50\.0 is not valid American odds", quarantines=True),
    Case("one_side_odds_missing", quarantine(set_values(away_moneyline=None)), r"only one side has a moneyline", quarantines=True),
    # configuration
    Case("gate_out_of_range", gates_file("defaults: {min_accuracy: 1.5}\n"), r"gates\.yaml: defaults\.min_accuracy = 1\.5 must be a number in \[0\.0, 1\.0\]"),
    Case("gate_negative", gates_file("defaults: {max_ece: -0.1}\n"), r"defaults\.max_ece = -0\.1"),
    Case("gate_wrong_type", gates_file("defaults: {min_f1: high}\n"), r"defaults\.min_f1 = 'high' must be a number"),
    Case("gate_invalid_yaml", gates_file("defaults: {min_accuracy: [0.6\n"), r"gates\.yaml is not valid YAML"),
    Case("gate_unknown_setting", gates_file("defaults: {min_acuracy: 0.7}\n"), r"unknown gate setting\(s\) \['min_acuracy'\]"),
    Case("gate_unknown_market", gates_file("sports: {nba: {moneylin: {max_ece: 0.1}}}\n"), r"sports\.nba\.moneylin: unknown market"),
    Case("unknown_candidate_model", unknown_candidate, r"TP_CANDIDATES='elo,xgbost': unknown model\(s\) \['xgbost'\]"),
    Case("n_trials_zero", tuning_config(n_trials=0), r"n_trials must be >= 1 \(got 0\)"),
    Case("n_trials_negative", tuning_config(n_trials=-5), r"n_trials must be >= 1 \(got -5\)"),
    Case("holdout_seasons_zero", tuning_config(holdout_seasons=0), r"holdout_seasons >= 1 \(got 0\)"),
    Case("misspelt_run_config", unknown_run_config, r"n_trails"),
    Case("unknown_production_action", production_config(action="promote-now"), r"unknown action 'promote-now'"),
    Case("rollback_without_version", production_config(action="rollback", model=f"elo_{SPORT}"),
         r"action rollback needs config model .* and version"),
    # stored files and the champion
    Case("gold_of_older_code", gold_of_older_code, r"features/gold of nba holds \d+ games of feature version gold-v0.*Rebuild those weeks"),
    Case("corrupt_warehouse", corrupt_warehouse, r"warehouse .*warehouse\.duckdb cannot be opened.*restore it from a backup"),
    Case("champion_artifact_missing", damaged_champion(lambda data: None), r"artifact is damaged.*is missing.*tp rollback"),
    Case("champion_artifact_tampered", damaged_champion(lambda data: data + b"x"), r"artifact is damaged.*SHA-256"),
    Case("tampered_with_its_metadata", tampered_with_its_metadata, r"SHA-256 .*recorded"),
    Case("path_traversal", rollback_to(f"../../../evil_{SPORT}", 1), r"is not a nba model name"),
    Case("other_sports_model", rollback_to("elo_nfl", 1), r"'elo_nfl' is not a nba model name"),
    Case("version_never_saved", rollback_to(f"elo_{SPORT}", 9), r"no artifact elo_nba v9 .*versions on disk: \['v1'\]"),
    Case("artifact_never_recorded", unrecorded_artifact, r"elo_nba v7 was never recorded"),  # exit 2: integrity
    Case("rollback_to_the_champion", rollback_to(f"elo_{SPORT}", 1), r"already the nba champion; nothing changed"),
    Case("mistyped_warehouse", tp("champion", "--sport", SPORT, TP_WAREHOUSE="{root}/warehuose.duckdb"),
         r"no warehouse at .*warehuose\.duckdb"),
    # only the warehouse decides what is loaded: a planted pickle would leave a marker if unpickled
    Case("report_names_foreign_pickle", never_unpickled(report_names_foreign_pickle), r"report\.json changed since the platform wrote"),
    Case("report_forecasts_edited", never_unpickled(report_forecasts_edited), r"predictions\.csv changed since the platform wrote"),
    Case("models_value_names_foreign_pickle", never_unpickled(stored_value_names_foreign_pickle(f"models/elo_{SPORT}", "path", [REPORT])),
         r"models/elo_nba names elo_nba v1 with SHA-256 \w+, but the warehouse recorded"),
    Case("production_value_names_foreign_pickle", never_unpickled(stored_value_names_foreign_pickle(f"production/{SPORT}", "artifact", [PREDICTIONS])),
         r"production value names elo_nba v1 .*registry records elo_nba v1"),
    Case("pointer_names_foreign_pickle", never_unpickled(pointer_names_foreign_pickle), r"repaired .*production/nba\.json"),
    Case("artifact_swapped_for_pickle", never_unpickled(artifact_swapped_for_pickle), r"artifact is damaged.*SHA-256"),
    Case("symlinked_version_folder", never_unpickled(symlinked_version), r"outside the models folder"),  # exit 2
    Case("registry_row_outside_models", never_unpickled(registry_row_outside), r"registry entry \d+ names .*foreign/model\.joblib.*refusing"),
    Case("staging_path_is_a_symlink", staging_symlink, r"nba\.json\.tmp exists and is not a file the platform left"),
    # a source that would lose stored games
    Case("source_drops_games", source_edit(drops_games), r"omits \d+ stored game\(s\).*allow_delete.*Nothing was written"),
    Case("source_blanks_a_result", source_edit(blanks_a_result), r"blanks or changes 1 stored played game.*-> blank.*allow_corrections"),
    Case("source_changes_a_result", source_edit(changes_a_result), r"home_score \d+ -> \d+.*allow_corrections"),
    # impossible values, quarantined with their reason
    Case("infinite_spread", quarantine(set_values(spread_line=float("inf"))), r"spread_line=inf is outside", quarantines=True),
    Case("overflowing_total", quarantine(set_values(total_line=1e308)), r"total_line=1e\+308 is outside", quarantines=True),
    Case("infinite_odds", quarantine(set_values(home_moneyline=float("inf"))), r"home_moneyline=inf is not a finite price", quarantines=True),
    Case("both_sides_favourites", quarantine(set_values(home_moneyline=-500.0, away_moneyline=-500.0)), r"imply 167% in all", quarantines=True),
    Case("both_sides_longshots", quarantine(set_values(home_moneyline=1000.0, away_moneyline=1000.0)), r"imply 18% in all", quarantines=True),
    Case("season_far_from_date", quarantine(set_values(season=1990)), r"season 1990 is more than 1 year from", quarantines=True),
    Case("formula_as_team_name", quarantine(set_values(home_team='=HYPERLINK("http://x")')), r"home_team '=HYPERLINK.*is not plain text", quarantines=True),
    Case("markup_as_team_name", quarantine(set_values(away_team="<script>alert(1)</script>")), r"away_team '<script>.*is not plain text", quarantines=True),
    Case("one_team_fourteen_games_a_week", quarantine(crowded_week), r"plays more than 12 games in the week", quarantines=True),
    # configuration files and flags: one line naming the file or flag
    Case("sports_file_alias_bomb", sports_file(ALIAS_BOMB), r"expands to more than 100,000 values"),
    Case("sports_file_list_not_mapping", sports_file("sports: [nba]\n"), r"must hold a non-empty mapping"),
    Case("sports_file_impossible_date", sports_file("sports:\n  nba: {{source: 'csv:{source}', history_start: 2024-02-30}}\n"),
         r"cannot be read: day is out of range"),
    Case("sports_file_non_ascii_name", sports_file("sports:\n  nbà: {{source: 'csv:{source}'}}\n"), r"lower-case ASCII"),
    Case("sport_named_like_a_seat", sports_file("sports:\n  nba: {{source: 'csv:{source}'}}\n  nba_ats: {{source: 'csv:{source}'}}\n"),
         r"nba_ats: the name is taken by nba's ats market"),
    Case("gates_sports_as_list", gates_file("sports: [nba]\n"), r"sports must be a mapping"),
    Case("min_accuracy_nan", tp("train", SPORT, "--min-accuracy", "nan"), r"'nan' is not a share between 0 and 1"),
    Case("output_json_unwritable", tp("train", SPORT, "--output-json", "/proc/tp/out.json"), r"--output-json /proc/tp/out\.json: cannot be written"),
    Case("negative_synthetic_seasons", tp("champion", "--sport", SPORT, TP_SYNTHETIC_SEASONS="-2"), r"TP_SYNTHETIC_SEASONS=-2 is outside"),
    Case("nan_drift_tolerance", tp("champion", "--sport", SPORT, TP_DRIFT_TOLERANCE="nan"), r"TP_DRIFT_TOLERANCE='nan' must be a number"),
    Case("mlflow_unreachable_with_password", mlflow_unreachable_with_password, r"http://\*\*\*@127\.0\.0\.1:9"),
    Case("damaged_journal_record", damaged_journal_record, r"studies\.journal has a damaged record at line 2"),
]
# fmt: on


def test_the_suite_covers_at_least_eighty_cases():
    assert len({case.id for case in CASES}) == len(CASES) >= 80


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_bad_input_is_answered_clearly_and_nothing_stored_changes(world, case, monkeypatch):
    stamps = (
        {"ignore_write_stamps": True, "skip_tables": ("raw_games_quarantine",)} if case.quarantines else {}
    )
    before = snapshot(world.root, **stamps)
    message = case.run(world, monkeypatch)
    found = re.search(case.expect, message, re.DOTALL)
    assert found, message[-3000:]
    line = message[message.rfind("\n", 0, found.start()) + 1 :].split("\n")[0]
    print(f"\n{case.id}: {line[:400]}")  # `pytest -s -k bad_input_is` lists what each case answers
    assert_unchanged(before, snapshot(world.root, **stamps))


def assert_unchanged(before: dict, after: dict) -> None:
    """Every table, file and MLflow entry as it was; a difference is named, not shown as two dicts."""
    changed = {
        part: sorted(
            k for k in set(before[part]) | set(after[part]) if before[part].get(k) != after[part].get(k)
        )
        for part in before
    }
    assert not any(changed.values()), f"changed by the case: {changed}"


def test_tp_status_rewrites_every_stale_copy_from_the_registry(world, monkeypatch):
    """After the cases: the pointer deleted, the status file half-written, MLflow's alias gone; `tp
    status` names and repairs each; a damaged champion makes it exit 2; nothing else changes."""
    import mlflow

    def state():  # MLflow's file changes its bytes when an alias is set again; its registry is compared
        taken = snapshot(world.root)
        del taken["files"]["mlflow.db"]
        return taken

    before = state()
    pointer, status = (
        world.root / "production" / f"{SPORT}{suffix}.json" for suffix in ("", ".model_status")
    )
    pointer.unlink()
    status.write_text(status.read_text()[:40])
    uri = f"sqlite:///{world.root / 'mlflow.db'}"
    mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri).delete_registered_model_alias(
        f"elo_{SPORT}", "champion"
    )

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert _tp_status(world, monkeypatch) == 0
    assert f"{SPORT}: elo_{SPORT} v1" in out.getvalue() and "repaired" in out.getvalue()
    for stale in (str(pointer), str(status), f"MLflow alias elo_{SPORT}@champion"):
        assert stale in out.getvalue()
    assert state() == before  # every copy is again exactly what the registry derives

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert _tp_status(world, monkeypatch) == 0
    assert "copies in sync" in out.getvalue() and "nfl: no champion yet" in out.getvalue()

    artifact = champion_artifact()(world)
    err = io.StringIO()
    with (
        replaced(artifact, artifact.read_bytes() + b"x"),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        assert _tp_status(world, monkeypatch) == 2
    assert "is damaged" in err.getvalue() and "tp rollback" in err.getvalue()
    assert state() == before


def _tp_status(world, env) -> int:
    for name in ("MLFLOW_TRACKING_URI", "TP_WAREHOUSE", "DAGSTER_HOME"):
        env.delenv(name, raising=False)
    env.setenv("TP_DATA_DIR", str(world.root))
    return cli.main(["status"])


@pytest.fixture
def moved_world(world, tmp_path):
    """A copy of the world's data folder under another path, the original hidden while the test runs (so
    nothing can still reach it through an absolute path); the same Dagster instance and source."""
    import shutil

    from training_platform_tests.conftest import make_resources

    moved = tmp_path / "moved" / "data"
    shutil.copytree(world.root, moved, symlinks=True)
    hidden = world.root.with_name(world.root.name + "-hidden")
    world.root.rename(hidden)
    try:
        yield moved, make_resources(moved, seasons=3, **{SPORT: f"csv:{world.source}"})
    finally:
        written = sorted(str(p) for p in world.root.rglob("*")) if world.root.exists() else []
        shutil.rmtree(world.root, ignore_errors=True)
        hidden.rename(world.root)
    assert not written, f"the run wrote under the data folder's old path: {written[:10]}"


def _materialized(world, resources, keys, run_config=None):
    import dagster as dg

    from training_platform_tests.test_lineage import ALL_ASSETS

    return dg.materialize(
        ALL_ASSETS,
        selection=[dg.AssetKey(k.split("/")) for k in keys],
        resources=resources,
        instance=world.instance,
        run_config=run_config,
        raise_on_error=False,
    )


def test_a_moved_data_folder_serves_its_champion_and_reports_on_the_next_run(world, moved_world):
    moved, resources = moved_world
    result = _materialized(world, resources, [f"production/{SPORT}", f"predictions/{SPORT}"])
    assert result.success, failure(result)
    assert set(result.output_for_node(f"predictions__{SPORT}")["model"]) == {f"elo_{SPORT}"}
    pointer = json.loads((moved / "production" / f"{SPORT}.json").read_text())
    assert pointer["artifact_path"].startswith(str(moved))  # the copies now name where it is


def test_a_lost_mlflow_store_is_rebuilt_from_the_registry_on_the_next_run(world, moved_world):
    import mlflow

    moved, resources = moved_world
    (moved / "mlflow.db").unlink()
    result = _materialized(world, resources, [f"production/{SPORT}"])
    assert result.success, failure(result)
    uri = f"sqlite:///{moved / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    alias = client.get_registered_model(f"elo_{SPORT}").aliases["champion"]
    version = client.get_model_version(f"elo_{SPORT}", str(alias))
    champion = json.loads((moved / "production" / f"{SPORT}.json").read_text())
    assert version.tags["sha256"] == champion["sha256"] and "restored_from" in version.tags


def test_a_torn_last_journal_record_heals_on_the_next_tuning_run(world, moved_world):
    moved, resources = moved_world
    journal = moved / "optuna" / "studies.journal"
    journal.write_bytes(journal.read_bytes() + b'{"op_code": 4, "worker_id": "dead", "tri')
    result = _materialized(world, resources, [f"tuning/elo_{SPORT}"])
    assert result.success, failure(result)
    assert (moved / "optuna" / "studies.journal.torn").exists()
