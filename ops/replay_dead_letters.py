"""Move dead-lettered messages back to their queue, safely.

    python -m ops.replay_dead_letters --queue inbound|postal [--max N] [--dry-run]
    make replay-dead-letters QUEUE=inbound [MAX=N] [DRY_RUN=1]

The dead-letter queue is the one named by the source queue's ``RedrivePolicy`` (so the pair
declared in ``infra/resources.json`` is used, whatever the stage's names). For each message:

1. it is received from the dead-letter queue (hidden for ``VISIBILITY_SECONDS`` meanwhile);
2. it is sent to the source queue with the same body and message attributes (the
   ``correlation_id`` that joins its log lines) and, on a FIFO queue, the same message group id
   (the user's hash: their later events stay behind it) and deduplication id (so a message moved
   twice within SQS's 5-minute window is queued once);
3. only after the send succeeded is it deleted from the dead-letter queue. A failed send leaves
   it and the messages received after it where they were (visible again at once) and stops the
   run, so the order of a FIFO group is never broken by moving a later message ahead of it.

A message moved twice (a crash between 2 and 3) is harmless: the consumer runs every Zalo event
and postal order exactly once (job records), and the FIFO deduplication id drops the copy within
5 minutes. ``--dry-run`` receives and counts, moves nothing, and makes the messages visible again
at once. Exit status: 0 when everything asked for was moved (or counted), 1 when a send or a
delete failed, 2 on bad usage. Prints ids and counts only (bodies hold personal data).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

VISIBILITY_SECONDS = 120
QUEUES = {"inbound": "INBOUND_QUEUE", "postal": "POSTAL_QUEUE"}


@dataclass
class ReplayReport:
    """What a run did (message ids only)."""

    dead_letter_queue: str = ""
    moved: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    not_deleted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_deleted


def dead_letter_url(sqs: Any, source_url: str) -> str:
    """The URL of ``source_url``'s dead-letter queue (its RedrivePolicy's target)."""
    attributes = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["RedrivePolicy"])
    policy = attributes.get("Attributes", {}).get("RedrivePolicy")
    if not policy:
        raise ValueError("the queue has no dead-letter queue (RedrivePolicy)")
    arn = json.loads(policy)["deadLetterTargetArn"]
    account, name = arn.split(":")[4], arn.split(":")[5]
    return str(sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])


def _send_args(source_url: str, message: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"QueueUrl": source_url, "MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        args["MessageAttributes"] = message["MessageAttributes"]
    attributes = message.get("Attributes", {})
    if source_url.endswith(".fifo"):
        args["MessageGroupId"] = attributes["MessageGroupId"]
        args["MessageDeduplicationId"] = attributes["MessageDeduplicationId"]
    return args


def replay(
    sqs: Any, source_url: str, *, max_messages: int | None = None, dry_run: bool = False
) -> ReplayReport:
    """Move up to ``max_messages`` (all when None) from the dead-letter queue back to
    ``source_url``; with ``dry_run`` only count them. See the module docstring."""
    dlq_url = dead_letter_url(sqs, source_url)
    report = ReplayReport(dead_letter_queue=dlq_url.rsplit("/", 1)[-1])
    handled: set[str] = set()
    while max_messages is None or len(report.moved) + len(report.seen) < max_messages:
        wanted = 10 if max_messages is None else max_messages - len(report.moved + report.seen)
        answer = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=max(1, min(10, wanted)),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=VISIBILITY_SECONDS,
            WaitTimeSeconds=0,
        )
        messages = answer.get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in handled]
        if not fresh:  # empty, or only messages counted by this dry run
            _show_again(sqs, dlq_url, messages)
            break
        for position, message in enumerate(fresh):
            handled.add(message["MessageId"])
            if dry_run:
                report.seen.append(message["MessageId"])
                continue
            try:
                sqs.send_message(**_send_args(source_url, message))
            except Exception as exc:
                report.failed.append(message["MessageId"])
                print(f"send failed for {message['MessageId']}: {type(exc).__name__}")
                # It and the later ones stay dead-lettered, visible again for the next run.
                _show_again(sqs, dlq_url, fresh[position:])
                return report
            try:
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            except Exception as exc:  # moved; the copy left behind is recognised as done
                report.not_deleted.append(message["MessageId"])
                print(f"delete failed for {message['MessageId']}: {type(exc).__name__}")
            report.moved.append(message["MessageId"])
        if dry_run:
            _show_again(sqs, dlq_url, messages)
    return report


def _show_again(sqs: Any, dlq_url: str, messages: list[dict[str, Any]]) -> None:
    for message in messages:
        sqs.change_message_visibility(
            QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue", choices=sorted(QUEUES), required=True)
    parser.add_argument("--max", type=int, default=None, help="move at most N messages")
    parser.add_argument("--dry-run", action="store_true", help="count, move nothing")
    args = parser.parse_args(argv)
    if args.max is not None and args.max < 1:
        parser.error("--max must be at least 1")

    import os

    from chalicelib.platform.aws import client
    from chalicelib.settings import Settings

    sqs = client("sqs")
    # The queue's name as the stage's functions see it (no other setting is needed here).
    variable = QUEUES[args.queue]
    name = os.environ.get(variable) or str(Settings.model_fields[variable].default)
    source_url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    report = replay(sqs, source_url, max_messages=args.max, dry_run=args.dry_run)
    if args.dry_run:
        print(f"{report.dead_letter_queue}: {len(report.seen)} message(s) would be moved to {name}")
    else:
        print(f"{report.dead_letter_queue} -> {name}: {len(report.moved)} moved")
    for message_id in report.moved or report.seen:
        print(f"  {message_id}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
