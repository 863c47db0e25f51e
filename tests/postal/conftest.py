"""Postal fixtures: moto AWS, a registered order, the provider mocked with ``responses``, the
postal queue read like Lambda's event source mapping reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
import responses

from tests.conftest import TEST_ENV

BASE = TEST_ENV["POSTAL_API_BASE"]
USER = "8461234567890123456"
CODE = "000.00.17.H12-261126-0007"
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
REGION = "ap-southeast-1"
ACCOUNT = "123456789012"


def make_order(code: str = CODE, leg: str = "pickup", request: str = "req-1") -> Any:
    from chalicelib.domain.postal import Leg, PostalAddress, PostalOrder

    return PostalOrder(
        code=code,
        leg=Leg(leg),
        owner=USER,
        request_id=request,
        address=PostalAddress(
            commune_code="32002", commune_name="Phường An Xuyên", hamlet="Khóm 3", street="Lý Bôn"
        ),
        recipient_name="Nguyễn Văn An",
        recipient_phone="+84912345678",
        pickup_date=date(2026, 11, 30) if leg == "pickup" else None,
        agency_code="000.00.17.H12",
        agency_name="UBND phường An Xuyên",
        created_at=T0,
        updated_at=T0,
    )


@dataclass
class Provider:
    """The provider's side: orders it accepted (by order number) and the requests it got."""

    orders: dict[str, str] = field(default_factory=dict)
    posts: list[str] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer the next POSTs with
    timeout_after_accepting: int = 0  # POSTs to accept and then time out on
    fail_orders: set[str] = field(default_factory=set)  # always 503 for these
    during_post: Any = None  # called inside a POST (two consumers at once)

    def install(self, mock: responses.RequestsMock) -> None:
        import re

        mock.add_callback(responses.POST, f"{BASE}/orders", callback=self._post)
        mock.add_callback(
            responses.GET, re.compile(rf"{re.escape(BASE)}/orders/[^/]+$"), callback=self._get
        )
        mock.add_callback(
            responses.POST,
            re.compile(rf"{re.escape(BASE)}/orders/[^/]+/cancel$"),
            callback=self._cancel,
        )

    def _post(self, request: Any) -> tuple[int, dict[str, str], str]:
        import requests

        body = json.loads(request.body)
        number = body["order_number"]
        assert request.headers["Idempotency-Key"] == number
        self.posts.append(number)
        if self.during_post is not None:
            hook, self.during_post = self.during_post, None
            hook()
        if number in self.fail_orders:
            return 503, {}, "{}"
        if self.fail_next:
            return self.fail_next.pop(0), {}, json.dumps({"code": "refused"})
        tracking = self.orders.setdefault(number, f"EB{len(self.orders) + 1:09d}VN")
        if self.timeout_after_accepting:
            self.timeout_after_accepting -= 1
            raise requests.exceptions.ReadTimeout("accepted, answer lost")
        return 200, {}, json.dumps({"order_number": number, "tracking_number": tracking})

    def _get(self, request: Any) -> tuple[int, dict[str, str], str]:
        from urllib.parse import unquote

        number = unquote(request.url.rsplit("/", 1)[-1])
        self.gets.append(number)
        if number not in self.orders:
            return 404, {}, json.dumps({"code": "not_found"})
        return 200, {}, json.dumps({"order_number": number, "tracking_number": self.orders[number]})

    def _cancel(self, request: Any) -> tuple[int, dict[str, str], str]:
        from urllib.parse import unquote

        number = unquote(request.url.rsplit("/", 2)[-2])
        self.cancels.append(number)
        return (200, {}, "{}") if number in self.orders else (404, {}, "{}")


@pytest.fixture
def provider(aws, monkeypatch):
    monkeypatch.setattr("chalicelib.postal.provider.time.sleep", lambda seconds: None)
    found = Provider()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        found.install(mock)
        yield found


@pytest.fixture
def service(aws):
    from chalicelib.postal.wiring import get_postal_service

    return get_postal_service()


def queue_url(name: str) -> str:
    from chalicelib.platform.aws import client

    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def receive(name: str = "camau-zalo-postal", visibility: int | None = None) -> list[dict[str, Any]]:
    """Lambda records of what the queue gives now (like the event source mapping)."""
    from chalicelib.platform.aws import client

    sqs = client("sqs")
    kwargs: dict[str, Any] = {}
    if visibility is not None:
        kwargs["VisibilityTimeout"] = visibility
    messages = sqs.receive_message(
        QueueUrl=queue_url(name),
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        **kwargs,
    ).get("Messages", [])
    return [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
        }
        for m in messages
    ]


def make_visible(records: list[dict[str, Any]], name: str = "camau-zalo-postal") -> None:
    """End the retry delay now (the test does not wait for the ladder)."""
    from chalicelib.platform.aws import client

    for record in records:
        client("sqs").change_message_visibility(
            QueueUrl=queue_url(name), ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )


def consume(records: list[dict[str, Any]]) -> Any:
    import app as app_module

    return app_module.consume_postal({"Records": records}, None)


def notices() -> list[dict[str, Any]]:
    """The outbox notices on the inbound queue (read and left there)."""
    from chalicelib.notify.outbox import BODY_KEY

    found = []
    for record in receive("camau-zalo-inbound.fifo", visibility=0):
        body = json.loads(record["body"])
        if BODY_KEY in body:
            found.append(body[BODY_KEY])
    return found
