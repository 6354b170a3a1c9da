"""No credential at rest or in output: the demo's whole path (ingest from a URL, tuning, fitting,
evaluation, promotion, predictions) runs through the code location with a password in every setting
that takes a URL (a real Postgres behind MLflow and Optuna, a local HTTP server behind the source, an
alert webhook), then every file under the data folder and the Dagster home (the run storage, the event
log, the JSON-lines run log, tp.log, reports, MLflow artifacts), what the commands printed, and every
row of MLflow's and Optuna's databases are searched for them."""

from __future__ import annotations

import contextlib
import http.server
import shutil
import sqlite3
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pandas as pd
import pytest

from training_platform_tests.conftest import NFLVERSE, require_shared, run_tp, subprocess_env
from training_platform_tests.test_scale_out import postgres, query  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
SECRETS = ("SrcPass0x1", "SrcToken0x2", "MlflowPass0x3", "OptunaPass0x4", "HookPass0x5")


@pytest.fixture
def games_url(tmp_path):
    """Ten seasons of the real nflverse file on a local HTTP server (a source URL with credentials)."""
    games = pd.read_csv(require_shared(NFLVERSE))
    body = games[games["season"] >= 2015].to_csv(index=False).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # no request lines on the test's output
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://reader:{SECRETS[0]}@127.0.0.1:{server.server_port}/games.csv?token={SECRETS[1]}"
    server.shutdown()


def test_no_credential_reaches_the_run_storage_logs_mlflow_optuna_or_reports(postgres, games_url, tmp_path):  # noqa: F811
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")  # the checkout's instance: run log included
    (home / "dagster.yaml").write_text(
        (home / "dagster.yaml").read_text().replace("base_dir: data/", f"base_dir: {home}/")
    )
    env = subprocess_env(
        TP_DATA_DIR=str(tmp_path / "data"),
        DAGSTER_HOME=str(home),
        TP_SPORTS="nfl",
        TP_SOURCE_NFL=f"nflverse:{games_url}",
        MLFLOW_TRACKING_URI=postgres.url("mlflow").replace("postgres@", f"postgres:{SECRETS[2]}@"),
        TP_OPTUNA_STORAGE=postgres.url("optuna").replace("postgres@", f"postgres:{SECRETS[3]}@"),
        TP_ALERT_WEBHOOK=f"http://hook:{SECRETS[4]}@127.0.0.1:9/alert",
    )
    demo = subprocess.run(
        [sys.executable, "-m", "training_platform.demo", "--sports", "nfl", "--models", "elo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert "champion" in demo.stdout, demo.stdout[-2000:] + demo.stderr[-3000:]
    status = run_tp(env, "status")
    unreachable = run_tp({**env, "MLFLOW_TRACKING_URI": f"http://admin:{SECRETS[2]}@127.0.0.1:9"}, "status")
    assert unreachable.returncode != 0 and "http://***@127.0.0.1:9" in unreachable.stderr

    runs = query(postgres, "mlflow", "SELECT count(*) FROM runs")[0][0]
    assert runs >= 2 and any(home.rglob("runs.db"))  # something was recorded to search
    found = []
    for path in [*(tmp_path / "data").rglob("*"), *home.rglob("*")]:
        if path.is_file() and not path.is_symlink():
            data = b"\n".join(_contents(path))
            found += [f"{path}: {s}" for s in SECRETS if s.encode() in data]
    for name, text in (("demo", demo.stdout + demo.stderr), ("status", status.stdout + status.stderr)):
        found += [f"{name} output: {s}" for s in SECRETS if s in text]
    found += [f"tp status (MLflow unreachable): {s}" for s in SECRETS if s in unreachable.stderr]
    for database in ("mlflow", "optuna"):
        tables = query(postgres, database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in tables:
            rows = " ".join(str(r) for r in query(postgres, database, f'SELECT t::text FROM "{table}" t'))
            found += [f"{database}.{table}: {s}" for s in SECRETS if s in rows]
    assert not found, found


def _contents(path: Path) -> list[bytes]:
    """The file's bytes and, for a SQLite file (Dagster's run and event storage), every value of every
    row, zlib-compressed blobs (Dagster's job snapshots) decompressed."""
    data = path.read_bytes()
    if not data.startswith(b"SQLite format 3"):
        return [data]
    values = [data]
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        with contextlib.suppress(zlib.error):
                            value = zlib.decompress(value)
                        values.append(value)
                    elif value is not None:
                        values.append(str(value).encode())
    return values
