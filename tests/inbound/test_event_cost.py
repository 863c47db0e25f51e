"""What one chat message costs: at most six AWS calls for a message that gets one reply
(issue 7), counted with botocore's event hooks, with exactly-once kept."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from chalicelib.inbound.consumer import consume
from chalicelib.platform.aws import client
from chalicelib.storage.table import get_table

USER = "2468000000000000001"
MAX_AWS_CALLS = 6


def _record(text: str, n: int) -> dict:
    body = {
        "app_id": "1234567890123456789",
        "sender": {"id": USER},
        "recipient": {"id": "3880000000000000001"},
        "event_name": "user_send_text",
        "message": {"text": text, "msg_id": f"cost-{n}"},
        "timestamp": str(int(time.time() * 1000) + n),
    }
    return {
        "messageId": f"m{n}",
        "receiptHandle": f"r{n}",
        "body": json.dumps(body, ensure_ascii=False),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": USER},
    }


@pytest.fixture
def counted(zalo):
    calls: Counter[str] = Counter()
    for service in ("dynamodb", "s3"):
        client(service).meta.events.register(
            "before-call.*.*", lambda event_name, **_: calls.update([event_name.split(".")[-1]])
        )
    consume({"Records": [_record("menu", 0)]})  # first contact: profile, greeting
    calls.clear()
    return calls


def _records() -> list[dict]:
    return get_table().query(f"USER#{USER}", sk_prefix="NOTICE#")[0]


@pytest.mark.parametrize(
    "texts",
    [
        ["menu"],  # no session before or after
        ["tra cứu hồ sơ", "000.00.00.H12-260101-0001"],  # a session written, then removed
    ],
)
def test_a_message_with_one_reply_costs_at_most_six_aws_calls(zalo, counted, texts):
    for n, text in enumerate(texts, 1):
        counted.clear()
        sent_before, records_before = len(zalo.sent), len(_records())
        assert consume({"Records": [_record(text, n)]}) == {"batchItemFailures": []}
        assert len(zalo.sent) == sent_before + 1, text
        assert sum(counted.values()) <= MAX_AWS_CALLS, (text, dict(counted), zalo.sent[-1])
        assert "Scan" not in counted
        # The reply is still recorded (with the job's finish).
        assert len(_records()) == records_before + 1


def test_the_same_message_delivered_again_sends_nothing_and_costs_one_call(zalo, counted):
    consume({"Records": [_record("menu", 1)]})
    sent = len(zalo.sent)
    counted.clear()
    consume({"Records": [_record("menu", 1)]})
    assert len(zalo.sent) == sent
    assert sum(counted.values()) == 1  # the claim finds the job done
