"""Structured logging and metrics.

Every log line is one JSON object on stdout (CloudWatch Logs keeps it as is). Personal data
never appears in logs: callers pass identifiers and outcomes only, and any field whose name is
known to carry personal data is replaced by ``"[redacted]"`` as a second line of defence.

Metrics use the CloudWatch Embedded Metric Format: a log line with an ``_aws`` block becomes a
metric without an API call on the hot path.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

_PERSONAL_FIELDS = frozenset(
    {
        "name",
        "phone",
        "text",
        "body",
        "address",
        "id_number",
        "email",
        "info",
        "message",
        "applicant",
        "access_token",
        "refresh_token",
        "secret",
        "signature",
    }
)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time (Lambda, the local runner, tests)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


_logger = logging.getLogger("camau_zalo")
if not _logger.handlers:
    _handler = _StdoutHandler()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(_handler)
    _logger.propagate = False
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: ("[redacted]" if k.lower() in _PERSONAL_FIELDS else v) for k, v in fields.items()}


def _emit(level: int, event: str, fields: dict[str, Any]) -> None:
    if not _logger.isEnabledFor(level):
        return
    record = {"level": logging.getLevelName(level), "event": event, **_clean(fields)}
    _logger.log(level, json.dumps(record, ensure_ascii=False, default=str))


def info(event: str, **fields: Any) -> None:
    """Log an ordinary fact: ``event`` is a stable snake_case name; fields are identifiers."""
    _emit(logging.INFO, event, fields)


def warning(event: str, **fields: Any) -> None:
    """Log something an operator may want to look at."""
    _emit(logging.WARNING, event, fields)


def error(event: str, **fields: Any) -> None:
    """Log a failure that needs attention."""
    _emit(logging.ERROR, event, fields)


def security(event: str, **fields: Any) -> None:
    """Log a rejected request (bad signature, oversized body...). Never include the body."""
    _emit(logging.WARNING, event, {"security": True, **fields})


def metric(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    """Emit one CloudWatch metric through the Embedded Metric Format."""
    namespace = os.environ.get("METRICS_NAMESPACE", "CamauZalo")
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [sorted(dimensions)] if dimensions else [[]],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        name: value,
        **dimensions,
    }
    _logger.info(json.dumps(record, ensure_ascii=False))
