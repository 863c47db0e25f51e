"""The officer inbox of questions, feedback and petitions (issue 14), on the integration API.

Every route needs a signed request of a client with the scope ``feedback``
(:func:`chalicelib.api.integration.auth.authenticated`, which also answers a replayed
webhook-id with its first answer) and serves only the client's agencies:

- ``GET /integration/v1/feedback?agency=&state=&cursor=``: one page of an agency's inbox (the
  ``gsi2`` index ``INBOX#<agency>``), oldest first within each state; ``cursor`` continues;
- ``GET /integration/v1/feedback/{ref}``: the item, its history, presigned links to its files
  and the masked text suggested for publication;
- ``POST /integration/v1/feedback/{ref}/answer`` ``{"answer"}``, ``/request-info``
  ``{"question"}``, ``/transfer`` ``{"agency", "reason"}`` (answers whether it is within the
  5-working-day transfer rule), ``/reject`` ``{"reason"}``, ``/publish`` ``{"question",
  "answer"}`` (the officer-approved masked texts; masked again on the way in). Each answers the
  item as it is afterwards; the citizen's notice goes through the outbox, once.

Errors: 400 ``invalid_json``, ``missing_<field>``, ``<field>_too_long``, ``invalid_agency``,
``invalid_state``, ``invalid_cursor``, ``same_agency``; 403 ``agency_not_served``; 404
``feedback_not_found``; 409 ``feedback_wrong_state``, ``feedback_conflict``,
``sender_unreachable``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalice.app import Response

from chalicelib.api.errors import ApiError
from chalicelib.api.integration.auth import authenticated
from chalicelib.api.integration.responses import ok

OPERATIONS = {
    "answer": "answer",
    "request-info": "request_info",
    "transfer": "transfer",
    "reject": "reject",
    "publish": "publish",
}
STATES = frozenset({"new", "info_requested", "answered", "rejected", "published"})


def _now() -> datetime:
    return datetime.now(UTC)


def _service() -> Any:
    from chalicelib.root import get_feedback_service

    return get_feedback_service()


def _call(operation: Callable[[], dict[str, Any]]) -> Response:
    """``operation``'s result as 200, a refusal of the service as its JSON error."""
    from chalicelib.services.feedback import FeedbackError

    try:
        return ok(operation())
    except FeedbackError as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None


def _params(request: Any) -> dict[str, str]:
    return dict(request.query_params or {})


@authenticated(scope="feedback")
def inbox(request: Any, client: Any) -> Response:
    from chalicelib.domain.agency import normalize_agency_code

    params = _params(request)
    agency = normalize_agency_code(params.get("agency", ""))
    if agency is None:
        if len(client.agencies) != 1 or params.get("agency"):
            raise ApiError(400, "invalid_agency", "agency must be a QCVN 102 agency code.")
        agency = next(iter(client.agencies))
    if not client.serves(agency):
        raise ApiError(403, "agency_not_served", "This client does not serve this agency.")
    state = params.get("state") or None
    if state is not None and state not in STATES:
        raise ApiError(400, "invalid_state", "state is one of " + ", ".join(sorted(STATES)))
    try:
        page = _service().store.inbox(agency, state, params.get("cursor"))
    except ValueError:
        raise ApiError(400, "invalid_cursor", "cursor is not one this API gave.") from None
    # Live conversations share the agency's inbox partition (under ``live#``): they have routes
    # of their own (/integration/v1/conversations).
    items = [_inbox_line(i) for i in page.items if not str(i.get("gsi2sk", "")).startswith("live#")]
    return ok({"agency": agency, "state": state, "items": items, "cursor": page.cursor})


def _inbox_line(item: dict[str, Any]) -> dict[str, Any]:
    """One inbox entry; the keys (``<state>#<created ISO>#<ref>``) say what every item kind in
    the inbox has (other kinds, e.g. live conversations, may lack the attributes)."""
    state, created, ref = [*str(item.get("gsi2sk", "")).split("#", 2), "", "", ""][:3]
    return {
        "ref": str(item.get("ref") or ref),
        "kind": str(item.get("kind") or ""),
        "state": str(item.get("state") or state),
        "created_at": created,
        "due": str(item["gsi3sk"]).split("#")[0] if item.get("gsi3sk") else None,
    }


@authenticated(scope="feedback")
def get_one(request: Any, client: Any, ref: str) -> Response:
    from chalicelib.root import get_document_store

    store = get_document_store()
    return _call(lambda: _service().view(ref, client, store.presigned_get))


@authenticated(scope="feedback")
def act(request: Any, client: Any, ref: str, operation: str) -> Response:
    name = OPERATIONS.get(operation)
    if name is None:
        raise ApiError(404, "not_found", "No such operation.")
    try:
        body = json.loads(request.raw_body or b"{}")
    except ValueError:
        raise ApiError(400, "invalid_json", "The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return _call(lambda: _service().act(ref, client, name, body, _now()))
