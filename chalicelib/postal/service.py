"""Postal pickup and delivery (issue 13): the use cases behind the chat, the queue and the
provider's callbacks.

- :meth:`PostalService.register` (the chat's ``register_postal`` effect, and a submission that
  chose the post): store the order (status requested) and put a booking message on the postal
  queue. Exactly once per registering action (``request_id``).
- :meth:`PostalService.book` (the queue consumer): book the order with the provider as the job
  ``postal:<order number>`` of the idempotency mechanism, store the tracking number, queue the
  citizen's notice through the outbox. After a failed attempt the order is looked up at the
  provider before it is posted again.
- :meth:`PostalService.give_up` (the consumer, on a message's last receive): the order is marked
  failed, operators are alerted (log + metric) and the citizen is told how else to proceed.
- :meth:`PostalService.cancel` (chat): cancel before pickup; a booked order is cancelled at the
  provider through the queue (job ``postal-cancel:<order number>``).
- :meth:`PostalService.apply_event` (``POST /integration/v1/postal/events``): one provider event,
  applied once, one notice; a pickup handed to the agency is recorded on the dossier.

Every notice is queued through the outbox with a notice id derived from what caused it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.conversation import texts
from chalicelib.domain.postal import (
    PROVINCE,
    Leg,
    PostalOrder,
    PostalStatus,
    next_status,
    parse_order_number,
)
from chalicelib.notify.model import OutboundMessage
from chalicelib.platform import log
from chalicelib.postal.provider import (
    BookingRequest,
    Party,
    PostalProvider,
    ProviderRejected,
)
from chalicelib.storage.idempotency import AlreadyDone, Jobs
from chalicelib.storage.postal_orders import PostalOrders, Registered


class Outbox(Protocol):
    """The outbox (:mod:`chalicelib.notify.outbox`): queues one notice, once per notice id."""

    def queue(self, notice: Any) -> Any: ...


class MessageQueue(Protocol):
    """Where booking and cancellation messages go (:class:`PostalQueue`)."""

    def send(self, message: dict[str, Any]) -> None: ...


class DossierRecords(Protocol):
    """What the callbacks need of dossiers (:class:`chalicelib.storage.dossiers.Dossiers`)."""

    def record_postal_submission(self, code: str, at: datetime) -> bool: ...


class InvalidMessage(ValueError):
    """A queue message that is not a postal message (it goes to the dead-letter queue)."""


class PostalQueue:
    """The postal SQS queue (``POSTAL_QUEUE``): its URL is asked once per container."""

    def __init__(self, sqs: Any, name: str) -> None:
        self._sqs = sqs
        self._name = name
        self._url: str | None = None

    def send(self, message: dict[str, Any]) -> None:
        if self._url is None:
            self._url = self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"]
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(message))


def booking_message(order: PostalOrder) -> dict[str, Any]:
    return {"type": "book", "order_number": order.order_number}


def cancel_message(order: PostalOrder) -> dict[str, Any]:
    return {"type": "cancel", "order_number": order.order_number}


def request_id(user_id: str, at: datetime, leg: Leg) -> str:
    """The id of one registering action (a user's confirming turn and a leg)."""
    return hashlib.sha256(f"{user_id}|{at.isoformat()}|{leg.value}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class EventOutcome:
    """What one provider event did: ``applied`` False for news already known or late."""

    order: PostalOrder
    applied: bool


class UnknownOrder(LookupError):
    """The event names no order we have (or an older round of one)."""


class EventNotForLeg(ValueError):
    """The event cannot happen to that leg (e.g. ``delivered`` for a pickup)."""


class PostalService:
    def __init__(
        self,
        orders: PostalOrders,
        queue: MessageQueue,
        outbox: Outbox,
        *,
        jobs: Jobs | None = None,
        provider: PostalProvider | None = None,
        dossiers: DossierRecords | None = None,
        customer_hotline: str = "",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.orders = orders
        self._queue = queue
        self._outbox = outbox
        self._jobs = jobs
        self._provider = provider
        self._dossiers = dossiers
        self._hotline = customer_hotline
        self._clock = clock or (lambda: datetime.now(tz=UTC))

    # --- registration ----------------------------------------------------------------------
    def register(self, order: PostalOrder) -> Registered:
        """Store ``order`` and queue its booking (both again on a retry of the same request:
        the consumer books once). Raises PostalOrderActive when the leg is taken."""
        registered = self.orders.register(order)
        if registered.order.status is PostalStatus.REQUESTED:
            self._queue.send(booking_message(registered.order))
        log.info(
            "postal_order_registered",
            order_number=registered.order.order_number,
            new=registered.new,
        )
        if registered.new:
            log.metric("PostalOrderRegistered", leg=order.leg.value)
        return registered

    # --- the queue -------------------------------------------------------------------------
    def handle_message(self, body: str) -> None:
        """One queue message. Raises to have it retried (the provider failed, the job is
        held by another worker); InvalidMessage for a body that is not a postal message."""
        kind, code, leg, order_number = _parse_message(body)
        if kind == "book":
            self.book(code, leg, order_number)
        else:
            self.cancel_at_provider(code, leg, order_number)

    def book(self, code: str, leg: Leg, order_number: str) -> None:
        """Book the order ``order_number`` exactly once (job ``postal:<order number>``)."""
        assert self._jobs is not None and self._provider is not None
        try:
            job = self._jobs.claim(f"postal:{order_number}")
        except AlreadyDone:
            log.info("postal_booking_already_done", order_number=order_number)
            return
        try:
            order = self.orders.get(code, leg, consistent=True)
            if order is None or order.order_number != order_number:
                log.warning("postal_order_gone", order_number=order_number)
                job.finish({"outcome": "gone"})
                return
            if order.status is PostalStatus.REQUESTED:
                booking = None
                if job.attempt > 1:  # an earlier attempt may have booked it: ask first
                    booking = self._provider.find(order_number)
                if booking is None:
                    booking = self._provider.book(self._booking_request(order))
                booked = self.orders.mark_booked(order, booking.tracking_number, self._clock())
                if booked is None:  # cancelled while booking: undo it at the provider now
                    log.info("postal_order_cancelled_while_booking", order_number=order_number)
                    self._provider_cancel(order_number)
                    job.finish({"outcome": "cancelled"})
                    return
                order = booked
                log.info("postal_order_booked", order_number=order_number)
                log.metric("PostalOrderBooked", leg=leg.value)
            if order.status is PostalStatus.BOOKED:
                self._notify(order, "booked", texts.postal_booked(order))
            job.finish({"outcome": order.status.value})
        except ProviderRejected as refused:
            # Retrying cannot help: the order failed; the citizen is told now.
            log.error("postal_order_refused", order_number=order_number, status=refused.status)
            self._fail(code, leg, order_number)
            job.finish({"outcome": "refused"})
        except BaseException:
            job.release()
            raise

    def give_up(self, body: str) -> None:
        """The message's last receive failed: mark the order failed, alert, tell the citizen."""
        try:
            kind, code, leg, order_number = _parse_message(body)
        except InvalidMessage:
            log.error("postal_message_dead_lettered", reason="invalid")
            log.metric("PostalOrderFailed", reason="invalid")
            return
        if kind != "book":
            log.error("postal_cancel_dead_lettered", order_number=order_number)
            log.metric("PostalCancelFailed")
            return
        log.error("postal_order_dead_lettered", order_number=order_number)
        self._fail(code, leg, order_number)

    def _fail(self, code: str, leg: Leg, order_number: str) -> None:
        log.metric("PostalOrderFailed", leg=leg.value)
        if not self.orders.mark_failed(order_number, code, leg, self._clock()):
            return  # booked, cancelled or replaced meanwhile: nothing failed for the citizen
        order = self.orders.get(code, leg)
        if order is not None:
            self._notify(order, "failed", texts.postal_failed(order, self._hotline))

    # --- cancellation ----------------------------------------------------------------------
    def cancel(self, code: str, leg: Leg, user_id: str) -> PostalOrder | None:
        """Cancel the user's order of ``leg`` before pickup; a booked one is cancelled at the
        provider through the queue. None when it could not be cancelled."""
        cancelled = self.orders.cancel(code, leg, user_id, self._clock())
        if cancelled is None:
            return None
        if cancelled.tracking_number:
            self._queue.send(cancel_message(cancelled))
        log.info("postal_order_cancelled", order_number=cancelled.order_number)
        log.metric("PostalOrderCancelled", leg=leg.value)
        return cancelled

    def cancel_at_provider(self, code: str, leg: Leg, order_number: str) -> None:
        assert self._jobs is not None and self._provider is not None
        try:
            job = self._jobs.claim(f"postal-cancel:{order_number}")
        except AlreadyDone:
            return
        try:
            job.finish({"cancelled": self._provider_cancel(order_number)})
        except BaseException:
            job.release()
            raise

    def _provider_cancel(self, order_number: str) -> bool:
        assert self._provider is not None
        try:
            return self._provider.cancel(order_number)
        except ProviderRejected as refused:  # e.g. already collected: operators look at it
            log.error("postal_cancel_refused", order_number=order_number, status=refused.status)
            log.metric("PostalCancelRefused")
            return False

    # --- provider events -------------------------------------------------------------------
    def apply_event(
        self,
        order_number: str,
        event_id: str,
        status: PostalStatus,
        at: datetime,
        read: PostalOrder | None = None,
    ) -> EventOutcome:
        """Apply one provider event once (its ``event_id``); queue its notice. ``read``: the
        order as the caller just read it (consistently), saving a read. Raises UnknownOrder,
        EventNotForLeg. A replayed or late event changes nothing."""
        from chalicelib.domain.postal import LEG_EVENTS

        parsed = parse_order_number(order_number)
        if parsed is None:
            raise UnknownOrder(order_number)
        code, leg, _round = parsed
        if status not in LEG_EVENTS[leg]:
            raise EventNotForLeg(status.value)
        for _ in range(3):  # another event may land between the read and the write
            order, read = read or self.orders.get(code, leg, consistent=True), None
            if order is None or order.order_number != order_number:
                raise UnknownOrder(order_number)
            change = next_status(order.status, status, order.attempts)
            if change is None:
                return EventOutcome(order, applied=False)
            new_status, attempts = change
            updated = self.orders.apply_event(order, event_id, new_status, attempts, at)
            if updated is None:
                if self.orders.has_event(code, leg, event_id):
                    return EventOutcome(order, applied=False)
                continue
            self._after_event(updated, at)
            return EventOutcome(updated, applied=True)
        raise RuntimeError("postal order kept changing")

    def _after_event(self, order: PostalOrder, at: datetime) -> None:
        status = order.status
        log.info("postal_event_applied", order_number=order.order_number, status=status.value)
        log.metric("PostalEvent", status=status.value)
        if status is PostalStatus.HANDED_TO_AGENCY and self._dossiers is not None:
            self._dossiers.record_postal_submission(order.code, at)
        step = status.value
        if status in (
            PostalStatus.OUT_FOR_DELIVERY,
            PostalStatus.FAILED_ATTEMPT,
            PostalStatus.RETURNED,
        ):  # a second delivery attempt is news of its own
            step = f"{status.value}:{order.attempts}"
        self._notify(order, step, texts.postal_event(order, self._hotline))

    # --- helpers ---------------------------------------------------------------------------
    def _notify(self, order: PostalOrder, step: str, text: str) -> None:
        from chalicelib.notify.outbox import QueuedNotice

        self._outbox.queue(
            QueuedNotice(
                notice_id=f"postal:{order.order_number}:{step}",
                kind="postal",
                user_id=order.owner,
                phone=None,
                message=OutboundMessage(text=text),
                template_data=None,
            )
        )

    def _booking_request(self, order: PostalOrder) -> BookingRequest:
        citizen = Party(
            name=order.recipient_name,
            phone=order.recipient_phone,
            address=order.address.one_line(),
            province=PROVINCE,
            commune=order.address.commune_name,
            commune_code=order.address.commune_code,
        )
        agency = Party(
            name=order.agency_name,
            phone="",
            address=order.agency_address or order.agency_name,
            province=PROVINCE,
            commune="",
        )
        pickup = order.leg is Leg.PICKUP
        return BookingRequest(
            order_number=order.order_number,
            service=order.leg.value,
            sender=citizen if pickup else agency,
            receiver=agency if pickup else citizen,
            cod_amount=0,  # postage is paid by the applicant to the post office
            pickup_date=order.pickup_date.isoformat() if order.pickup_date else None,
            note=order.code,
        )


def _parse_message(body: str) -> tuple[str, str, Leg, str]:
    try:
        message = json.loads(body)
    except ValueError:
        raise InvalidMessage("not JSON") from None
    if not isinstance(message, dict) or message.get("type") not in ("book", "cancel"):
        raise InvalidMessage("not a postal message")
    order_number = message.get("order_number")
    parsed = parse_order_number(order_number) if isinstance(order_number, str) else None
    if parsed is None:
        raise InvalidMessage("no valid order number")
    code, leg, _round = parsed
    return str(message["type"]), code, leg, str(order_number)
