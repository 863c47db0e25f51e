"""JSON errors with stable codes for API callers.

Every error an API route returns has the shape ``{"error": {"code": ..., "message": ...}}``;
``code`` is stable (clients branch on it), ``message`` is for people. No stack trace, secret or
personal data ever reaches a caller.
"""

from __future__ import annotations

import traceback
from typing import Any


class ApiError(Exception):
    """An error to answer with: HTTP ``status``, stable ``code``, human ``message``."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


def to_response(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The status and body for any exception escaping a route (used by the app middleware)."""
    from chalicelib.platform import log
    from chalicelib.settings import ConfigurationError

    if isinstance(exc, ApiError):
        return exc.status, exc.body()
    if isinstance(exc, ConfigurationError):
        log.error("configuration_error", setting=exc.setting, problem=exc.problem)
        error = ApiError(
            503, "configuration_error", "The service is misconfigured.", setting=exc.setting
        )
        return error.status, error.body()
    # The exception's message may quote personal data: log only its type and where it arose.
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
    log.error("unhandled_error", error_type=type(exc).__name__, where=where)
    return 500, ApiError(500, "internal_error", "Internal error.").body()
