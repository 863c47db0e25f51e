"""The integration API's answers: JSON bodies, errors ``{"error": {"code", "message"}}`` with a
stable code (the same shape as every other API route, :mod:`chalicelib.api.errors`)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.errors import ApiError
from chalicelib.api.http import json_response


def ok(body: Any, status: int = 200) -> Response:
    """A JSON answer."""
    return json_response(status, body)


def error(status: int, code: str, message: str, **details: Any) -> Response:
    """A JSON error with a stable ``code`` (clients branch on it) and a human ``message``."""
    return json_response(status, ApiError(status, code, message, **details).body())


def body_of(response: Response) -> Any:
    """The JSON value of a response built here (a dict or list, or parsed from text)."""
    import json

    body = response.body
    if isinstance(body, (bytes, str)):
        return json.loads(body) if body else None
    return body
