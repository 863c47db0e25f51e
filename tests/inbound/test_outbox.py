"""The outbox: notices caused outside the chat are queued, then sent once by the consumer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.inbound import consumer as inbound
from chalicelib.notify.model import OutboundMessage
from chalicelib.notify.outbox import QueuedNotice, get_outbox, parse
from chalicelib.platform import sqs_message
from chalicelib.zalo import client as zalo_client
from tests.inbound.test_processor import USER, _event, _record, _text_event

DOWN = {"error": -32, "message": "rate limited"}


def _notice(notice_id: str = "dossier:X-1:h1", **changes) -> QueuedNotice:
    fields = {
        "notice_id": notice_id,
        "kind": "status",
        "user_id": USER,
        "message": OutboundMessage(text="Hồ sơ của bạn đã được tiếp nhận."),
    }
    fields.update(changes)
    return QueuedNotice(**fields)


def _received() -> list[dict]:
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
    got = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )
    return got.get("Messages", [])


def _as_record(message: dict, receive_count: int = 1) -> dict:
    record = _record(message["Body"], message_id=message["MessageId"], receive_count=receive_count)
    record["attributes"]["MessageGroupId"] = message["Attributes"]["MessageGroupId"]
    return record


def _seen_recently() -> None:
    """The citizen wrote a moment ago: the messaging window is open."""
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    Users(get_table()).touch(USER, datetime.now(UTC))


def test_a_notice_needs_someone_to_reach():
    with pytest.raises(ValueError):
        QueuedNotice(notice_id="n", kind="status", message=OutboundMessage(text="x"))
    with pytest.raises(ValueError):
        _notice(unknown="field")


def test_queued_in_the_users_group_deduplicated_by_the_notice_id(aws):
    get_outbox().queue(_notice())
    (message,) = _received()
    assert message["Attributes"]["MessageGroupId"] == sqs_message.group_id(USER)
    assert message["Attributes"]["MessageDeduplicationId"] == _notice().ref
    assert parse(json.loads(message["Body"])) == _notice()
    # A Zalo event is not a notice.
    assert parse(json.loads(_text_event("menu", "m1"))) is None


def test_the_consumer_sends_a_queued_notice_once_even_when_delivered_twice(zalo):
    _seen_recently()
    get_outbox().queue(_notice())
    (message,) = _received()
    for attempt in (1, 2):
        result = inbound.consume(_event(_as_record(message, attempt)))
        assert result == {"batchItemFailures": []}
    assert zalo.texts_to(USER) == ["Hồ sơ của bạn đã được tiếp nhận."]


def test_a_notice_zalo_cannot_take_is_retried_then_kept_pending_on_the_last_receive(
    zalo, monkeypatch
):
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    monkeypatch.setattr(zalo_client.ZaloClient, "_delay", lambda self, attempt: 0.0)
    _seen_recently()
    get_outbox().queue(_notice("dossier:X-1:h2"))
    (message,) = _received()
    zalo.fail_next = [DOWN] * 20
    first = inbound.consume(_event(_as_record(message, 1)))
    assert first["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    last = inbound.consume(_event(_as_record(message, 9)))
    assert last["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    assert Users(get_table()).get(USER).pending_notices == 1
    # Zalo is back and the citizen writes: the notice arrives, once.
    zalo.fail_next = []
    inbound.consume(_event(_record(_text_event("menu", "after"), message_id="after")))
    assert zalo.texts_to(USER).count("Hồ sơ của bạn đã được tiếp nhận.") == 1


def test_a_notice_for_a_phone_only_is_skipped_without_a_template(zalo):
    get_outbox().queue(_notice("dossier:X-2:h1", user_id=None, phone="0912345678"))
    (message,) = _received()
    assert inbound.consume(_event(_as_record(message))) == {"batchItemFailures": []}
    assert zalo.sent == []
