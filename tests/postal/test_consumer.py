"""The postal queue consumer, called as Lambda calls it, on moto SQS: exactly one booking per
order whatever the queue and the provider do, batch item failures, the dead-letter path."""

from __future__ import annotations

import json

import pytest

from tests.postal.conftest import (
    CODE,
    consume,
    make_order,
    make_visible,
    notices,
    receive,
)


def _booked(service, code=CODE, leg="pickup"):
    from chalicelib.domain.postal import Leg

    return service.orders.get(code, Leg(leg), consistent=True)


def test_an_order_is_booked_its_tracking_number_stored_and_the_citizen_told(service, provider):
    service.register(make_order())
    records = receive()
    assert [json.loads(r["body"])["type"] for r in records] == ["book"]
    assert consume(records) == {"batchItemFailures": []}
    order = _booked(service)
    assert order.status.value == "booked"
    assert order.tracking_number == provider.orders[f"{CODE}-PICKUP"]
    (notice,) = notices()
    assert notice["notice_id"] == f"postal:{CODE}-PICKUP:booked"
    assert notice["user_id"] == order.owner
    assert order.tracking_number in notice["message"]["text"]


def test_the_same_message_twice_books_once(service, provider):
    service.register(make_order())
    records = receive()
    assert consume(records) == {"batchItemFailures": []}
    assert consume(records) == {"batchItemFailures": []}  # redelivered
    assert provider.posts == [f"{CODE}-PICKUP"]
    assert len(notices()) == 1


def test_registering_twice_queues_twice_but_books_once(service, provider):
    service.register(make_order())
    service.register(make_order())  # the effect retried: same request id
    records = receive()
    assert len(records) == 2
    assert consume(records) == {"batchItemFailures": []}
    assert provider.posts == [f"{CODE}-PICKUP"]


def test_two_consumers_at_once_book_once(service, provider):
    service.register(make_order())
    records = receive()
    second: dict = {}

    def the_other_consumer_meanwhile() -> None:
        second["answer"] = consume(records)

    provider.during_post = the_other_consumer_meanwhile
    assert consume(records) == {"batchItemFailures": []}
    # The other consumer found the job held and left the record for later, without booking.
    assert second["answer"] == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    assert provider.posts == [f"{CODE}-PICKUP"]
    make_visible(records)
    again = receive()
    assert consume(again) == {"batchItemFailures": []}
    assert provider.posts == [f"{CODE}-PICKUP"]
    assert _booked(service).status.value == "booked"


def test_provider_5xx_then_success_books_within_the_receive(service, provider):
    provider.fail_next = [503, 502]
    service.register(make_order())
    assert consume(receive()) == {"batchItemFailures": []}
    assert len(provider.posts) == 3
    assert len(provider.orders) == 1
    assert _booked(service).status.value == "booked"


def test_provider_down_for_a_receive_then_up_looks_up_first_and_books(service, provider):
    provider.fail_next = [503, 503, 503]  # every retry of the first receive
    service.register(make_order())
    records = receive()
    assert consume(records) == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    assert _booked(service).status.value == "requested"
    make_visible(records)
    again = receive()
    assert consume(again) == {"batchItemFailures": []}
    assert provider.gets == [f"{CODE}-PICKUP"]  # looked up before posting again
    assert len(provider.posts) == 4
    assert _booked(service).status.value == "booked"


def test_a_timeout_after_the_provider_accepted_books_once(service, provider):
    provider.timeout_after_accepting = 1
    service.register(make_order())
    assert consume(receive()) == {"batchItemFailures": []}
    assert provider.posts == [f"{CODE}-PICKUP"]  # found by the lookup, not posted again
    assert provider.gets == [f"{CODE}-PICKUP"]
    assert _booked(service).tracking_number == provider.orders[f"{CODE}-PICKUP"]


def test_a_timeout_on_every_attempt_is_found_on_the_next_receive(service, provider, monkeypatch):
    from chalicelib.postal import provider as adapter

    provider.timeout_after_accepting = 1
    real_find = adapter.PostalProvider.find
    calls = {"n": 0}

    def find_down(self, number):  # the lookup fails too during the first receive
        calls["n"] += 1
        raise adapter.ProviderUnavailable("down")

    monkeypatch.setattr(adapter.PostalProvider, "find", find_down)
    service.register(make_order())
    records = receive()
    assert consume(records)["batchItemFailures"]
    monkeypatch.setattr(adapter.PostalProvider, "find", real_find)
    make_visible(records)
    assert consume(receive()) == {"batchItemFailures": []}
    assert provider.posts == [f"{CODE}-PICKUP"]
    assert _booked(service).status.value == "booked"


