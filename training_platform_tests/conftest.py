import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import dagster as dg
import pytest

from training_platform.defs.resources import default_resources
from training_platform.settings import Settings, environment_with

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NFLVERSE = SHARED_DATA / "nflverse_games_1999_2024.csv.gz"

warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)


def subprocess_env(**settings: str) -> dict[str, str]:
    """The environment for a CLI the test starts: none of the user's (or an earlier test's) Dagster,
    MLflow or platform settings leak in (mlflow.set_tracking_uri exports MLFLOW_TRACKING_URI), only
    `settings`; never the user's Dagster instance: without a DAGSTER_HOME of the test's, a fresh empty one
    (the dagster CLI's fallback instance would read ./dagster.yaml and write into the checkout's data/)."""
    if "DAGSTER_HOME" not in settings:
        FRESH_HOMES.mkdir(exist_ok=True)
        settings["DAGSTER_HOME"] = tempfile.mkdtemp(dir=FRESH_HOMES)
    return environment_with(clean=True, **settings)


# One folder per test process (pytest may import this module twice, so no module-level list).
FRESH_HOMES = Path(tempfile.gettempdir()) / f"tp-test-dagster-homes-{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _remove_fresh_dagster_homes():
    """The instances subprocess_env made hold whole test runs: gone when the session ends."""
    yield
    import shutil

    shutil.rmtree(FRESH_HOMES, ignore_errors=True)


def run_tp(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`tp ARGS` as a user types it, in a subprocess with `env` (see subprocess_env)."""
    return subprocess.run(
        [sys.executable, "-m", "training_platform.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"real-data file {path} is absent (it lives in ../shared/data, which CI has and a user's clone does not)"
        )
    return path


def make_resources(root: Path, seasons: int = 3, **sources) -> dict:
    """Every store under `root`; `sources` like nfl="csv:/path" (the rest synthetic)."""
    return default_resources(Settings.for_folder(root, sources=sources, synthetic_seasons=seasons))


@pytest.fixture
def resources(tmp_path):
    return make_resources(tmp_path)


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture(scope="session")
def stored_world(tmp_path_factory):
    """Three NBA seasons ingested from a CSV, Elo tuned, fitted, evaluated and promoted: built once
    per test run (bad_input_world.py); the bad-input suite, then the structure tests, use it."""
    from training_platform_tests.bad_input_world import build_world

    with dg.instance_for_test() as test_instance:
        yield build_world(tmp_path_factory.mktemp("stored_world"), test_instance)


# The longest files first: `make test` hands whole files to its workers in collection order
# (--no-loadscope-reorder; xdist would otherwise order files by their number of tests), so a long file
# collected last would run alone at the end while the other core idles.
LONGEST_FIRST = (
    "test_bad_input_suite.py",  # 89 cases and three healing runs against one stored world
    "test_live_dagster.py",
    "test_crashes.py",
    "test_cli.py",
    "test_tp_cli.py",
    "test_scale_out.py",
    "test_promotion.py",
    "test_credentials.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
