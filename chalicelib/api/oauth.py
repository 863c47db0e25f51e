"""The operator-only consent flow that gives the system its first OA token pair.

``GET /zalo/oauth/start`` (header ``X-Operator-Secret``) answers 302 to Zalo's consent page
with a PKCE S256 challenge and a random ``state``; Zalo sends the OA admin's browser back to
``GET /zalo/oauth/callback?code=..&state=..&oa_id=..``, which exchanges the code with the
stored verifier and stores the pair through the token manager.

Guarantees: the flow is off while OPERATOR_SECRET is empty; the operator secret is compared in
constant time; a ``state`` is valid for 10 minutes and only once (conditional delete); when
ZALO_OA_ID is set, only a consent given for that Official Account is accepted (another or a
missing ``oa_id`` is refused before the code is exchanged, and nothing is stored; the state is
spent, so the operator starts again); while ZALO_OA_ID is empty any OA is accepted, with a
warning in the log; every failure is a JSON error with a stable code (``flow_disabled``,
``forbidden``, ``not_configured``, ``invalid_request``, ``invalid_state``,
``wrong_official_account``, ``exchange_failed``); no secret, verifier, code or token is ever
logged or answered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalicelib.api.errors import ApiError
from chalicelib.api.http import guarded
from chalicelib.platform import log

STATE_TTL_SECONDS = 600
OPERATOR_HEADER = "x-operator-secret"
PATH_PERMISSION = "/v4/oa/permission"

_clock: Callable[[], float] = time.time


def code_challenge(verifier: str) -> str:
    """The PKCE S256 challenge: base64url(sha256(verifier)) without padding (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_verifier() -> str:
    """A PKCE code verifier: 86 characters from the unreserved set (RFC 7636 wants 43-128)."""
    return secrets.token_urlsafe(64)


def _header(request: Any, name: str) -> str:
    headers = getattr(request, "headers", None) or {}
    value = headers.get(name)
    if value is None:  # plain dicts (tests, local runner) are case-sensitive
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value or ""


def _require_operator(request: Any) -> None:
    from chalicelib.settings import get_settings

    expected = get_settings().OPERATOR_SECRET.get_secret_value()
    if not expected:
        log.security("oauth_start_rejected", reason="flow_disabled")
        raise ApiError(403, "flow_disabled", "The consent flow is disabled.")
    given = _header(request, OPERATOR_HEADER)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        log.security("oauth_start_rejected", reason="bad_operator_secret" if given else "missing")
        raise ApiError(403, "forbidden", "Operator secret required.")


@guarded
def start(request: Any) -> Any:
    """``GET /zalo/oauth/start``: 302 to Zalo's consent page (one PutItem)."""
    from chalice.app import Response

    from chalicelib.root import get_oauth_states
    from chalicelib.settings import get_settings

    _require_operator(request)
    settings = get_settings()
    if not settings.ZALO_OAUTH_REDIRECT_URI:
        raise ApiError(503, "not_configured", "ZALO_OAUTH_REDIRECT_URI is not set.")
    verifier = new_verifier()
    state = secrets.token_urlsafe(24)
    now = _clock()
    get_oauth_states().put(state, verifier, expires_at=int(now) + STATE_TTL_SECONDS)
    query = urlencode(
        {
            "app_id": settings.ZALO_APP_ID,
            "redirect_uri": settings.ZALO_OAUTH_REDIRECT_URI,
            "code_challenge": code_challenge(verifier),
            "state": state,
        }
    )
    log.info("oauth_consent_started")
    location = f"{settings.ZALO_OAUTH_BASE.rstrip('/')}{PATH_PERMISSION}?{query}"
    return Response(body="", status_code=302, headers={"Location": location})


def _check_official_account(expected: str, given: str) -> None:
    """Refuse a consent given for another OA than ZALO_OA_ID. Raises ApiError
    wrong_official_account; accepts anything (with a warning) while ZALO_OA_ID is empty."""
    if not expected:
        log.warning("oauth_oa_id_not_checked", reason="ZALO_OA_ID is not set")
        return
    if given != expected:  # an OA id is public, not a secret: no constant-time compare
        # OA ids identify organisations, not people: the operator needs to see which one.
        log.security("oauth_callback_rejected", reason="wrong_official_account", oa_id=given[:32])
        raise ApiError(
            400,
            "wrong_official_account",
            "Consent was given for another Official Account; start again and choose the "
            "configured one.",
        )


def _take_state(state: str) -> str:
    """The verifier stored for ``state``, consuming it. Raises ApiError invalid_state."""
    from chalicelib.root import get_oauth_states

    # Only one caller can take it: this is what makes a state single use.
    taken = get_oauth_states().take(state)
    if taken is None:
        raise ApiError(400, "invalid_state", "Unknown or already used state.")
    verifier, expires_at = taken
    # DynamoDB's TTL deletes late (up to days), so expiry is checked here.
    if expires_at <= _clock():
        raise ApiError(400, "invalid_state", "The consent request has expired; start again.")
    return verifier


@guarded
def callback(request: Any) -> Any:
    """``GET /zalo/oauth/callback``: check the state and the OA, exchange the code, store the
    pair, 200 JSON.

    Costs a GetItem, a DeleteItem, one OAuth call and one UpdateItem (a refused OA: the
    GetItem and DeleteItem only)."""
    from chalicelib.root import get_token_manager
    from chalicelib.settings import get_settings
    from chalicelib.zalo.tokens import TokenRefreshFailed, request_pair

    params = getattr(request, "query_params", None) or {}
    state = params.get("state") or ""
    code = params.get("code") or ""
    if not state:
        log.security("oauth_callback_rejected", reason="no_state")
        raise ApiError(400, "invalid_state", "Missing state.")
    verifier = _take_state(state)
    if not code:
        log.warning("oauth_callback_rejected", reason="no_code")
        raise ApiError(400, "invalid_request", "Missing code: consent was not given.")
    settings = get_settings()
    _check_official_account(settings.ZALO_OA_ID, params.get("oa_id") or "")
    try:
        pair = request_pair(
            settings,
            {"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
        )
    except TokenRefreshFailed as exc:
        log.error("oauth_exchange_failed", cause=exc.reason, code=exc.code)
        log.metric("TokenRefreshFailed")
        raise ApiError(502, "exchange_failed", "Zalo did not issue a token; start again.") from None
    get_token_manager().store_initial_pair(pair.access_token, pair.refresh_token, pair.expires_in)
    log.info("oauth_consent_completed", oa_id=params.get("oa_id"))
    return 200, {"status": "connected", "message": "The Zalo OA is connected."}
