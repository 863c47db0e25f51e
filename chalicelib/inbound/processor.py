"""Processing one Zalo event from the inbound queue, exactly once.

Every event runs as a job of the one idempotency mechanism (:mod:`chalicelib.storage.idempotency`):

1. claim ``event:<delivery key>``; an event already processed (a redelivery, even an hour
   later) stops here: no second reply, no second effect;
2. decide once: record the interaction, run the conversation engine on the stored session and
   save the resulting *plan* (actions, session, replies) in the job;
3. carry the plan out step by step, marking each step, so a retry after a failure halfway goes
   on where it stopped instead of repeating what already happened;
4. finish the job.

Replies go through the one notifier with notice ids derived from the event, so even a reply
whose step mark was lost is not sent twice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.platform import log
from chalicelib.platform.container import cached
from chalicelib.zalo import delivery

_TURN_KINDS = {
    "user_send_text": "text",
    "user_send_image": "image",
    "user_send_file": "file",
    "user_send_location": "location",
    "follow": "follow",
    "unfollow": "unfollow",
    "user_click_chatnow": "chatnow",
    "user_submit_info": "submit_info",
}


def event_time(timestamp: str) -> datetime:
    """The event's time from Zalo's epoch-milliseconds string (now, when it is unusable)."""
    try:
        return datetime.fromtimestamp(int(timestamp) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(tz=UTC)


class Processor:
    """Turns one queued webhook body into its effects. Collaborators are injected."""

    def __init__(
        self,
        *,
        jobs: Any,
        users: Any,
        sessions: Any,
        notifier: Any,
        lookups: Any,
        dossiers: Any,
        engine_settings: Any,
    ) -> None:
        self.jobs = jobs
        self.users = users
        self.sessions = sessions
        self.notifier = notifier
        self.lookups = lookups
        self.dossiers = dossiers
        self.engine_settings = engine_settings

    # --- entry points -----------------------------------------------------------------------
    def process(self, raw_body: str) -> None:
        """Process one webhook body. Raises to have the message retried later
        (including :class:`InProgress` when another worker holds the event)."""
        from chalicelib.storage.idempotency import AlreadyDone
        from chalicelib.zalo import events

        try:
            body = json.loads(raw_body)
            event = events.parse(body)
        except ValueError as exc:  # bad JSON or a broken known shape: retrying cannot help
            log.warning("event_dropped_malformed", error_type=type(exc).__name__)
            log.metric("EventDroppedMalformed")
            return
        if isinstance(event, events.UnknownEvent):
            log.info("event_dropped_unknown", event_name=event.event_name)
            return
        if isinstance(event, events.OaEchoEvent):
            log.info("event_dropped_echo", event_name=event.event_name)
            return
        # Hashed: job keys and notice ids end up in logs, and a raw key may hold the user id.
        key = delivery.dedup_id(delivery.delivery_key(body))
        try:
            job = self.jobs.claim(f"event:{key}")
        except AlreadyDone:
            log.info("event_duplicate", event_name=event.event_name)
            log.metric("DuplicateEvent")
            return
        try:
            if job.plan is None:
                job.save_plan(self._decide(event))
            self._carry_out(job, key)
        except Exception:
            job.release()
            raise
        job.finish()
        log.info("event_processed", event_name=event.event_name, attempt=job.attempt)

    def apologise(self, raw_body: str) -> None:
        """Tell the citizen we could not handle their message (its last attempt failed).
        Idempotent: one apology per event."""
        from chalicelib.conversation import texts
        from chalicelib.notify.model import OutboundMessage
        from chalicelib.settings import get_settings

        body = json.loads(raw_body)
        user_id = delivery.subject_id(body)
        if not user_id or delivery.is_noise(str(body.get("event_name", ""))):
            return
        if body.get("event_name") == "unfollow":
            return
        # Hashed: job keys and notice ids end up in logs, and a raw key may hold the user id.
        key = delivery.dedup_id(delivery.delivery_key(body))
        self.notifier.send(
            user_id,
            OutboundMessage(text=texts.request_failed(get_settings().CENTRE_HOTLINE)),
            notice_id=f"{key}:apology",
            kind="apology",
        )

    # --- deciding ---------------------------------------------------------------------------
    def _turn(self, event: Any, first: bool, consented: bool) -> Any:
        from chalicelib.conversation.model import Attachment, Turn, UserInfo

        kind = _TURN_KINDS.get(event.event_name, "other")
        text = None
        attachments: list[Attachment] = []
        location = None
        message = getattr(event, "message", None)
        if message is not None:
            text = message.text
            for item in message.attachments:
                size = item.payload.size
                attachments.append(
                    Attachment(
                        type=item.type,
                        url=item.payload.url,
                        name=item.payload.name,
                        size=int(size) if size and size.isdigit() else None,
                    )
                )
                if item.type == "location" and item.payload.coordinates is not None:
                    location = _location(item.payload.coordinates)
        info = getattr(event, "info", None)  # user_submit_info: personal data, never logged
        user_info = None
        if info is not None:
            address = info.address_line()
            user_info = UserInfo(name=info.name, phone=info.phone, address=address or None)
        return Turn(
            user_id=event.user_id,
            now=event_time(event.timestamp),
            kind=kind,
            text=text,
            attachments=attachments,
            location=location,
            user_info=user_info,
            consented=consented,
            first_interaction=first,
        )

    def _decide(self, event: Any) -> dict[str, Any]:
        from chalicelib.conversation import engine

        at = event_time(event.timestamp)
        user_id = event.user_id
        if event.event_name == "unfollow":
            profile = self.users.get(user_id)
            first = False
        else:
            profile, first = self.users.touch(user_id, at)
        consented = bool(profile and profile.consent_at)
        session = self.sessions.get(user_id)
        outcome = engine.handle(
            session,
            self._turn(event, first, consented),
            self.lookups,
            self.engine_settings,
        )
        return {
            "user_id": user_id,
            "at": at.isoformat(),
            "follow": {"follow": True, "unfollow": False}.get(event.event_name),
            "actions": [a.model_dump(mode="json") for a in outcome.actions],
            "session_read_version": session.version if session else None,
            "session": outcome.session.model_dump(mode="json") if outcome.session else None,
            "replies": [r.model_dump(mode="json") for r in outcome.replies],
            "deliver_pending": bool(profile and profile.pending_notices),
        }

    # --- carrying out -----------------------------------------------------------------------
    def _carry_out(self, job: Any, key: str) -> None:
        from chalicelib.conversation.model import Session
        from chalicelib.notify.model import OutboundButton, OutboundMessage

        plan = job.plan
        user_id = plan["user_id"]
        at = datetime.fromisoformat(plan["at"])
        if plan.get("follow") is not None:
            job.run_step("follow", lambda: self.users.set_followed(user_id, plan["follow"], at))
        for index, action in enumerate(plan["actions"]):
            job.run_step(f"action{index}", lambda a=action: self._apply(user_id, a))
        session = Session.model_validate(plan["session"]) if plan["session"] else None
        if session is not None or plan["session_read_version"] is not None:
            # No session before and none after: nothing to write (saves two calls).
            job.run_step(
                "session",
                lambda: self.sessions.save(
                    user_id, session, read_version=plan["session_read_version"]
                ),
            )
        for index, reply in enumerate(plan["replies"]):
            message = OutboundMessage(
                text=reply["text"],
                buttons=[
                    OutboundButton(title=b["title"], payload=b["payload"]) for b in reply["buttons"]
                ],
            )
            # The notifier is idempotent per notice id: no step mark needed here.
            self.notifier.send(user_id, message, notice_id=f"{key}:reply{index}", kind="reply")
        if plan["deliver_pending"]:
            job.run_step("pending", lambda: self.notifier.deliver_pending(user_id))

    def _apply(self, user_id: str, action: dict[str, Any]) -> None:
        kind = action["kind"]
        at = datetime.fromisoformat(action["at"])
        if kind == "grant_consent":
            self.users.grant_consent(user_id, at)
        elif kind in ("withdraw_consent", "delete_my_data"):
            # Nothing personal stays reachable from this Zalo user: profile contact data,
            # links to dossiers (owner views), and pending notices (they hold message texts).
            self.users.erase_personal_data(user_id)
            self.dossiers.unlink_owner(user_id)
            self.notifier.discard_pending(user_id)
            if kind == "delete_my_data":
                log.info("data_erasure_requested", user_ref=_ref(user_id))
                log.metric("DataErasureRequested")
        elif kind == "record_unfollow":
            self.users.set_followed(user_id, False, at)
        elif kind == "link_dossier":
            self.dossiers.link_owner(action["code"], user_id)
        else:
            raise ValueError(f"unknown action {kind}")


def _location(coordinates: Any) -> Any:
    """The shared place, or None when Zalo's coordinate strings are not numbers in range."""
    from chalicelib.conversation.model import Location

    try:
        lat, lon = float(coordinates.latitude), float(coordinates.longitude)
        return Location(latitude=lat, longitude=lon)
    except ValueError:  # includes pydantic's ValidationError (out of range, NaN)
        return None


