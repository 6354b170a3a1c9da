"""JSON-lines run logs for log tooling, through Dagster's own hook: dagster.yaml's
`python_logs.dagster_handler_config` attaches this handler to every run of the instance (see the README).

One object per line: timestamp (UTC, ISO 8601), level, message, module (the step, i.e. the asset, or the
run), run_id, job, event (Dagster's event type, if any) and metrics (a materialization's or check's
numeric metadata)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from training_platform.redaction import scrubbed

OUTCOME_EVENTS = {
    "ASSET_MATERIALIZATION",
    "ASSET_CHECK_EVALUATION",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "RUN_SUCCESS",
    "RUN_FAILURE",
}


class JsonLinesFileHandler(logging.FileHandler):
    """`filename` as dagster.yaml gives it; unset: TP_LOG_FILE (default logs/training.log under TP_DATA_DIR).
    Its folder is created.
    (`min_level`, not dictConfig's `level`, which would drop the DEBUG outcome events before `filter`.)"""

    def __init__(self, filename: str | None = None, min_level: str = "INFO"):
        if filename is None:
            from training_platform.settings import Settings

            filename = str(Settings.from_env().log_file)
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(filename, mode="a", encoding="utf-8", delay=True)
        self.setLevel(logging.DEBUG)  # the outcome events below min_level are DEBUG records (filter)
        self.threshold = logging.getLevelName(min_level.upper())
        self.setFormatter(JsonLinesFormatter())

    def filter(self, record: logging.LogRecord) -> bool:
        """Records at the level and above, and the DEBUG events that carry outcomes and metrics."""
        if record.levelno >= self.threshold:
            return True
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        return event is not None and event.event_type.name in OUTCOME_EVENTS


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        line = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "message": scrubbed(meta.get("orig_message") or record.getMessage()),  # no URL's credentials
            "module": (meta.get("step_key") or "run").replace("__", "/", 1),
            "run_id": meta.get("run_id"),
            "job": meta.get("job_name"),
            "event": event.event_type.name if event is not None else None,
            "metrics": _metrics(event),
        }
        return json.dumps(line, default=str)


def _metrics(event) -> dict:
    """The numbers an event carries: a materialization's or a check's numeric metadata."""
    data = getattr(event, "event_specific_data", None)
    metadata = getattr(getattr(data, "materialization", None), "metadata", None) or getattr(
        data, "metadata", None
    )
    numbers = {}
    for key, value in (metadata or {}).items():
        raw = getattr(value, "value", value)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            numbers[key] = raw
    return numbers
