"""The one client of Zalo's OA Open API (us -> Zalo), on ``requests``.

Guarantees:

- Every answer is checked for ``error`` != 0, HTTP 200 included (Zalo reports failures there).
- Transient failures (network errors, HTTP 5xx/429, error -32 rate limited) are retried up to
  ``HTTP_MAX_RETRIES`` times with exponential backoff and jitter. A send retried after a read
  timeout may therefore reach the citizen twice: Zalo has no idempotency key for
  ``message/cs``; delivering twice is preferred over losing a notice.
- A rejected token (-216 invalid, -220 expired; -124 on the phone-template API) makes the client
  ask the token manager for a fresh token once and retry once; a second rejection raises
  :class:`TokenRejected`.
- -230/-232 (user outside the messaging window) raise :class:`OutsideWindow`; -201 (invalid
  parameter) raises :class:`InvalidRequest` and is never retried; any other code raises
  :class:`ZaloApiError`; exhausted retries raise :class:`ZaloUnavailable`.
- Tokens, message contents and phone numbers are never logged.

One ``requests.Session`` per container (:func:`chalicelib.zalo.http.http_session`), shared
with the OAuth calls of :mod:`chalicelib.zalo.tokens`; the client is built by the composition
root (:mod:`chalicelib.root`). ``requests`` is imported on first use: this module is off the
webhook path, but stays cheap to import anyway.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.platform import deadline, log
from chalicelib.zalo.http import http_session

if TYPE_CHECKING:
    import requests

    from chalicelib.settings import Settings

RATE_LIMITED = -32
INVALID_PARAMETER = -201
TOKEN_INVALID = -216
TOKEN_EXPIRED = -220
OUTSIDE_WINDOW = frozenset({-230, -232})
OA_TOKEN_ERRORS = frozenset({TOKEN_INVALID, TOKEN_EXPIRED})
PHONE_TOKEN_ERRORS = OA_TOKEN_ERRORS | {-124}  # the phone-template API has its own code

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# An attempt is not started with less than this left before the deadline (besides the connect
# timeout): it could not get an answer in time anyway.
MIN_ATTEMPT_SECONDS = 1.0

PATH_MESSAGE_CS = "/v3.0/oa/message/cs"
PATH_TEMPLATE_USER = "/v3.0/oa/message/template"
PATH_TEMPLATE_PHONE = "/message/template"  # under ZALO_TEMPLATE_API_BASE
PATH_UPLOAD_FILE = "/v2.0/oa/upload/file"


class ZaloApiError(Exception):
    """Zalo refused the request. ``code`` is Zalo's ``error`` (None for HTTP/transport
    failures), ``http_status`` the HTTP status when it was not 200. The message is Zalo's own
    text, which never holds our secrets."""

    def __init__(self, code: int | None, message: str, *, http_status: int | None = None) -> None:
        super().__init__(f"zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


class OutsideWindow(ZaloApiError):
    """-230/-232: the user has not interacted within the window; only templates reach them."""


class InvalidRequest(ZaloApiError):
    """-201: a parameter is invalid. Retrying cannot help."""


class TokenRejected(ZaloApiError):
    """The token was rejected again right after a refresh."""


class ZaloUnavailable(ZaloApiError):
    """Network errors, HTTP 5xx or rate limiting persisted through every retry."""


class DeadlineExceeded(ZaloUnavailable):
    """Too little time was left before the invocation's deadline for (another) attempt."""


