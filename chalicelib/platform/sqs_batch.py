"""Processing an SQS batch so that one failing record never loses or re-runs the others.

Lambda's event source mapping either reports batch item failures (``ReportBatchItemFailures``,
as the packaged template sets it) or it does not (``chalice deploy`` cannot set it: a returned
``batchItemFailures`` is then ignored and every record of a batch that *returns* is deleted).
The consumer is safe in both, chosen by ``QUEUE_BATCH_FAILURES``:

- ``report``: failed records are returned as ``batchItemFailures``; Lambda deletes the others.
- ``delete_and_raise``: when a batch has failures, the records that succeeded are deleted here
  (``DeleteMessageBatch`` by receipt handle, the queue URL derived from ``eventSourceARN``) and
  then :class:`BatchFailed` is raised, so only the failed records come back. This is right
  whatever the mapping says, so it is the default. A batch without failures returns as above.

For FIFO queues, once a record of a message group fails, the later records of that group in
the batch are *held back* (failed without being processed) so one user's events stay in order.
When the function's remaining time runs low, the records not yet started are held back too, so
a slow dependency never turns into a Lambda timeout that fails the whole batch.

Retry ladder: a failed record comes back after :func:`retry_delay` of its receive count (10 s,
30 s, 90 s, ... capped at 15 minutes), set with ``ChangeMessageVisibilityBatch`` instead of
waiting out the queue's visibility timeout; the records held back behind it in its group get the
same delay (they cannot be received before it anyway). ``RETRY_LADDER`` and the queue's
``maxReceiveCount`` are sized together in infra/resources.json (tests/infra pins the hour).

Every receive counts towards the queue's ``maxReceiveCount``, held-back ones included: a record
on its last receive that fails or is held back is handed to ``on_last_failure`` (the inbound
consumer apologises to the citizen) before it moves to the dead-letter queue; it is made visible
at once so the move happens without delay and its group is not blocked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.platform import log

# Records are not started with less time than this left (milliseconds): a record's work is
# bounded by the HTTP client's timeouts and retries (docs/deployment.md, Sizing).
DEFAULT_RESERVE_MS = 45_000

# Seconds before a failed record is received again, by its receive count (1st failure: 10 s).
# With the inbound queue's maxReceiveCount of 9, a record is retried for 65 minutes (3,910 s of
# delays) before it is dead-lettered: Zalo outages last about an hour.
RETRY_LADDER: tuple[int, ...] = (10, 30, 90, 270, 810, 900)

Mode = Literal["report", "delete_and_raise"]


class BatchFailed(Exception):
    """Raised in ``delete_and_raise`` mode after the successful records were deleted."""

    def __init__(self, queue: str, failed: int, total: int) -> None:
        super().__init__(f"{failed} of {total} records of {queue} failed and will be retried")
        self.failed = failed


@dataclass(frozen=True)
class QueueRecord:
    """The parts of a Lambda SQS record the handlers use."""

    message_id: str
    body: str
    receive_count: int
    group_id: str | None
    receipt_handle: str = ""
    source_arn: str = ""
    sent_at_ms: int | None = None  # SentTimestamp: when the message was queued (epoch ms)

    @classmethod
    def from_lambda(cls, raw: dict[str, Any]) -> QueueRecord:
        attributes = raw.get("attributes") or {}
        sent = str(attributes.get("SentTimestamp", ""))
        return cls(
            message_id=raw["messageId"],
            body=raw.get("body", ""),
            receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
            group_id=attributes.get("MessageGroupId"),
            receipt_handle=raw.get("receiptHandle") or "",
            source_arn=raw.get("eventSourceARN") or "",
            sent_at_ms=int(sent) if sent.isdigit() else None,
        )


def retry_delay(receive_count: int, ladder: Sequence[int] = RETRY_LADDER) -> int:
    """Seconds before a record that failed on its ``receive_count``-th receive comes back."""
    return ladder[min(max(receive_count, 1), len(ladder)) - 1]


def queue_url(source_arn: str) -> str:
    """The queue URL of ``arn:aws:sqs:<region>:<account>:<name>`` (no AWS call)."""
    parts = source_arn.split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"] or not all(parts[3:]):
        raise ValueError(f"not an SQS queue ARN: {source_arn!r}")
    _, _, _, region, account, name = parts
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


def _remaining_ms(context: Any) -> float:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return float(getter()) if callable(getter) else float("inf")


def _sqs() -> Any:
    from chalicelib.platform.aws import client

    return client("sqs")


def _by_queue(records: list[QueueRecord]) -> dict[str, list[QueueRecord]]:
    grouped: dict[str, list[QueueRecord]] = {}
    for record in records:
        grouped.setdefault(record.source_arn, []).append(record)
    return grouped


def _delay_retries(queue: str, delays: list[tuple[QueueRecord, int]]) -> None:
    """Set each failed record's visibility to its delay. A record whose change fails keeps the
    queue's visibility timeout: it comes back later, never lost."""
    by_arn: dict[str, list[tuple[QueueRecord, int]]] = {}
    for record, delay in delays:
        if not record.source_arn or not record.receipt_handle:
            log.warning("queue_retry_delay_skipped", queue=queue, message_id=record.message_id)
            continue
        by_arn.setdefault(record.source_arn, []).append((record, delay))
    for arn, items in by_arn.items():
        for start in range(0, len(items), 10):
            chunk = items[start : start + 10]
            try:
                response = _sqs().change_message_visibility_batch(
                    QueueUrl=queue_url(arn),
                    Entries=[
                        {
                            "Id": str(n),
                            "ReceiptHandle": record.receipt_handle,
                            "VisibilityTimeout": delay,
                        }
                        for n, (record, delay) in enumerate(chunk)
                    ],
                )
            except Exception as exc:
                log.warning("queue_retry_delay_failed", queue=queue, error_type=type(exc).__name__)
                continue
            for failure in response.get("Failed") or []:
                record = chunk[int(failure["Id"])][0]
                log.warning(
                    "queue_retry_delay_failed",
                    queue=queue,
                    message_id=record.message_id,
                    error_code=failure.get("Code", ""),
                )


