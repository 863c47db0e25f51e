"""``POST /integration/v1/postal/events``: the postal provider's status callbacks (issue 13).

Signed like the rest of the integration API (Standard Webhooks, a client with the ``postal``
scope in ``INTEGRATION_CLIENTS``; a replayed request gets the first answer and changes
nothing: :func:`chalicelib.api.integration.auth.authenticated`). Body::

    {"event_id": "<the provider's id of this event>", "order_number": "<dossier code>-PICKUP",
     "status": "picked_up" | "handed_to_agency" | "out_for_delivery" | "delivered"
               | "failed_attempt" | "returned",
     "at": "<ISO 8601 time with offset>", "tracking_number": "..." (optional)}

Each event is applied once (its ``event_id``), becomes one notice to the citizen through the
outbox (notice id ``postal:<order number>:<status>[:<attempt>]``); a pickup handed to the
agency is recorded on the dossier as its submission time; a second failed delivery attempt
returns the result to the agency. Late or repeated news answers ``200`` with ``applied`` false.

Errors: 400 ``invalid_json``, ``invalid_event`` (a field missing or wrong), 422
``event_not_for_leg`` (``delivered`` for a pickup…), 404 ``order_not_found``, 403
``agency_not_served`` (the client does not serve the order's agency).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.integration.auth import authenticated
from chalicelib.api.integration.responses import error, ok

MAX_EVENT_ID = 128


def _parse(body: Any) -> tuple[str, str, str, datetime] | str:
    """(event id, order number, status, time) or the problem's description."""
    from chalicelib.domain.postal import EVENTS

    if not isinstance(body, dict):
        return "the body must be a JSON object"
    event_id, order_number, status, at = (
        body.get("event_id"),
        body.get("order_number"),
        body.get("status"),
        body.get("at"),
    )
    if not isinstance(event_id, str) or not 1 <= len(event_id.strip()) <= MAX_EVENT_ID:
        return f"event_id must be a string of 1 to {MAX_EVENT_ID} characters"
    if not isinstance(order_number, str) or not order_number.strip():
        return "order_number is required"
    if not isinstance(status, str) or status not in {s.value for s in EVENTS}:
        return "status must be one of " + ", ".join(sorted(s.value for s in EVENTS))
    if not isinstance(at, str):
        return "at must be an ISO 8601 time with its offset"
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return "at must be an ISO 8601 time with its offset"
    if moment.tzinfo is None:
        return "at must carry its offset"
    return event_id.strip(), order_number.strip(), status, moment


@authenticated(scope="postal")
def events(request: Request, client: Any) -> Response:
    from chalicelib.domain.postal import PostalStatus, parse_order_number
    from chalicelib.postal.service import EventNotForLeg, UnknownOrder
    from chalicelib.postal.wiring import get_postal_service

    try:
        body = json.loads(request.raw_body or b"")
    except ValueError:
        return error(400, "invalid_json", "The body is not JSON.")
    parsed = _parse(body)
    if isinstance(parsed, str):
        return error(400, "invalid_event", parsed)
    event_id, order_number, status, at = parsed
    found = parse_order_number(order_number)
    if found is None:
        return error(404, "order_not_found", "No postal order has this number.")
    service = get_postal_service()
    order = service.orders.get(found[0], found[1], consistent=True)
    if order is None or order.order_number != order_number:
        return error(404, "order_not_found", "No postal order has this number.")
    if order.agency_code and not client.serves(order.agency_code):
        return error(403, "agency_not_served", "This client does not serve the order's agency.")
    try:
        outcome = service.apply_event(order_number, event_id, PostalStatus(status), at)
    except UnknownOrder:
        return error(404, "order_not_found", "No postal order has this number.")
    except EventNotForLeg:
        return error(422, "event_not_for_leg", f"A {found[1].value} order has no {status} event.")
    return ok(
        {
            "order_number": order_number,
            "status": outcome.order.status.value,
            "attempts": outcome.order.attempts,
            "applied": outcome.applied,
        }
    )
