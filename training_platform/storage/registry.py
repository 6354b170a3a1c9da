"""The champion registry, gate alerts and the prediction log: append-only DuckDB tables.

History is never rewritten: a promotion or a rollback appends a row, and the champion of a
sport and market is the row appended last.
"""

from __future__ import annotations

import json

import pandas as pd

from training_platform.storage.warehouse import Warehouse, roll_back

REGISTRY_TABLE = "model_registry"
VERSIONS_TABLE = "model_versions"  # every artifact saved, with its SHA-256: what a load is checked against
REPORTS_TABLE = "report_digests"  # every report's files and their SHA-256: what a reader checks them against
ALERTS_TABLE = "gate_alerts"
PREDICTIONS_TABLE = "prediction_log"


REGISTRY_COLUMNS = {
    "entry_id": "BIGINT",
    "sport": "VARCHAR",
    "market": "VARCHAR",
    "model": "VARCHAR",
    "version": "BIGINT",
    "artifact_path": "VARCHAR",
    "sha256": "VARCHAR",
    "metrics": "VARCHAR",
    "report_dir": "VARCHAR",
    "dagster_run_id": "VARCHAR",
    "forced": "BOOLEAN",
    "action": "VARCHAR",
    "promoted_at": "VARCHAR",
    "replaces_version": "VARCHAR",
    "mlflow_model_version": "VARCHAR",
}
ACTIONS = ("promote", "rollback", "manual")
ENTRY_IDS = "model_registry_entry_ids"


