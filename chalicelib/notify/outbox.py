"""The outbox: notices caused by something other than a chat message, queued for the notifier.

A back-office status change, a postal tracking update, an officer's answer or a reminder is not
sent to Zalo from the API request or the schedule that caused it: the notice is put on the
inbound FIFO queue, and the inbound consumer sends it through the one :class:`Notifier`
(consultation message inside the messaging window, else a template, else kept pending). So a
Zalo outage never fails a back-office request, every notice gets the queue's retry ladder and
dead-letter path, and a citizen's notices stay in order with their own chat messages (same
message group: a hash of the Zalo user id).

Exactly once: ``notice_id`` is the notice's identity. It must be derived from the change that
caused it (``dossier:<code>:h<history index>``, ``postal:<order>:<event>``…), so that a retried
request queues the same id again: SQS drops a copy within its 5-minute deduplication window
(the deduplication id is a hash of the notice id), and the notifier's job ``notice:<notice id>``
sends it at most once whenever it arrives.

Cost: one SQS SendMessage per notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.notify.model import OutboundMessage
from chalicelib.platform import log, sqs_message
from chalicelib.platform.container import cached

# The key of a queued notice's body. A Zalo webhook body never has it (Zalo's have event_name,
# app_id, sender…), so the consumer tells the two apart by it.
BODY_KEY = "outbox_notice"
CORRELATION_ATTRIBUTE = "correlation_id"


class QueuedNotice(BaseModel):
    """A notice to send later through the notifier. ``user_id`` (the linked Zalo user) or
    ``phone`` (a template by phone, for a dossier with no Zalo user) must be given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notice_id: str = Field(min_length=1, max_length=300)
    kind: str = Field(min_length=1, max_length=60)
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    phone: str | None = Field(default=None, min_length=1, max_length=32)
    message: OutboundMessage
    template_data: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _has_recipient(self) -> QueuedNotice:
        if not self.user_id and not self.phone:
            raise ValueError("a queued notice needs a user_id or a phone")
        return self

    @property
    def ref(self) -> str:
        """The hash logs and SQS use for this notice (its id may hold a dossier code)."""
        return hashlib.sha256(self.notice_id.encode()).hexdigest()


def parse(body: Any) -> QueuedNotice | None:
    """The queued notice in a consumed body, or None when the body is not one (a Zalo event).
    Raises ValueError for a body that claims to be a notice but is broken."""
    if not isinstance(body, dict) or BODY_KEY not in body:
        return None
    return QueuedNotice.model_validate(body[BODY_KEY])


class Outbox:
    """Queues notices on the inbound FIFO queue (one SendMessage each)."""

    def __init__(self, sqs: Any, queue_url: Callable[[], str]) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def queue(self, notice: QueuedNotice) -> None:
        """Queue ``notice``. Raises when SQS refused it: the caller must not report success
        (a back-office request then fails and is retried with the same notice id)."""
        text = json.dumps({BODY_KEY: notice.model_dump(mode="json")}, ensure_ascii=False)
        body = sqs_message.json_body(text)
        if len(body.encode()) > sqs_message.MAX_MESSAGE_BYTES - 200:
            raise ValueError("notice too large for one queue message")
        recipient = f"user:{notice.user_id}" if notice.user_id else f"phone:{notice.phone}"
        # The chat events of a user are grouped by the hash of the bare user id: same group.
        group_key = notice.user_id if notice.user_id else recipient
        self._sqs.send_message(
            QueueUrl=self._queue_url(),
            MessageBody=body,
            MessageGroupId=sqs_message.group_id(group_key),
            MessageDeduplicationId=notice.ref,
            MessageAttributes={
                CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": notice.ref}
            },
        )
        log.info("notice_queued", notice_ref=notice.ref, kind=notice.kind)
        log.metric("NoticeQueued", kind=notice.kind)


@cached
def get_outbox() -> Outbox:
    """The container's outbox, on the inbound queue named by ``INBOUND_QUEUE``."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    sqs = client("sqs")
    urls: dict[str, str] = {}

    def queue_url() -> str:
        if "url" not in urls:
            urls["url"] = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
        return urls["url"]

    return Outbox(sqs, queue_url)