def test_a_refused_order_fails_at_once_and_the_citizen_is_told(service, provider):
    provider.fail_next = [422]
    service.register(make_order())
    assert consume(receive()) == {"batchItemFailures": []}  # retrying cannot help
    assert _booked(service).status.value == "failed"
    (notice,) = notices()
    assert notice["notice_id"] == f"postal:{CODE}-PICKUP:failed"
    assert "trực tiếp" in notice["message"]["text"]


def test_a_mixed_batch_reports_only_the_failing_order(service, provider):
    other = "000.00.17.H12-261126-0008"
    provider.fail_orders = {f"{other}-DELIVERY"}
    service.register(make_order())
    service.register(make_order(code=other, leg="delivery", request="req-2"))
    records = receive()
    failing = next(r for r in records if "0008" in r["body"])
    assert consume(records) == {"batchItemFailures": [{"itemIdentifier": failing["messageId"]}]}
    assert _booked(service).status.value == "booked"
    assert _booked(service, other, "delivery").status.value == "requested"
    assert provider.posts.count(f"{CODE}-PICKUP") == 1


def test_a_mixed_batch_in_delete_and_raise_mode_deletes_the_success(service, provider, monkeypatch):
    from chalicelib.platform.sqs_batch import BatchFailed
    from chalicelib.settings import reset_settings

    monkeypatch.setenv("QUEUE_BATCH_FAILURES", "delete_and_raise")
    reset_settings()
    other = "000.00.17.H12-261126-0008"
    provider.fail_orders = {f"{other}-DELIVERY"}
    service.register(make_order())
    service.register(make_order(code=other, leg="delivery", request="req-2"))
    records = receive()
    with pytest.raises(BatchFailed):
        consume(records)
    make_visible([r for r in records if "0008" in r["body"]])
    left = receive()
    assert [json.loads(r["body"])["order_number"] for r in left] == [f"{other}-DELIVERY"]


def test_a_poison_message_reaches_the_dead_letter_queue_and_the_order_fails(service, provider):
    provider.fail_orders = {f"{CODE}-PICKUP"}
    service.register(make_order())
    for receive_count in range(1, 6):
        records = receive()
        assert len(records) == 1
        assert records[0]["attributes"]["ApproximateReceiveCount"] == str(receive_count)
        assert consume(records)["batchItemFailures"]
        make_visible(records)
    assert receive() == []  # moved to the dead-letter queue on the next receive
    assert len(receive("camau-zalo-postal-dlq")) == 1
    assert _booked(service).status.value == "failed"
    (notice,) = notices()
    assert notice["notice_id"] == f"postal:{CODE}-PICKUP:failed"


def test_a_broken_message_goes_to_the_dead_letter_queue(service, provider):
    from chalicelib.platform.aws import client
    from tests.postal.conftest import queue_url

    client("sqs").send_message(QueueUrl=queue_url("camau-zalo-postal"), MessageBody="{not json")
    for _ in range(5):
        records = receive()
        assert consume(records)["batchItemFailures"]
        make_visible(records)
    assert receive() == []
    assert len(receive("camau-zalo-postal-dlq")) == 1
    assert provider.posts == []


def test_an_order_cancelled_before_booking_is_not_booked(service, provider):
    from chalicelib.domain.postal import Leg

    order = make_order()
    service.register(order)
    assert service.cancel(CODE, Leg.PICKUP, order.owner) is not None
    assert consume(receive()) == {"batchItemFailures": []}
    assert provider.posts == []
    assert _booked(service).status.value == "cancelled"


def test_a_booked_order_cancelled_is_cancelled_at_the_provider(service, provider):
    from chalicelib.domain.postal import Leg

    order = make_order()
    service.register(order)
    consume(receive())
    assert service.cancel(CODE, Leg.PICKUP, order.owner) is not None
    records = receive()
    assert [json.loads(r["body"])["type"] for r in records] == ["cancel"]
    assert consume(records) == {"batchItemFailures": []}
    assert consume(records) == {"batchItemFailures": []}
    assert provider.cancels == [f"{CODE}-PICKUP"]
