"""The OA access token's lifecycle.

Zalo's refresh token is single use: every refresh returns a new pair and kills the old one.
Refreshing twice at once, or losing the new pair, breaks the integration until an operator
consents again. Hence:

- The pair lives in one item kept by :class:`chalicelib.storage.tokens.TokenStore` (layout
  there), with a refresh lease of the system's one lease mechanism.
- A refresh first takes the lease with a conditional write. Only the lease holder
  calls Zalo; anyone else waits briefly for the holder's result and never calls Zalo.
- The new pair is written (conditional on still holding the lease, or failing that on nobody
  having stored a newer pair) before it is returned or used.
- A failed refresh leaves the stored pair untouched (the old access token stays usable until it
  expires), logs an error and emits the ``TokenRefreshFailed`` metric, which has an alarm.

Tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from chalicelib.platform import log
from chalicelib.storage.tokens import TOKEN_PK, TOKEN_SK, LeaseTaken, StaleVersion, TokenStore

if TYPE_CHECKING:
    import requests

    from chalicelib.settings import Settings

__all__ = ["TOKEN_PK", "TOKEN_SK", "TokenManager", "TokenPair", "request_pair"]

PATH_ACCESS_TOKEN = "/v4/oa/access_token"  # noqa: S105

# A token this close to expiry is not handed out from memory: re-read or refresh instead.
CACHE_SKEW_SECONDS = 300
# How long a refresher that lost the lease race waits for the winner's result.
WAIT_ATTEMPTS = 10
WAIT_INTERVAL_SECONDS = 0.5


class TokenError(Exception):
    """Base of the token manager's errors. Messages never hold a token."""


class TokenMissing(TokenError):
    """No token pair is stored yet: an operator must run the consent flow."""


class RefreshInProgress(TokenError):
    """Another worker holds the refresh lease and has not stored its result yet."""


class TokenRefreshFailed(TokenError):
    """Zalo refused or did not answer the refresh; the previous pair is kept."""

    def __init__(self, reason: str, code: Any = None) -> None:
        super().__init__(f"token refresh failed: {reason}" + (f" ({code})" if code else ""))
        self.reason = reason
        self.code = code


class TokenPair(BaseModel):
    """What Zalo's OAuth endpoint returns. ``expires_in`` in seconds."""

    model_config = ConfigDict(frozen=True)

    access_token: str
    refresh_token: str
    expires_in: int

    def __repr__(self) -> str:  # never print tokens, even in a traceback
        return f"TokenPair(expires_in={self.expires_in})"

    __str__ = __repr__


def parse_expires_in(value: Any) -> int:
    """Zalo sends ``expires_in`` as a string of seconds (``"90000"``); accept ints too.

    Raises ValueError for anything that is not a positive whole number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expires_in is not a number")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and value.strip().isdigit():
        seconds = int(value.strip())
    else:
        raise ValueError("expires_in is not a whole number of seconds")
    if seconds <= 0:
        raise ValueError("expires_in must be positive")
    return seconds


def request_pair(
    settings: Settings, form: dict[str, str], session: requests.Session | None = None
) -> TokenPair:
    """POST ``form`` (plus ``app_id``) to Zalo's v4 OA access-token endpoint; the new pair.

    One attempt, no retry: a retried refresh could present a refresh token Zalo has already
    consumed. Raises TokenRefreshFailed with a reason and Zalo's error code if any."""
    import requests

    from chalicelib.zalo.http import http_session

    try:
        response = (session or http_session()).post(
            settings.ZALO_OAUTH_BASE.rstrip("/") + PATH_ACCESS_TOKEN,
            headers={"secret_key": settings.ZALO_APP_SECRET.get_secret_value()},
            data={"app_id": settings.ZALO_APP_ID, **form},
            timeout=(settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT),
        )
    except requests.RequestException as exc:
        raise TokenRefreshFailed("network", type(exc).__name__) from None
    if response.status_code != 200:
        raise TokenRefreshFailed("http", response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise TokenRefreshFailed("not_json") from None
    if not isinstance(body, dict):
        raise TokenRefreshFailed("not_json")
    error = body.get("error")
    if error not in (None, 0, "0") or not body.get("access_token") or not body.get("refresh_token"):
        raise TokenRefreshFailed("refused", error)
    try:
        expires_in = parse_expires_in(body.get("expires_in"))
    except ValueError:
        raise TokenRefreshFailed("bad_expires_in") from None
    return TokenPair(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]),
        expires_in=expires_in,
    )


