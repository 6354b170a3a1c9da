"""Resources: everything that varies by deployment, with embedded defaults that need no server."""


import os
from pathlib import Path

import dagster as dg
import pandas as pd

from training_platform.ml.tracking import tracked_run
from training_platform.settings import env_path, redacted
from training_platform.sources.registry import SourceSpec, known_teams, load_games
from training_platform.sources.synthetic import DEFAULT_SEASONS, DEFAULT_SEED
from training_platform.storage.plain_values import dumps, loads
from training_platform.storage.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file holding raw games, quarantine and gold features."""

    path: str

    def open(self) -> Warehouse:
        return Warehouse(self.path)


class GamesSourceResource(dg.ConfigurableResource):
    """Where each sport's games come from: `synthetic`, `nflverse:<path|URL>` or `csv:<path>`."""

    nfl: str = "synthetic"
    nba: str = "synthetic"
    mlb: str = "synthetic"
    seed: int = DEFAULT_SEED
    synthetic_seasons: int = DEFAULT_SEASONS
    synthetic_upcoming_weeks: int = 1  # the synthetic league's last week is left unplayed: a week to predict
    cache_dir: str

    def spec(self, sport: str) -> SourceSpec:
        return SourceSpec.parse(getattr(self, sport))

    def games(self, sport: str) -> pd.DataFrame:
        return load_games(self.spec(sport), sport, Path(self.cache_dir), self.seed, self.synthetic_seasons,
                          self.synthetic_upcoming_weeks)

    def describe(self, sport: str) -> str:
        """The source as the user configured it, for messages (TP_SOURCE_<SPORT>); a URL's credentials
        and query values are shown as ***."""
        spec = self.spec(sport)
        shown = f"{spec.kind}:{redacted(spec.location)}" if spec.location else spec.kind
        return f"{shown!r} (TP_SOURCE_{sport.upper()})"

    def known_teams(self, sport: str):
        return known_teams(self.spec(sport), sport)


class ModelStoreResource(dg.ConfigurableResource):
    """The folders of versioned model artifacts, their reports, the champion pointers and model-status
    files, and the weekly prediction files. Each is its own setting: moving the models elsewhere
    never moves the champion's pointer out of the data folder."""

    models_dir: str
    reports_dir: str
    production_folder: str
    predictions_folder: str

    @property
    def production_dir(self) -> Path:
        return Path(self.production_folder)

    @property
    def predictions_dir(self) -> Path:
        return Path(self.predictions_folder)


class TrackingResource(dg.ConfigurableResource):
    """MLflow tracking and registry (a SQLite file by default, no server) and Optuna's study storage."""

    def run(self, run_name: str, tags: dict[str, str]):
        return tracked_run(self.mlflow_uri, self.mlflow_experiment, run_name, tags, self.mlflow_artifacts)

    mlflow_uri: str
    mlflow_experiment: str = "training_platform"
    mlflow_ui_url: str = "http://127.0.0.1:5000"
    mlflow_artifacts: str  # where a new experiment keeps its artifacts
    optuna_storage: str  # a journal file path, or an RDB URL such as postgresql://...


class PlainValuesIOManager(dg.ConfigurableIOManager):
    """Values between steps as JSON files under `base_dir` (storage/plain_values.py says why not pickles)."""

    base_dir: str

    def _path(self, key: dg.AssetKey) -> Path:
        return Path(self.base_dir, *key.path).with_suffix(".json")

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(path.name + ".tmp")
        staging.write_text(dumps(obj))
        staging.replace(path)  # a reader never sees half a value

    def load_input(self, context: dg.InputContext):
        path = self._path(context.asset_key)
        if not path.exists():
            raise FileNotFoundError(f"no stored value of {context.asset_key.to_user_string()} at {path}; "
                                    "materialize it first")
        return loads(path.read_text())


def default_resources() -> dict:
    """Resources configured from the environment (TP_* variables), defaulting under data/."""
    return {
        "warehouse": WarehouseResource(path=env_path("TP_WAREHOUSE", "warehouse.duckdb")),
        "games_source": GamesSourceResource(
            nfl=os.environ.get("TP_SOURCE_NFL", "synthetic"),
            nba=os.environ.get("TP_SOURCE_NBA", "synthetic"),
            mlb=os.environ.get("TP_SOURCE_MLB", "synthetic"),
            seed=int(os.environ.get("TP_SYNTHETIC_SEED", DEFAULT_SEED)),
            synthetic_seasons=int(os.environ.get("TP_SYNTHETIC_SEASONS", DEFAULT_SEASONS)),
            synthetic_upcoming_weeks=int(os.environ.get("TP_SYNTHETIC_UPCOMING_WEEKS", 1)),
            cache_dir=env_path("TP_CACHE_DIR", "cache"),
        ),
        "model_store": ModelStoreResource(
            models_dir=env_path("TP_MODELS_DIR", "models"),
            reports_dir=env_path("TP_REPORTS_DIR", "reports"),
            production_folder=env_path("TP_PRODUCTION_DIR", "production"),
            predictions_folder=env_path("TP_PREDICTIONS_DIR", "predictions"),
        ),
        "tracking": TrackingResource(
            mlflow_uri=os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{env_path('TP_MLFLOW_DB', 'mlflow.db')}",
            mlflow_ui_url=os.environ.get("TP_MLFLOW_UI_URL", "http://127.0.0.1:5000"),
            mlflow_artifacts=env_path("TP_MLFLOW_ARTIFACTS", "mlartifacts"),
            optuna_storage=env_path("TP_OPTUNA_STORAGE", "optuna/studies.journal"),
        ),
        "io_manager": PlainValuesIOManager(base_dir=env_path("TP_IO_DIR", "dagster_io")),
    }
