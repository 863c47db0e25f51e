"""The one notifier: the only path by which anything is sent to a citizen.

:meth:`Notifier.send` guarantees:

- **Once per notice.** The notice runs as the job ``notice:<notice_id>``
  (:mod:`chalicelib.storage.idempotency`); a finished notice answers its recorded result without
  sending again. Each sent part is marked as a step (the step name carries Zalo's message id),
  so a retry after a crash resends only the parts not yet sent. A *reply* to an interaction is
  sent within that interaction's job instead (``send(..., within=job)``): the same step marks,
  in the event's job, and the record written with its finish, so it costs no call of its own.
- **Fits Zalo's limits.** Texts over 2,000 characters go out as several messages split at line
  boundaries; buttons ride on the last part; an image goes first, as its own message.
- **Reaches the citizen if anything can.** Channels are tried in this order and the choice is
  saved in the job's plan: a consultation message when the profile shows an interaction within
  MESSAGING_WINDOW_DAYS; then, when a template is configured for ``kind`` and
  ``template_data`` is given, a template message by user id, then by phone (the ``phone``
  argument or the consented profile phone); then, if the profile showed the user outside the
  window, one consultation attempt anyway (Zalo decides); last, a *pending* notice kept in the
  table and delivered by :meth:`Notifier.deliver_pending` at the user's next interaction.
  A Zalo refusal (-230/-232 outside the window, -213 not following, ...) moves to the next
  channel; -201 (our request is invalid) ends the notice as ``skipped``.
- **Nothing twice.** A consultation message refused halfway (part 0 sent, part 1 refused) is
  kept pending with only the parts not yet sent (buttons still on the last one); the result
  and the record carry the message ids of the parts that went out.
- **Erasable.** :meth:`Notifier.discard_pending` deletes a user's pending notices (they hold
  message texts) when the citizen asks for their personal data to be deleted.
- **Recorded.** Every notice leaves a notice record (:mod:`chalicelib.storage.notices`) with
  kind, channel, message ids or error code; message texts are never logged.

Raised, so that the caller's queue retries the notice later (the job's lease expires): network
failures after retries (ZaloUnavailable), token trouble (TokenRejected, TokenError), InProgress
when another worker holds the notice, AWS errors. ValueError for a message that cannot be sent
at all (empty text, invalid button), before anything happens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.domain.identity import normalize_mobile
from chalicelib.notify.model import NoticeResult, OutboundMessage
from chalicelib.platform import log
from chalicelib.storage.idempotency import AlreadyDone, InProgress, Job, Jobs
from chalicelib.storage.notices import Notices, PendingNotice
from chalicelib.storage.users import Users, in_window
from chalicelib.zalo import messages
from chalicelib.zalo.client import (
    InvalidRequest,
    TokenRejected,
    ZaloApiError,
    ZaloUnavailable,
)
from chalicelib.zalo.limits import MAX_TEXT_CHARS

PENDING_KEEP_DAYS = 90  # a notice nobody came back for in 3 months is stale
MAX_TRACKING_ID = 48  # Zalo's limit on a phone-template tracking id


def iso(at: datetime) -> str:
    """The sortable UTC timestamp used in sort keys: ``2026-05-01T08:30:00.000Z``."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def phone_84(phone: str | None) -> str | None:
    """A Vietnamese mobile number as Zalo's template API wants it (``84...``), or None when it
    is not one (the one parser: :func:`chalicelib.domain.identity.normalize_mobile`)."""
    e164 = normalize_mobile(phone) if phone else None
    return e164[1:] if e164 else None


def tracking_id(notice_id: str) -> str:
    """Our id for a phone-template message, within Zalo's length limit."""
    if len(notice_id) <= MAX_TRACKING_ID:
        return notice_id
    return hashlib.sha256(notice_id.encode()).hexdigest()[:MAX_TRACKING_ID]


