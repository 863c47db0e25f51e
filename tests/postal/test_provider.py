"""The provider adapter alone: the request it sends, refusals, and the invocation's deadline."""

from __future__ import annotations

import json

import pytest
import responses

from chalicelib.platform.deadline import Deadline, scope
from chalicelib.postal.provider import (
    BookingRequest,
    Party,
    PostalProvider,
    ProviderRejected,
    ProviderUnavailable,
)

BASE = "https://postal.example"
CITIZEN = Party(
    "Nguyễn Văn An",
    "+84912345678",
    "12, Khóm 3, Phường An Xuyên",
    "tỉnh Cà Mau",
    "Phường An Xuyên",
    "32002",
)
AGENCY = Party("UBND phường An Xuyên", "", "UBND phường An Xuyên", "tỉnh Cà Mau", "")
REQUEST = BookingRequest(
    "000.00.17.H12-261126-0007-PICKUP", "pickup", CITIZEN, AGENCY, pickup_date="2026-11-30"
)


def _provider(**kwargs) -> PostalProvider:
    return PostalProvider(BASE, "CAMAU", "key-1", sleep=lambda s: None, **kwargs)


@responses.activate
def test_a_booking_sends_the_reference_fields_with_the_order_number_as_idempotency_key() -> None:
    responses.post(f"{BASE}/orders", json={"tracking_number": "EB123VN"})
    booking = _provider().book(REQUEST)
    assert booking.tracking_number == "EB123VN"
    sent = responses.calls[0].request
    body = json.loads(sent.body)
    assert sent.headers["Idempotency-Key"] == REQUEST.order_number
    assert sent.headers["Authorization"] == "Bearer key-1"
    assert body["customer_code"] == "CAMAU" and body["order_number"] == REQUEST.order_number
    assert (
        body["sender"]["commune"] == "Phường An Xuyên" and body["receiver"]["name"] == AGENCY.name
    )
    assert body["cod_amount"] == 0 and body["pickup_date"] == "2026-11-30"


@responses.activate
def test_a_refusal_is_not_retried() -> None:
    responses.post(f"{BASE}/orders", status=422, json={"code": "bad_address"})
    with pytest.raises(ProviderRejected) as refused:
        _provider().book(REQUEST)
    assert refused.value.code == "bad_address" and len(responses.calls) == 1


@responses.activate
def test_a_conflict_means_the_order_exists_and_is_looked_up() -> None:
    responses.post(f"{BASE}/orders", status=409, json={"code": "duplicate"})
    responses.get(
        f"{BASE}/orders/000.00.17.H12-261126-0007-PICKUP", json={"tracking_number": "EB9VN"}
    )
    assert _provider().book(REQUEST).tracking_number == "EB9VN"


@responses.activate
def test_an_answer_without_tracking_number_is_not_a_booking() -> None:
    responses.post(f"{BASE}/orders", json={})
    with pytest.raises(ProviderUnavailable):
        _provider(max_retries=0).book(REQUEST)


@responses.activate
def test_no_attempt_starts_past_the_invocations_deadline() -> None:
    responses.post(f"{BASE}/orders", json={"tracking_number": "EB1VN"})
    clock = {"now": 100.0}
    with scope(Deadline(101.0, lambda: clock["now"])), pytest.raises(ProviderUnavailable):
        _provider().book(REQUEST)
    assert len(responses.calls) == 0


@responses.activate
def test_each_attempt_waits_at_most_the_time_left() -> None:
    seen = []

    def answer(request):
        seen.append(request.req_kwargs["timeout"])
        return 200, {}, json.dumps({"tracking_number": "EB1VN"})

    responses.add_callback(responses.POST, f"{BASE}/orders", callback=answer)
    clock = {"now": 0.0}
    with scope(Deadline(8.0, lambda: clock["now"])):
        _provider(connect_timeout=3.0, read_timeout=10.0).book(REQUEST)
    assert seen == [(3.0, 5.0)]
