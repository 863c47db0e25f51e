"""``POST /zalo/webhook``: verify, queue, answer 200 at once.

Nothing slow happens here: no call to Zalo, S3 or DynamoDB. A verified event becomes one SQS
FIFO message (group = a hash of the Zalo user, so one user's events are handled in order;
deduplication id from the delivery key, so a quick redelivery is dropped by SQS; the same hash is
the event's correlation id, sent as the message attribute ``correlation_id``), encoded so that SQS
accepts it whatever it holds. Everything else, forged, malformed, too large, too deeply nested or
replayed (signed more than 7 days ago), is answered ``200 {}``
(Zalo's console only saves a webhook whose test request gets a 200) with a security log line
and a metric, and has no effect at all.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.platform import log
from chalicelib.platform.container import on_reset
from chalicelib.zalo import delivery, signature

MAX_BODY_BYTES = 256_000  # SQS takes 262,144 bytes per message, attributes included.
# A signed event older than this is a replay (Zalo itself retries for about an hour); it is
# shorter than the 8 days job records are kept, so a replay can never run an event twice.
MAX_EVENT_AGE_SECONDS = 7 * 86400
MAX_CLOCK_SKEW_SECONDS = 3600
CORRELATION_ATTRIBUTE = "correlation_id"  # the SQS message attribute carrying it
_queue_url: str | None = None
_clock = time.time


def _reject(reason: str, size: int) -> dict[str, Any]:
    log.security("webhook_rejected", reason=reason, size=size)
    log.metric("WebhookRejected", reason=reason)
    return {}


def _inbound_queue_url() -> str:
    global _queue_url
    if _queue_url is None:
        from chalicelib.platform.aws import client
        from chalicelib.settings import get_settings

        name = get_settings().INBOUND_QUEUE
        _queue_url = client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return _queue_url


@on_reset
def reset() -> None:
    """Forget the cached queue URL (tests)."""
    global _queue_url
    _queue_url = None


def receive(raw_body: bytes | None, headers: Any) -> dict[str, Any]:
    """Handle one delivery; returns the JSON body to answer with (always 200).

    Raises only when a verified event could not be queued: the caller answers 5xx so that Zalo
    delivers it again rather than losing it."""
    from chalicelib.settings import get_settings

    raw = raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        return _reject("oversized", len(raw))
    from chalicelib.platform import bounded_json

    try:  # depth and number of containers are bounded before parsing
        body = bounded_json.loads(raw)
    except bounded_json.Unbounded as exc:
        return _reject(exc.reason, len(raw))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        return _reject("malformed", len(raw))
    if not isinstance(body, dict) or not isinstance(body.get("timestamp"), str | int):
        return _reject("malformed", len(raw))
    if not (str(body["timestamp"]).isascii() and str(body["timestamp"]).isdigit()):
        return _reject("malformed", len(raw))  # Zalo's are epoch milliseconds
    settings = get_settings()
    header = headers.get(signature.HEADER) if headers else None
    if not signature.is_valid(
        header,
        settings.ZALO_APP_ID,
        raw,
        str(body["timestamp"]),
        settings.ZALO_OA_SECRET_KEY.get_secret_value(),
    ):
        return _reject("bad_signature" if header else "unsigned", len(raw))

    try:
        age = _clock() - int(str(body["timestamp"])) / 1000
    except (ValueError, OverflowError):
        return _reject("malformed", len(raw))
    if age > MAX_EVENT_AGE_SECONDS or age < -MAX_CLOCK_SKEW_SECONDS:
        return _reject("stale", len(raw))

    event_name = str(body.get("event_name", ""))
    if delivery.is_noise(event_name):
        log.info("webhook_noise_dropped", event_name=event_name)
        return {}
    key = delivery.delivery_key(body)
    from chalicelib.platform import sqs_message
    from chalicelib.platform.aws import client

    # One id per event (the delivery hash), logged by every stage that handles it.
    correlation_id = delivery.dedup_id(key)
    log.bind(correlation_id=correlation_id)
    attributes = {CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": correlation_id}}
    # What SQS refuses would be refused on every retry, and the event lost: characters it does
    # not take are escaped (same JSON), the group is a hash of the user id (any length, any
    # character), the deduplication id a hash of the delivery key.
    text = raw.decode("utf-8")
    message_body = sqs_message.json_body(text)
    if message_body is not text and (
        len(message_body.encode()) + sqs_message.attributes_size(attributes)
        > sqs_message.MAX_MESSAGE_BYTES
    ):
        return _reject("oversized", len(raw))
    client("sqs").send_message(
        QueueUrl=_inbound_queue_url(),
        MessageBody=message_body,
        MessageGroupId=sqs_message.group_id(delivery.subject_id(body) or "no-user"),
        MessageDeduplicationId=correlation_id,
        MessageAttributes=attributes,
    )
    log.info("webhook_queued", event_name=event_name)
    log.metric("WebhookAccepted")
    return {}


def handle(request: Any) -> Any:
    """The ``POST /zalo/webhook`` controller: 200 ``{}``, or 503 when queueing failed."""
    from chalicelib.api.http import json_response

    with log.invocation(getattr(request, "lambda_context", None)):
        try:
            return json_response(200, receive(request.raw_body, request.headers))
        except Exception as exc:
            log.error("webhook_enqueue_failed", error_type=type(exc).__name__)
            log.metric("WebhookEnqueueFailed")
            return json_response(503, {"error": {"code": "unavailable", "message": "Retry later."}})
