"""``POST /integration/v1/postal/events``: the postal provider's status callbacks (issue 13).

Signed like the rest of the integration API (Standard Webhooks, a client with the ``postal``
scope in ``INTEGRATION_CLIENTS``; a replayed request gets the first answer and changes nothing:
:func:`chalicelib.api.integration.auth.authenticated`). Body (unknown fields refused)::

    {"event_id": "<the provider's id of this event>", "order_number": "<dossier code>-PICKUP",
     "status": "picked_up" | "handed_to_agency" | "out_for_delivery" | "delivered"
               | "failed_attempt" | "returned",
     "at": "<ISO 8601 time with offset>", "tracking_number": "..." (optional)}

Each event is applied once (its ``event_id``, also when re-sent under another webhook-id) and
becomes one notice to the citizen through the outbox (notice id
``postal:<order number>:<status>[:<attempts>]``); a pickup handed to the agency is recorded on
the dossier as its submission time; a second failed delivery attempt returns the result to the
agency. Late or repeated news answers ``200`` with ``applied`` false.

Answer ``200 {"order_number", "status", "attempts", "applied"}``. Errors: 400
``malformed_body`` / ``unknown_field`` / ``invalid_field``; 404 ``order_not_found``; 422
``event_not_for_leg`` (``delivered`` for a pickup…); 403 ``agency_not_served`` (the client is
limited to other agencies).
"""

from __future__ import annotations

from typing import Any, Literal

from chalice.app import Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.api.integration.auth import authenticated
from chalicelib.api.integration.bodies import parse
from chalicelib.api.integration.responses import error, ok

EventStatus = Literal[
    "picked_up", "handed_to_agency", "out_for_delivery", "delivered", "failed_attempt", "returned"
]


class PostalEventBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(min_length=1, max_length=128, pattern=r"^\S+$")
    order_number: str = Field(min_length=1, max_length=80)
    status: EventStatus
    at: AwareDatetime
    tracking_number: str | None = Field(default=None, max_length=40)


class PostalEventAnswer(BaseModel):
    """The answer to an event: the order as it now stands, and whether this event changed it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order_number: str
    status: str
    attempts: int
    applied: bool


@authenticated(scope="postal")
def events(request: Request, client: Any) -> Response:
    from chalicelib.domain.postal import PostalStatus, parse_order_number
    from chalicelib.postal.service import EventNotForLeg, UnknownOrder
    from chalicelib.postal.wiring import get_postal_service

    body = parse(request, PostalEventBody)
    found = parse_order_number(body.order_number)
    if found is None:
        return error(404, "order_not_found", "No postal order has this number.")
    code, leg, _round = found
    service = get_postal_service()
    order = service.orders.get(code, leg, consistent=True)
    if order is None or order.order_number != body.order_number:
        return error(404, "order_not_found", "No postal order has this number.")
    if order.agency_code and not client.serves(order.agency_code):
        return error(403, "agency_not_served", "This client does not serve the order's agency.")
    try:
        outcome = service.apply_event(
            body.order_number, body.event_id, PostalStatus(body.status), body.at, read=order
        )
    except UnknownOrder:
        return error(404, "order_not_found", "No postal order has this number.")
    except EventNotForLeg:
        return error(422, "event_not_for_leg", f"A {leg.value} order has no {body.status} event.")
    answer = PostalEventAnswer(
        order_number=body.order_number,
        status=outcome.order.status.value,
        attempts=outcome.order.attempts,
        applied=outcome.applied,
    )
    return ok(answer.model_dump(mode="json"))
