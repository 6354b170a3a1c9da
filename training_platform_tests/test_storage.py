"""Warehouse windows and model artifacts: writes replace exactly what they own; tampering is refused."""

import datetime as dt
import json

import pandas as pd
import pytest

from training_platform.ml.artifacts import ArtifactIntegrityError, load_model, save_model
from training_platform.ml.modeling.estimators import EloClassifier
from training_platform.storage.warehouse import Warehouse

W1, W2 = dt.date(2024, 9, 3), dt.date(2024, 9, 10)


def rows(week, ids, sport="nfl"):
    return pd.DataFrame(
        {
            "game_id": pd.Series(ids, dtype=object),
            "sport": sport,
            "partition_week": pd.Timestamp(week),
            "game_date": pd.Timestamp(week) + pd.Timedelta(days=5),
        }
    )


def test_replace_weeks_is_idempotent_and_leaves_other_weeks_alone(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    store.replace_weeks({"t": rows(W1, ["a", "b"])}, "nfl", [W1])
    store.replace_weeks({"t": rows(W2, ["c"])}, "nfl", [W2])
    store.replace_weeks({"t": rows(W1, ["x"], sport="nba")}, "nba", [W1])
    store.replace_weeks({"t": rows(W1, ["a", "b"])}, "nfl", [W1])  # again: same result
    assert store.read("t", "nfl")["game_id"].tolist() == ["a", "b", "c"]
    store.replace_weeks({"t": rows(W1, ["a2"])}, "nfl", [W1])
    assert store.read("t", "nfl")["game_id"].tolist() == ["a2", "c"]
    assert store.read("t", "nba")["game_id"].tolist() == ["x"]
    assert store.read("t", "nfl", before=W2)["game_id"].tolist() == ["a2"]
    assert store.game_weeks("t", "nfl", ["c", "zz"]) == {"c": "2024-09-10"}


def test_failed_write_keeps_what_was_stored_in_every_table(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    store.replace_weeks({"t": rows(W1, ["a"]), "q": rows(W1, ["qa"])}, "nfl", [W1])
    incompatible = rows(W1, ["b"]).assign(game_date="not a date")
    with pytest.raises(Exception):  # noqa: B017 (any error: the point is what the rollback kept)
        store.replace_weeks({"t": rows(W1, ["new"]), "q": incompatible}, "nfl", [W1])
    assert store.read("t", "nfl")["game_id"].tolist() == ["a"]  # the first table's write was rolled back too
    assert store.read("q", "nfl")["game_id"].tolist() == ["qa"]


def test_an_empty_first_write_still_types_its_columns(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    store.replace_weeks({"q": rows(W1, []).assign(run_id=pd.Series(dtype=object))}, "nfl", [W1])
    store.replace_weeks({"q": rows(W2, ["x"]).assign(run_id="run-1")}, "nfl", [W2])
    assert store.read("q", "nfl")["run_id"].tolist() == ["run-1"]


def test_a_newer_writer_adds_its_columns_and_older_weeks_read_them_as_null(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")  # a gold table of an older feature version
    store.replace_weeks({"t": rows(W1, ["a"]).assign(old=1.0)}, "nfl", [W1])
    store.replace_weeks({"t": rows(W2, ["b"]).assign(old=2.0, new=3.0)}, "nfl", [W2])
    stored = store.read("t", "nfl")
    assert stored["old"].tolist() == [1.0, 2.0] and stored["new"].isna().tolist() == [True, False]
    store.replace_weeks({"t": rows(W1, ["a"]).assign(old=1.0, new=4.0)}, "nfl", [W1])  # rewritten: filled
    assert store.read("t", "nfl")["new"].tolist() == [4.0, 3.0]


def test_reading_before_anything_is_stored_is_empty(tmp_path):
    assert Warehouse(tmp_path / "none.duckdb").read("raw_games", "nfl").empty
    with pytest.raises(ValueError, match="safe table name"):
        Warehouse(tmp_path / "w.duckdb").read("raw; drop", "nfl")


def fitted_elo():
    games = pd.DataFrame(
        {"season": [2020, 2020], "home_team": ["A", "B"], "away_team": ["B", "A"], "home_margin": [3.0, -7.0]}
    )
    return EloClassifier().fit(games, [1, 0])


def test_artifacts_are_versioned_and_verified(tmp_path):
    first = save_model(fitted_elo(), tmp_path, "elo_nfl", {"sport": "nfl"})
    second = save_model(fitted_elo(), tmp_path, "elo_nfl", {"sport": "nfl"})
    assert (first.version, second.version) == (1, 2)
    assert second.metadata()["sha256"] == second.sha256 and second.metadata()["sport"] == "nfl"
    assert load_model(first).ratings_ == fitted_elo().ratings_


def test_tampered_artifact_is_refused(tmp_path):
    artifact = save_model(fitted_elo(), tmp_path, "elo_nfl", {})
    with open(artifact.path, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ArtifactIntegrityError, match="refusing to load a modified artifact"):
        load_model(artifact)
    assert json.loads((artifact.directory / "metadata.json").read_text())["sha256"] == artifact.sha256
