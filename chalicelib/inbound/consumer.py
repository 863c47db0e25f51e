"""The inbound queue consumer (the entry point ``app.py`` names for the inbound queue)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.platform.sqs_batch import QueueRecord


def consume(event: dict[str, Any]) -> dict[str, Any]:
    """The inbound queue consumer: every record processed, failures reported per item.

    On a record's last allowed receive, a record that fails (or is held back behind a failing
    one of the same user, or for lack of time) gets the citizen an apology before it moves to
    the dead-letter queue, so a failure never ends in silence. A record that can never be
    processed (a known event with a broken shape) is dropped at once with a log line.

    Every record runs under the invocation's deadline (:mod:`chalicelib.platform.deadline`:
    the Lambda's remaining time minus a margin), which bounds every outbound call it makes."""
    from chalicelib.platform import log
    from chalicelib.platform.deadline import Deadline, scope
    from chalicelib.platform.sqs_batch import process_batch
    from chalicelib.root import get_processor
    from chalicelib.settings import get_settings

    with log.invocation(getattr(event, "context", None)):
        raw = event.to_dict() if hasattr(event, "to_dict") else event
        ids = {}
        for record in raw.get("Records", []):
            found = correlation_of(record)
            if found:
                ids[record["messageId"]] = found
                log.register_message(record["messageId"], found)
        processor = get_processor()
        limit = Deadline.from_context(getattr(event, "context", None))

        def handle(record: QueueRecord) -> None:
            with log.bound(correlation_id=ids.get(record.message_id)), scope(limit):
                processor.process(record.body)

        def apologise(record: QueueRecord) -> None:
            with log.bound(correlation_id=ids.get(record.message_id)), scope(limit):
                processor.apologise(record.body)

        return process_batch(
            event,
            handle,
            queue="inbound",
            mode=get_settings().QUEUE_BATCH_FAILURES,
            max_receives=get_settings().INBOUND_MAX_RECEIVES,
            on_last_failure=apologise,
        )


def correlation_of(record: dict[str, Any]) -> str | None:
    """The record's correlation id: the message attribute the webhook set or, for a message
    queued without it, the same delivery hash computed from the body."""
    from chalicelib.zalo import delivery

    attributes = record.get("messageAttributes") or {}
    attribute = attributes.get("correlation_id") or {}
    value = attribute.get("stringValue") or attribute.get("StringValue")
    if value:
        return str(value)
    try:
        body = json.loads(record.get("body") or "")
    except ValueError:
        return None
    return delivery.dedup_id(delivery.delivery_key(body)) if isinstance(body, dict) else None
