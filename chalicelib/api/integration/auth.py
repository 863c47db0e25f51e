"""Who is calling the integration API, and may they: Standard Webhooks signatures, clients,
scopes, and request replay.

Every request carries ``x-client-id`` and the Standard Webhooks headers ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">``, several space-separated during a secret rotation). Clients come
from the setting ``INTEGRATION_CLIENTS``::

    {"<client id>": {"secrets": ["whsec_…"], "agencies": ["<agency code>"], "scopes": ["dossiers"]}}

(``agencies`` empty or missing: every agency; ``scopes`` missing: ``["dossiers"]``).

:func:`authenticated` wraps a handler ``(request, client, *uri params) -> Response``:

1. 401 ``unknown_client`` / ``bad_signature`` / ``stale_timestamp`` (more than
   ``TOLERANCE_SECONDS`` away from now): the same HMAC work is done for an unknown client and
   every (secret, signature) pair is compared in constant time without stopping early, so the
   time taken tells nothing about which client ids or secrets exist;
2. 403 ``scope_not_allowed``;
3. the request becomes a job of :mod:`chalicelib.storage.idempotency`, key
   ``api:<client>:<sha256(webhook-id)>``: a webhook-id seen before answers the FIRST answer
   (status and body, header ``webhook-replayed: true``) and runs nothing; the same id with a
   different request is 409 ``webhook_id_reused``; one still running is 409
   ``request_in_progress``. An answer of 5xx is not kept (the job is released): the same
   request may be sent again. Job records live ``REPLAY_KEEP_DAYS``: a replay older than the
   timestamp tolerance is refused as stale before it reaches them.

Logs carry the client id, a hash of the webhook-id and the outcome, never the body.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.api.errors import ApiError
from chalicelib.api.http import json_response
from chalicelib.platform import log

TOLERANCE_SECONDS = 5 * 60
REPLAY_KEEP_DAYS = 1
MAX_SIGNATURES = 8  # bounded work per request, whatever the header holds
DEFAULT_SCOPES = ("dossiers",)
SCOPES = frozenset({"dossiers", "postal", "feedback", "ratings", "digest"})
CLIENT_HEADER = "x-client-id"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Compared against when the client is unknown, so that both paths do the same work.
_DUMMY_KEY = b"\x00" * 32

_clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Client:
    """A back-office client of the integration API."""

    id: str
    agencies: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset(DEFAULT_SCOPES)
    keys: tuple[bytes, ...] = field(default=(), repr=False)

    def serves(self, agency: str | None) -> bool:
        """Whether this client may see and change dossiers of ``agency`` (empty: all)."""
        return not self.agencies or (agency is not None and agency in self.agencies)


class _ClientConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secrets: list[str] = Field(min_length=1, max_length=4)
    agencies: list[str] = Field(default_factory=list)
    scopes: list[str] = Field(default_factory=lambda: list(DEFAULT_SCOPES))


def _secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (as ``standardwebhooks.Webhook`` reads it).
    Raises ValueError for anything else."""
    from standardwebhooks.webhooks import Webhook

    if not secret.startswith("whsec_"):
        raise ValueError("a secret is written whsec_<base64>")
    try:
        key: bytes = Webhook(secret)._whsecret
    except (binascii.Error, ValueError, Exception) as exc:
        raise ValueError("a secret is written whsec_<base64>") from exc
    if len(key) < 16:
        raise ValueError("a secret holds at least 16 bytes")
    return key


