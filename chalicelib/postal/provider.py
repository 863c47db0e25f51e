"""The postal provider's booking API: a JSON HTTP API at ``POSTAL_API_BASE`` (through the
provincial integration platform; no public VNPost API exists, docs/operations.md).

- ``POST /orders`` with header ``Idempotency-Key: <order number>`` books an order: customer code,
  order number (= dossier code + leg), service, sender and receiver (name, phone, address,
  province, commune), cash-on-delivery amount; the answer carries the ``tracking_number``.
- ``GET /orders/<order number>``: the order, or 404 when the provider does not have it.
- ``POST /orders/<order number>/cancel``: cancel it (404: never booked, nothing to cancel).

Timeouts on every call (``POSTAL_CONNECT_TIMEOUT``/``POSTAL_READ_TIMEOUT``), retries with a
growing backoff on network errors, 5xx and 429 (``POSTAL_MAX_RETRIES``), all within the
invocation's deadline (:mod:`chalicelib.platform.deadline`). A booking whose answer never came
(read timeout) may have been accepted: before posting again the adapter looks the order up by its
number and returns it when found, so an order is booked once (the idempotency key protects the
provider side too). ``requests`` is imported on first use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chalicelib.platform import deadline, log

if TYPE_CHECKING:
    import requests

# An attempt is not started with less than this left before the deadline (besides connecting).
MIN_ATTEMPT_SECONDS = 2.0
BACKOFF_SECONDS = (0.5, 2.0, 5.0)


class ProviderError(Exception):
    """The provider could not book, find or cancel an order."""


class ProviderUnavailable(ProviderError):
    """Network errors, timeouts, 5xx or 429 persisted through the retries (retry later)."""


class ProviderRejected(ProviderError):
    """The provider refused the request (4xx other than 404/409/429): retrying cannot help."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"postal provider refused the order: HTTP {status} {code}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Party:
    """A sender or receiver as the provider takes it."""

    name: str
    phone: str
    address: str
    province: str
    commune: str
    commune_code: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "phone": self.phone,
            "address": self.address,
            "province": self.province,
            "commune": self.commune,
            "commune_code": self.commune_code,
        }


@dataclass(frozen=True)
class BookingRequest:
    order_number: str
    service: str  # "pickup" | "delivery"
    sender: Party
    receiver: Party
    cod_amount: int = 0
    pickup_date: str | None = None  # ISO date
    note: str = ""


@dataclass(frozen=True)
class Booking:
    order_number: str
    tracking_number: str


