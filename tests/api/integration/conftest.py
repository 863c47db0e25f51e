"""The integration API through the app (Chalice's test client), signed as a back office, with
the notices it queues read back from the inbound FIFO queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.integration.signing import headers

AGENCY = "000.00.17.H12"
OTHER_AGENCY = "000.00.01.H12"


class Api:
    def __init__(self, http: Any) -> None:
        self.http = http

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        client: str = "back-office",
        extra: dict[str, str] | None = None,
        webhook_id: str | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        signed = {**headers(client, data, webhook_id=webhook_id), **(extra or {})}
        response = getattr(self.http, method.lower())(
            "/integration/v1" + path, headers=signed, body=data
        )
        parsed = json.loads(response.body) if response.body else None
        return response.status_code, parsed, dict(response.headers)

    def put(self, code: str, body: dict[str, Any], **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.call("PUT", f"/dossiers/{code}", body, **kw)

    def event(self, code: str, body: dict[str, Any], **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.call("POST", f"/dossiers/{code}/events", body, **kw)

    def get(self, code: str, officer: str = "officer-7", **kw: Any) -> tuple[int, Any, Any]:
        extra = {"x-officer-id": officer} if officer else {}
        return self.call("GET", f"/dossiers/{code}", extra=extra, **kw)


@pytest.fixture
def api(aws, monkeypatch):
    from chalice.test import Client

    from app import app
    from chalicelib.services import back_office

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://zalo.camau.test")
    monkeypatch.setattr(back_office, "FEED_SETTLE_SECONDS", 0.0)
    with Client(app) as client:
        yield Api(client.http)


@pytest.fixture
def notices(aws):
    """Reads the notices the outbox queued (and removes them from the queue)."""
    from chalicelib.notify.outbox import parse
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    sqs = client("sqs")

    def read() -> list[Any]:
        url = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
        found = []
        for _ in range(20):
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = got.get("Messages", [])
            if not messages:
                break
            for message in messages:
                found.append(parse(json.loads(message["Body"])))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    return read


def at(days: float = 0, hours: float = 0) -> str:
    """An ISO time ``days``/``hours`` after a fixed past moment (a Tuesday morning, Vietnam)."""
    base = datetime(2026, 11, 24, 8, 0, tzinfo=UTC) - timedelta(days=0)
    return (base + timedelta(days=days, hours=hours)).isoformat()


def registration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": "1.001193",
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "receiving_agency": AGENCY,
        "channel": "in_person",
        "received_at": at(),
        "status": 2,
        "time_limit_days": 3,
        "officer": "officer-1",
        "applicant": {
            "name": "Lê Văn Thử",
            "id_number": "096090000123",
            "phone": "0912000111",
            "address": "Phường 5, Cà Mau",
        },
    }
    body.update(changes)
    return body


def code(n: int = 1) -> str:
    return f"{AGENCY}-261124-{n:04d}"