def parse_clients(raw: str) -> dict[str, Client]:
    """The clients of an ``INTEGRATION_CLIENTS`` value. Raises ConfigurationError naming the
    setting (never quoting a secret)."""
    from chalicelib.settings import ConfigurationError

    def bad(problem: str) -> ConfigurationError:
        return ConfigurationError("INTEGRATION_CLIENTS", problem)

    try:
        data = json.loads(raw or "{}")
    except ValueError:
        raise bad("is not JSON") from None
    if not isinstance(data, dict):
        raise bad("must be a JSON object of client id -> client")
    clients: dict[str, Client] = {}
    for client_id, entry in data.items():
        if not _CLIENT_ID.fullmatch(client_id):
            raise bad("client ids are 1-64 letters, digits, '.', '_' or '-'")
        try:
            config = _ClientConfig.model_validate(entry)
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise bad(f"client {client_id}: {where or 'entry'} is invalid") from None
        unknown = set(config.scopes) - SCOPES
        if unknown:
            raise bad(f"client {client_id}: unknown scope {sorted(unknown)[0]}")
        try:
            keys = tuple(_secret_key(s) for s in config.secrets)
        except ValueError as exc:
            raise bad(f"client {client_id}: {exc}") from None
        clients[client_id] = Client(
            id=client_id,
            agencies=frozenset(a.strip() for a in config.agencies if a.strip()),
            scopes=frozenset(config.scopes),
            keys=keys,
        )
    return clients


_parsed: tuple[str, dict[str, Client]] | None = None