def consultation_parts(message: OutboundMessage) -> list[dict[str, Any]]:
    """The Zalo ``message`` objects for one logical message, in sending order.

    Raises ValueError when there is nothing to send or a button is invalid."""
    from chalicelib.conversation.replies import split_text

    parts: list[dict[str, Any]] = []
    if message.image_url:
        parts.append(messages.image(url=message.image_url))
    pieces = split_text(message.text, limit=MAX_TEXT_CHARS) if message.text else []
    if message.buttons and not pieces:
        raise ValueError("buttons need a text to ride on")
    for index, piece in enumerate(pieces):
        if index == len(pieces) - 1 and message.buttons:
            buttons = [
                {"title": b.title, "payload": b.zalo_payload(), "type": b.type}
                for b in message.buttons
            ]
            parts.append(messages.text_with_buttons(piece, buttons))
        else:
            parts.append(messages.text(piece))
    card = message.user_info_request
    if card is not None:
        parts.append(messages.request_user_info(card.title, card.subtitle, card.image_url))
    if not parts:
        raise ValueError("the message has neither text nor image")
    return parts


def _pending_parts(notice: PendingNotice) -> list[dict[str, Any]]:
    """The Zalo messages a pending notice still owes: ``parts`` as kept, or, for items kept
    before parts were stored, the consultation parts of the whole ``message``."""
    if notice.parts is not None:
        return list(notice.parts)
    return consultation_parts(OutboundMessage.model_validate_json(notice.message or "{}"))


class ZaloSender(Protocol):
    """What the notifier needs from Zalo (:class:`chalicelib.zalo.client.ZaloClient`)."""

    def send_message(self, user_id: str, message: dict[str, Any]) -> str: ...

    def send_template_to_user(
        self, user_id: str, template_id: str, data: dict[str, Any]
    ) -> str: ...

    def send_template_to_phone(
        self, phone_84: str, template_id: str, data: dict[str, Any], tracking_id: str
    ) -> str: ...


class NotifierSettings(Protocol):
    """What the notifier reads from the settings (:class:`chalicelib.settings.Settings`)."""

    @property
    def MESSAGING_WINDOW_DAYS(self) -> int: ...

    def template_id(self, notice_type: str) -> str | None: ...


def _is_refusal(exc: ZaloApiError) -> bool:
    """A refusal about this user or channel (try the next channel), as opposed to trouble on
    our side or Zalo's (retry the notice later)."""
    return exc.code is not None and not isinstance(exc, ZaloUnavailable | TokenRejected)


