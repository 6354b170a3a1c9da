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
        """`value` as this type (values stored before the type existed are plain mappings)."""
        return value if isinstance(value, cls) else cls(**{name: value[name] for name in cls._names()})

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
    """production/<sport> → predictions/<sport>: the registry's current row with its artifact, and the
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


HANDOFFS = {cls.__name__: cls for cls in (TuningResult, Champion)}
