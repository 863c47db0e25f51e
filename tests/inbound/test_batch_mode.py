"""The inbound consumer follows QUEUE_BATCH_FAILURES: on the chalice deploy path (the default)
a batch with a failure deletes what succeeded and raises, so only the failure comes back."""

from __future__ import annotations

import json

import pytest

from chalicelib.inbound import consumer as inbound
from chalicelib.platform.sqs_batch import BatchFailed
from chalicelib.settings import reset_settings
from local.run import lambda_sqs_event
from tests.inbound.test_processor import USER, _text_event


def test_default_mode_deletes_the_successes_and_raises(zalo, monkeypatch):
    from chalicelib.conversation import engine
    from chalicelib.platform.aws import client

    monkeypatch.delenv("QUEUE_BATCH_FAILURES")
    reset_settings()
    real = engine.handle

    def fails_on_boom(session, turn, lookups, settings):
        if turn.text == "boom":
            raise RuntimeError("engine failure")
        return real(session, turn, lookups, settings)

    monkeypatch.setattr(engine, "handle", fails_on_boom)
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="camau-zalo-inbound.fifo")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for n, (text, user) in enumerate((("menu", "other-user"), ("boom", USER))):
        body = json.loads(_text_event(text, f"mode-{n}"))
        body["sender"]["id"] = user
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(body, ensure_ascii=False),
            MessageGroupId=user,
            MessageDeduplicationId=f"mode-{n}",
        )
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert len(messages) == 2

    with pytest.raises(BatchFailed):
        inbound.consume(lambda_sqs_event(messages, arn, "ap-southeast-1"))

    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # only "boom" is left
    assert zalo.texts_to("other-user")  # the other user's reply went out once
