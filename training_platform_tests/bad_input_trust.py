"""Builders of the bad-input suite's trust cases (issue: a report edit promoted a foreign pickle, a
source deleted stored games): each plants something through a file or a source, runs what a user or
the automation would run, and returns what the user is told. A planted pickle writes a marker file when
unpickled; every case asserts the marker is absent: refused before unpickling, never after."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickle
from pathlib import Path

import pandas as pd

from training_platform import cli
from training_platform.cli.errors import BLOCKED
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.bad_input_cases import PRODUCTION, tp
from training_platform_tests.bad_input_world import (
    SPORT,
    csv_bytes,
    failure,
    ingest_week,
    materialize,
    replaced,
)

PREDICTIONS = f"predictions/{SPORT}"


class _Payload:
    """Unpickling this runs `Path(marker).write_text(...)`: what a foreign pickle could run."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled"))


def foreign_pickle(world) -> tuple[Path, str]:
    """A pickle outside the data folder whose loading leaves a marker; its path and SHA-256."""
    path = world.root.parent / "foreign" / "model.joblib"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(_Payload(marker(world))))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def marker(world) -> Path:
    return world.root.parent / "unpickled.marker"


def never_unpickled(run):
    """`run`, then the proof that no planted pickle was loaded."""

    def checked(world, env):
        message = run(world, env)
        assert not marker(world).exists(), f"a planted pickle was unpickled; the user was told: {message}"
        return message

    return checked


def _report_dir(world) -> Path:
    return next((world.root / "reports" / f"elo_{SPORT}").glob("v1-*"))


def _edited_json(path: Path, edit) -> bytes:
    data = json.loads(path.read_text())
    edit(data)
    return json.dumps(data).encode()


def report_names_foreign_pickle(world, env):
    """report.json's artifact path and SHA-256 pointed at the planted pickle; production runs as the
    automation launches it."""
    pickle_path, digest = foreign_pickle(world)
    report = _report_dir(world) / "report.json"

    def edit(data):
        data["model_artifact"].update(path=str(pickle_path), sha256=digest)

    with replaced(report, _edited_json(report, edit)):
        return failure(materialize(world, [PRODUCTION, PREDICTIONS]))


def report_forecasts_edited(world, env):
    """predictions.csv rewritten so the candidate's log loss is near zero."""
    forecasts = _report_dir(world) / "predictions.csv"
    original = forecasts.read_text().splitlines()
    header = original[0].split(",")
    p, y = header.index("p_home"), header.index("home_win")
    rows = [line.split(",") for line in original[1:]]
    for row in rows:
        row[p] = "0.999" if row[y] in ("1", "1.0", "True") else "0.001"
    with replaced(forecasts, "\n".join([original[0], *map(",".join, rows)]).encode()):
        return failure(materialize(world, [PRODUCTION]))


def stored_value_names_foreign_pickle(asset: str, field: str, run_assets: list[str]):
    """Dagster's stored value of `asset` (data/dagster_io) edited to name the planted pickle."""

    def run(world, env):
        pickle_path, digest = foreign_pickle(world)
        value = world.root / "dagster_io" / f"{asset}.json"

        def edit(data):
            data.update({field: str(pickle_path), "sha256": digest})

        with replaced(value, _edited_json(value, edit)):
            return failure(materialize(world, run_assets))

    return run