class PostalProvider:
    """The provider client (one per container, :func:`chalicelib.postal.service.get_provider`)."""

    def __init__(
        self,
        base_url: str,
        customer_code: str,
        api_key: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_retries: int = 2,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._customer = customer_code
        self._key = api_key
        self._timeout = (connect_timeout, read_timeout)
        self._retries = max_retries
        self._session = session
        self._sleep = sleep

    # --- the three calls ---------------------------------------------------------------------
    def book(self, request: BookingRequest) -> Booking:
        """Book ``request`` once. Raises ProviderUnavailable, ProviderRejected."""
        body = {
            "customer_code": self._customer,
            "order_number": request.order_number,
            "service": request.service,
            "sender": request.sender.as_json(),
            "receiver": request.receiver.as_json(),
            "cod_amount": request.cod_amount,
            "pickup_date": request.pickup_date,
            "note": request.note,
        }
        maybe_accepted = False
        for attempt in range(self._retries + 1):
            if maybe_accepted:
                found = self.find(request.order_number)
                if found is not None:
                    log.info("postal_booking_found_after_timeout", attempt=attempt)
                    return found
            outcome = self._call(
                "POST",
                "/orders",
                body,
                headers={"Idempotency-Key": request.order_number},
                attempt=attempt,
            )
            if isinstance(outcome, _Timeout):
                maybe_accepted = True
                continue
            if outcome is None:
                continue
            status, data = outcome
            if 200 <= status < 300:
                return _booking(request.order_number, data)
            if status == 409:  # the key was used before: the order exists
                found = self.find(request.order_number)
                if found is not None:
                    return found
                continue
            raise ProviderRejected(status, str(data.get("code") or data.get("error") or ""))
        if maybe_accepted:
            found = self.find(request.order_number)
            if found is not None:
                return found
        raise ProviderUnavailable("postal provider unavailable")

    def find(self, order_number: str) -> Booking | None:
        """The provider's order by number, None when it has none. Raises ProviderUnavailable."""
        for attempt in range(self._retries + 1):
            outcome = self._call("GET", f"/orders/{quote(order_number, safe='')}", attempt=attempt)
            if outcome is None or isinstance(outcome, _Timeout):
                continue
            status, data = outcome
            if status == 404:
                return None
            if 200 <= status < 300:
                return _booking(order_number, data)
            raise ProviderRejected(status, str(data.get("code") or ""))
        raise ProviderUnavailable("postal provider unavailable")

    def cancel(self, order_number: str) -> bool:
        """Cancel the order; False when the provider never had it. Raises ProviderUnavailable,
        ProviderRejected (e.g. 409: already picked up)."""
        path = f"/orders/{quote(order_number, safe='')}/cancel"
        for attempt in range(self._retries + 1):
            outcome = self._call("POST", path, {"customer_code": self._customer}, attempt=attempt)
            if outcome is None or isinstance(outcome, _Timeout):
                continue
            status, data = outcome
            if status == 404:
                return False
            if 200 <= status < 300:
                return True
            raise ProviderRejected(status, str(data.get("code") or ""))
        raise ProviderUnavailable("postal provider unavailable")

    # --- one HTTP attempt ------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        attempt: int,
    ) -> tuple[int, dict[str, Any]] | _Timeout | None:
        """One attempt (after the backoff of ``attempt``): (status, JSON body) for an answer
        that is not 5xx/429, :class:`_Timeout` when the answer did not come (the request may
        have been processed), None for a failure before or without processing (retry).
        Raises ProviderUnavailable when the deadline leaves no time for the attempt."""
        import requests

        if attempt:
            self._wait(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1])
        timeout = self._attempt_timeout()
        session = self._session or _session()
        try:
            response = session.request(
                method,
                self._base + path,
                json=body,
                headers={
                    "Authorization": f"Bearer {self._key}",
                    "Accept": "application/json",
                    **(headers or {}),
                },
                timeout=timeout,
            )
        except requests.exceptions.ConnectTimeout:
            log.warning("postal_provider_retry", reason="connect_timeout", attempt=attempt)
            return None
        except requests.exceptions.Timeout:  # the read timed out: maybe processed
            log.warning("postal_provider_retry", reason="read_timeout", attempt=attempt)
            return _Timeout()
        except requests.exceptions.RequestException as exc:
            log.warning("postal_provider_retry", reason=type(exc).__name__, attempt=attempt)
            return None
        if response.status_code >= 500 or response.status_code == 429:
            log.warning("postal_provider_retry", reason=f"http_{response.status_code}")
            return None
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {}
        return response.status_code, data if isinstance(data, dict) else {}

    def _attempt_timeout(self) -> tuple[float, float]:
        limit = deadline.current()
        if limit is None:
            return self._timeout
        left = limit.remaining() - self._timeout[0]
        if left < MIN_ATTEMPT_SECONDS:
            raise ProviderUnavailable("deadline reached before the postal provider answered")
        return self._timeout[0], min(self._timeout[1], left)

    def _wait(self, seconds: float) -> None:
        limit = deadline.current()
        if (
            limit is not None
            and limit.remaining() - seconds - self._timeout[0] < MIN_ATTEMPT_SECONDS
        ):
            raise ProviderUnavailable("deadline reached during the postal provider's backoff")
        self._sleep(seconds)


class _Timeout:
    """No answer came: the request may have been processed."""


def _booking(order_number: str, data: dict[str, Any]) -> Booking:
    tracking = str(data.get("tracking_number") or "").strip()
    if not tracking:
        raise ProviderUnavailable("postal provider answered without a tracking number")
    return Booking(
        order_number=str(data.get("order_number") or order_number), tracking_number=tracking
    )


def _session() -> requests.Session:
    from chalicelib.zalo.http import http_session

    return http_session()
