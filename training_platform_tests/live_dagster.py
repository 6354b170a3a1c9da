"""A real `dagster dev` (webserver and daemon) for the tests that need one: its own DAGSTER_HOME and data
folder, a free port on 127.0.0.1, started under its own process group and stopped with it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from training_platform_tests.conftest import subprocess_env

REPO = Path(__file__).resolve().parents[1]
DAGSTER = Path(sys.executable).parent / "dagster"
LOCATION_QUERY = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveDagster:
    home: Path
    data: Path
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def wait_for(self, what: str, probe, timeout: float, poll: float = 2.0):
        """Poll `probe()` until it returns something truthy; fail naming `what` and the server's log tail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"dagster dev exited ({self.process.returncode}): {self.log_tail()}")
            if found := probe():
                return found
            time.sleep(poll)
        raise AssertionError(f"no {what} after {timeout:.0f}s; dagster dev log:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def prepare_home(home: Path) -> Path:
    """An empty instance folder whose dagster.yaml only turns telemetry off."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def start_dagster_dev(home: Path, data: Path, timeout: float = 240, **settings: str) -> LiveDagster:
    """`dagster dev` from the repo root (pyproject's [tool.dagster]) as a user starts it, on `home`
    (prepared with `prepare_home`)."""
    env = subprocess_env(DAGSTER_HOME=str(home), TP_DATA_DIR=str(data), **settings)
    port = free_port()
    log = home / "dagster-dev.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(DAGSTER), "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the webserver, daemon and code servers
        )
    live = LiveDagster(home, data, port, process, log)
    try:
        live.wait_for("loaded code location", lambda: _loaded(live), timeout)
    except BaseException:
        live.stop()
        raise
    return live


def _loaded(live: LiveDagster) -> bool:
    try:
        entries = live.graphql(LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
    except OSError:  # not listening yet
        return False
    for entry in entries:
        error = entry["locationOrLoadError"] or {}
        if error.get("__typename") == "PythonError":
            raise AssertionError(f"code location {entry['name']} failed to load: {error['message']}")
    return bool(entries) and all(e["loadStatus"] == "LOADED" and e["locationOrLoadError"] for e in entries)