def _ref(user_id: str) -> str:
    """A short non-reversible reference to a user for logs (the Zalo id itself is personal)."""
    import hashlib

    return hashlib.sha256(user_id.encode()).hexdigest()[:12]


@cached
def get_processor() -> Processor:
    """The processor wired to the real storage, notifier and lookups (cached per container)."""
    from chalicelib.conversation.model import EngineSettings
    from chalicelib.notify.notifier import get_notifier
    from chalicelib.services.lookups import get_lookups
    from chalicelib.settings import get_settings
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.sessions import Sessions
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    table = get_table()
    return Processor(
        jobs=Jobs(table),
        users=Users(table),
        sessions=Sessions(table),
        notifier=get_notifier(),
        lookups=get_lookups(),
        dossiers=Dossiers(table),
        engine_settings=EngineSettings.from_app_settings(get_settings()),
    )


def consume(event: Any) -> dict[str, Any]:
    """The inbound queue consumer: every record processed, failures reported per item.

    On a record's last allowed receive, a record that fails (or is held back behind a failing
    one of the same user, or for lack of time) gets the citizen an apology before it moves to
    the dead-letter queue, so a failure never ends in silence. A record that can never be
    processed (a known event with a broken shape) is dropped at once with a log line."""
    from chalicelib.platform.sqs_batch import process_batch
    from chalicelib.settings import get_settings

    processor = get_processor()
    return process_batch(
        event,
        lambda record: processor.process(record.body),
        queue="inbound",
        max_receives=get_settings().INBOUND_MAX_RECEIVES,
        on_last_failure=lambda record: processor.apologise(record.body),
    )
