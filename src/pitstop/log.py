"""Log formatting: ``[2025-06-17 10:30:00] [INFO] [task] message`` for people, one JSON
object per line for machines.  Every record passes through the redactor.

Library code logs through ``logging.getLogger("pitstop.<area>")`` and may pass
``extra={"task": name, "run_id": id, ...}``; only the CLI installs handlers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import IO, Any

from pitstop.redact import redact

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime",
                                                                        "task", "run_id"}


def _task(record: logging.LogRecord) -> str:
    task = getattr(record, "task", None)
    if task:
        return str(task)
    name = record.name
    return name.split(".", 1)[1] if name.startswith("pitstop.") else name


class TextFormatter(logging.Formatter):
    """``[2025-06-17 10:30:00] [INFO] [task] message``."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created).strftime("%Y-%m-%d %H:%M:%S")
        message = record.getMessage()
        if record.exc_info and record.levelno >= logging.ERROR:
            message += "\n" + self.formatException(record.exc_info)
        return redact(f"[{ts}] [{record.levelname}] [{_task(record)}] {message}")


class JsonFormatter(logging.Formatter):
    """One object per line: ts, level, task, run_id, message and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "task": _task(record),
            "run_id": getattr(record, "run_id", None),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        return redact(json.dumps(payload, default=str, ensure_ascii=False))


def configure_logging(level: str = "INFO", fmt: str = "text", stream: IO[str] | None = None) -> None:
    """Install one stderr handler on the ``pitstop`` logger (idempotent)."""
    logger = logging.getLogger("pitstop")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    from pitstop.output import set_json_lines

    set_json_lines(fmt == "json")