class Notifier:
    """Sends notices to citizens. See the module docstring for the guarantees."""

    def __init__(
        self,
        client: ZaloSender,
        users: Users,
        jobs: Jobs,
        notices: Notices,
        settings: NotifierSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._users = users
        self._jobs = jobs
        self._notices = notices
        self._settings = settings
        self._clock = clock

    # --- sending ------------------------------------------------------------------------------

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
    ) -> NoticeResult:
        """Send ``message`` to ``user_id`` once for ``notice_id``; how it went out.

        ``keep_if_unavailable``: when Zalo cannot be reached (unavailable after retries, out of
        time, token trouble), keep the notice pending at once instead of raising, so it is
        delivered at the citizen's next message (the apology on a record's last receive: there
        is no later attempt to retry it).

        Cost: a job claim, a GetItem of the profile (first attempt only), one Zalo call and
        one job write per part, a notice record and the job's finish.

        ``within``: the answer to an interaction the job ``within`` is handling (the user has
        just written, so the window is open): the job's own step marks (named after ``step``)
        are the notice's idempotency, its plan time ``at`` the notice's time, and the record is
        written with the job's finish. ``last``: nothing follows in that job before its finish,
        so the last part's mark rides on the finish too. Cost: one Zalo call per part and one
        job write per part but the last one."""
        parts = consultation_parts(message)
        if within is not None:
            return self._answer(
                within, user_id, parts, notice_id=notice_id, kind=kind, step=step, at=at, last=last
            )
        try:
            job = self._jobs.claim(f"notice:{notice_id}")
        except AlreadyDone as done:
            log.info("notice_already_sent", notice_id=notice_id)
            return NoticeResult.model_validate(done.result)
        # A failed attempt gives its lease up at once: the queue retries within seconds (the
        # retry ladder) and must not find the notice "in progress" until the lease lapses.
        try:
            return self._send_claimed(
                job,
                user_id,
                message,
                parts,
                notice_id,
                kind,
                template_data,
                phone,
                keep_if_unavailable=keep_if_unavailable,
            )
        except Exception:
            job.release()
            raise

    def _send_claimed(
        self,
        job: Job,
        user_id: str,
        message: OutboundMessage,
        parts: list[dict[str, Any]],
        notice_id: str,
        kind: str,
        template_data: dict[str, Any] | None,
        phone: str | None,
        *,
        keep_if_unavailable: bool = False,
    ) -> NoticeResult:
        profile = None
        plan = job.plan
        if not user_id:
            return self._send_to_phone_only(job, message, notice_id, kind, template_data, phone)
        if plan is None:
            profile = self._users.get(user_id)
            now = self._clock()
            window = in_window(profile, now, self._settings.MESSAGING_WINDOW_DAYS)
            channels = ["consultation"] if window else []
            channels += self._template_channels(kind, template_data, phone, profile)
            if not window:
                # Zalo, not our profile, is the authority on the window (an interaction we
                # missed, a window longer than configured): before waiting for the user, one
                # consultation attempt costs a single call and -230 sends it on to pending.
                channels.append("consultation")
            channels.append("pending")
            plan = {"at": iso(now), "channels": channels}
            job.save_plan(plan)
        elif "template_phone" in plan["channels"] and not phone:
            profile = self._users.get(user_id)  # the phone is never kept in the job record

        result: NoticeResult | None = None
        while result is None:
            channel = plan["channels"][0]
            try:
                result = self._run(
                    channel,
                    job,
                    user_id,
                    parts,
                    message=message,
                    notice_id=notice_id,
                    kind=kind,
                    at=plan["at"],
                    template_data=template_data or {},
                    phone=phone_84(phone or (profile.phone if profile else None)),
                )
            except InvalidRequest as exc:
                result = NoticeResult(channel="skipped", error=str(exc.code))
            except ZaloApiError as exc:
                # Refused, or Zalo unavailable: the total (its alarm) and by channel.
                log.metric("NoticeFailed")
                log.metric("NoticeFailed", channel=channel)
                if channel == "pending":
                    raise
                if not _is_refusal(exc):
                    if not keep_if_unavailable:
                        raise
                    log.warning(
                        "notice_kept_zalo_unavailable",
                        notice_id=notice_id,
                        channel=channel,
                        error_type=type(exc).__name__,
                    )
                    log.metric("NoticeKeptZaloUnavailable", kind=kind)
                    plan = {**plan, "channels": ["pending"]}
                    job.save_plan(plan)
                    continue
                log.warning(
                    "notice_channel_refused", notice_id=notice_id, channel=channel, code=exc.code
                )
                plan = {**plan, "channels": plan["channels"][1:]}
                job.save_plan(plan)

        self._record(user_id, notice_id, kind, plan["at"], result)
        job.finish(result.model_dump())
        _log_sent(notice_id, kind, result)
        return result

    def _send_to_phone_only(
        self,
        job: Job,
        message: OutboundMessage,
        notice_id: str,
        kind: str,
        template_data: dict[str, Any] | None,
        phone: str | None,
    ) -> NoticeResult:
        """A notice for someone with no Zalo user linked (a dossier filed at a counter): only a
        template by phone can reach them; without one the notice is skipped (``no_recipient``),
        recorded in the job only (there is no user to keep it for)."""
        number = phone_84(phone)
        template = self._settings.template_id(kind)
        if template_data is None or not template or not number:
            result = NoticeResult(channel="skipped", error="no_recipient")
        else:
            try:
                mid = self._once(
                    job,
                    "template_phone",
                    lambda: self._client.send_template_to_phone(
                        number, template, template_data, tracking_id(notice_id)
                    ),
                )
                result = NoticeResult(channel="template_phone", message_ids=[mid])
            except InvalidRequest as exc:
                result = NoticeResult(channel="skipped", error=str(exc.code))
            except ZaloApiError as exc:
                if not _is_refusal(exc):
                    raise
                result = NoticeResult(channel="skipped", error=str(exc.code))
        job.finish(result.model_dump())
        _log_sent(notice_id, kind, result)
        return result

    def _template_channels(
        self, kind: str, template_data: dict[str, Any] | None, phone: str | None, profile: Any
    ) -> list[str]:
        # A template needs its parameters: without template_data it could only fail with -201.
        if template_data is None or not self._settings.template_id(kind):
            return []
        channels = ["template_user"]
        consented_phone = profile.phone if profile and profile.consent_at else None
        if phone_84(phone or consented_phone):
            channels.append("template_phone")
        return channels

    def _run(
        self,
        channel: str,
        job: Job,
        user_id: str,
        parts: list[dict[str, Any]],
        *,
        message: OutboundMessage,
        notice_id: str,
        kind: str,
        at: str,
        template_data: dict[str, Any],
        phone: str | None,
    ) -> NoticeResult:
        if channel == "consultation":
            return NoticeResult(
                channel="consultation", message_ids=self._send_parts(job, user_id, parts)
            )
        if channel in ("template_user", "template_phone"):
            found = self._settings.template_id(kind)
            if not found:  # unconfigured since the plan was made: a refusal, try the next
                raise ZaloApiError(0, "no template configured")
            template = found
        if channel == "template_user":
            mid = self._once(
                job,
                "template_user",
                lambda: self._client.send_template_to_user(user_id, template, template_data),
            )
            return NoticeResult(channel="template_user", message_ids=[mid])
        if channel == "template_phone":
            if not phone:
                raise ZaloApiError(0, "no usable phone")  # a refusal: go on to pending
            mid = self._once(
                job,
                "template_phone",
                lambda: self._client.send_template_to_phone(
                    phone, template, template_data, tracking_id(notice_id)
                ),
            )
            return NoticeResult(channel="template_phone", message_ids=[mid])
        if channel == "pending":
            # Parts a refused consultation attempt already delivered are not kept again.
            sent = self._sent_parts(job)
            unsent = [part for index, part in enumerate(parts) if index not in sent]
            self._notices.keep_pending(
                user_id,
                unsent,
                notice_id=notice_id,
                kind=kind,
                at=at,
                expires=int(self._clock().timestamp()) + PENDING_KEEP_DAYS * 86400,
            )
            return NoticeResult(channel="pending", message_ids=[sent[i] for i in sorted(sent)])
        raise ValueError(f"unknown channel {channel!r}")

    @staticmethod
    def _once(job: Job, step: str, action: Callable[[], str]) -> str:
        """Run ``action`` unless it already succeeded; the step name carries its result."""
        prefix = f"{step}="
        for done in job.done_steps:
            if done.startswith(prefix):
                return done[len(prefix) :]
        result = action()
        job.mark(prefix + result)
        return result

    @staticmethod
    def _sent_parts(job: Job, prefix: str = "") -> dict[int, str]:
        """Zalo's message id of each part already sent in this job, by part index."""
        sent: dict[int, str] = {}
        for done in job.done_steps:
            if done.startswith(prefix + "part:"):
                index, _, message_id = done.removeprefix(prefix + "part:").partition("=")
                sent[int(index)] = message_id
        return sent

    def _send_parts(
        self,
        job: Job,
        user_id: str,
        parts: list[dict[str, Any]],
        prefix: str = "",
        last_later: bool = False,
    ) -> list[str]:
        ids = []
        for index, part in enumerate(parts):
            step = f"{prefix}part:{index}="
            found = next((d[len(step) :] for d in job.done_steps if d.startswith(step)), None)
            if found is None:
                found = self._client.send_message(user_id, part)
                job.mark(step + found, later=last_later and index == len(parts) - 1)
            ids.append(found)
        return ids

    def _answer(
        self,
        job: Job,
        user_id: str,
        parts: list[dict[str, Any]],
        *,
        notice_id: str,
        kind: str,
        step: str,
        at: datetime | None,
        last: bool,
    ) -> NoticeResult:
        """A reply carried out inside the job of the interaction it answers (see :meth:`send`)."""
        prefix = f"{step}:"
        when = iso(at or self._clock())
        if job.is_done(prefix + "pending"):
            sent = self._sent_parts(job, prefix)
            result = NoticeResult(channel="pending", message_ids=[sent[i] for i in sorted(sent)])
        else:
            try:
                ids = self._send_parts(job, user_id, parts, prefix, last_later=last)
                result = NoticeResult(channel="consultation", message_ids=ids)
            except InvalidRequest as exc:
                result = NoticeResult(channel="skipped", error=str(exc.code))
            except ZaloApiError as exc:
                if not _is_refusal(exc):
                    raise
                log.warning(
                    "notice_channel_refused",
                    notice_id=notice_id,
                    channel="consultation",
                    code=exc.code,
                )
                sent = self._sent_parts(job, prefix)
                unsent = [part for index, part in enumerate(parts) if index not in sent]
                expires = int(self._clock().timestamp()) + PENDING_KEEP_DAYS * 86400
                self._notices.keep_pending(
                    user_id, unsent, notice_id=notice_id, kind=kind, at=when, expires=expires
                )
                job.mark(prefix + "pending", later=last)
                result = NoticeResult(
                    channel="pending", message_ids=[sent[i] for i in sorted(sent)]
                )
        job.defer({"put": self._record_item(user_id, notice_id, kind, when, result)})
        _log_sent(notice_id, kind, result)
        return result

    # --- pending notices ----------------------------------------------------------------------

    def deliver_pending(self, user_id: str) -> list[NoticeResult]:
        """Deliver the user's pending notices, oldest first, as consultation messages.

        Call it when the user has just interacted and ``profile.pending_notices > 0``. Each
        delivery is its own job (``notice:<notice_id>:deliver``), so a redelivered event sends
        nothing twice. A notice Zalo still refuses stays pending. The counter goes down by the
        notices removed; when the Query finds none, the counter (drifted: TTL removed old
        notices) is reset to 0 only if it still holds the value read before the Query, so a
        notice kept meanwhile by another worker stays counted; the Query is a consistent read,
        so a notice kept before the call is always found. Cost: one consistent GetItem of the
        profile, one consistent Query, then per notice the
        sends, a DeleteItem and a record, and at most one UpdateItem of the counter."""
        seen = self._notices.pending_count(user_id)
        items, _ = self._notices.pending_page(user_id)
        results: list[NoticeResult] = []
        removed = 0
        for item in items:
            notice_id = item.notice_id
            try:
                job = self._jobs.claim(f"notice:{notice_id}:deliver")
            except (AlreadyDone, InProgress):
                continue  # delivered already, or being delivered by another worker
            try:
                ids = self._send_parts(job, user_id, _pending_parts(item))
            except ZaloApiError as exc:
                if not _is_refusal(exc):
                    raise
                # Left unfinished: its lease lapses and the next interaction tries again.
                log.warning("pending_notice_refused", notice_id=notice_id, code=exc.code)
                break
            result = NoticeResult(channel="consultation", message_ids=ids)
            if self._notices.remove_pending(user_id, item):
                removed += 1  # else removed by an earlier attempt: counted then
            self._record(user_id, notice_id, item.kind, iso(self._clock()), result)
            job.finish(result.model_dump())
            log.info("pending_notice_delivered", notice_id=notice_id, parts=len(ids))
            results.append(result)
        if removed:
            self._notices.uncount(user_id, removed)
        elif not items and seen:
            # A concurrent increment makes the condition false: the reset is then a no-op.
            self._notices.reset_count(user_id, seen=seen)
        return results

    def discard_pending(self, user_id: str) -> int:
        """Delete every pending notice of the user and set the profile's ``pending_notices``
        to 0; the number of notices deleted.

        For a citizen's request to delete their personal data: pending notices hold message
        texts. Idempotent (a retry deletes what is left and counts only what it deleted);
        creates no profile for an unknown user; sends nothing. A notice kept by another worker
        after the Query is neither deleted nor counted (it expires with its TTL). Cost: one
        Query (one per 1 MB page of notices), one DeleteItem per notice, one UpdateItem."""
        deleted = 0
        start: dict[str, Any] | None = None
        while True:
            items, start = self._notices.pending_page(user_id, start)
            for item in items:
                if self._notices.remove_pending(user_id, item):
                    deleted += 1  # else deleted meanwhile: counted by whoever deleted it
            if start is None:
                break
        self._notices.reset_count(user_id)
        log.info("pending_notices_discarded", count=deleted)
        return deleted

    # --- records ------------------------------------------------------------------------------

    def _record_item(
        self, user_id: str, notice_id: str, kind: str, at: str, result: NoticeResult
    ) -> dict[str, Any]:
        return Notices.record_item(
            user_id,
            notice_id,
            kind=kind,
            at=at,
            channel=result.channel,
            message_ids=result.message_ids,
            error=result.error,
        )

    def _record(
        self, user_id: str, notice_id: str, kind: str, at: str, result: NoticeResult
    ) -> None:
        # Written with the plan's time, so a retried notice overwrites its own record.
        self._notices.record(self._record_item(user_id, notice_id, kind, at, result))


def _log_sent(notice_id: str, kind: str, result: NoticeResult) -> None:
    """The one log line and metric of a notice that reached its end (sent, templated, pending)."""
    log.info(
        "notice_sent",
        notice_id=notice_id,
        kind=kind,
        channel=result.channel,
        parts=len(result.message_ids),
        error=result.error,
    )
    log.metric("NoticeSent", channel=result.channel)
