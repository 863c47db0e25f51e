"""Officers' side of the live conversations ("Gặp cán bộ", issue 14), integration API scope
``feedback``:

- ``GET /integration/v1/conversations?agency=&state=open|closed&limit=&cursor=``: an agency's
  conversations, newest first (one Query on the ``gsi2`` inbox); ``idle`` marks an open one
  nobody wrote in for ``LIVE_IDLE_HOURS`` (it ends at the citizen's next message);
- ``GET /integration/v1/conversations/{ref}?limit=&cursor=``: the conversation and its
  messages, oldest first, files with presigned links;
- ``POST /integration/v1/conversations/{ref}/messages`` ``{"officer", "text"}``: the reply is
  stored and queued in the outbox as a consultation message, exactly once per request (the
  job ``live-reply:<hash of client and webhook-id>``: a retried request after a failure halfway
  stores nothing twice and queues the same notice id);
- ``POST /integration/v1/conversations/{ref}/close`` ``{"officer"}``: closes it, lifts the
  bot's silence, and tells the citizen (outbox notice ``live:<ref>:closed``).

Every officer action records the officer's id (``officers`` and ``closed_by`` on the item,
``officer`` on each reply). A conversation of an agency the client does not serve is 403
``agency_not_served``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.errors import ApiError
from chalicelib.api.integration.auth import Client, authenticated
from chalicelib.api.integration.bodies import parse
from chalicelib.api.integration.responses import ok
from chalicelib.platform import log
from chalicelib.storage.conversations import Conversation, LiveMessage

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
UPLOAD_DAYS = 7  # the bucket expires uploads/ after 7 days (docs/data-model.md)
_OFFICER = r"^[A-Za-z0-9._@-]{1,64}$"
_REF = re.compile(r"^L\d{6}-[0-9a-f]{8}$")


def _now() -> datetime:
    return datetime.now(UTC)


class OfficerAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    officer: str = Field(pattern=_OFFICER)


class OfficerReply(OfficerAction):
    text: str = Field(min_length=1, max_length=4000)


# --- helpers ------------------------------------------------------------------------------------


def _param(request: Any, name: str) -> str | None:
    params = getattr(request, "query_params", None) or {}
    value = params.get(name)
    return str(value) if value is not None else None


def _limit(request: Any) -> int:
    raw = _param(request, "limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid_limit", f"limit is a number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _cursor(request: Any) -> dict[str, Any] | None:
    from chalicelib.storage.conversations import decode_cursor

    try:
        return decode_cursor(_param(request, "cursor"))
    except ValueError:
        raise ApiError(400, "invalid_cursor", "cursor is not one this API gave.") from None


def _idle(conversation: Conversation, now: datetime) -> bool:
    from chalicelib.settings import get_settings

    idle = timedelta(hours=get_settings().LIVE_IDLE_HOURS)
    return conversation.state == "open" and now - conversation.last_activity_at > idle


def _summary(conversation: Conversation, now: datetime) -> dict[str, Any]:
    return {
        "ref": conversation.ref,
        "agency": conversation.agency,
        "state": conversation.state,
        "idle": _idle(conversation, now),
        "opened_at": conversation.opened_at.isoformat(),
        "last_activity_at": conversation.last_activity_at.isoformat(),
        "closed_at": conversation.closed_at.isoformat() if conversation.closed_at else None,
        "closed_by": conversation.closed_by,
        "messages": conversation.messages,
        "officers": list(conversation.officers),
    }


def _message(message: LiveMessage, now: datetime) -> dict[str, Any]:
    from chalicelib.root import get_document_store

    body: dict[str, Any] = {
        "id": message.id,
        "at": message.at.isoformat(),
        "from": message.sender,
        "officer": message.officer,
        "text": message.text,
    }
    if message.file is not None:
        expired = now - message.at > timedelta(days=UPLOAD_DAYS)
        body["file"] = {
            "name": message.file.name,
            "content_type": message.file.content_type,
            "size": message.file.size,
            "sha256": message.file.sha256,
            "url": None if expired else get_document_store().presigned_get(message.file.key),
            "expired": expired,
        }
    if message.latitude is not None and message.longitude is not None:
        body["location"] = {"latitude": message.latitude, "longitude": message.longitude}
    return body


def _conversation(ref: str, client: Client) -> Conversation:
    """The conversation ``ref`` when this client serves its agency; 404 otherwise (whether it
    exists elsewhere is not told)."""
    from chalicelib.root import get_live_conversations

    found = get_live_conversations().get(ref) if _REF.match(ref) else None
    if found is None:
        raise ApiError(404, "conversation_not_found", "No such conversation.")
    if not client.serves(found.agency):
        raise ApiError(403, "agency_not_served", "This client does not serve that agency.")
    return found


def _notice(conversation: Conversation, notice_id: str, text: str, *, end_button: bool) -> None:
    from chalicelib.conversation.flows.handoff import END_BUTTON
    from chalicelib.notify.model import OutboundButton, OutboundMessage
    from chalicelib.notify.outbox import QueuedNotice, get_outbox

    buttons = [OutboundButton(title=END_BUTTON.title, payload=END_BUTTON.payload)]
    get_outbox().queue(
        QueuedNotice(
            notice_id=notice_id,
            kind="live",
            user_id=conversation.user_id,
            message=OutboundMessage(text=text, buttons=buttons if end_button else []),
        )
    )


# --- routes -------------------------------------------------------------------------------------


@authenticated(scope="feedback")
def list_conversations(request: Any, client: Client) -> Response:
    """200 ``{"agency", "state", "conversations": [...], "next_cursor"}``."""
    from chalicelib.domain.agency import normalize_agency_code
    from chalicelib.root import get_live_conversations
    from chalicelib.settings import get_settings
    from chalicelib.storage.conversations import encode_cursor

    raw_agency = _param(request, "agency")
    agency = normalize_agency_code(raw_agency) if raw_agency else get_settings().LIVE_CHAT_AGENCY
    if agency is None:
        raise ApiError(400, "invalid_agency", "agency is an agency code, e.g. 000.00.17.H12.")
    if not client.serves(agency):
        raise ApiError(403, "agency_not_served", "This client does not serve that agency.")
    state = _param(request, "state") or "open"
    if state not in ("open", "closed"):
        raise ApiError(400, "invalid_state", "state is open or closed.")
    limit, start = _limit(request), _cursor(request)
    found, last = get_live_conversations().inbox(
        agency,
        "open" if state == "open" else "closed",
        limit=limit,
        start=start,
    )
    now = _now()
    return ok(
        {
            "agency": agency,
            "state": state,
            "conversations": [_summary(c, now) for c in found],
            "next_cursor": encode_cursor(last),
        }
    )


@authenticated(scope="feedback")
def get_conversation(request: Any, client: Client, ref: str) -> Response:
    """200 the conversation's summary with ``messages`` (oldest first) and ``next_cursor``."""
    from chalicelib.root import get_live_conversations
    from chalicelib.storage.conversations import encode_cursor

    conversation = _conversation(ref, client)
    limit, start = _limit(request), _cursor(request)
    messages, last = get_live_conversations().messages(ref, limit=limit, start=start)
    now = _now()
    return ok(
        {
            **_summary(conversation, now),
            "messages": [_message(m, now) for m in messages],
            "next_cursor": encode_cursor(last),
        }
    )


