"""Identity and routing of one webhook delivery, read straight from the decoded body.

Kept free of pydantic so the intake path (2-second budget, cold starts included) does as little
as possible; the consumer's event models use the same functions, so intake and processing agree
on what "the same event" is.
"""

from __future__ import annotations

import hashlib
from typing import Any

# Events the OA causes itself: echoes of what it sent and delivery/read receipts.
NOISE_PREFIXES = ("oa_send_",)
NOISE_EVENTS = frozenset({"user_received_message", "user_seen_message"})


def subject_id(body: dict[str, Any]) -> str | None:
    """The Zalo user the event is about, whatever the event's shape."""
    name = str(body.get("event_name", ""))
    if name in ("follow", "unfollow"):
        follower = body.get("follower")
        return str(follower.get("id")) if isinstance(follower, dict) else None
    if "user_id" in body and not isinstance(body.get("user_id"), dict):
        return str(body["user_id"])
    party = body.get("recipient") if is_noise(name) else body.get("sender")
    return str(party.get("id")) if isinstance(party, dict) and party.get("id") else None


def delivery_key(body: dict[str, Any]) -> str:
    """The event's identity across redeliveries: ``msg:<msg_id>`` when Zalo gives a message id,
    else ``<event>:<user>:<timestamp>``."""
    message = body.get("message")
    if isinstance(message, dict) and message.get("msg_id"):
        return f"msg:{message['msg_id']}"
    return f"{body.get('event_name', '?')}:{subject_id(body) or '-'}:{body.get('timestamp', '')}"


def dedup_id(key: str) -> str:
    """An SQS FIFO deduplication id (at most 128 safe characters) for ``key``."""
    # surrogatepass: a JSON escape can put a lone surrogate in an id, which UTF-8 refuses.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def is_noise(event_name: str) -> bool:
    """Whether the event is the OA's own echo or a receipt: never answered, never queued."""
    return event_name.startswith(NOISE_PREFIXES) or event_name in NOISE_EVENTS