class ChampionRegistry:
    """The one authoritative record of who each sport's champion is. The pointer file, the
    model-status file and MLflow's alias are copies derived from it (`champion.reconcile`)."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    def record(self, entry: dict) -> dict:
        """Append a promotion, rollback or manual promotion, in one transaction: the row before it
        is read and the id drawn from a sequence inside it, so two sports promoting at once never
        collide. `entry` holds sport, market, model, version, artifact_path, sha256, metrics (dict),
        report_dir, dagster_run_id, forced, action."""
        if entry.get("action", "promote") not in ACTIONS:
            raise ValueError(f"unknown registry action {entry.get('action')!r}; use one of {ACTIONS}")
        with self.warehouse.connect() as con:
            con.execute("BEGIN")
            try:
                con.execute(
                    f"CREATE TABLE IF NOT EXISTS {REGISTRY_TABLE} ("
                    + ", ".join(f"{c} {t}" for c, t in REGISTRY_COLUMNS.items())
                    + ")"
                )
                first_id = (
                    1 + con.execute(f"SELECT coalesce(max(entry_id), 0) FROM {REGISTRY_TABLE}").fetchone()[0]
                )
                con.execute(f"CREATE SEQUENCE IF NOT EXISTS {ENTRY_IDS} START {int(first_id)}")
                market = entry.get("market", "moneyline")
                previous = con.execute(
                    f"SELECT model, version FROM {REGISTRY_TABLE} WHERE sport = ? AND market = ? "
                    "ORDER BY entry_id DESC LIMIT 1",
                    [entry["sport"], market],
                ).fetchone()
                row = {
                    "market": "moneyline",
                    "forced": False,
                    "action": "promote",
                    "mlflow_model_version": "",
                    "promoted_at": pd.Timestamp.now(tz="UTC").isoformat(),
                    **entry,
                    "entry_id": con.execute(f"SELECT nextval('{ENTRY_IDS}')").fetchone()[0],
                    "metrics": json.dumps(entry.get("metrics", {}), default=float),
                    "replaces_version": f"{previous[0]} v{previous[1]}" if previous else None,
                }
                columns = list(REGISTRY_COLUMNS)
                con.execute(
                    f"INSERT INTO {REGISTRY_TABLE} ({', '.join(columns)}) VALUES "
                    f"({', '.join('?' for _ in columns)})",
                    [row[c] for c in columns],
                )
                con.execute("COMMIT")
            except Exception:
                roll_back(con)
                raise
        return {c: row[c] for c in columns}

    def record_version(
        self, name: str, version: int, path: str, sha256: str, run_id: str, metadata_sha256: str | None = None
    ) -> None:
        """Remember a saved artifact's SHA-256 here, away from the files an attacker could edit beside it.
        `path` is relative to the models folder (the folder can move; ml/verified.py derives it anyway)."""
        self.warehouse.append(
            VERSIONS_TABLE,
            pd.DataFrame(
                [
                    {
                        "model": name,
                        "version": int(version),
                        "artifact_path": path,
                        "sha256": sha256,
                        "metadata_sha256": metadata_sha256,  # its metadata.json: windows, market, MLflow version
                        "dagster_run_id": run_id,
                        "saved_at": pd.Timestamp.now(tz="UTC").isoformat(),
                    }
                ]
            ),
        )

    def recorded_sha256(self, name: str, version: int) -> str | None:
        """The SHA-256 recorded when `name` v`version` was saved, None if it never was. Only
        model_versions answers: a registry row's copy was once taken from a report's files."""
        record = self.recorded_version(name, version)
        return record["sha256"] if record else None

    def recorded_version(self, name: str, version: int) -> dict | None:
        """The last save of `name` v`version` (what its folder holds): its artifact's SHA-256 and its
        metadata.json's (None: saved by older code); None if never saved."""
        found = self.warehouse.query(
            f"SELECT * FROM {VERSIONS_TABLE} WHERE model = ? AND version = ? ORDER BY saved_at DESC LIMIT 1",
            [name, int(version)],
        )
        if found.empty:
            return None
        metadata = found["metadata_sha256"].iloc[0] if "metadata_sha256" in found else None
        return {
            "sha256": str(found["sha256"].iloc[0]),
            "metadata_sha256": None if metadata is None or pd.isna(metadata) else str(metadata),
        }

    def record_report(self, name: str, version: int, folder: str, files: dict[str, str], run_id: str) -> None:
        """Remember the SHA-256 of each file of a report as it was written (`folder`: its name under
        the model's reports folder), so a reader can tell an edited report from the platform's own."""
        self.warehouse.append(
            REPORTS_TABLE,
            pd.DataFrame(
                [
                    {
                        "model": name,
                        "version": int(version),
                        "folder": folder,
                        "files": json.dumps(files, sort_keys=True),
                        "dagster_run_id": run_id,
                        "written_at": pd.Timestamp.now(tz="UTC").isoformat(),
                    }
                ]
            ),
        )

    def recorded_report_folders(self, name: str, version: int) -> list[str]:
        """The report folders written for `name` v`version`, newest first (by the record, not by file times)."""
        found = self.warehouse.query(
            f"SELECT folder FROM {REPORTS_TABLE} WHERE model = ? AND version = ? ORDER BY written_at DESC",
            [name, int(version)],
        )
        return list(dict.fromkeys(found.get("folder", [])))

    def recorded_report(self, name: str, folder: str) -> dict[str, str] | None:
        """Each file's SHA-256 as the report `name`/`folder` was written, None if never recorded."""
        found = self.warehouse.query(
            f"SELECT files FROM {REPORTS_TABLE} WHERE model = ? AND folder = ? "
            "ORDER BY written_at DESC LIMIT 1",
            [name, folder],
        )
        return None if found.empty else json.loads(found["files"].iloc[0])

    def demoted(self, sport: str, market: str = "moneyline") -> set[tuple[str, int]]:
        """(model, version) pairs a rollback replaced and no manual promotion has restored since:
        these are never promoted automatically again."""
        barred: set[tuple[str, int]] = set()
        previous = None
        for row in self.history(sport, market).itertuples():
            key = (row.model, int(row.version))
            if row.action == "rollback" and previous is not None:
                barred.add(previous)
            if row.action == "manual":
                barred.discard(key)
            previous = key
        return barred

    def history(self, sport: str, market: str = "moneyline") -> pd.DataFrame:
        return self.warehouse.query(
            f"SELECT * FROM {REGISTRY_TABLE} WHERE sport = ? AND market = ? ORDER BY entry_id",
            [sport, market],
        )

    def current(self, sport: str, market: str = "moneyline") -> dict | None:
        """The champion: the last row appended for the sport and market, or None."""
        rows = self.history(sport, market)
        if rows.empty:
            return None
        row = rows.iloc[-1].to_dict()
        row["metrics"] = json.loads(row["metrics"])
        row["version"] = int(row["version"])
        return row

    def record_alert(self, alert: dict) -> None:
        self.warehouse.append(
            ALERTS_TABLE, pd.DataFrame([{"recorded_at": pd.Timestamp.now(tz="UTC").isoformat(), **alert}])
        )

    def alerts(self) -> pd.DataFrame:
        return self.warehouse.query(f"SELECT * FROM {ALERTS_TABLE} ORDER BY recorded_at")

    def log_predictions(self, frame: pd.DataFrame) -> None:
        self.warehouse.append(PREDICTIONS_TABLE, frame)

    def predictions(self, sport: str) -> pd.DataFrame:
        """The latest logged forecast of each game of `sport`."""
        return self.warehouse.query(
            f"SELECT * FROM {PREDICTIONS_TABLE} WHERE sport = ? "
            "QUALIFY row_number() OVER (PARTITION BY game_id ORDER BY predicted_at DESC) = 1 ORDER BY game_date, game_id",
            [sport],
        )
