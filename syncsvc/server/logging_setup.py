"""The service's logging: one stderr handler, text or JSON lines, secrets redacted.

uvicorn's own loggers are routed through the same handler, so they get the
same redaction (`redaction.py`) and the same format; the access log writes its
lines to the same stream, in the same format (`access_log.py`).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from syncsvc.server.access_log import ACCESS_LOGGER, AccessLog
from syncsvc.server.redaction import SecretRedactor, install_token_redaction

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_STANDARD_RECORD_KEYS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if (
                key not in _STANDARD_RECORD_KEYS
                and not key.startswith("_")
                and key != "color_message"
            ):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(
    *, json_lines: bool, level: str = "info", access_log: bool = True
) -> AccessLog | None:
    """Log to stderr (JSON lines with `--log-json`), feed tokens redacted everywhere.

    Returns the access log (`access_log.py`), which writes to the same stream in the
    same format, or None when `access_log` is off. uvicorn's own access logger is
    left with no handler: uvicorn logs each request whenever that logger reaches
    one, and the service writes those lines itself.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(SecretRedactor())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = name != ACCESS_LOGGER
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    install_token_redaction()
    _skip_unused_record_fields()
    return AccessLog(handler, json_lines=json_lines) if access_log else None


def _skip_unused_record_fields() -> None:
    """No caller's frame, thread or process in a record: neither format prints them.

    The switches of the logging HOWTO's "Optimization" section; each record (a line
    per request in the access log) then skips a frame walk and three lookups.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
