"""The inbound queue consumer (the entry point ``app.py`` names for the inbound queue)."""

from __future__ import annotations

from typing import Any


def consume(event: dict[str, Any]) -> dict[str, Any]:
    """The inbound queue consumer: every record processed, failures reported per item.

    On a record's last allowed receive, a record that fails (or is held back behind a failing
    one of the same user, or for lack of time) gets the citizen an apology before it moves to
    the dead-letter queue, so a failure never ends in silence. A record that can never be
    processed (a known event with a broken shape) is dropped at once with a log line."""
    from chalicelib.platform.sqs_batch import process_batch
    from chalicelib.root import get_processor
    from chalicelib.settings import get_settings

    processor = get_processor()
    return process_batch(
        event,
        lambda record: processor.process(record.body),
        queue="inbound",
        max_receives=get_settings().INBOUND_MAX_RECEIVES,
        on_last_failure=lambda record: processor.apologise(record.body),
    )
