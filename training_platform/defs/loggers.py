"""Loggers the code location's jobs can be run with (run config `loggers:`); `console` stays the default.

`progress` is what `tp` shows while its runs go: one line per step started, finished or failed, each check's
verdict, and the assets' own INFO messages, without Dagster's DEBUG event stream."""

import logging
import sys
import time

import dagster as dg

SHOWN_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION"}


class ProgressHandler(logging.Handler):
    def __init__(self, stream):
        super().__init__(logging.DEBUG)  # step events are DEBUG records; the assets' own lines INFO
        self.stream, self.started = stream, {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = (meta.get("step_key") or "").replace("__", "/", 1)
        kind = event.event_type.name if event is not None else None
        if kind is None and record.levelno >= logging.INFO and step:
            line = f"    {meta.get('orig_message', record.getMessage())}"
        elif kind == "STEP_START":
            self.started[step] = time.monotonic()
            line = f"  {step} …"
        elif kind == "STEP_SUCCESS":
            line = f"  {step} done in {time.monotonic() - self.started.get(step, time.monotonic()):.1f}s"
        elif kind == "STEP_FAILURE":
            line = f"  {step} FAILED"
        elif kind == "ASSET_CHECK_EVALUATION":
            check = event.event_specific_data
            line = f"  {check.asset_key.to_user_string()} {check.check_name}: {'passed' if check.passed else 'FAILED'}"
        else:
            return
        print(line, file=self.stream, flush=True)


@dg.logger(description="one line per step and check, and the assets' INFO messages, on stderr")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("training_platform.progress", level=logging.DEBUG)
    logger.addHandler(ProgressHandler(sys.stderr))
    return logger


LOGGERS = {"console": dg.colored_console_logger, "progress": progress_logger}
