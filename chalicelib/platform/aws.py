"""The one factory for boto3 clients.

Clients are created on first use and cached per service. Endpoints follow boto3's own
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables, so the same code talks to AWS,
a moto server or any compatible engine. Tests call :func:`reset_clients` after changing the
environment or entering ``moto.mock_aws``.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.platform.container import on_reset

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_session: Any = None

# Short timeouts: API handlers have 29 s at most, and a health check must answer in well under a
# second. Standard retry mode backs off on throttling.
_CONNECT_TIMEOUT = 2
_READ_TIMEOUT = 5


def _shared_session() -> Any:
    # One botocore session per process: its loader caches the service models, so a client made
    # after reset_clients() costs milliseconds instead of re-reading the JSON models.
    global _session
    if _session is None:
        import boto3

        _session = boto3.session.Session()
    return _session


def client(service: str) -> Any:
    """A cached boto3 client for ``service`` in the configured region."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import os

            from botocore.config import Config

            region = os.environ.get("AWS_REGION") or os.environ.get(
                "AWS_DEFAULT_REGION", "ap-southeast-1"
            )
            config = Config(
                connect_timeout=_CONNECT_TIMEOUT,
                read_timeout=_READ_TIMEOUT,
                retries={"mode": "standard", "max_attempts": 3},
            )
            if service == "s3":
                # Presigned GETs of SSE-KMS objects are only honoured with Signature Version 4.
                config = config.merge(Config(signature_version="s3v4"))
            _clients[service] = _shared_session().client(
                service,
                region_name=region,
                config=config,
                endpoint_url=_endpoint(service),
            )
        return _clients[service]


def _endpoint(service: str) -> str | None:
    """boto3's own endpoint variables, read when the client is made (the shared session would
    otherwise keep the values it saw first)."""
    import os

    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    return os.environ.get(specific) or os.environ.get("AWS_ENDPOINT_URL") or None


@on_reset
def reset_clients() -> None:
    """Drop every cached client (tests; the local runner after pointing at a new endpoint)."""
    with _lock:
        _clients.clear()
