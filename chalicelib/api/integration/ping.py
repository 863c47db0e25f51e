"""``GET /integration/v1/ping``: a signed request's check, for a back-office team wiring its
signing up: who the API takes the caller for (client id, scopes, agencies)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.integration.auth import Client, authenticated
from chalicelib.api.integration.responses import ok


@authenticated(scope=None)
def ping(request: Any, client: Client) -> Response:
    """200 ``{"client", "scopes", "agencies"}`` (agencies empty: all)."""
    return ok(
        {
            "client": client.id,
            "scopes": sorted(client.scopes),
            "agencies": sorted(client.agencies),
        }
    )
