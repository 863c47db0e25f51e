"""Processing an SQS batch the way Lambda expects with ``ReportBatchItemFailures``.

One failing record never loses or re-runs the others: successful records are acknowledged,
failed ones are returned as ``batchItemFailures`` and come back after the visibility timeout.
For FIFO queues, once a record of a message group fails, the later records of that group in
the batch are *held back* (failed without being processed) so one user's events stay in order.
When the function's remaining time runs low, the records not yet started are held back too, so
a slow dependency never turns into a Lambda timeout that fails the whole batch.

Every receive counts towards the queue's ``maxReceiveCount``, held-back ones included: a record
on its last receive that fails or is held back is handed to ``on_last_failure`` (the inbound
consumer apologises to the citizen) before it moves to the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.platform import log

# Records are not started with less time than this left (milliseconds): a record's work is
# bounded by the HTTP client's timeouts and retries (docs/deployment.md, Sizing).
DEFAULT_RESERVE_MS = 45_000


@dataclass(frozen=True)
class QueueRecord:
    """The parts of a Lambda SQS record the handlers use."""

    message_id: str
    body: str
    receive_count: int
    group_id: str | None

    @classmethod
    def from_lambda(cls, raw: dict[str, Any]) -> QueueRecord:
        attributes = raw.get("attributes") or {}
        return cls(
            message_id=raw["messageId"],
            body=raw.get("body", ""),
            receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
            group_id=attributes.get("MessageGroupId"),
        )


def _remaining_ms(context: Any) -> float:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return float(getter()) if callable(getter) else float("inf")


def process_batch(
    event: Any,
    handle: Callable[[QueueRecord], None],
    *,
    queue: str,
    max_receives: int | None = None,
    on_last_failure: Callable[[QueueRecord], None] | None = None,
    reserve_ms: float = DEFAULT_RESERVE_MS,
) -> dict[str, list[dict[str, str]]]:
    """Run ``handle`` on every record of a Lambda SQS ``event`` (a dict or a Chalice SQSEvent).

    Returns the partial-batch response. ``handle`` raising means "retry this record later"."""
    raw_event = event.to_dict() if hasattr(event, "to_dict") else event
    context = getattr(event, "context", None)
    failures: list[dict[str, str]] = []
    blocked_groups: set[str] = set()
    out_of_time = False

    def failed(record: QueueRecord, reason: str) -> None:
        failures.append({"itemIdentifier": record.message_id})
        if record.group_id is not None:
            blocked_groups.add(record.group_id)
        log.warning(
            "queue_record_failed",
            queue=queue,
            message_id=record.message_id,
            receive_count=record.receive_count,
            reason=reason,
        )
        log.metric("QueueRecordFailed", queue=queue)
        if max_receives is not None and record.receive_count >= max_receives:
            log.error("queue_record_dead_lettered", queue=queue, message_id=record.message_id)
            log.metric("QueueRecordDeadLettered", queue=queue)
            if on_last_failure is not None:
                try:
                    on_last_failure(record)
                except Exception as exc:  # the record fails anyway; report, do not mask
                    log.error("last_failure_handler_failed", error_type=type(exc).__name__)

    for raw in raw_event.get("Records", []):
        record = QueueRecord.from_lambda(raw)
        if not out_of_time and _remaining_ms(context) < reserve_ms:
            out_of_time = True
        if out_of_time:
            failed(record, "out_of_time")
        elif record.group_id is not None and record.group_id in blocked_groups:
            failed(record, "held_back")
        else:
            try:
                handle(record)
            except Exception as exc:  # any failure means "retry this record"
                failed(record, type(exc).__name__)
    return {"batchItemFailures": failures}
