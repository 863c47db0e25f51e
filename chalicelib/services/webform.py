"""The web form's signed links and upload tickets (pure: HMAC over the settings' secret).

A form link ``<PUBLIC_BASE_URL>/form/<token>`` carries a token bound to one Zalo user and one
procedure, valid :data:`LINK_MINUTES` minutes. Its ``nonce`` is the submission id of the dossier
the form creates (so a form posted twice gives one dossier) and the key of the storage item that
makes the link usable once (:class:`chalicelib.storage.form_tokens.FormTokens`).

Token: ``base64url(json payload) "." base64url(HMAC-SHA256(WEBFORM_SECRET, payload))``. An upload
ticket binds one uploaded S3 key to one token, so a form can only submit files uploaded through
its own link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

LINK_MINUTES = 30


@dataclass(frozen=True)
class FormToken:
    """What a valid token says."""

    user_id: str
    procedure_code: str
    expires_at: int  # epoch seconds
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def sign_token(secret: str, user_id: str, procedure_code: str, now: datetime) -> str:
    """A token for ``user_id`` and ``procedure_code`` expiring :data:`LINK_MINUTES` after ``now``
    (aware). Deterministic: the nonce is derived from the inputs."""
    if not secret:
        raise ValueError("a secret is required")
    expires = int((now + timedelta(minutes=LINK_MINUTES)).timestamp())
    nonce = _mac(secret, f"nonce|{user_id}|{procedure_code}|{now.isoformat()}".encode()).hex()[:32]
    payload = json.dumps(
        {"u": user_id, "p": procedure_code, "e": expires, "n": nonce}, separators=(",", ":")
    ).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def read_token(secret: str, token: str, now: datetime) -> FormToken | None:
    """The token's content when its signature is ours and it has not expired; else None."""
    if not secret or not token or token.count(".") != 1 or len(token) > 1000:
        return None
    body, signature = token.split(".")
    try:
        payload = _unb64(body)
        given = _unb64(signature)
    except (ValueError, TypeError):
        return None
    if not hmac.compare_digest(given, _mac(secret, payload)):
        return None
    try:
        data = json.loads(payload)
        found = FormToken(str(data["u"]), str(data["p"]), int(data["e"]), str(data["n"]))
    except (ValueError, KeyError, TypeError):
        return None
    if now.timestamp() >= found.expires_at:
        return None
    return found


def upload_ticket(secret: str, nonce: str, key: str) -> str:
    """The proof that ``key`` was handed out to the form of ``nonce``."""
    return _b64(_mac(secret, f"upload|{nonce}|{key}".encode()))[:32]


def valid_ticket(secret: str, nonce: str, key: str, ticket: str) -> bool:
    return hmac.compare_digest(upload_ticket(secret, nonce, key), ticket)


def form_link(user_id: str, procedure_code: str, now: datetime) -> str:
    """The signed form link the chat offers with an ``oa.open.url`` button (settings:
    ``WEBFORM_SECRET``, ``PUBLIC_BASE_URL``). Raises ConfigurationError when either is unset."""
    from chalicelib.settings import ConfigurationError, get_settings

    settings = get_settings()
    secret = settings.WEBFORM_SECRET.get_secret_value()
    if not secret:
        raise ConfigurationError("WEBFORM_SECRET", "missing (form links are signed with it)")
    if not settings.PUBLIC_BASE_URL:
        raise ConfigurationError("PUBLIC_BASE_URL", "missing (form links point to it)")
    token = sign_token(secret, user_id, procedure_code, now)
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/form/{token}"
