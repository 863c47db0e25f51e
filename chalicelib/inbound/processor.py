"""Processing one Zalo event from the inbound queue, exactly once.

Every event runs as a job of the one idempotency mechanism (:mod:`chalicelib.storage.idempotency`):

1. claim ``event:<delivery key>``; an event already processed (a redelivery, even an hour
   later) stops here: no second reply, no second effect;
2. decide once: record the interaction, run the conversation engine on the stored session and
   save the resulting :class:`EventPlan` (actions, session, replies) in the job, in the same
   transaction as the session it leaves;
3. carry the plan out step by step, marking each step, so a retry after a failure halfway goes
   on where it stopped instead of repeating what already happened; each action goes to its
   handler in :mod:`chalicelib.inbound.effects`;
4. finish the job, with the notice records of the replies in the same transaction.

Replies go through the one notifier *within* the event's job: the job's step marks (one per
part sent, Zalo's message id in the mark) are their idempotency, so a chat message that gets
one reply costs four AWS calls besides its lookups: claim the job, read the profile and the
session (one Query), save the plan with the interaction and the session (one transaction),
finish with the reply's record (one transaction).

A redriven event older than the job retention (``KEEP_DAYS_DEFAULT``: dead letters live 14 days,
job records 8) is not run again: its job may have expired, so nothing proves it did not already
run; it is dropped with a log line and the ``EventDroppedExpired`` metric, and the citizen gets
the apology instead of a week-old answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.conversation.model import EngineSettings, Lookups, Reply, Session, TurnKind
from chalicelib.inbound import effects
from chalicelib.notify import outbox
from chalicelib.notify.model import NoticeResult, OutboundMessage
from chalicelib.platform import log
from chalicelib.storage.conversations import LivePointer
from chalicelib.storage.idempotency import KEEP_DAYS_DEFAULT, Job
from chalicelib.storage.users import UserProfile
from chalicelib.zalo import delivery

if TYPE_CHECKING:
    from chalicelib.conversation.flows.handoff import LiveTurn
    from chalicelib.conversation.model import Turn
    from chalicelib.zalo.events import ChatNowEvent, FollowEvent, SubmitInfoEvent, UserMessageEvent

    # The events that reach the conversation (echoes, receipts and unknown ones are dropped).
    UserEvent = UserMessageEvent | FollowEvent | ChatNowEvent | SubmitInfoEvent

_TURN_KINDS: dict[str, TurnKind] = {
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


class JobStore(Protocol):
    """The one idempotency mechanism (:class:`chalicelib.storage.idempotency.Jobs`)."""

    def claim(self, key: str) -> Job: ...


class UserStore(effects.UserStore, Protocol):
    """User profiles (:class:`chalicelib.storage.users.Users`)."""

    def get(self, user_id: str) -> UserProfile | None: ...

    def touch_write(
        self, user_id: str, at: datetime, profile: UserProfile | None
    ) -> tuple[dict[str, Any] | None, bool]: ...


class SessionStore(Protocol):
    """Conversation sessions (:class:`chalicelib.storage.sessions.Sessions`)."""

    def read_for_event(
        self, user_id: str
    ) -> tuple[UserProfile | None, Session | None, LivePointer | None]: ...

    def save(self, user_id: str, session: Session | None, *, read_version: int | None) -> None: ...

    def write(
        self, user_id: str, session: Session | None, *, read_version: int | None
    ) -> dict[str, Any]: ...


class Notifier(effects.PendingNotices, Protocol):
    """The one notifier (:class:`chalicelib.notify.notifier.Notifier`)."""

    def send(
        self,
        user_id: str,
        message: OutboundMessage,
        *,
        notice_id: str,
        kind: str = "reply",
        template_data: dict[str, Any] | None = None,
        phone: str | None = None,
        within: Job | None = None,
        step: str = "",
        at: datetime | None = None,
        last: bool = False,
        keep_if_unavailable: bool = False,
    ) -> NoticeResult: ...

    def deliver_pending(self, user_id: str) -> list[NoticeResult]: ...


class PlannedAction(BaseModel):
    """An action as the conversation asked for it (its JSON form; ``kind`` picks the effect
    handler, which validates the rest against the action's model)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str


class EventPlan(BaseModel):
    """What one event leads to, decided once and kept in the event's job."""

    user_id: str
    at: AwareDatetime
    follow: bool | None = None  # True/False for follow/unfollow events, else None
    actions: list[PlannedAction] = Field(default_factory=list)
    session_read_version: int | None = None
    session: Session | None = None
    # True when the session was written with the plan (plans saved before that wrote it in a
    # step of its own).
    session_saved: bool = False
    replies: list[Reply] = Field(default_factory=list)
    deliver_pending: bool = False
    # True: replies are steps of the event's job. Plans saved before sent each reply as a
    # notice job of its own, and a retry of one keeps doing so (nothing sent twice on deploy).
    replies_in_job: bool = False

    @property
    def writes_session(self) -> bool:
        """No session before and none after: nothing to write."""
        return self.session is not None or self.session_read_version is not None


class Processor:
    """Turns one queued webhook body into its effects. Collaborators are injected."""

    def __init__(
        self,
        *,
        jobs: JobStore,
        users: UserStore,
        sessions: SessionStore,
        notifier: Notifier,
        lookups: Lookups,
        dossiers: effects.DossierLinks,
        engine_settings: EngineSettings,
        job_keep_days: int = KEEP_DAYS_DEFAULT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        uploads: effects.UploadEraser | None = None,
        submissions: effects.Submissions | None = None,
        ratings: effects.RatingStore | None = None,
        feedback: Callable[[], effects.FeedbackTools] | None = None,
        data_rights: effects.DataRightsService | None = None,
        live: effects.Live | None = None,
        info_card_image_url: str = "",
        postal: Any = None,
    ) -> None:
        self.live = live
        # The image of Zalo's information request card; without one the card is left out
        # (Zalo needs an image) and the citizen types the values.
        self.info_card_image_url = info_card_image_url
        self.uploads = uploads
        self.ratings = ratings
        self.feedback = feedback
        self.data_rights = data_rights
        self.jobs = jobs
        self.job_keep_days = job_keep_days
        self.clock = clock
        self.users = users
        self.sessions = sessions
        self.notifier = notifier
        self.lookups = lookups
        self.dossiers = dossiers
        self.engine_settings = engine_settings
        self.submissions = submissions
        self.postal = postal  # chalicelib.postal.service.PostalService (issue 13)

    # --- entry points -----------------------------------------------------------------------
    def process(self, raw_body: str) -> None:
        """Process one webhook body. Raises to have the message retried later
        (including :class:`InProgress` when another worker holds the event)."""
        from chalicelib.storage.idempotency import AlreadyDone
        from chalicelib.zalo import events

        try:
            body = json.loads(raw_body)
            queued = outbox.parse(body)
            if queued is not None:
                self._send_queued(queued, last_attempt=False)
                return
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
        age = self.clock() - event_time(event.timestamp)
        if age > timedelta(days=self.job_keep_days):
            # Its job record (the proof it ran) may have expired: running it again could repeat
            # its effects, and a week-old answer helps nobody. The citizen gets the apology.
            log.warning("event_dropped_expired", event_name=event.event_name, age_days=age.days)
            log.metric("EventDroppedExpired")
            self.apologise(raw_body)
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
                self._decide_and_save(job, event)
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

        body = json.loads(raw_body)
        queued = outbox.parse(body)
        if queued is not None:  # a queued notice is not apologised for: it is kept pending
            self._send_queued(queued, last_attempt=True)
            return
        user_id = delivery.subject_id(body)
        if not user_id or delivery.is_noise(str(body.get("event_name", ""))):
            return
        if body.get("event_name") == "unfollow":
            return
        # Hashed: job keys and notice ids end up in logs, and a raw key may hold the user id.
        key = delivery.dedup_id(delivery.delivery_key(body))
        self.notifier.send(
            user_id,
            OutboundMessage(text=texts.request_failed(self.engine_settings.hotline)),
            notice_id=f"{key}:apology",
            kind="apology",
            keep_if_unavailable=True,  # no later attempt: kept pending if Zalo is down
        )

    def _send_queued(self, notice: outbox.QueuedNotice, *, last_attempt: bool) -> None:
        """Send a notice from the outbox (a status change, an answer, a reminder) through the
        notifier, exactly once per notice id. On the record's last receive a notice Zalo cannot
        take now is kept pending for the citizen's next message instead of being lost."""
        with log.bound(notice_ref=notice.ref):
            self.notifier.send(
                notice.user_id or "",
                notice.message,
                notice_id=notice.notice_id,
                kind=notice.kind,
                template_data=notice.template_data,
                phone=notice.phone,
                keep_if_unavailable=last_attempt and bool(notice.user_id),
            )

    # --- deciding ---------------------------------------------------------------------------
    def _turn(
        self, event: UserEvent, first: bool, consented: bool, awaiting: str | None = None
    ) -> Turn:
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
            awaiting=awaiting,
        )

    def _decide(
        self, event: UserEvent
    ) -> tuple[EventPlan, dict[str, Any] | None, list[dict[str, Any]]]:
        """The plan, the write recording the interaction on the profile (None: nothing to
        record) and the writes of a live conversation's turn. Reads the profile, the session
        and the live-conversation pointer in one call.

        Routing: a citizen with an open live conversation (the pointer) is not answered by
        the engine; :func:`~chalicelib.conversation.flows.handoff.route_live` forwards the
        turn to the conversation, or ends it and hands the turn to the engine."""
        from chalicelib.conversation import engine
        from chalicelib.conversation.flows import default_flows, handoff

        at = event_time(event.timestamp)
        user_id = event.user_id
        profile, session, pointer = self.sessions.read_for_event(user_id)
        touch: dict[str, Any] | None = None
        first = False
        if event.event_name != "unfollow":
            touch, first = self.users.touch_write(user_id, at, profile)
        consented = bool(profile and profile.consent_at)
        turn = self._turn(event, first, consented, profile.awaiting if profile else None)
        routed = None
        if pointer is not None and self.live is not None:
            view = handoff.LiveView(
                ref=pointer.ref,
                last_activity_at=pointer.last_activity_at,
                away_until=pointer.away_until,
            )
            routed = handoff.route_live(
                turn,
                view,
                hours=self.live.hours,
                idle=self.live.idle,
                command_names=default_flows().command_names,
            )
        if routed is not None and routed.lifted is None:
            assert pointer is not None and self.live is not None
            plan = EventPlan(
                user_id=user_id,
                at=at,
                follow={"follow": True}.get(event.event_name),
                actions=[
                    PlannedAction.model_validate(a.model_dump(mode="json")) for a in routed.actions
                ],
                replies=routed.replies,
                deliver_pending=bool(profile and profile.pending_notices),
                replies_in_job=True,
            )
            return plan, touch, self._live_writes(user_id, pointer, at, routed, touch is not None)
        lead_actions: list[Any] = []
        lead_replies: list[Reply] = []
        if routed is not None:  # the conversation ends; the engine takes the turn
            lead_actions, lead_replies = list(routed.actions), list(routed.replies)
            if routed.engine_text is not None:
                turn = turn.model_copy(update={"kind": "text", "text": routed.engine_text})
        outcome = engine.handle(session, turn, self.lookups, self.engine_settings)
        plan = EventPlan(
            user_id=user_id,
            at=at,
            follow={"follow": True, "unfollow": False}.get(event.event_name),
            actions=[
                PlannedAction.model_validate(a.model_dump(mode="json"))
                for a in [*lead_actions, *outcome.actions]
            ],
            session_read_version=session.version if session else None,
            session=outcome.session,
            replies=[*lead_replies, *outcome.replies],
            deliver_pending=bool(profile and profile.pending_notices),
            replies_in_job=True,
        )
        return plan, touch, []

    def _live_writes(
        self, user_id: str, pointer: LivePointer, at: datetime, routed: LiveTurn, newer: bool
    ) -> list[dict[str, Any]]:
        """The conversation's writes for a forwarded turn (saved with the plan)."""
        from chalicelib.storage.conversations import LiveMessage

        assert self.live is not None
        message = None
        if routed.message is not None:
            forwarded = routed.message
            message = LiveMessage(
                id=forwarded.id,
                at=at,
                sender="citizen",
                text=forwarded.text,
                latitude=forwarded.latitude,
                longitude=forwarded.longitude,
            )
        writes: list[dict[str, Any]] = self.live.store.turn_writes(
            user_id, pointer, at, message=message, away_until=routed.away_until, newer=newer
        )
        return writes

    def _decide_and_save(self, job: Job, event: UserEvent) -> None:
        """Decide, then save the plan, the interaction and the session it leaves in one
        transaction: all recorded, or (on a conflicting write) none and the event retried."""
        from chalicelib.storage.sessions import SessionConflict
        from chalicelib.storage.table import TransactionCancelled

        plan, touch, live_writes = self._decide(event)
        writes = [touch] if touch else []
        writes.extend(live_writes)
        if plan.writes_session:
            plan = plan.model_copy(update={"session_saved": True})
            writes.append(
                self.sessions.write(
                    plan.user_id, plan.session, read_version=plan.session_read_version
                )
            )
        try:
            job.save_plan(plan.model_dump(mode="json"), with_writes=writes)
        except TransactionCancelled as exc:
            if "ConditionalCheckFailed" in exc.reasons[1:]:
                raise SessionConflict(plan.user_id) from None
            raise

    # --- carrying out -----------------------------------------------------------------------
    def _carry_out(self, job: Job, key: str) -> None:
        from chalicelib.notify.model import OutboundButton, UserInfoRequest

        plan = EventPlan.model_validate(job.plan)
        user_id = plan.user_id
        if plan.follow is not None:
            follow = plan.follow
            job.run_step("follow", lambda: self.users.set_followed(user_id, follow, plan.at))
        for index, action in enumerate(plan.actions):
            plan = self._apply(job, plan, f"action{index}", action)
        if plan.writes_session and not plan.session_saved:
            job.run_step(
                "session",
                lambda: self.sessions.save(
                    user_id, plan.session, read_version=plan.session_read_version
                ),
            )
        for index, reply in enumerate(plan.replies):
            card = None
            if reply.info_card is not None and self.info_card_image_url:
                card = UserInfoRequest(
                    title=reply.info_card.title,
                    subtitle=reply.info_card.subtitle,
                    image_url=self.info_card_image_url,
                )
            message = OutboundMessage(
                text=reply.text,
                buttons=[OutboundButton(title=b.title, payload=b.payload) for b in reply.buttons],
                user_info_request=card,
            )
            if not plan.replies_in_job:
                self.notifier.send(user_id, message, notice_id=f"{key}:reply{index}")
                continue
            self.notifier.send(
                user_id,
                message,
                notice_id=f"{key}:reply{index}",
                kind="reply",
                within=job,
                step=f"reply{index}",
                at=plan.at,
                last=index == len(plan.replies) - 1 and not plan.deliver_pending,
            )
        if plan.deliver_pending:
            job.run_step("pending", lambda: self.notifier.deliver_pending(user_id))

    def _apply(self, job: Job, plan: EventPlan, step: str, action: PlannedAction) -> EventPlan:
        """Run one action's effect unless done; the plan, with the replies replaced when the
        effect could not be applied (the planned ones assumed it would be)."""
        if job.is_done(step):
            return plan
        collaborators = effects.Collaborators(
            users=self.users,
            dossiers=self.dossiers,
            notices=self.notifier,
            hotline=self.engine_settings.hotline,
            uploads=self.uploads,
            submissions=self.submissions,
            ratings=self.ratings,
            feedback=self.feedback,
            data_rights=self.data_rights,
            live=self.live,
            postal=self.postal,
        )
        result = effects.apply(action.model_dump(mode="json"), plan.user_id, collaborators)
        if not result.applied:
            log.warning("effect_not_applied", kind=action.kind, reason=result.reason)
            log.metric("EffectNotApplied", kind=action.kind)
        if result.replies_instead:  # a failure's explanation, or what only the effect knows
            replies = [Reply(text=text) for text in result.replies_instead]
            if result.keep_buttons and plan.replies and plan.replies[-1].buttons:
                last = replies[-1].model_copy(update={"buttons": plan.replies[-1].buttons})
                replies[-1] = last
            plan = plan.model_copy(update={"replies": replies})
            job.save_plan(plan.model_dump(mode="json"))
        elif result.replies_after:  # e.g. the dossiers an erasure keeps, and why
            extra = [Reply(text=text) for text in result.replies_after]
            plan = plan.model_copy(update={"replies": [*plan.replies, *extra]})
            job.save_plan(plan.model_dump(mode="json"))
        job.mark(step)
        return plan


def _location(coordinates: Any) -> Any:
    """The shared place, or None when Zalo's coordinate strings are not numbers in range."""
    from chalicelib.conversation.model import Location

    try:
        lat, lon = float(coordinates.latitude), float(coordinates.longitude)
        return Location(latitude=lat, longitude=lon)
    except ValueError:  # includes pydantic's ValidationError (out of range, NaN)
        return None
