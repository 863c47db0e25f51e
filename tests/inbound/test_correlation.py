"""One correlation id per event: the webhook computes it (the delivery hash), sends it with the
SQS message, and every line the intake, the consumer, the notifier and the Zalo client log for
that event carries it, with the Lambda request id and a cold-start flag."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from chalice.test import Client

from app import app
from chalicelib.inbound.consumer import consume
from chalicelib.platform.aws import client
from chalicelib.zalo import delivery
from tests.conftest import ROOT, TEST_ENV, fixture_event

FIXTURE_TIME = 1764140000  # the reference fixtures were signed at this time (epoch seconds)


class LambdaEvent:
    """What Chalice hands the consumer: the raw event and the Lambda context."""

    def __init__(self, raw: dict, request_id: str) -> None:
        self._raw = raw
        self.context = SimpleNamespace(
            aws_request_id=request_id, get_remaining_time_in_millis=lambda: 100_000
        )

    def to_dict(self) -> dict:
        return self._raw


@pytest.fixture(autouse=True)
def _at_fixture_time(monkeypatch):
    from chalicelib.api import webhook

    monkeypatch.setattr(webhook, "_clock", lambda: FIXTURE_TIME + 60)


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _queued_records() -> list[dict]:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=TEST_ENV.get("INBOUND_QUEUE", "camau-zalo-inbound.fifo"))[
        "QueueUrl"
    ]
    got = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    return [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {
                "ApproximateReceiveCount": "1",
                "MessageGroupId": m["Attributes"]["MessageGroupId"],
            },
            # Lambda's spelling of message attributes.
            "messageAttributes": {
                k: {"stringValue": v["StringValue"], "dataType": v["DataType"]}
                for k, v in m.get("MessageAttributes", {}).items()
            },
            "eventSource": "aws:sqs",
        }
        for m in got
    ]


def _post_fixture(name: str) -> bytes:
    raw, sig = fixture_event(name)
    with Client(app, project_dir=str(ROOT), stage_name="dev") as c:
        response = c.http.post(
            "/zalo/webhook",
            body=raw,
            headers={"Content-Type": "application/json", "X-ZEvent-Signature": sig},
        )
    assert response.status_code == 200
    return raw


def test_one_event_is_followed_through_every_stage_by_its_correlation_id(zalo, capsys, monkeypatch):
    from chalicelib.inbound.processor import event_time
    from chalicelib.root import get_processor

    raw = _post_fixture("user_send_text")
    # The signed fixture keeps its recorded time: processed as if it had just arrived.
    sent_at = event_time(json.loads(raw)["timestamp"])
    monkeypatch.setattr(get_processor(), "clock", lambda: sent_at)
    expected = delivery.dedup_id(delivery.delivery_key(json.loads(raw)))
    intake = _lines(capsys.readouterr().out)

    records = _queued_records()
    assert len(records) == 1
    assert records[0]["messageAttributes"]["correlation_id"]["stringValue"] == expected

    zalo.fail_next.append({"error": -32, "message": "rate limited"})  # one retry, logged
    result = consume(LambdaEvent({"Records": records}, "req-consumer-1"))
    assert result == {"batchItemFailures": []}
    consumer = _lines(capsys.readouterr().out)

    assert any(line.get("event") == "webhook_queued" for line in intake)
    events = {line.get("event") for line in consumer}
    # The consumer, the Zalo client (a retry) and the notifier all logged...
    assert {"event_processed", "zalo_api_retry", "notice_sent"} <= events
    # ...and every line of both stages, metrics included, joins on the one id.
    for line in intake + consumer:
        assert line.get("correlation_id") == expected, line
    for line in consumer:
        if "event" in line:
            assert line["request_id"] == "req-consumer-1"
            assert isinstance(line["cold_start"], bool)


def test_a_failed_record_is_logged_with_its_correlation_id(zalo, capsys, monkeypatch):
    from chalicelib.notify.notifier import Notifier

    def broken(*args, **kwargs):
        raise ConnectionError("network down")

    raw = _post_fixture("user_send_text")
    expected = delivery.dedup_id(delivery.delivery_key(json.loads(raw)))
    records = _queued_records()
    capsys.readouterr()
    monkeypatch.setattr(Notifier, "send", broken)
    result = consume(LambdaEvent({"Records": records}, "req-consumer-2"))
    assert result == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    lines = [line for line in _lines(capsys.readouterr().out) if "event" in line]
    assert lines
    for line in lines:
        assert line.get("correlation_id") == expected, line


def test_a_message_queued_without_the_attribute_gets_the_same_id_from_its_body():
    from chalicelib.inbound.consumer import correlation_of

    raw, _ = fixture_event("user_send_text")
    record = {"messageId": "m1", "body": raw.decode(), "messageAttributes": {}}
    assert correlation_of(record) == delivery.dedup_id(delivery.delivery_key(json.loads(raw)))
