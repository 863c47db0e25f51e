"""Operator-only routes: the ``X-Operator-Secret`` header against ``OPERATOR_SECRET``.

The comparison is constant-time; an empty ``OPERATOR_SECRET`` turns every operator route off
(it never matches an empty header); a refusal is a security log line naming the route, never
the header's value.
"""

from __future__ import annotations

import hmac
from typing import Any

from chalicelib.api.errors import ApiError
from chalicelib.platform import log

OPERATOR_HEADER = "x-operator-secret"


def _header(request: Any, name: str) -> str:
    headers = getattr(request, "headers", None) or {}
    value = headers.get(name)
    if value is None:  # plain dicts (tests, local runner) are case-sensitive
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value or ""


def require_operator(request: Any, route: str) -> None:
    """Return when ``request`` carries the operator secret; raise ApiError(403) otherwise
    (``operator_disabled`` while OPERATOR_SECRET is empty, else ``forbidden``)."""
    from chalicelib.settings import get_settings

    expected = get_settings().OPERATOR_SECRET.get_secret_value()
    if not expected:
        log.security("operator_rejected", route=route, reason="disabled")
        raise ApiError(403, "operator_disabled", "Operator routes are disabled.")
    given = _header(request, OPERATOR_HEADER)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        log.security("operator_rejected", route=route, reason="bad_secret" if given else "missing")
        raise ApiError(403, "forbidden", "Operator secret required.")