class TokenManager:
    """Hands out the OA access token and refreshes it safely. One per container."""

    def __init__(
        self,
        store: TokenStore,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._session = session
        self._lock = threading.Lock()
        self._cached: dict[str, Any] | None = None

    # --- reading --------------------------------------------------------------------------

    def _read(self) -> dict[str, Any] | None:
        item = self._store.read()
        if item is not None:
            with self._lock:
                self._cached = item
        return item

    def get_access_token(self) -> str:
        """The current access token: from memory while it is far from expiry, else from the
        table (one GetItem), refreshing first if the stored one has already expired.

        Raises TokenMissing before the first consent; TokenRefreshFailed/RefreshInProgress
        only when the stored token has expired and could not be renewed."""
        now = self._clock()
        cached = self._cached
        if cached and float(cached["expires_at"]) - now > CACHE_SKEW_SECONDS:
            return str(cached["access_token"])
        item = self._read()
        if item is None:
            raise TokenMissing("no Zalo OA token stored: run the consent flow")
        if float(item["expires_at"]) <= now:
            return self.refresh("expired", replacing=str(item["access_token"]))
        return str(item["access_token"])

    # --- refreshing -----------------------------------------------------------------------

    def refresh(self, reason: str, *, replacing: str | None = None) -> str:
        """Refresh the pair under the lease; the new access token, already persisted.

        With ``replacing``, the refresh happens only while that access token is still the
        stored one; if someone replaced it meanwhile, the stored token is returned instead.
        A caller that finds the lease taken does not call Zalo: it waits up to a few seconds
        for the holder to store a new pair and returns that, or raises RefreshInProgress.
        Raises TokenMissing when nothing is stored, TokenRefreshFailed when Zalo refuses (the
        old pair is kept and an alarm metric is emitted)."""
        try:
            owner, item = self._store.take_refresh_lease(now=self._clock(), replacing=replacing)
        except LeaseTaken as taken:
            current = taken.current or {}
            if not current.get("refresh_token"):
                raise TokenMissing("no Zalo OA token stored: run the consent flow") from None
            if replacing is not None and current.get("access_token") != replacing:
                return str(current["access_token"])
            return self._wait_for_holder(int(current.get("version", 0)), reason)

        version = int(item.get("version", 0))
        try:
            pair = request_pair(
                self._settings,
                {"grant_type": "refresh_token", "refresh_token": str(item["refresh_token"])},
                self._session,
            )
        except TokenRefreshFailed as exc:
            self._release(owner)
            log.error("token_refresh_failed", reason=reason, cause=exc.reason, code=exc.code)
            log.metric("TokenRefreshFailed")
            raise
        stored = self._persist(pair, owner=owner, version=version)
        log.info("token_refreshed", reason=reason, version=stored["version"])
        log.metric("TokenRefreshed")
        return str(stored["access_token"])

    def _persist(self, pair: TokenPair, *, owner: str, version: int) -> dict[str, Any]:
        now = self._clock()
        try:
            # While the lease is held, or, if it ran out during a slow call: Zalo has already
            # killed the old pair, so this new one is the only valid one; keep it unless
            # someone stored a newer pair.
            item = self._store.store_refreshed(
                pair.access_token,
                pair.refresh_token,
                expires_at=int(now) + pair.expires_in,
                now=int(now),
                owner=owner,
                version=version,
            )
        except StaleVersion:
            log.error("token_refresh_conflict", version=version)
            log.metric("TokenRefreshFailed")
            raise TokenRefreshFailed("conflict") from None
        with self._lock:
            self._cached = item
        return item

    def _release(self, owner: str) -> None:
        self._store.release_lease(owner)

    def _wait_for_holder(self, seen_version: int, reason: str) -> str:
        log.info("token_refresh_already_running", reason=reason)
        for _ in range(WAIT_ATTEMPTS):
            self._sleep(WAIT_INTERVAL_SECONDS)
            item = self._read()
            if item and int(item.get("version", 0)) > seen_version:
                return str(item["access_token"])
            if item and not item.get("lease_until"):
                # The holder released the lease without a new pair: its refresh failed and it
                # has raised the alarm already. Do not try again right behind it.
                raise TokenRefreshFailed("concurrent_refresh_failed")
        raise RefreshInProgress("the Zalo OA token is already being refreshed")

    def refresh_after_rejection(self, rejected_token: str) -> str:
        """Zalo rejected ``rejected_token`` (-216/-220). If the stored token differs, another
        container refreshed already: use it. Otherwise refresh. Raises as :meth:`refresh`."""
        item = self._read()
        if item is None:
            raise TokenMissing("no Zalo OA token stored: run the consent flow")
        if str(item["access_token"]) != rejected_token:
            return str(item["access_token"])
        return self.refresh("rejected", replacing=rejected_token)

    def refresh_if_due(self) -> str:
        """The scheduled refresh: renew when expiry is within TOKEN_REFRESH_MARGIN_MINUTES.

        Returns ``"refreshed"``, ``"not_due"``, ``"no_token"`` (nothing stored yet: logged,
        no call), ``"in_progress"`` or ``"failed"`` (already alarmed). Never raises for these
        outcomes, so a failure is counted once by the metric and not again as a Lambda error."""
        item = self._read()
        if item is None:
            log.info("token_refresh_skipped", reason="no_token")
            return "no_token"
        margin = self._settings.TOKEN_REFRESH_MARGIN_MINUTES * 60
        remaining = float(item["expires_at"]) - self._clock()
        if remaining > margin:
            log.info("token_refresh_not_due", remaining_seconds=int(remaining))
            return "not_due"
        try:
            self.refresh("scheduled")
        except RefreshInProgress:
            return "in_progress"
        except TokenRefreshFailed:
            return "failed"
        return "refreshed"

    # --- storing the first pair ---------------------------------------------------------------

    def store_initial_pair(self, access_token: str, refresh_token: str, expires_in: Any) -> None:
        """Store a pair obtained by consent (or seeded by the local runner), replacing any
        previous one and any stale lease. ``expires_in`` may be Zalo's string. One UpdateItem."""
        seconds = parse_expires_in(expires_in)
        if not access_token or not refresh_token:
            raise ValueError("access_token and refresh_token must be non-empty")
        now = self._clock()
        item = self._store.store_initial(
            access_token, refresh_token, expires_at=int(now) + seconds, now=int(now)
        )
        with self._lock:
            self._cached = item
        log.info("token_pair_stored", version=item.get("version"))
