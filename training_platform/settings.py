"""Every setting of the platform, and the only module that reads the environment.

`Settings.from_env()` reads the `TP_*` variables (and `MLFLOW_TRACKING_URI`, `DAGSTER_HOME`) once
per distinct environment; everything else receives values from it. A `TP_*` variable that is not
a setting is named in one warning with the closest known name. `python -m training_platform.settings`
prints the README's settings table (a test checks the README against it).
"""

from __future__ import annotations

import difflib
import os
import warnings
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

from training_platform.ml.modeling.catalog import MODEL_NAMES
from training_platform.sources.synthetic_specs import DEFAULT_SEASONS, DEFAULT_SEED

_CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_CANDIDATES = ("elo", "logistic", "xgboost")


def _setting(env: str, help: str, default=None, under: str | None = None):
    """A field read from `env`; `under` is a path relative to the data folder used when it is unset."""
    return field(default=default, metadata={"env": env, "help": help, "under": under})


EXECUTORS = ("multiprocess", "k8s")
# The numbers a setting may take (a negative season count or a zero window is a typo, not a wish).
RANGES = (
    ("synthetic_seasons", 1, 200),
    ("synthetic_upcoming_weeks", 0, 52),
    ("drift_window", 1, 100_000),
    ("drift_tolerance", 0.0, 1.0),
)
SOURCE_PREFIX = "TP_SOURCE_"  # one variable per sport of the sports file: TP_SOURCE_NFL, TP_SOURCE_NHL, ...


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting("TP_DATA_DIR", "root of every store below", "the checkout's data/, else ./data")
    warehouse: Path = _setting(
        "TP_WAREHOUSE", "DuckDB warehouse: games, features, registry", under="warehouse.duckdb"
    )
    models_dir: Path = _setting("TP_MODELS_DIR", "versioned model artifacts", under="models")
    reports_dir: Path = _setting("TP_REPORTS_DIR", "evaluation reports", under="reports")
    production_dir: Path = _setting(
        "TP_PRODUCTION_DIR", "champion pointer and model-status files", under="production"
    )
    predictions_dir: Path = _setting("TP_PREDICTIONS_DIR", "weekly prediction CSVs", under="predictions")
    cache_dir: Path = _setting("TP_CACHE_DIR", "downloaded URL sources", under="cache")
    io_dir: Path = _setting("TP_IO_DIR", "plain JSON values passed between Dagster steps", under="dagster_io")
    mlflow_db: Path = _setting(
        "TP_MLFLOW_DB", "MLflow's SQLite store when MLFLOW_TRACKING_URI is unset", under="mlflow.db"
    )
    mlflow_tracking_uri: str | None = _setting(
        "MLFLOW_TRACKING_URI", "an MLflow server or database instead of the SQLite file"
    )
    mlflow_ui_url: str = _setting(
        "TP_MLFLOW_UI_URL", "MLflow UI address used in run links", "http://127.0.0.1:5000"
    )
    log_file: Path = _setting(
        "TP_LOG_FILE", "JSON-lines run log of dagster.yaml's python_logs handler", under="logs/training.log"
    )
    dagster_ui_url: str = _setting(
        "TP_DAGSTER_UI_URL", "Dagster UI address used in MLflow runs' links back", "http://127.0.0.1:3000"
    )
    mlflow_artifacts: Path = _setting(
        "TP_MLFLOW_ARTIFACTS", "artifact root of a new MLflow experiment", under="mlartifacts"
    )
    optuna_storage: str = _setting(
        "TP_OPTUNA_STORAGE", "Optuna journal file, or any RDB URL", under="optuna/studies.journal"
    )
    sports_file: Path | None = _setting(
        "TP_SPORTS_FILE", "the sports and their rules (unset: the package's sports.yaml)"
    )
    sources: tuple[tuple[str, str], ...] = _setting(
        SOURCE_PREFIX + "<SPORT>",
        "a sport's games: synthetic, nflverse:<path or URL>, csv:<path>, fivethirtyeight:<path> "
        "(unset: the sports file's `source`)",
        (),
    )
    synthetic_seed: int = _setting("TP_SYNTHETIC_SEED", "seed of the embedded synthetic league", DEFAULT_SEED)
    synthetic_seasons: int = _setting(
        "TP_SYNTHETIC_SEASONS", "seasons of the synthetic league", DEFAULT_SEASONS
    )
    synthetic_upcoming_weeks: int = _setting(
        "TP_SYNTHETIC_UPCOMING_WEEKS", "synthetic weeks left unplayed", 1
    )
    gates_file: Path | None = _setting(
        "TP_GATES_FILE", "metric-gate thresholds (unset: the package's gates.yaml)"
    )
    candidates: tuple[str, ...] = _setting(
        "TP_CANDIDATES",
        "models trained and compared per sport (among its `models` in the sports file)",
        DEFAULT_CANDIDATES,
    )
    sports: tuple[str, ...] = _setting(
        "TP_SPORTS", "sports the weekly schedule ingests (unset: every sport of the sports file)", ()
    )
    alert_webhook: str | None = _setting("TP_ALERT_WEBHOOK", "URL POSTed when a gate fails (logged redacted)")
    drift_window: int = _setting("TP_DRIFT_WINDOW", "scored predictions in the drift sensor's window", 50)
    drift_tolerance: float = _setting("TP_DRIFT_TOLERANCE", "Brier worsening that requests retraining", 0.02)
    failpoint: str | None = _setting("TP_FAILPOINT", "crash tests only: the point where a run kills itself")
    dagster_home: str | None = _setting("DAGSTER_HOME", "the Dagster instance `tp` records its runs in")
    executor: str = _setting(
        "TP_EXECUTOR",
        "where a run's steps execute: multiprocess (processes on this machine) or k8s (a Kubernetes Job per step)",
        "multiprocess",
    )

    @property
    def mlflow_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.mlflow_db}"

    def source(self, sport: str) -> str:
        """The spec of `sport`'s games source: TP_SOURCE_<SPORT>, else the sports file's `source`."""
        from training_platform.sports import PACKAGE_SPORTS_FILE, load_sports

        sports = load_sports(self.sports_file)
        if sport not in sports:
            raise ValueError(
                f"unknown sport {sport!r}: the sports file {self.sports_file or PACKAGE_SPORTS_FILE} "
                f"declares {', '.join(sports)}"
            )
        return dict(self.sources).get(sport) or sports[sport].source

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of the current environment (cached for as long as it does not change)."""
        names = {f.metadata["env"] for f in fields(cls)}
        relevant = tuple(sorted((k, v) for k, v in os.environ.items() if k in names or k.startswith("TP_")))
        sports = Path(os.environ.get("TP_SPORTS_FILE") or Path(__file__).with_name("sports.yaml"))
        # the valid TP_SOURCE_* names and the default TP_SPORTS come from the sports file: an edit re-reads
        return _from(relevant, sports.stat().st_mtime_ns if sports.exists() else 0)

    @classmethod
    def for_folder(cls, data_dir: str | Path, sources: dict[str, str] | None = None, **values) -> Settings:
        """Every store under `data_dir`, the rest at its defaults (tests and benchmarks use it);
        `sources` maps a sport to its source spec."""
        return _resolve(cls(data_dir=Path(data_dir), sources=tuple((sources or {}).items()), **values))


@lru_cache(maxsize=32)
def _from(environment: tuple[tuple[str, str], ...], sports_file_stamp: int = 0) -> Settings:
    from training_platform.sports import load_sports  # here: sports.py reads the sports file's path from us

    env = dict(environment)
    by_env = {f.metadata["env"]: f for f in fields(Settings) if f.name != "sources"}
    sports_file = (
        _parse(by_env["TP_SPORTS_FILE"], env["TP_SPORTS_FILE"]) if env.get("TP_SPORTS_FILE") else None
    )
    source_names = {SOURCE_PREFIX + sport.upper(): sport for sport in load_sports(sports_file)}
    unknown = sorted(k for k in env if k.startswith("TP_") and k not in by_env and k not in source_names)
    if unknown:
        hints = [
            f"{k} (did you mean {m[0]}?)"
            if (m := difflib.get_close_matches(k, [*by_env, *source_names], 1))
            else k
            for k in unknown
        ]
        warnings.warn(f"unknown setting(s) ignored: {', '.join(hints)}", stacklevel=3)
    values = {}
    for name, spec in by_env.items():
        if env.get(name):  # an empty variable is unset
            values[spec.name] = _parse(spec, env[name])
    values["sources"] = tuple((sport, env[name]) for name, sport in source_names.items() if env.get(name))
    if "data_dir" not in values:
        values["data_dir"] = (
            _CHECKOUT / "data" if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd() / "data"
        )
    return _resolve(Settings(**values))


def _parse(spec, raw: str):
    kind = str(spec.type)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(raw)
            return value
    except ValueError:
        raise ValueError(
            f"{spec.metadata['env']}={raw!r} must be {'an integer' if kind == 'int' else 'a number'}"
        ) from None
    if kind.startswith("tuple"):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if kind.startswith("Path"):
        return Path(raw).expanduser().resolve()
    return raw


def _resolve(settings: Settings) -> Settings:
    """Paths left unset default under the data folder; lists are checked against what exists."""
    from training_platform.sports import load_sports

    data_dir = Path(settings.data_dir).expanduser().resolve()
    paths = {
        f.name: str(data_dir / f.metadata["under"]) if f.type == "str" else data_dir / f.metadata["under"]
        for f in fields(Settings)
        if f.metadata["under"] and getattr(settings, f.name) is None
    }
    resolved = replace(settings, data_dir=data_dir, **paths)
    from training_platform.sports import PACKAGE_SPORTS_FILE, check_source

    known = load_sports(resolved.sports_file)
    file = resolved.sports_file or PACKAGE_SPORTS_FILE
    for sport, source in resolved.sources:
        check_source(sport, source, f"TP_SOURCE_{sport.upper()}={source!r}")
    for sport, entry in known.items():
        if entry.source is None and sport not in dict(resolved.sources):
            raise ValueError(
                f"{sport} has no games source: set sports.{sport}.source in {file} or TP_SOURCE_{sport.upper()}"
            )
    if not resolved.sports:
        resolved = replace(resolved, sports=tuple(known))
    unknown_sports = sorted(set(resolved.sports) - set(known))
    if unknown_sports:
        raise ValueError(
            f"TP_SPORTS={','.join(resolved.sports)!r}: unknown sport(s) {unknown_sports}; "
            f"the sports file {file} declares {', '.join(known)}"
        )
    unknown_sources = sorted(set(dict(resolved.sources)) - set(known))
    if unknown_sources:
        raise ValueError(
            f"source(s) given for sport(s) {unknown_sources} the sports file does not declare; "
            f"{file} declares {', '.join(known)}"
        )
    for name, low, high in RANGES:
        value = getattr(resolved, name)
        if not low <= value <= high:
            env = next(f.metadata["env"] for f in fields(Settings) if f.name == name)
            raise ValueError(f"{env}={value!r} is outside [{low}, {high}]")
    if resolved.executor not in EXECUTORS:
        raise ValueError(
            f"TP_EXECUTOR={resolved.executor!r}: unknown executor; choose from {', '.join(EXECUTORS)}"
        )
    return resolved


def sports_file() -> Path | None:
    """TP_SPORTS_FILE (None: the package's sports.yaml)."""
    return Settings.from_env().sports_file


def candidate_models(sport: str, market: str = "moneyline") -> list[str]:
    """The models the weekly training run fits and production compares for `sport` in `market`:
    TP_CANDIDATES, among the models the sports file gives the sport assets for in that market (the
    moneyline: `models`, which must leave one; the spread and totals: `markets`, which may leave none)."""
    from training_platform.sports import load_sports

    settings = Settings.from_env()
    names = list(settings.candidates)
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown or not names:
        raise ValueError(
            f"TP_CANDIDATES={','.join(names)!r}: unknown model(s) {unknown}; "
            f"choose from {', '.join(MODEL_NAMES)}"
        )
    offered = load_sports(settings.sports_file)[sport].models_for(market)
    own = [name for name in names if name in offered]
    if not own and market == "moneyline":
        raise ValueError(
            f"TP_CANDIDATES={','.join(names)!r}: none has assets for {sport} (the sports file's "
            f"sports.{sport}.models is {', '.join(offered)}); add one to either"
        )
    return own


def allow_mlflow_file_store() -> None:
    """MLflow refuses a file store unless told; harmless with the default SQLite store. An unreachable
    tracking server is reported within about a minute, not MLflow's default of seven retries with
    doubling waits after 120 s timeouts (nine minutes of silence); a variable the user set wins."""
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # "View run at http://user:pw@…"


def carried_by(variable: str, value: str | None) -> str | None:
    """`variable` when the environment gives exactly `value` through it: a Dagster resource then names
    the variable (dg.EnvVar) and the run storage keeps its name, never a value that may hold a password."""
    return variable if value and os.environ.get(variable) == value else None


def environment_with(*, clean: bool = False, **variables: str) -> dict[str, str]:
    """This process's environment plus `variables`: for a command this one starts. `clean` drops
    every platform, MLflow and Dagster-instance setting first, so only `variables` configure it."""
    names = {f.metadata["env"] for f in fields(Settings)}
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not (clean and (k in names or k.startswith(("TP_", "MLFLOW_"))))
    }
    return {**inherited, **variables}


def settings_table() -> str:
    """The README's table of settings, generated from the fields above."""
    rows = ["| variable | default | what it sets |", "|---|---|---|"]
    for f in fields(Settings):
        default = (
            f"`data/{f.metadata['under']}`"
            if f.metadata["under"]
            else (
                "unset"
                if f.default in (None, ())
                else f"`{','.join(f.default) if isinstance(f.default, tuple) else f.default}`"
            )
        )
        rows.append(f"| `{f.metadata['env']}` | {default} | {f.metadata['help']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
