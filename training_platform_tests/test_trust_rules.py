"""The trust rules at the level of their rule, each on real components (DuckDB, Optuna's journal, the
file system): a source's corrections are recorded with the old value, the coming week is never an old
week with a blanked result, implausible values are caught whatever their size, a torn journal heals,
a staging path never writes through a link, a YAML file never expands past its limit, and no text a
platform shows carries a URL's credentials."""

from __future__ import annotations

import datetime as dt
import math

import dagster as dg
import optuna
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training_platform.defs.partitions import partition_key
from training_platform.defs.raw.assets import CORRECTIONS_TABLE, RAW_TABLE, raw_games
from training_platform.ml.modeling.journal import mend_journal
from training_platform.ml.serving.forecast import coming_week
from training_platform.redaction import scrubbed
from training_platform.sources.plausibility import implausible, unsafe_text
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start
from training_platform.storage.files import write_atomically
from training_platform.storage.warehouse import Warehouse
from training_platform.yaml_files import read_yaml
from training_platform_tests.conftest import make_resources


def _ingest(resources, week, **config):
    return dg.materialize(
        [raw_games],
        resources=resources,
        partition_key=partition_key("nba", week),
        run_config={"ops": {"raw__games": {"config": config}}} if config else None,
        raise_on_error=False,
    )


def test_a_corrected_result_or_a_dropped_game_is_refused_then_recorded_with_its_old_value(tmp_path):
    games = generate_league("nba", seasons=1, first_season=2022)
    week = week_start(games["game_date"]).dt.date.iloc[len(games) // 2]
    source = tmp_path / "nba.csv"
    games.to_csv(source, index=False)
    resources = make_resources(tmp_path / "data", seasons=1, nba=f"csv:{source}")
    assert _ingest(resources, week).success
    store = Warehouse(tmp_path / "data" / "warehouse.duckdb")
    before = store.read(RAW_TABLE, "nba")

    corrected = games.copy()
    row = corrected.index[(week_start(corrected["game_date"]).dt.date == week).to_numpy()][0]
    old = int(corrected.loc[row, "home_score"])
    corrected.loc[row, "home_score"] = old + 3
    corrected.to_csv(source, index=False)
    refused = _ingest(resources, week)
    assert not refused.success
    assert store.read(RAW_TABLE, "nba").equals(before)  # nothing written

    assert _ingest(resources, week, allow_corrections=True).success
    stored = store.read(RAW_TABLE, "nba").set_index("game_id")
    game_id = corrected.loc[row, "game_id"]
    assert stored.loc[game_id, "home_score"] == old + 3
    record = store.query(f"SELECT * FROM {CORRECTIONS_TABLE}")
    assert record[["game_id", "column", "old", "new"]].values.tolist() == [
        [game_id, "home_score", str(old), str(old + 3)]
    ]
    assert _ingest(resources, week, allow_corrections=True).success  # the same source again: no new record
    assert len(store.query(f"SELECT * FROM {CORRECTIONS_TABLE}")) == 1

    corrected.drop(index=row).to_csv(source, index=False)  # the source drops the game
    assert not _ingest(resources, week, allow_corrections=True).success  # a deletion needs its own word
    assert _ingest(resources, week, allow_delete=True).success
    assert game_id not in set(store.read(RAW_TABLE, "nba")["game_id"])
    deleted = store.query(f"SELECT * FROM {CORRECTIONS_TABLE} WHERE \"column\" = 'game'")
    assert deleted["game_id"].tolist() == [game_id] and deleted["new"].isna().all()


def test_the_coming_week_is_never_an_old_week_whose_result_was_blanked():
    weeks = pd.to_datetime(["2024-01-02", "2024-01-09", "2024-01-16"])
    gold = pd.DataFrame(
        {
            "game_id": ["old", "played", "coming"],
            "partition_week": weeks,
            "game_date": weeks + pd.Timedelta(days=2),
            "home_margin": [math.nan, 3.0, math.nan],  # the old game's result was blanked
        }
    )
    assert _coming(gold) == "2024-01-16"
    assert _coming(gold.iloc[:1]) == "2024-01-02"  # nothing played yet: the first week is the coming one


def _coming(gold: pd.DataFrame) -> str | None:
    from training_platform.ml.features.columns import FEATURE_VERSION

    week, _ = coming_week(gold.assign(feature_version=FEATURE_VERSION))
    return week


@settings(max_examples=60, deadline=None)
@given(
    spread=st.one_of(st.floats(allow_nan=False), st.just(math.inf), st.just(-math.inf)),
    total=st.one_of(st.floats(allow_nan=False), st.just(math.inf)),
)
def test_a_line_is_implausible_exactly_when_it_is_infinite_or_beyond_the_sports_scores(spread, total):
    games = (
        generate_league("nba", seasons=1, first_season=2022)
        .head(1)
        .assign(spread_line=spread, total_line=total)
    )
    reasons = [reason for _, _, reason in implausible(games, {"nba": 200})]
    assert any("spread_line" in r for r in reasons) == (not math.isfinite(spread) or abs(spread) > 200)
    assert any("total_line" in r for r in reasons) == (not math.isfinite(total) or not 0 < total <= 400)


@settings(max_examples=60, deadline=None)
@given(home=st.integers(-5000, 5000), away=st.integers(-5000, 5000))
def test_a_book_is_implausible_exactly_when_its_sides_do_not_sum_near_one(home, away):
    from training_platform.sources.odds import implied_probability
    from training_platform.sources.plausibility import BOOK_SUM

    games = generate_league("nba", seasons=1, first_season=2022).head(1)
    games = games.assign(home_moneyline=float(home), away_moneyline=float(away))
    total = float(
        implied_probability(games["home_moneyline"].astype("float64"))[0]
        + implied_probability(games["away_moneyline"].astype("float64"))[0]
    )
    flagged = any("imply" in reason for _, _, reason in implausible(games, {"nba": 200}))
    assert flagged == (not math.isnan(total) and not BOOK_SUM[0] <= total <= BOOK_SUM[1])


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2", "@SUM(A1)", "<b>x</b>", "a\tb", "x\x00y"])
def test_a_team_name_that_a_spreadsheet_or_browser_would_run_is_unsafe(text):
    games = generate_league("nba", seasons=1, first_season=2022).head(1).assign(home_team=text)
    assert [rule for _, rule, _ in unsafe_text(games)] == ["unsafe_text"]


def test_real_team_names_and_game_ids_are_plain_text():
    games = generate_league("nba", seasons=1, first_season=2022).head(3)
    games = games.assign(home_team=["Los Angeles Lakers", "St. Louis Cardinals", "Brighton & Hove (A)"])
    assert unsafe_text(games) == []


def test_a_torn_last_journal_record_is_set_aside_and_the_studies_load(tmp_path):
    path = tmp_path / "studies.journal"
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    study = optuna.create_study(storage=storage, study_name="s")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"op_code": 5, "worker_id": "w", "trial_id": 3, "par')  # a writer died
    said = []
    mend_journal(path, said.append)
    assert path.read_bytes() == whole and (tmp_path / "studies.journal.torn").exists()
    assert "half-written record" in said[0]
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    assert len(optuna.load_study(study_name="s", storage=storage).trials) == 3


def test_a_damaged_record_before_the_last_is_named_not_guessed(tmp_path):
    path = tmp_path / "studies.journal"
    path.write_bytes(b'{"op_code": 0}\n{"op_co\n{"op_code": 1}\n')
    with pytest.raises(RuntimeError, match=r"studies\.journal has a damaged record at line 2"):
        mend_journal(path)
    assert path.read_bytes() == b'{"op_code": 0}\n{"op_co\n{"op_code": 1}\n'


def test_a_staging_symlink_is_refused_and_a_crashed_writers_file_replaced(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    target = tmp_path / "pointer.json"
    (tmp_path / "pointer.json.tmp").symlink_to(outside)
    with pytest.raises(RuntimeError, match="not a file the platform left"):
        write_atomically(target, b"{}")
    assert outside.read_text() == "untouched" and not target.exists()
    (tmp_path / "pointer.json.tmp").unlink()
    (tmp_path / "pointer.json.tmp").write_text("half")  # a crashed writer's leftover
    write_atomically(target, b"{}")
    assert target.read_bytes() == b"{}" and not (tmp_path / "pointer.json.tmp").exists()


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 10)}]")  # 10^9 values expanded
    (tmp_path / "bomb.yaml").write_text("\n".join(lines))
    started = dt.datetime.now()
    with pytest.raises(ValueError, match="expands to more than 100,000 values"):
        read_yaml(tmp_path / "bomb.yaml", "sports file")
    assert (dt.datetime.now() - started).total_seconds() < 30  # refused by counting, not by expanding