def _delete(queue: str, records: list[QueueRecord]) -> int:
    """Delete ``records`` from their queue; returns how many could not be deleted (they come
    back and are recognised as done: every effect is exactly once)."""
    not_deleted = 0
    for arn, items in _by_queue(records).items():
        if not arn or any(not r.receipt_handle for r in items):
            not_deleted += len(items)
            continue
        for start in range(0, len(items), 10):
            chunk = items[start : start + 10]
            try:
                response = _sqs().delete_message_batch(
                    QueueUrl=queue_url(arn),
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": r.receipt_handle}
                        for n, r in enumerate(chunk)
                    ],
                )
            except Exception as exc:
                log.warning("queue_delete_failed", queue=queue, error_type=type(exc).__name__)
                not_deleted += len(chunk)
                continue
            not_deleted += len(response.get("Failed") or [])
    if not_deleted:
        log.warning("queue_records_not_deleted", queue=queue, count=not_deleted)
    return not_deleted


def _emit_queue_age(queue: str, records: list[QueueRecord], now_ms: float | None = None) -> None:
    """One ``QueueAge`` metric per batch: how long its oldest record waited since it was
    queued (SentTimestamp; a retried record counts its whole wait, retries included)."""
    sent = [r.sent_at_ms for r in records if r.sent_at_ms is not None]
    if not sent:
        return
    now = time.time() * 1000 if now_ms is None else now_ms
    log.metric("QueueAge", max(0.0, now - min(sent)), unit="Milliseconds", queue=queue)


def process_batch(
    event: Any,
    handle: Callable[[QueueRecord], None],
    *,
    queue: str,
    mode: Mode = "delete_and_raise",
    max_receives: int | None = None,
    on_last_failure: Callable[[QueueRecord], None] | None = None,
    reserve_ms: float = DEFAULT_RESERVE_MS,
    ladder: Sequence[int] = RETRY_LADDER,
) -> dict[str, list[dict[str, str]]]:
    """Run ``handle`` on every record of a Lambda SQS ``event`` (a dict or a Chalice SQSEvent).

    Returns the partial-batch response; in ``delete_and_raise`` mode a batch with failures
    raises :class:`BatchFailed` instead. ``handle`` raising means "retry this record later"."""
    raw_event = event.to_dict() if hasattr(event, "to_dict") else event
    context = getattr(event, "context", None)
    failures: list[dict[str, str]] = []
    succeeded: list[QueueRecord] = []
    delays: list[tuple[QueueRecord, int]] = []
    blocked_groups: dict[str, int] = {}  # group -> the delay of the record that blocks it
    out_of_time = False

    def failed(record: QueueRecord, reason: str) -> None:
        failures.append({"itemIdentifier": record.message_id})
        last = max_receives is not None and record.receive_count >= max_receives
        if last:
            delay = 0  # to the dead-letter queue at once; the group moves on
        elif record.group_id is not None and record.group_id in blocked_groups:
            delay = blocked_groups[record.group_id]
        elif reason == "out_of_time":
            delay = 0  # nothing went wrong with it: the next invocation takes it
        else:
            delay = retry_delay(record.receive_count, ladder)
        delays.append((record, delay))
        if record.group_id is not None and record.group_id not in blocked_groups:
            blocked_groups[record.group_id] = delay
        log.warning(
            "queue_record_failed",
            queue=queue,
            message_id=record.message_id,
            receive_count=record.receive_count,
            reason=reason,
            retry_in_seconds=delay,
        )
        log.metric("QueueRecordFailed", queue=queue)
        if last:
            log.error("queue_record_dead_lettered", queue=queue, message_id=record.message_id)
            log.metric("QueueRecordDeadLettered", queue=queue)
            if on_last_failure is not None:
                try:
                    on_last_failure(record)
                except Exception as exc:  # the record fails anyway; report, do not mask
                    log.error("last_failure_handler_failed", error_type=type(exc).__name__)

    records = [QueueRecord.from_lambda(raw) for raw in raw_event.get("Records", [])]
    _emit_queue_age(queue, records)
    for record in records:
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
            else:
                succeeded.append(record)
    if delays:
        _delay_retries(queue, delays)
    if failures and mode == "delete_and_raise":
        _delete(queue, succeeded)
        raise BatchFailed(queue, len(failures), len(records))
    return {"batchItemFailures": failures}
