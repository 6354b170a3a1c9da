"""The champion registry, gate alerts and the prediction log: append-only DuckDB tables.

History is never rewritten: a promotion or a rollback appends a row, and the champion of a
sport and market is the row appended last.
"""

from __future__ import annotations

import json

import pandas as pd

from training_platform.storage.warehouse import Warehouse

REGISTRY_TABLE = "model_registry"
ALERTS_TABLE = "gate_alerts"
PREDICTIONS_TABLE = "prediction_log"


class ChampionRegistry:
    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    def record(self, entry: dict) -> dict:
        """Append a promotion or rollback. `entry` holds sport, market, model, version,
        artifact_path, sha256, metrics (dict), report_dir, dagster_run_id, forced, action."""
        previous = self.history(entry["sport"], entry.get("market", "moneyline"))
        row = {
            "entry_id": int(self._next_id()), "market": "moneyline", "forced": False, "action": "promote",
            "promoted_at": pd.Timestamp.now(tz="UTC").isoformat(), **entry,
            "metrics": json.dumps(entry.get("metrics", {}), default=float),
            "replaces_version": (f"{previous.iloc[-1]['model']} v{previous.iloc[-1]['version']}"
                                 if not previous.empty else None),
        }
        self.warehouse.append(REGISTRY_TABLE, pd.DataFrame([row]).astype({"replaces_version": "string"}))
        return row

    def _next_id(self) -> int:
        found = self.warehouse.query(f"SELECT coalesce(max(entry_id), 0) AS n FROM {REGISTRY_TABLE}")
        return 1 + (int(found["n"].iloc[0]) if not found.empty else 0)

    def history(self, sport: str, market: str = "moneyline") -> pd.DataFrame:
        return self.warehouse.query(
            f"SELECT * FROM {REGISTRY_TABLE} WHERE sport = ? AND market = ? ORDER BY entry_id", [sport, market])

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
        self.warehouse.append(ALERTS_TABLE, pd.DataFrame([{"recorded_at": pd.Timestamp.now(tz="UTC").isoformat(), **alert}]))

    def alerts(self) -> pd.DataFrame:
        return self.warehouse.query(f"SELECT * FROM {ALERTS_TABLE} ORDER BY recorded_at")

    def log_predictions(self, frame: pd.DataFrame) -> None:
        self.warehouse.append(PREDICTIONS_TABLE, frame)

    def predictions(self, sport: str) -> pd.DataFrame:
        """The latest logged forecast of each game of `sport`."""
        return self.warehouse.query(
            f"SELECT * FROM {PREDICTIONS_TABLE} WHERE sport = ? "
            "QUALIFY row_number() OVER (PARTITION BY game_id ORDER BY predicted_at DESC) = 1 ORDER BY game_date, game_id",
            [sport])
