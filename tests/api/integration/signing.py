"""Signed requests for the integration API's tests (the shape Chalice hands a controller)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from chalicelib.api.integration.auth import sign
from tests.conftest import INTEGRATION_SECRETS

SECRET = INTEGRATION_SECRETS["back-office"]
OLD_SECRET = INTEGRATION_SECRETS["back-office-old"]
NARROW_SECRET = INTEGRATION_SECRETS["narrow"]
POSTAL_SECRET = INTEGRATION_SECRETS["postal"]
SECRETS = {"back-office": SECRET, "narrow": NARROW_SECRET, "postal": POSTAL_SECRET}


@dataclass
class FakeRequest:
    method: str
    headers: dict[str, str]
    raw_body: bytes = b""
    uri_params: dict[str, str] | None = None
    query_params: dict[str, str] | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def json_body(self) -> Any:
        return json.loads(self.raw_body) if self.raw_body else None


def headers(
    client: str = "back-office",
    body: bytes = b"",
    *,
    secret: str | None = None,
    webhook_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The headers of a request signed as ``client`` (with its secret unless ``secret``)."""
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = secret or SECRETS.get(client, SECRET)
    return {
        "x-client-id": client,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, webhook_id, timestamp, body),
        "content-type": "application/json",
    }


def request(
    method: str = "GET",
    body: Any = None,
    *,
    client: str = "back-office",
    uri_params: dict[str, str] | None = None,
    query_params: dict[str, str] | None = None,
    **signing: Any,
) -> FakeRequest:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return FakeRequest(
        method=method,
        headers=headers(client, raw, **signing),
        raw_body=raw,
        uri_params=uri_params,
        query_params=query_params,
    )
