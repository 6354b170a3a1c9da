"""How the bad-input suite gives each bad input: builders of a case's `run(world, env)`, which
breaks one thing, runs what a user would run, restores what it broke and returns what the user is
told (test_bad_input_suite.py holds the table of cases)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import re
from collections.abc import Callable

import dagster as dg
import pandas as pd
import pytest

from training_platform import cli
from training_platform.cli.errors import BLOCKED, USAGE
from training_platform.defs.resources import GamesSourceResource
from training_platform_tests.bad_input_world import (
    SPORT,
    copy_version,
    csv_bytes,
    failure,
    ingest_week,
    materialize,
    quarantined,
    replaced,
)

REPORT, TUNING, PRODUCTION = f"reports/elo_{SPORT}", f"tuning/elo_{SPORT}", f"production/{SPORT}"


# --- the source file -------------------------------------------------------------------------------


def source_as(transform):
    """Re-ingest the middle week from a source file that `transform(world)` returns (bytes or None)."""

    def run(world, env):
        with replaced(world.source, transform(world)):
            return failure(ingest_week(world))

    return run


def frame_as(edit):
    return source_as(lambda w: csv_bytes(edit(w, w.games.copy())))


def other_source(spec_of, sport=SPORT, week=None):
    """Ingest with the sport's source spec replaced by `spec_of(world, tmp)`."""

    def run(world, env):
        spec = spec_of(world)
        source = GamesSourceResource(
            cache_dir=str(world.root / "cache"), synthetic_seasons=3, sources={sport: spec}
        )
        return failure(
            ingest_week(world, week=week, resources={**world.resources, "games_source": source}, sport=sport)
        )

    return run


