"""Links to an electronic result that keep working for the citizen (30 days), unlike a
presigned URL (minutes): ``<PUBLIC_BASE_URL>/public/results/<token>``.

The token is ``<base64url of "code|key|expires">.<base64url HMAC-SHA256>`` keyed with
``RESULT_LINK_SECRET``: bound to the dossier and the result's key. ``GET /public/results/{token}``
checks it, checks that the dossier's result is still that key (one GetItem) and redirects (302)
to a fresh presigned GET of a few minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

LINK_DAYS = 30


@dataclass(frozen=True)
class ResultRef:
    code: str
    key: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ResultLinks:
    """Signs and checks result links (pure: no AWS call)."""

    def __init__(self, secret: str, base_url: str) -> None:
        if not secret:
            from chalicelib.settings import ConfigurationError

            raise ConfigurationError("RESULT_LINK_SECRET", "must be set to link electronic results")
        self._key = secret.encode()
        self._base = base_url.rstrip("/")

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def token(self, code: str, key: str, *, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + LINK_DAYS * 86400)
        payload = _b64(f"{code}|{key}|{expires}".encode())
        return f"{payload}.{self._mac(payload)}"

    def link(self, code: str, key: str, *, now: float | None = None) -> str:
        return f"{self._base}/public/results/{self.token(code, key, now=now)}"

    def check(self, token: str, *, now: float | None = None) -> ResultRef | None:
        """The reference a genuine, unexpired token carries; None otherwise."""
        payload, _, mac = token.partition(".")
        if not payload or not mac or len(token) > 1000:
            return None
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        try:
            code, key, expires = _unb64(payload).decode().split("|")
            ref = ResultRef(code, key, int(expires))
        except ValueError:
            return None
        if ref.expires < (time.time() if now is None else now):
            return None
        return ref
