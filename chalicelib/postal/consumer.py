"""The postal queue consumer (the entry point ``app.py`` names for ``camau-zalo-postal``).

Each record is a booking (or a provider-side cancellation) of one order, run as a job of the
idempotency mechanism, so a message delivered twice or two consumers at once book once. Batch
item failures through :mod:`chalicelib.platform.sqs_batch` (both ``QUEUE_BATCH_FAILURES``
modes, the retry ladder); every provider call runs under the invocation's deadline. On a
record's last allowed receive (``POSTAL_MAX_RECEIVES``, the queue's ``maxReceiveCount``) the
order is marked failed, operators are alerted (log + metric ``PostalOrderFailed``, and the
dead-letter alarm) and the citizen is told how else to proceed, before the record moves to the
dead-letter queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.platform.sqs_batch import QueueRecord


def consume(event: Any) -> dict[str, Any]:
    from chalicelib.platform import log
    from chalicelib.platform.deadline import Deadline, scope
    from chalicelib.platform.sqs_batch import process_batch
    from chalicelib.postal.wiring import get_postal_service
    from chalicelib.settings import get_settings

    with log.invocation(getattr(event, "context", None)):
        service = get_postal_service()
        limit = Deadline.from_context(getattr(event, "context", None))
        settings = get_settings()

        def handle(record: QueueRecord) -> None:
            with log.bound(message_id=record.message_id), scope(limit):
                service.handle_message(record.body)

        def give_up(record: QueueRecord) -> None:
            with log.bound(message_id=record.message_id), scope(limit):
                service.give_up(record.body)

        return process_batch(
            event,
            handle,
            queue="postal",
            mode=settings.QUEUE_BATCH_FAILURES,
            max_receives=settings.POSTAL_MAX_RECEIVES,
            on_last_failure=give_up,
        )
