"""What one asset hands to the next: small frozen dataclasses, stored as plain JSON by the IO
manager (storage/plain_values.py). Each is also a read-only mapping of its fields, so a value
read back from JSON and an older reader indexing by name see the same data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields


class HandOff(Mapping):
    def __getitem__(self, name: str):
        if name not in self._names():
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def of(cls, value: Mapping):
        """`value` as this type (values stored before the type existed are plain mappings; a field
        they lack reads as None)."""
        return value if isinstance(value, cls) else cls(**{name: value.get(name) for name in cls._names()})

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, eq=True)
class TuningResult(HandOff):
    """tuning/<model>_<sport> → models/<model>_<sport>: the chosen hyperparameters and how they were found."""

    model: str
    sport: str
    params: dict
    best_cv_log_loss: float
    method: str
    study_name: str
    data_hash: str
    n_splits: int
    imbalance: str
    tuning_window: dict
    held_out_seasons: list
    trials_complete: int
    trials_pruned: int


@dataclass(frozen=True, eq=True)
class Champion(HandOff):
    """production/<sport>[_<market>] → predictions/<sport>: the registry's current row with its artifact, and the
    market-free model that scores games without lines (None when no candidate qualifies)."""

    sport: str
    model: str
    version: int
    artifact: str
    sha256: str
    metrics: dict
    variant: str
    forced: bool
    action: str
    promoted_at: str
    registry_entry: int
    market_free: dict | None
    market: str = "moneyline"  # production/nfl_ats holds the spread's champion


@dataclass(frozen=True, eq=True)
class Report(HandOff):
    """reports/<model>_<sport> → production/<sport>: one walk-forward evaluation of a model version, as
    its report.json holds it (production reads the one the latest materialization recorded)."""

    seasons: list
    games: int
    refit_every_weeks: int
    backtest_window: dict
    model: dict  # the pooled metrics
    per_season: dict
    baselines: dict
    betting: dict
    tuning_window: dict
    model_artifact: dict  # name, version, path, sha256
    data_hash: str
    evaluation: str
    report_dir: str
    variant: str
    dagster_run_id: str
    market: str | None = None  # None: a report from before the spread and totals (moneyline)
    picks: dict | None = None  # spread and totals: the picks' hit rate, its interval, pushes, ROI
    scoring: str | None = None  # "before_lineups" (backtest.SCORING); None: older code's named starters


HANDOFFS = {cls.__name__: cls for cls in (TuningResult, Champion, Report)}
