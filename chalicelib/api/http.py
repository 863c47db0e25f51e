"""The HTTP edge: turning controller results and exceptions into Chalice responses.

Chalice converts an exception escaping a route into its own 500 body before any middleware
sees it, so controllers are wrapped with :func:`guarded` instead: every failure becomes the
JSON error shape of :mod:`chalicelib.api.errors`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice.app import Response


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def guarded(controller: Callable[..., Any]) -> Callable[..., Response]:
    """Wrap a controller returning ``(status, body)`` or a Response, so that any exception
    becomes a JSON error with a stable code and no stack trace reaches the caller."""

    @functools.wraps(controller)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        from chalicelib.api.errors import to_response

        try:
            result = controller(*args, **kwargs)
        except Exception as exc:
            status, body = to_response(exc)
            return json_response(status, body)
        if isinstance(result, Response):
            return result
        status, body = result
        return json_response(status, body)

    return wrapper
