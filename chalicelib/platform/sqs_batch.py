"""Processing an SQS batch the way Lambda expects with ``ReportBatchItemFailures``.

One failing record never loses or re-runs the others: successful records are acknowledged,
failed ones are returned as ``batchItemFailures`` and come back after the visibility timeout.
For FIFO queues, once a record of a message group fails, the later records of that group in
the batch are failed too without being processed, so one user's events stay in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.platform import log


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


def process_batch(
    event: Any, handle: Callable[[QueueRecord], None], *, queue: str
) -> dict[str, list[dict[str, str]]]:
    """Run ``handle`` on every record of a Lambda SQS ``event`` (a dict or a Chalice SQSEvent).

    Returns the partial-batch response. ``handle`` raising means "retry this record later"."""
    raw_event = event.to_dict() if hasattr(event, "to_dict") else event
    failures: list[dict[str, str]] = []
    blocked_groups: set[str] = set()
    for raw in raw_event.get("Records", []):
        record = QueueRecord.from_lambda(raw)
        if record.group_id is not None and record.group_id in blocked_groups:
            failures.append({"itemIdentifier": record.message_id})
            continue
        try:
            handle(record)
        except Exception as exc:
            log.warning(
                "queue_record_failed",
                queue=queue,
                message_id=record.message_id,
                receive_count=record.receive_count,
                error_type=type(exc).__name__,
            )
            log.metric("QueueRecordFailed", queue=queue)
            failures.append({"itemIdentifier": record.message_id})
            if record.group_id is not None:
                blocked_groups.add(record.group_id)
    return {"batchItemFailures": failures}
