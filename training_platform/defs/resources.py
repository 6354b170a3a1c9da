"""Resources: everything that varies by deployment, with embedded defaults that need no server.

The storage, source and tracking modules they open are imported by the methods that use them: loading
the Dagster definitions (every CLI call, every step process) then costs little more than `import dagster`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from training_platform.redaction import redacted
from training_platform.settings import Settings, carried_by
from training_platform.sources.synthetic_specs import DEFAULT_SEASONS, DEFAULT_SEED
from training_platform.sports import SPORTS
from training_platform.storage.handoffs import Report

if TYPE_CHECKING:
    import pandas as pd

    from training_platform.sources.registry import SourceSpec
    from training_platform.storage.model_store import ModelStore
    from training_platform.storage.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file holding raw games, quarantine and gold features."""

    path: str

    def open(self) -> Warehouse:
        from training_platform.storage.warehouse import Warehouse

        return Warehouse(self.path)

    def read(self, key: dg.AssetKey, sport: str, **window) -> pd.DataFrame:
        """The rows of `sport` in the table the asset `key` writes (declare `key` among the asset's deps)."""
        from training_platform.storage.tables import table_for

        return self.open().read(table_for(key.path), sport, **window)


class GamesSourceResource(dg.ConfigurableResource):
    """Where each sport's games come from: `synthetic`, `nflverse:<path|URL>` or `csv:<path>` (a sport
    missing from `sources` reads the synthetic league)."""

    sources: dict[str, str] = {}
    seed: int = DEFAULT_SEED
    synthetic_seasons: int = DEFAULT_SEASONS
    synthetic_upcoming_weeks: int = 1  # the synthetic league's last week is left unplayed: a week to predict
    cache_dir: str

    def spec(self, sport: str) -> SourceSpec:
        from training_platform.sources.registry import SourceSpec

        return SourceSpec.parse(self.sources.get(sport, "synthetic"))

    def games(self, sport: str) -> pd.DataFrame:
        from training_platform.sources.registry import load_games

        return load_games(
            self.spec(sport),
            sport,
            Path(self.cache_dir),
            self.seed,
            self.synthetic_seasons,
            self.synthetic_upcoming_weeks,
        )

    def describe(self, sport: str) -> str:
        """The source as the user configured it, for messages (TP_SOURCE_<SPORT>); a URL's credentials
        and query values are shown as ***."""
        spec = self.spec(sport)
        shown = f"{spec.kind}:{redacted(spec.location)}" if spec.location else spec.kind
        return f"{shown!r} (TP_SOURCE_{sport.upper()})"

    def known_teams(self, sport: str):
        from training_platform.sources.registry import known_teams

        return known_teams(self.spec(sport), sport)


class ModelStoreResource(dg.ConfigurableResource):
    """The folders of versioned model artifacts, their reports, the champion pointers and model-status
    files, and the weekly prediction files. Each is its own setting: moving the models elsewhere
    never moves the champion's pointer out of the data folder."""

    models_dir: str
    reports_dir: str
    production_folder: str
    predictions_folder: str

    def open(self) -> ModelStore:
        from training_platform.storage.model_store import ModelStore

        return ModelStore(
            Path(self.models_dir),
            Path(self.reports_dir),
            Path(self.production_folder),
            Path(self.predictions_folder),
        )

    @property
    def production_dir(self) -> Path:
        return self.open().production_dir

    @property
    def predictions_dir(self) -> Path:
        return self.open().predictions_dir


class TrackingResource(dg.ConfigurableResource):
    """MLflow tracking and registry (a SQLite file by default, no server) and Optuna's study storage."""

    def run(self, run_name: str, tags: dict[str, str]):
        from training_platform.ml.tracking import tracked_run

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
        from training_platform.storage.files import write_atomically
        from training_platform.storage.plain_values import dumps

        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, dumps(obj).encode())  # a reader never sees half a value

    def load_input(self, context: dg.InputContext):
        from training_platform.storage.plain_values import loads

        path = self._path(context.asset_key)
        if not path.exists():
            raise FileNotFoundError(
                f"no stored value of {context.asset_key.to_user_string()} at {path}; materialize it first"
            )
        return loads(path.read_text())


@dg.input_manager(required_resource_keys={"model_store"})
def latest_report_loader(context: dg.InputContext):
    """A candidate's report as its latest materialization recorded it; None if it never ran.

    Lets production/<sport> list every configured model as a candidate while users train only some.
    The folder is found under today's reports folder by the name the materialization recorded (the data
    folder may have moved since); production reads it again, verified against the warehouse's digest.
    """
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    recorded = Path(event.asset_materialization.metadata["report_json"].value).parent
    name = context.asset_key.path[-1]
    path = Path(context.resources.model_store.reports_dir) / name / recorded.name / "report.json"
    try:  # which report is the latest, no more: production reads it again, verified against its digest
        return Report.of({**json.loads(path.read_text()), "report_dir": str(path.parent)})
    except (OSError, ValueError, TypeError) as exc:
        context.log.warning(f"{path} cannot be read ({exc}); {name} is no candidate until re-evaluated")
        return None


def default_resources(settings: Settings | None = None, by_reference: bool = False) -> dict:
    """Every resource, configured from `settings` (default: the environment's, see settings.py).

    `by_reference` (the code location's definitions): a setting that may carry credentials and comes
    from an environment variable is given as dg.EnvVar, so a run's stored configuration names the
    variable, not its value; the resources a command uses directly hold the values themselves."""
    settings = settings or Settings.from_env()

    def secret(variable: str, value: str):
        return dg.EnvVar(variable) if by_reference and carried_by(variable, value) else value

    return {
        "warehouse": WarehouseResource(path=str(settings.warehouse)),
        "games_source": GamesSourceResource(
            sources={sport: secret(f"TP_SOURCE_{sport.upper()}", settings.source(sport)) for sport in SPORTS},
            seed=settings.synthetic_seed,
            synthetic_seasons=settings.synthetic_seasons,
            synthetic_upcoming_weeks=settings.synthetic_upcoming_weeks,
            cache_dir=str(settings.cache_dir),
        ),
        "model_store": ModelStoreResource(
            models_dir=str(settings.models_dir),
            reports_dir=str(settings.reports_dir),
            production_folder=str(settings.production_dir),
            predictions_folder=str(settings.predictions_dir),
        ),
        "tracking": TrackingResource(
            mlflow_uri=secret("MLFLOW_TRACKING_URI", settings.mlflow_uri),
            mlflow_ui_url=settings.mlflow_ui_url,
            mlflow_artifacts=str(settings.mlflow_artifacts),
            optuna_storage=secret("TP_OPTUNA_STORAGE", str(settings.optuna_storage)),
        ),
        "io_manager": PlainValuesIOManager(base_dir=str(settings.io_dir)),
        "latest_report_loader": latest_report_loader,
    }
