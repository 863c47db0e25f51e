"""Structured logging and metrics, on Powertools for AWS Lambda (Logger, Metrics).

Every log line is one JSON object on stdout (CloudWatch Logs keeps it as is): ``level``,
``message`` and ``event`` (the same stable snake_case name), ``timestamp``, ``service``, the
caller's fields, and the invocation's context:

- ``correlation_id``: one per Zalo event, the delivery hash. The webhook computes it and sends
  it with the SQS message (message attribute ``correlation_id``); the consumer binds it for the
  record it processes, so the intake, the consumer, the notifier and the Zalo client all log it
  and one event's lines join (CloudWatch Logs Insights: ``filter correlation_id = "..."``).
  Lines that name a queue record by ``message_id`` (the batch handling) get the correlation id
  registered for that record.
- ``request_id`` (the Lambda request id) and ``cold_start`` (true for the container's first
  invocation).

Personal data never appears in logs: callers pass identifiers and outcomes only, and any field
whose name is known to carry personal data is replaced by ``"[redacted]"`` as a second line of
defence.

Metrics use the CloudWatch Embedded Metric Format (Powertools ``single_metric``): a log line
with an ``_aws`` block becomes a metric without an API call on the hot path; it carries the
correlation id as metadata.

Powertools is imported here, never by ``app.py``: only the functions that log pay for it, and
its import costs little next to boto3's (bench/cold_import.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

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
# Attributes of logging.LogRecord (and the formatter's own keys): a field with one of these
# names is logged with a trailing underscore instead of breaking the record.
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "level",
    "timestamp",
    "service",
    "location",
}


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time (Lambda, the local runner, tests)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _serialize(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


_logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME", "camau-zalo"),
    level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    logger_handler=_StdoutHandler(),
    json_serializer=_serialize,
    utc=True,
)
_logger.remove_keys(["location"])

# The invocation's context (request id, cold start, correlation id), per thread of execution.
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)
# Queue records' correlation ids by SQS message id, for the invocation.
_by_message: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "log_by_message", default=None
)
_cold = True


@contextlib.contextmanager
def invocation(lambda_context: Any = None) -> Iterator[None]:
    """The scope of one Lambda invocation: its lines carry ``request_id`` and ``cold_start``
    (true only for the container's first invocation); what :func:`bind` adds inside is
    forgotten at the end."""
    global _cold
    cold, _cold = _cold, False
    request_id = getattr(lambda_context, "aws_request_id", None)
    token = _context.set({"request_id": request_id, "cold_start": cold})
    messages = _by_message.set({})
    try:
        yield
    finally:
        _by_message.reset(messages)
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add ``fields`` (``correlation_id``...) to every later line of the current scope."""
    _context.set({**(_context.get() or {}), **fields})


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to the lines logged inside the ``with`` block only."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def register_message(message_id: str, correlation_id: str) -> None:
    """Lines naming ``message_id`` (a queue record) carry ``correlation_id`` in this scope."""
    known = _by_message.get()
    if known is None:
        known = {}
        _by_message.set(known)
    known[message_id] = correlation_id


def correlation_id() -> str | None:
    """The correlation id bound in the current scope, if any."""
    return (_context.get() or {}).get("correlation_id")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in fields.items():
        safe = "[redacted]" if key.lower() in _PERSONAL_FIELDS else value
        cleaned[f"{key}_" if key in _RESERVED else key] = safe
    return cleaned


def _emit(level: int, event: str, fields: dict[str, Any]) -> None:
    if level < _logger.log_level:
        return
    context = dict(_context.get() or {})
    message_id = fields.get("message_id")
    if message_id is not None and "correlation_id" not in context:
        found = (_by_message.get() or {}).get(str(message_id))
        if found:
            context["correlation_id"] = found
    write = {logging.INFO: _logger.info, logging.WARNING: _logger.warning}.get(level, _logger.error)
    write(event, extra={**context, "event": event, **_clean(fields)})


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
    """Emit one CloudWatch metric at once through the Embedded Metric Format (an INFO line:
    ``LOG_LEVEL`` above INFO silences metrics too, as the benches' stdout needs)."""
    if _logger.log_level > logging.INFO:
        return
    namespace = os.environ.get("METRICS_NAMESPACE", "CamauZalo")
    with single_metric(
        name=name, unit=MetricUnit(unit), value=value, namespace=namespace
    ) as emitted:
        for key, dimension in sorted(dimensions.items()):
            emitted.add_dimension(key, str(dimension))
        found = correlation_id()
        if found:
            emitted.add_metadata("correlation_id", found)