def truncated_gzip(world):
    path = world.source.with_suffix(".csv.gz")
    whole = gzip.compress(world.source.read_bytes())
    path.write_bytes(whole[: len(whole) // 2])
    return f"csv:{path}"


def served(body: bytes, content_type: str, status: int = 200):
    """A local HTTP server answering every path with `body`; the source spec pointing at it."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"nflverse:http://127.0.0.1:{server.server_port}/games.csv"


def url_source(body: bytes, content_type: str, status: int = 200):
    def run(world, env):
        server, spec = served(body, content_type, status)
        try:
            return other_source(lambda w: spec, sport="nfl", week=dt.date(2024, 9, 3))(world, env)
        finally:
            server.shutdown()

    return run


def ingest_config(**config):
    return lambda world, env: failure(ingest_week(world, **config))


def bad_partition(key: str):
    def run(world, env):
        with pytest.raises(Exception) as error:
            ingest_week(world, week=key)
        return str(error.value)

    return run


# --- rows the quality rules quarantine ---------------------------------------------------------------


def quarantine(edit):
    """Re-ingest the middle week from a source whose rows `edit` breaks; return the quarantine's reasons."""

    def run(world, env):
        frame, week = edit(world, world.games.copy())
        with replaced(world.source, csv_bytes(frame)):
            result = ingest_week(world, week=week)
        checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
        failed = [e for e in checks.values() if not e.passed]
        assert failed and all(e.description.endswith(("blocked", "still run")) for e in failed), checks
        return "\n".join(quarantined(world, week or world.week)["reason"])

    return run


def first_game(world):
    return world.games.index[world.week_games()][0]


def set_values(**values):
    def edit(world, games):
        row = first_game(world)
        for column, value in values.items():
            games[column] = games[column].astype(object)
            games.loc[row, column] = value
        return games, None

    return edit


def duplicated_row(world, games):
    return pd.concat([games, games.loc[[first_game(world)]]]), None


def game_in_two_weeks(world, games):
    """A game of the week before appears again, with the same id, in the middle week."""
    earlier = games.index[world.week_games(world.weeks[len(world.weeks) // 2 - 1])][0]
    moved = games.loc[[earlier]].assign(game_date=games.loc[first_game(world), "game_date"])
    return pd.concat([games, moved]), None


def renamed_team(world, games):
    """The source renames a franchise from the middle week on (as a relocation would)."""
    team = games.loc[first_game(world), "home_team"]
    later = (games["game_date"] >= games.loc[first_game(world), "game_date"]).to_numpy()
    for side in ("home_team", "away_team"):
        games.loc[later & (games[side] == team).to_numpy(), side] = f"{team}X"
    return games, None


def future_completed_game(world, games):
    """A final score dated tomorrow, in the week in progress."""
    today = dt.datetime.now(dt.UTC).date()
    week = today - dt.timedelta(days=(today.weekday() - 1) % 7)  # weeks start on Tuesday
    tomorrow = today + dt.timedelta(days=1)
    if tomorrow >= week + dt.timedelta(days=7):
        pytest.skip(
            "today is a Monday: tomorrow opens a week that has no partition yet, so no stored week holds a "
            "date after today (test_quality.py checks the rule with a fixed date)"
        )
    future = games.loc[[first_game(world)]].assign(
        game_id="future-1", game_date=pd.Timestamp(tomorrow), season=tomorrow.year
    )
    return pd.concat([games, future]), week


# --- configuration -----------------------------------------------------------------------------------


def gates_file(text: str):
    def run(world, env):
        path = world.source.parent / "gates.yaml"
        path.write_text(text)
        env.setenv("TP_GATES_FILE", str(path))
        return failure(materialize(world, [REPORT]))

    return run


def tuning_config(**config):
    return lambda world, env: failure(
        materialize(world, [TUNING], {"ops": {f"tuning__elo_{SPORT}": {"config": config}}})
    )


def production_config(**config):
    return lambda world, env: failure(
        materialize(world, [PRODUCTION], {"ops": {f"production__{SPORT}": {"config": config}}})
    )


def unknown_run_config(world, env):
    with pytest.raises(dg.DagsterInvalidConfigError) as error:
        materialize(world, [TUNING], {"ops": {f"tuning__elo_{SPORT}": {"config": {"n_trails": 5}}}})
    return str(error.value)


def unknown_candidate(world, env):
    from training_platform.settings import candidate_models

    env.setenv("TP_CANDIDATES", "elo,xgbost")
    with pytest.raises(ValueError) as error:
        candidate_models("nfl")
    return str(error.value)


# --- stored files and the champion ---------------------------------------------------------------------


def champion_artifact():
    return lambda world: world.root / "models" / f"elo_{SPORT}" / "v1" / "model.joblib"


def damaged_champion(content: Callable[[bytes], bytes | None]):
    def run(world, env):
        path = champion_artifact()(world)
        with replaced(path, content(path.read_bytes())):
            return failure(materialize(world, [PRODUCTION]))

    return run


def gold_of_older_code(world, env):
    """The middle week's features as an older feature version wrote them: tuning refuses the sport and
    names the weeks to rebuild; rebuilding them, as the message says, restores the stored features."""
    from training_platform.defs.features.assets import GOLD_TABLE, features_gold
    from training_platform.defs.partitions import partition_key
    from training_platform.storage.warehouse import Warehouse

    with Warehouse(world.root / "warehouse.duckdb").connect() as con:
        con.execute(
            f"UPDATE {GOLD_TABLE} SET feature_version = 'gold-v0' WHERE sport = ? AND partition_week = ?",
            [SPORT, world.week],
        )
    message = failure(materialize(world, [TUNING]))
    named = re.search(rf"'{SPORT}\|(\S+)\.\.\.{SPORT}\|(\S+)'", message)
    assert named and named.groups() == (str(world.week),) * 2, message
    rebuilt = dg.materialize(
        [features_gold],
        resources=world.resources,
        instance=world.instance,
        partition_key=partition_key(SPORT, world.week),
    )
    assert rebuilt.success
    return message


def corrupt_warehouse(world, env):
    path = world.root / "warehouse.duckdb"
    garbage = b"not a duckdb file" * 64
    with replaced(path, garbage):
        message = failure(ingest_week(world))
        assert path.read_bytes() == garbage  # left as it is for the user to restore, never replaced
    return message


def tp(*args: str, code: int = USAGE, **settings: str):
    """Run `tp` in process with the world's settings; its stderr (it must refuse with exit code `code`:
    3 for an input that names nothing it can use, 2 for a promotion an integrity check blocks)."""

    def run(world, env):
        for name in ("MLFLOW_TRACKING_URI", "TP_WAREHOUSE", "DAGSTER_HOME"):
            env.delenv(name, raising=False)
        env.setenv("TP_DATA_DIR", str(world.root))
        env.setenv(f"TP_SOURCE_{SPORT.upper()}", f"csv:{world.source}")
        for name, value in settings.items():
            env.setenv(name, value.format(root=world.root))
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                exit_code = cli.main(list(args))
            except SystemExit as stopped:  # argparse refuses a flag's value by exiting, as from a shell
                exit_code = stopped.code
        assert exit_code == code, err.getvalue()
        return err.getvalue()

    return run


def rollback_to(model: str, version: int):
    return tp("rollback", "--sport", SPORT, "--model", model, "--version", str(version))


def tampered_with_its_metadata(world, env):
    import hashlib
    import json

    artifact = champion_artifact()(world)
    metadata = artifact.with_name("metadata.json")
    forged = artifact.read_bytes() + b"tampered"
    meta = json.loads(metadata.read_text())
    meta["sha256"] = hashlib.sha256(forged).hexdigest()  # the attacker edits the SHA-256 beside it too
    with replaced(artifact, forged), replaced(metadata, json.dumps(meta).encode()):
        return tp("promote", "--sport", SPORT, "--model", f"elo_{SPORT}", "--version", "1", code=BLOCKED)(
            world, env
        )


def unrecorded_artifact(world, env):
    planted = copy_version(world, f"elo_{SPORT}", 1, 7)
    (world.root / "reports" / f"elo_{SPORT}" / "v7-planted").mkdir()
    (world.root / "reports" / f"elo_{SPORT}" / "v7-planted" / "report.json").write_text("{}")
    try:
        return tp("rollback", "--sport", SPORT, "--model", f"elo_{SPORT}", "--version", "7", code=BLOCKED)(
            world, env
        )
    finally:
        import shutil

        shutil.rmtree(planted)
        shutil.rmtree(world.root / "reports" / f"elo_{SPORT}" / "v7-planted")