@authenticated(scope="feedback")
def reply(request: Any, client: Client, ref: str) -> Response:
    """201 ``{"ref", "message"}``: stored and queued for the citizen, once per request.
    409 ``conversation_closed`` when it is closed or idle (nothing stored, nothing sent)."""
    from chalicelib.conversation import texts
    from chalicelib.root import get_live_conversations
    from chalicelib.storage.conversations import ConversationClosed
    from chalicelib.storage.idempotency import AlreadyDone, Jobs
    from chalicelib.storage.table import get_table

    body = parse(request, OfficerReply)
    conversation = _conversation(ref, client)
    webhook_id = str((getattr(request, "headers", None) or {}).get("webhook-id") or "")
    request_ref = hashlib.sha256(f"{client.id}|{webhook_id}".encode()).hexdigest()
    message_id = request_ref[:16]
    try:
        job = Jobs(get_table()).claim(f"live-reply:{request_ref}")
    except AlreadyDone as done:  # finished by an attempt whose answer was lost
        return _reply_answer(ref, done.result)
    try:
        if job.plan is None:
            if conversation.state != "open" or _idle(conversation, _now()):
                raise ApiError(409, "conversation_closed", "The conversation has ended.")
            job.save_plan({"at": _now().isoformat()})
        at = datetime.fromisoformat(job.plan["at"])
        message = LiveMessage(
            id=message_id, at=at, sender="officer", officer=body.officer, text=body.text
        )
        try:
            job.run_step(
                "store", lambda: get_live_conversations().add_officer_reply(conversation, message)
            )
        except ConversationClosed:
            raise ApiError(409, "conversation_closed", "The conversation has ended.") from None
        if not job.is_done("queue"):
            _notice(
                conversation,
                f"live:{ref}:reply:{message_id}",
                texts.live_officer_reply(body.text),
                end_button=True,
            )
            job.mark("queue", later=True)  # rides on the finish (queued again: same notice id)
    except ApiError:
        job.finish(None)  # refused: a retry is refused again by the same checks
        raise
    except Exception:
        job.release()
        raise
    result = {"id": message_id, "at": at.isoformat(), "officer": body.officer}
    job.finish(result)
    log.info("live_officer_reply", ref=ref, client=client.id)
    log.metric("LiveOfficerReply")
    return _reply_answer(ref, result)


def _reply_answer(ref: str, result: Any) -> Response:
    if not isinstance(result, dict):
        raise ApiError(409, "conversation_closed", "The conversation has ended.")
    return ok({"ref": ref, "message": {**result, "from": "officer"}}, status=201)


@authenticated(scope="feedback")
def close(request: Any, client: Client, ref: str) -> Response:
    """200 the conversation's summary after closing it (closing a closed one changes nothing;
    the citizen is told once, when this officer's close applied)."""
    from chalicelib.conversation import texts
    from chalicelib.root import get_live_conversations

    body = parse(request, OfficerAction)
    conversation = _conversation(ref, client)
    by = f"officer:{body.officer}"
    store = get_live_conversations()
    closed_now = store.close(conversation, _now(), by)
    if closed_now or conversation.closed_by == by:
        # Queued again on a retry after a failure: the same notice id, sent once.
        _notice(conversation, f"live:{ref}:closed", texts.LIVE_ENDED_BY_OFFICER, end_button=False)
    if closed_now:
        log.info("live_closed", ref=ref, by="officer", client=client.id)
        log.metric("LiveConversationClosed", by="officer")
    after = store.get(ref) or conversation
    return ok({**_summary(after, _now()), "closed_now": closed_now})