@pytest.mark.parametrize(
    "text",
    [
        "API request to http://admin:hunter2@mlflow:5000/api/2.0/x failed",
        "could not connect: postgresql+psycopg2://tp:hunter2@db:5432/optuna",
        "fetching nflverse:https://example.org/games.csv?token=hunter2&x=1",
        "('http://u:hunter2@h/x')",
    ],
)
def test_scrubbed_text_keeps_the_host_and_loses_every_credential(text):
    clean = scrubbed(text)
    assert "hunter2" not in clean and "***" in clean
    assert any(host in clean for host in ("mlflow:5000", "db:5432", "example.org", "h/x"))


def test_a_damaged_mlflow_store_is_named_with_its_cause_and_the_way_back(tmp_path):
    from training_platform.ml.tracking import tracked_run

    store = tmp_path / "mlflow.db"
    store.write_bytes(b"not a database at all" * 100)
    with pytest.raises(RuntimeError) as raised:
        with tracked_run(f"sqlite:///{store}", "e", "models/x", {}, str(tmp_path / "artifacts")):
            pass
    message = str(raised.value)
    assert str(store) in message and "damaged" in message and "registers each champion again" in message
    assert store.read_bytes() == b"not a database at all" * 100  # left for the user, never replaced


def test_a_second_fit_of_one_model_waits_for_the_first_and_says_so(tmp_path):
    import multiprocessing
    import time

    from training_platform.storage.model_store import versions_locked

    held = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(target=_hold_lock, args=(str(tmp_path), held))
    holder.start()
    assert held.wait(30)
    said, started = [], time.monotonic()
    with versions_locked(tmp_path, "elo_nba", said.append):
        waited = time.monotonic() - started
    holder.join(30)
    assert said and "another process is fitting or saving elo_nba" in said[0]
    assert waited >= 0.5  # it waited for the holder's release, not past it


def _hold_lock(folder: str, held) -> None:
    import time

    from training_platform.storage.model_store import versions_locked

    with versions_locked(folder, "elo_nba"):
        held.set()
        time.sleep(1.0)
