import os
import warnings
from pathlib import Path

import dagster as dg
import pytest

from training_platform.defs.production.assets import latest_report_loader
from training_platform.defs.resources import (
    GamesSourceResource,
    ModelStoreResource,
    PlainValuesIOManager,
    TrackingResource,
    WarehouseResource,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NFLVERSE = SHARED_DATA / "nflverse_games_1999_2024.csv.gz"

warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)


def subprocess_env(**settings: str) -> dict[str, str]:
    """The environment for a CLI the test starts: none of the user's (or an earlier test's) Dagster,
    MLflow or platform settings leak in (mlflow.set_tracking_uri exports MLFLOW_TRACKING_URI), only
    `settings`; never the user's Dagster instance."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TP_", "MLFLOW_", "DAGSTER_HOME"))}
    return {**env, **settings}


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real-data file {path} is absent (it lives in ../shared/data, which CI has and a user's clone does not)")
    return path


def make_resources(root: Path, seasons: int = 3, **sources) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(root / "warehouse.duckdb")),
        "games_source": GamesSourceResource(cache_dir=str(root / "cache"), synthetic_seasons=seasons, **sources),
        "model_store": ModelStoreResource(models_dir=str(root / "models"), reports_dir=str(root / "reports"),
                                          production_folder=str(root / "production"),
                                          predictions_folder=str(root / "predictions")),
        "tracking": TrackingResource(mlflow_uri=f"sqlite:///{root / 'mlflow.db'}", mlflow_artifacts=str(root / "mlartifacts"),
                                     optuna_storage=str(root / "optuna" / "studies.journal")),
        "io_manager": PlainValuesIOManager(base_dir=str(root / "io")),
        "latest_report_loader": latest_report_loader,
    }


@pytest.fixture
def resources(tmp_path):
    return make_resources(tmp_path)


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance
