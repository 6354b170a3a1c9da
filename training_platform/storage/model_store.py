"""Where every model-side file lives: version folders, report folders, the champion's pointer and
model-status files, weekly predictions, tuning plots. Nothing else composes these paths. Plain
Python, no Dagster, like the warehouse."""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_VERSION = re.compile(r"^v(\d+)$")


def versions(models_dir: str | Path, name: str) -> list[int]:
    """Version numbers of `name` on disk (complete folders only; staging folders start with a dot)."""
    folder = Path(models_dir) / name
    found = (_VERSION.match(p.name) for p in folder.iterdir()) if folder.exists() else ()
    return sorted(int(m.group(1)) for m in found if m)


def version_dir(models_dir: str | Path, name: str, version: int) -> Path:
    return Path(models_dir) / name / f"v{int(version)}"


def staging_dir(models_dir: str | Path, name: str, version: int, pid: int) -> Path:
    """Where a version is written before it is renamed to `version_dir` (appears whole or not at all)."""
    return Path(models_dir) / name / f".v{int(version)}.{pid}.tmp"


def staging_leftovers(models_dir: str | Path, name: str) -> list[tuple[Path, int | None]]:
    """Staging folders of `name` with the pid that wrote each (None if it cannot be read)."""
    folder = Path(models_dir) / name
    leftovers = folder.glob(".v*.*.tmp") if folder.exists() else ()
    return [(p, int(pid) if (pid := p.name.rsplit(".", 2)[-2]).isdigit() else None) for p in leftovers]


@dataclass(frozen=True)
class ModelStore:
    models_dir: Path
    reports_dir: Path
    production_dir: Path
    predictions_dir: Path

    def version_dir(self, name: str, version: int) -> Path:
        return version_dir(self.models_dir, name, version)

    def versions(self, name: str) -> list[int]:
        return versions(self.models_dir, name)

    def report_dir(self, name: str, version: int, evaluation: str) -> Path:
        """One evaluation of one version: `<reports>/<name>/v<N>-<evaluation fingerprint[:10]>`."""
        return Path(self.reports_dir) / name / f"v{int(version)}-{evaluation[:10]}"

    def tuning_plot(self, name: str, study: str) -> Path:
        return Path(self.reports_dir) / "tuning" / name / f"{study}.png"

    def pointer(self, sport: str) -> Path:
        """The champion's pointer file, derived from the registry."""
        return Path(self.production_dir) / f"{sport}.json"

    def model_status(self, sport: str) -> Path:
        return Path(self.production_dir) / f"{sport}.model_status.json"

    def predictions_file(self, sport: str, week: str) -> Path:
        return Path(self.predictions_dir) / sport / f"{week}.csv"


@contextmanager
def versions_locked(models_dir: str | Path, name: str, say=None) -> Iterator[None]:
    """Hold `name`'s lock while its versions are looked up, fitted and saved: two trainings of one model
    at once (two `tp train`, or a run and the schedule) then give one version for identical inputs, the
    second reusing the first's. A wait is said through `say`, once, not sat through in silence."""
    folder = Path(models_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)  # never a link
    with os.fdopen(descriptor, "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if say is not None:
                say(
                    f"another process is fitting or saving {name}; waiting for it to finish ({folder / '.lock'})"
                )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
