"""The stored state the bad-input suite attacks: three NBA seasons ingested from a CSV, Elo tuned,
fitted, evaluated and promoted. `snapshot` captures every stored table, every file, MLflow's
registered versions and aliases, so a case can prove that nothing it did changed any of them."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import mlflow
import pandas as pd

from training_platform.defs.features.assets import features_gold
from training_platform.defs.partitions import partition_key
from training_platform.defs.raw.assets import raw_games
from training_platform.sources.schema import as_upcoming
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start, weeks_covering
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import make_resources
from training_platform_tests.test_lineage import ALL_ASSETS, chain, ingest, run_chain

SPORT = "nba"
WRITE_STAMPS = ("ingested_at", "run_id")  # when a row was written, not what it says


@dataclass
class World:
    root: Path  # the data folder
    source: Path  # the CSV the source reads, outside the data folder
    games: pd.DataFrame
    weeks: list
    resources: dict
    instance: dg.DagsterInstance

    @property
    def week(self):
        """A played week in the middle of the stored history: the one the cases re-ingest."""
        return self.weeks[len(self.weeks) // 2]

    def week_games(self, week=None) -> pd.Series:
        return (week_start(self.games["game_date"]).dt.date == (week or self.week)).to_numpy()


def build_world(base: Path, instance: dg.DagsterInstance) -> World:
    games = generate_league(SPORT, seasons=3, first_season=2022)
    last_week = (week_start(games["game_date"]) == week_start(games["game_date"]).max()).to_numpy()
    games = as_upcoming(games, last_week)  # a coming week, as a real source has
    source = base / f"{SPORT}.csv"
    games.to_csv(source, index=False)
    games = pd.read_csv(source, parse_dates=["game_date"])
    root = base / "data"
    resources = make_resources(root, seasons=3, **{SPORT: f"csv:{source}"})
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    assert ingest(resources, instance, SPORT, weeks).success
    promoted = run_chain(
        resources,
        instance,
        chain("elo", SPORT)[:4],
        {"ops": {f"tuning__elo_{SPORT}": {"config": {"n_trials": 4}}}},
    )
    assert promoted.success and promoted.output_for_node(f"production__{SPORT}")["model"] == f"elo_{SPORT}"
    return World(root, source, games, weeks, resources, instance)


def snapshot(root: Path, ignore_write_stamps: bool = False, skip_tables: tuple = ()) -> dict:
    """Every warehouse table under the data folder `root` by content, every other file by SHA-256
    (the URL cache and the logs aside), and MLflow's registered versions and aliases."""
    store = Warehouse(root / "warehouse.duckdb")
    tables = {}
    for name in store.query("SELECT table_name FROM information_schema.tables")["table_name"]:
        if name in skip_tables:
            continue
        frame = store.query(f"SELECT * FROM {name}")
        if ignore_write_stamps:
            frame = frame.drop(columns=[c for c in WRITE_STAMPS if c in frame.columns])
        tables[name] = frame.sort_values(list(frame.columns)).to_csv(index=False) if len(frame) else ""
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.name.startswith("warehouse.duckdb")
        and not {"cache", "logs"} & set(p.relative_to(root).parts)  # downloads and diagnostics, not state
    }
    registry = {}
    if (root / "mlflow.db").exists():  # opening a missing SQLite store would create it
        uri = f"sqlite:///{root / 'mlflow.db'}"
        client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        registry = {
            m.name: (
                dict(m.aliases),
                sorted((v.version, v.source) for v in client.search_model_versions(f"name='{m.name}'")),
            )
            for m in client.search_registered_models()
        }
    return {"tables": tables, "files": files, "mlflow_registry": registry}


@contextlib.contextmanager
def replaced(path: Path, content: bytes | None):
    """`path` holds `content` (None: is absent) inside the block; its original bytes come back after."""
    original = path.read_bytes() if path.exists() else None
    if content is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(content)
    try:
        yield path
    finally:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(original)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def ingest_week(world: World, week=None, resources: dict | None = None, sport: str = SPORT, **config):
    key = partition_key(sport, week or world.week) if not isinstance(week, str) else week
    return dg.materialize(
        [raw_games, features_gold],
        resources=resources or world.resources,
        instance=world.instance,
        raise_on_error=False,
        partition_key=key,
        run_config={"ops": {"raw__games": {"config": config}}} if config else None,
    )


def materialize(world: World, keys: list[str], run_config: dict | None = None):
    return dg.materialize(
        ALL_ASSETS,
        selection=[dg.AssetKey(k.split("/")) for k in keys],
        resources=world.resources,
        instance=world.instance,
        run_config=run_config,
        raise_on_error=False,
    )


def failure(result) -> str:
    """The message of the run's first failed step (the run must have failed)."""
    assert not result.success, "the run succeeded; a bad input must fail it"
    return result.get_step_failure_events()[0].step_failure_data.error.to_string()


def quarantined(world: World, partition_week) -> pd.DataFrame:
    rows = Warehouse(world.root / "warehouse.duckdb").query(
        "SELECT * FROM raw_games_quarantine WHERE sport = ? AND partition_week = ?", [SPORT, partition_week]
    )
    return rows


def copy_version(world: World, model: str, source: int, target: int) -> Path:
    directory = world.root / "models" / model / f"v{target}"
    shutil.copytree(world.root / "models" / model / f"v{source}", directory)
    return directory