def clients() -> dict[str, Client]:
    """The configured clients (parsed once per value of the setting)."""
    from chalicelib.settings import get_settings

    global _parsed
    raw = get_settings().INTEGRATION_CLIENTS.get_secret_value()
    if _parsed is None or _parsed[0] != raw:
        _parsed = (raw, parse_clients(raw))
    return _parsed[1]


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` header value of a request (the local back office and tests
    sign with it; ``standardwebhooks.Webhook.sign`` underneath)."""
    from standardwebhooks.webhooks import Webhook

    text = body.decode() if isinstance(body, bytes) else body
    stamp = datetime.fromtimestamp(timestamp, tz=UTC)
    return str(Webhook(secret).sign(msg_id=webhook_id, timestamp=stamp, data=text))


def _header(request: Any, name: str) -> str:
    headers = getattr(request, "headers", None) or {}
    return str(headers.get(name) or "").strip()


def _raw_body(request: Any) -> bytes:
    raw = getattr(request, "raw_body", b"") or b""
    return raw if isinstance(raw, bytes) else str(raw).encode()


def _refuse(status: int, code: str, message: str, client_id: str | None = None) -> ApiError:
    log.security("integration_refused", code=code, client=client_id or "-")
    log.metric("IntegrationRefused", code=code)
    return ApiError(status, code, message)


def _signatures(header: str) -> list[bytes]:
    """The v1 signatures of the header (others and malformed ones are ignored)."""
    found: list[bytes] = []
    for part in header.split(" ")[:MAX_SIGNATURES]:
        version, _, value = part.partition(",")
        if version != "v1" or not value:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def verify(request: Any) -> Client:
    """The client of a correctly signed, fresh request; raises ApiError (401) otherwise."""
    known = clients()
    client_id = _header(request, CLIENT_HEADER)
    webhook_id = _header(request, "webhook-id")
    stamp = _header(request, "webhook-timestamp")
    signature = _header(request, "webhook-signature")
    client = known.get(client_id)
    keys = client.keys if client is not None else (_DUMMY_KEY,)
    body = _raw_body(request)
    message = f"{webhook_id}.{stamp}.".encode() + body
    matched = False
    for key in keys:
        expected = hmac.new(key, message, hashlib.sha256).digest()
        for given in _signatures(signature) or [b""]:
            matched |= hmac.compare_digest(expected, given)
    if client is None:
        raise _refuse(401, "unknown_client", "Unknown client: send your client id in x-client-id.")
    if not (webhook_id and stamp and signature) or len(webhook_id) > 256:
        raise _refuse(
            401,
            "bad_signature",
            "Sign every request: webhook-id, webhook-timestamp and webhook-signature headers.",
            client.id,
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        matched = False
    if not matched or not _TIMESTAMP.fullmatch(stamp):
        raise _refuse(401, "bad_signature", "The signature does not match.", client.id)
    if abs(_clock() - int(stamp)) > TOLERANCE_SECONDS:
        raise _refuse(
            401,
            "stale_timestamp",
            f"webhook-timestamp is more than {TOLERANCE_SECONDS // 60} minutes from now.",
            client.id,
        )
    return client


def _query(request: Any) -> dict[str, Any]:
    """The query parameters as JSON-able values: Chalice hands a MultiDict (in Lambda and
    locally), which json cannot encode; every value of a repeated parameter is kept."""
    params = getattr(request, "query_params", None) or {}
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        return {str(k): list(getlist(k)) for k in params}
    return dict(params)


def _fingerprint(request: Any) -> str:
    """What makes two requests the same request (a webhook-id may not be reused for another)."""
    parts = [
        str(getattr(request, "method", "") or ""),
        json.dumps(getattr(request, "uri_params", None) or {}, sort_keys=True),
        json.dumps(_query(request), sort_keys=True),
    ]
    digest = hashlib.sha256("\n".join(parts).encode() + b"\n" + _raw_body(request))
    return digest.hexdigest()


def _replayed(result: Any, fingerprint: str, client: Client) -> Response:
    if not isinstance(result, dict) or result.get("fingerprint") != fingerprint:
        raise _refuse(
            409,
            "webhook_id_reused",
            "This webhook-id was used for another request: use a new id per request.",
            client.id,
        )
    log.info("integration_replayed", client=client.id, status=result.get("status"))
    return json_response(
        int(result["status"]), result.get("body"), headers={"webhook-replayed": "true"}
    )


def _body_value(response: Response) -> Any:
    body = response.body
    if isinstance(body, bytes):
        body = body.decode()
    if isinstance(body, str):
        try:
            return json.loads(body) if body else None
        except ValueError:
            return body
    return body


Handler = Callable[..., Response]


def _serve(scope: str | None, handler: Handler, request: Any, args: Any, kwargs: Any) -> Response:
    from chalicelib.storage.idempotency import AlreadyDone, InProgress, Jobs
    from chalicelib.storage.table import get_table

    client = verify(request)
    if scope is not None and scope not in client.scopes:
        raise _refuse(
            403, "scope_not_allowed", f"This client may not call the {scope} API.", client.id
        )
    webhook_hash = hashlib.sha256(_header(request, "webhook-id").encode()).hexdigest()
    fingerprint = _fingerprint(request)
    jobs = Jobs(get_table(), keep_days=REPLAY_KEEP_DAYS, lease_seconds=60)
    try:
        job = jobs.claim(f"api:{client.id}:{webhook_hash}")
    except AlreadyDone as done:
        return _replayed(done.result, fingerprint, client)
    except InProgress as busy:
        log.info("integration_in_progress", client=client.id)
        return json_response(
            409,
            ApiError(
                409,
                "request_in_progress",
                "This request is still being processed: send it again later.",
            ).body(),
            headers={"Retry-After": str(max(1, int(busy.retry_after)))},
        )
    with log.bound(client=client.id, webhook=webhook_hash[:16]):
        try:
            response = handler(request, client, *args, **kwargs)
        except ApiError as exc:
            response = json_response(exc.status, exc.body())
        except Exception:
            job.release()
            raise
        if response.status_code >= 500:
            job.release()
            return response
        job.finish(
            {
                "status": response.status_code,
                "body": _body_value(response),
                "fingerprint": fingerprint,
            }
        )
        log.info("integration_answered", status=response.status_code, scope=scope or "-")
    return response


def authenticated(scope: str | None = "dossiers") -> Callable[[Handler], Handler]:
    """Decorate a handler ``(request, client, *args) -> Response`` of the integration API:
    signature, client, scope (None: any client) and replay are checked first (module
    docstring); any exception becomes a JSON error with a stable code."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Response:
            from chalicelib.api.errors import to_response

            try:
                return _serve(scope, handler, request, args, kwargs)
            except Exception as exc:
                status, body = to_response(exc)
                return json_response(status, body)

        return wrapper

    return decorate
