"""The queue consumer is safe whether or not the event source mapping reports batch item
failures, and a failed record comes back after seconds, not after the visibility timeout.

Runs against moto's SQS with the inbound FIFO queue of infra/resources.json. Lambda's side is
emulated: in ``report`` mode it deletes what the response does not name; when the function
raises it deletes nothing (with or without ReportBatchItemFailures on the mapping).
"""

from __future__ import annotations

import time

import pytest

from chalicelib.platform.sqs_batch import BatchFailed, process_batch, queue_url, retry_delay
from local.run import lambda_sqs_event

QUEUE = "camau-zalo-inbound.fifo"
FAST = (1, 2)  # a short ladder so the tests wait about a second, not ten


@pytest.fixture
def sqs(aws):
    from chalicelib.platform.aws import client

    return client("sqs")


@pytest.fixture
def url(sqs):
    return sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]


def _arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def _send(sqs, url, *bodies_and_groups):
    for body, group in bodies_and_groups:
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body
        )


def _receive(sqs, url, count=10):
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=count, MessageSystemAttributeNames=["All"]
    ).get("Messages", [])


def _batch(sqs, url, expected):
    messages = _receive(sqs, url)
    assert [m["Body"] for m in messages] == expected
    return messages, lambda_sqs_event(messages, _arn(sqs, url), "ap-southeast-1")


def _failing_on(*bodies):
    handled = []

    def handle(record):
        handled.append(record.body)
        if record.body in bodies:
            raise RuntimeError("Zalo is down")

    return handle, handled


def _lambda_deletes(sqs, url, messages, result):
    """What Lambda does with ReportBatchItemFailures after the function returned."""
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _visible_after(seconds):
    """The bodies of the queue's visible messages, in queue order, after ``seconds``.

    Read from moto's state: when several messages of one FIFO group become visible at once,
    moto delivers the later one first (real SQS keeps the group's order)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    time.sleep(seconds)
    queue = sqs_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].get_queue(QUEUE)
    return [m.body for m in queue._messages if m.visible]


def test_report_mode_returns_the_failed_and_held_back_records_which_come_back_in_seconds(sqs, url):
    _send(sqs, url, ("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"))
    messages, event = _batch(sqs, url, ["a1", "a2", "a3", "b1"])
    handle, handled = _failing_on("a2")

    result = process_batch(event, handle, queue="inbound", mode="report", ladder=FAST)

    ids = {m["Body"]: m["MessageId"] for m in messages}
    assert result == {
        "batchItemFailures": [{"itemIdentifier": ids["a2"]}, {"itemIdentifier": ids["a3"]}]
    }
    assert handled == ["a1", "a2", "b1"]  # a3 held back behind a2: one user's order kept
    _lambda_deletes(sqs, url, messages, result)
    assert _visible_after(0) == []  # not visible yet ...
    assert _visible_after(1.2) == ["a2", "a3"]  # ... but back after 1 s, not 720 s


def test_delete_and_raise_mode_deletes_the_successes_itself_and_raises(sqs, url):
    _send(sqs, url, ("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"))
    _, event = _batch(sqs, url, ["a1", "a2", "a3", "b1"])
    handle, _ = _failing_on("a2")

    with pytest.raises(BatchFailed) as raised:
        process_batch(event, handle, queue="inbound", mode="delete_and_raise", ladder=FAST)

    assert raised.value.failed == 2
    # Lambda deletes nothing of a batch whose function raised: only the failed records remain.
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"
    assert _visible_after(1.2) == ["a2", "a3"]


@pytest.mark.parametrize("mode", ["report", "delete_and_raise"])
def test_a_batch_without_failures_returns_and_leaves_deleting_to_lambda(sqs, url, mode):
    _send(sqs, url, ("a1", "A"), ("b1", "B"))
    _, event = _batch(sqs, url, ["a1", "b1"])
    handle, handled = _failing_on()

    assert process_batch(event, handle, queue="inbound", mode=mode) == {"batchItemFailures": []}

    assert handled == ["a1", "b1"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"


def test_a_record_on_its_last_receive_is_released_at_once_for_the_dead_letter_queue(sqs, url):
    _send(sqs, url, ("a1", "A"))
    _, event = _batch(sqs, url, ["a1"])
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "9"
    handle, _ = _failing_on("a1")
    last = []

    result = process_batch(
        event, handle, queue="inbound", mode="report", max_receives=9, on_last_failure=last.append
    )

    assert len(result["batchItemFailures"]) == 1 and [r.body for r in last] == ["a1"]
    assert [m["Body"] for m in _receive(sqs, url)] == ["a1"]  # visible now, not in 10 s


def test_records_not_started_for_lack_of_time_come_back_at_once(sqs, url):
    class Event(dict):
        class context:
            @staticmethod
            def get_remaining_time_in_millis():
                return 1_000

    _send(sqs, url, ("a1", "A"))
    _, event = _batch(sqs, url, ["a1"])
    handle, handled = _failing_on()

    result = process_batch(Event(event), handle, queue="inbound", mode="report")

    assert handled == [] and len(result["batchItemFailures"]) == 1
    assert [m["Body"] for m in _receive(sqs, url)] == ["a1"]


def test_the_ladder_grows_with_the_receive_count_and_is_capped():
    assert [retry_delay(n) for n in range(1, 9)] == [10, 30, 90, 270, 810, 900, 900, 900]
    assert retry_delay(0) == 10


def test_queue_url_is_derived_from_the_event_source_arn():
    arn = "arn:aws:sqs:ap-southeast-1:123456789012:camau-zalo-inbound.fifo"
    assert queue_url(arn) == (
        "https://sqs.ap-southeast-1.amazonaws.com/123456789012/camau-zalo-inbound.fifo"
    )
    with pytest.raises(ValueError):
        queue_url("arn:aws:sns:ap-southeast-1:123456789012:topic")


def test_a_failed_visibility_change_never_hides_the_failure(sqs, url):
    _send(sqs, url, ("a1", "A"))
    _, event = _batch(sqs, url, ["a1"])
    event["Records"][0]["receiptHandle"] = "expired"
    handle, _ = _failing_on("a1")

    result = process_batch(event, handle, queue="inbound", mode="report", ladder=FAST)

    assert len(result["batchItemFailures"]) == 1