class TokenSource(Protocol):
    """What the client needs from the token manager (:mod:`chalicelib.zalo.tokens`)."""

    def get_access_token(self) -> str: ...

    def refresh_after_rejection(self, rejected_token: str) -> str: ...


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ZaloClient:
    """Sends messages and uploads files as the OA. Thread-safe as far as ``requests`` is."""

    def __init__(
        self,
        settings: Settings,
        tokens: TokenSource,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._session = session
        self._sleep = sleep
        self._jitter = jitter

    # --- public API ------------------------------------------------------------------------

    def send_message(self, user_id: str, message: dict[str, Any]) -> str:
        """Send a consultation message (see :mod:`chalicelib.zalo.messages`); its message id.

        Raises OutsideWindow, InvalidRequest, ZaloApiError, ZaloUnavailable."""
        data = self._call(
            "message_cs",
            self._settings.ZALO_API_BASE + PATH_MESSAGE_CS,
            json={"recipient": {"user_id": user_id}, "message": message},
        )
        return str(data.get("message_id") or data.get("msg_id") or "")

    def send_template_to_user(self, user_id: str, template_id: str, data: dict[str, Any]) -> str:
        """Send an approved template message to an OA user id (works outside the window)."""
        answer = self._call(
            "template_user",
            self._settings.ZALO_API_BASE + PATH_TEMPLATE_USER,
            json={"user_id": user_id, "template_id": template_id, "template_data": data},
        )
        return str(answer.get("message_id") or answer.get("msg_id") or "")

    def send_template_to_phone(
        self, phone_84: str, template_id: str, data: dict[str, Any], tracking_id: str
    ) -> str:
        """Send an approved template message to a phone number written ``84...``.

        ``tracking_id`` is ours (Zalo echoes it in delivery reports). Raises ValueError for a
        phone not in the ``84...`` form, before any call."""
        from chalicelib.domain.identity import normalize_mobile

        if not phone_84.isdigit() or normalize_mobile(phone_84) != "+" + phone_84:
            raise ValueError("phone must be a Vietnamese mobile number written 84...")
        body: dict[str, Any] = {
            "phone": phone_84,
            "template_id": template_id,
            "template_data": data,
            "tracking_id": tracking_id,
        }
        if self._settings.ZALO_TEMPLATE_MODE == "development":
            body["mode"] = "development"  # delivered to the OA's admins only
        answer = self._call(
            "template_phone",
            self._settings.ZALO_TEMPLATE_API_BASE.rstrip("/") + PATH_TEMPLATE_PHONE,
            json=body,
            token_errors=PHONE_TOKEN_ERRORS,
        )
        return str(answer.get("msg_id") or answer.get("message_id") or "")

    def upload_file(self, content: bytes, filename: str, content_type: str) -> str:
        """Upload a file (PDF/DOC/DOCX, about 5 MB at most); the token for a file message."""
        data = self._call(
            "upload_file",
            self._settings.ZALO_API_BASE + PATH_UPLOAD_FILE,
            files={"file": (filename, content, content_type)},
        )
        token = data.get("token")
        if not token:
            raise ZaloApiError(None, "upload answered without a token")
        return str(token)

    # --- the one request loop --------------------------------------------------------------

    def _delay(self, attempt: int) -> float:
        # Equal jitter: half fixed, half random, so that retries from many containers spread
        # out while each retry still waits noticeably longer than the previous one.
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2**attempt))
        return float(ceiling / 2 + ceiling / 2 * self._jitter())

    def _call(
        self,
        endpoint: str,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        token_errors: frozenset[int] = OA_TOKEN_ERRORS,
    ) -> dict[str, Any]:
        import requests

        session = self._session or http_session()
        timeout = (self._settings.HTTP_CONNECT_TIMEOUT, self._settings.HTTP_READ_TIMEOUT)
        max_retries = self._settings.HTTP_MAX_RETRIES
        token = self._tokens.get_access_token()
        refreshed = False
        retries = 0

        limit = deadline.current()

        def out_of_time(reason: str) -> DeadlineExceeded:
            log.warning("zalo_api_out_of_time", endpoint=endpoint, reason=reason, retries=retries)
            log.metric("ZaloApiOutOfTime", endpoint=endpoint)
            return DeadlineExceeded(None, f"deadline reached ({reason})")

        def attempt_timeout() -> tuple[float, float]:
            if limit is None:
                return timeout
            left = limit.remaining() - timeout[0]
            if left < MIN_ATTEMPT_SECONDS:
                raise out_of_time("before_attempt")
            return timeout[0], min(timeout[1], left)

        def retry_or_raise(reason: str, error: ZaloApiError) -> None:
            nonlocal retries
            if retries >= max_retries:
                log.error("zalo_api_gave_up", endpoint=endpoint, reason=reason, retries=retries)
                log.metric("ZaloApiUnavailable", endpoint=endpoint)
                raise error
            delay = self._delay(retries)
            if limit is not None and limit.remaining() - delay - timeout[0] < MIN_ATTEMPT_SECONDS:
                raise out_of_time(reason) from error
            retries += 1
            log.warning("zalo_api_retry", endpoint=endpoint, reason=reason, attempt=retries)
            self._sleep(delay)

        while True:
            try:
                # Never redirected: requests would carry the access_token header elsewhere.
                response = session.post(
                    url,
                    headers={"access_token": token},
                    json=json,
                    files=files,
                    timeout=attempt_timeout(),
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                retry_or_raise(
                    type(exc).__name__, ZaloUnavailable(None, f"network: {type(exc).__name__}")
                )
                continue
            status = response.status_code
            if status >= 500 or status == 429:
                retry_or_raise(
                    f"http_{status}", ZaloUnavailable(None, f"http {status}", http_status=status)
                )
                continue
            if status != 200:
                raise ZaloApiError(None, f"http {status}", http_status=status)
            try:
                body = response.json()
            except ValueError:
                raise ZaloApiError(None, "answer is not JSON") from None
            if not isinstance(body, dict):
                raise ZaloApiError(None, "answer is not a JSON object")
            code = _int_or_none(body.get("error", 0))
            if code is None:
                raise ZaloApiError(None, "answer has a non-numeric error field")
            if code == 0:
                data = body.get("data")
                return data if isinstance(data, dict) else {}
            message = str(body.get("message") or "")
            if code in token_errors:
                if refreshed:
                    log.error("zalo_token_rejected_after_refresh", endpoint=endpoint, code=code)
                    raise TokenRejected(code, message)
                log.warning("zalo_token_rejected", endpoint=endpoint, code=code)
                token = self._tokens.refresh_after_rejection(token)
                refreshed = True
                continue
            if code == RATE_LIMITED:
                retry_or_raise("rate_limited", ZaloUnavailable(code, message))
                continue
            if code in OUTSIDE_WINDOW:
                raise OutsideWindow(code, message)
            if code == INVALID_PARAMETER:
                log.error("zalo_invalid_request", endpoint=endpoint, code=code)
                raise InvalidRequest(code, message)
            log.warning("zalo_api_error", endpoint=endpoint, code=code)
            raise ZaloApiError(code, message)