def pointer_names_foreign_pickle(world, env):
    """The champion's pointer file edited: it is a copy, never read to load; `tp status` rewrites it."""
    pickle_path, digest = foreign_pickle(world)
    pointer = world.root / "production" / f"{SPORT}.json"

    def edit(data):
        data.update(artifact_path=str(pickle_path), sha256=digest)

    out = io.StringIO()
    with replaced(pointer, _edited_json(pointer, edit)):
        _tp_env(world, env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert cli.main(["status", "--sport", SPORT]) == 0
        assert json.loads(pointer.read_text())["sha256"] != digest  # rewritten from the registry
    return out.getvalue()


def artifact_swapped_for_pickle(world, env):
    """model.joblib replaced by the planted pickle and metadata.json's SHA-256 edited to match."""
    pickle_path, digest = foreign_pickle(world)
    artifact = world.root / "models" / f"elo_{SPORT}" / "v1" / "model.joblib"
    metadata = artifact.with_name("metadata.json")
    with (
        replaced(artifact, pickle_path.read_bytes()),
        replaced(metadata, _edited_json(metadata, lambda d: d.update(sha256=digest))),
    ):
        return failure(materialize(world, [PRODUCTION, PREDICTIONS]))


def symlinked_version(world, env):
    """models/elo_nba/v5 a symlink to a folder outside the data folder holding the pickle."""
    pickle_path, _ = foreign_pickle(world)
    link = world.root / "models" / f"elo_{SPORT}" / "v5"
    link.symlink_to(pickle_path.parent, target_is_directory=True)
    try:
        return tp("rollback", "--sport", SPORT, "--model", f"elo_{SPORT}", "--version", "5", code=BLOCKED)(
            world, env
        )
    finally:
        link.unlink()


def registry_row_outside(world, env):
    """A model_registry row (written with warehouse access) naming a path outside the models folder."""
    pickle_path, digest = foreign_pickle(world)
    store = Warehouse(world.root / "warehouse.duckdb")
    with store.connect() as con:
        con.execute(
            "INSERT INTO model_registry SELECT * REPLACE (entry_id + 1000 AS entry_id, ? AS artifact_path) "
            "FROM model_registry WHERE sport = ? ORDER BY entry_id DESC LIMIT 1",
            [str(pickle_path), SPORT],
        )
    try:
        return failure(materialize(world, [PRODUCTION, PREDICTIONS]))
    finally:
        with store.connect() as con:
            con.execute("DELETE FROM model_registry WHERE entry_id >= 1000")


def staging_symlink(world, env):
    """A symlink planted at the pointer's staging path: `tp status` must not write through it."""
    outside = world.root.parent / "outside.json"
    outside.write_text("untouched")
    staging = world.root / "production" / f"{SPORT}.json.tmp"
    staging.symlink_to(outside)
    try:
        message = tp("status", "--sport", SPORT, code=BLOCKED)(world, env)
        assert outside.read_text() == "untouched"
        return message
    finally:
        staging.unlink()


def _tp_env(world, env):
    for name in ("MLFLOW_TRACKING_URI", "TP_WAREHOUSE", "DAGSTER_HOME"):
        env.delenv(name, raising=False)
    env.setenv("TP_DATA_DIR", str(world.root))
    env.setenv(f"TP_SOURCE_{SPORT.upper()}", f"csv:{world.source}")


# --- a source that would lose stored games ----------------------------------------------------------


def source_edit(edit):
    """Re-ingest the middle week from the source with `edit(world, games, week_rows)` applied."""

    def run(world, env):
        frame = edit(world, world.games.copy(), world.games.index[world.week_games()])
        with replaced(world.source, csv_bytes(frame)):
            return failure(ingest_week(world))

    return run


def drops_games(world, games, week):
    return games.drop(index=week[: max(1, len(week) // 3)])


def blanks_a_result(world, games, week):
    games = games.astype({"home_score": object, "away_score": object})
    games.loc[week[0], ["home_score", "away_score"]] = None
    return games


def changes_a_result(world, games, week):
    games.loc[week[0], "home_score"] = games.loc[week[0], "home_score"] + 1
    return games


def crowded_week(world, games):
    """Thirteen extra games of one matchup in the week, each with its own id."""
    row = games.loc[[world.games.index[world.week_games()][0]]]
    extra = [row.assign(game_id=f"{row['game_id'].iloc[0]}_x{i}") for i in range(13)]
    return pd.concat([games, *extra]), None


# --- configuration files and flags -------------------------------------------------------------------


def sports_file(text: str, *args: str):
    """`tp` (default: champion) under a sports file holding `text`."""

    def run(world, env):
        path = world.source.parent / "sports.yaml"
        path.write_text(text.format(source=world.source))
        return tp(*(args or ("champion", "--sport", SPORT)), TP_SPORTS_FILE=str(path))(world, env)

    return run


ALIAS_BOMB = (
    "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
        for prev, name in zip(["", "a", "b", "c", "d", "e", "f"], "abcdefg")
    )
    + "sports: {{nba: {{}}}}\n"
)


def mlflow_unreachable_with_password(world, env):
    """An MLflow server that does not answer, its URL carrying a password: said within seconds, redacted."""
    message = tp("status", "--sport", SPORT, code=1, MLFLOW_TRACKING_URI="http://admin:hunter2@127.0.0.1:9")(
        world, env
    )
    assert "hunter2" not in message
    return message


def damaged_journal_record(world, env):
    """The Optuna journal with a damaged record before its last: named with the file and the fix."""
    journal = world.root / "optuna" / "studies.journal"
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][: len(lines[1]) // 2]
    with replaced(journal, b"\n".join(lines)):
        return failure(materialize(world, [f"tuning/elo_{SPORT}"]))
