"""Postal orders in the table (issue 13), one item per dossier and leg.

Item ``pk = DOSSIER#<code>``, ``sk = POSTAL#<pickup|delivery>`` (beside the dossier, so the
owner's dossier view reads its orders with one Query on the dossier's partition): the order's
fields flat (``status``, ``round``, ``order_number``, ``owner``, ``request_id``, the address,
recipient name and phone, ``pickup_date``, the agency, ``tracking_number``, ``attempts``,
``created_at``/``updated_at``) and ``events``, the string set of provider event ids already
applied (a replayed callback changes nothing). A pickup that is requested or booked carries the
sparse due-date attributes ``gsi3pk = "DUE"``, ``gsi3sk = <YYYY-MM-DD>#postal#<order number>``,
the date being the working day before the pickup (the reminders schedule says "pickup
tomorrow"); they are removed when the pickup happens, is cancelled or fails.

Every method is one DynamoDB call unless stated; none scans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain.calendar import WorkingCalendar, default_calendar
from chalicelib.domain.postal import (
    CANCELLABLE,
    REOPENABLE,
    Leg,
    PostalAddress,
    PostalOrder,
    PostalStatus,
    reminder_date,
)
from chalicelib.storage.table import ConditionFailed, Item, Table

REMINDER_KIND = "postal"
_NAMES = {
    "#status": "status",
    "#owner": "owner",
    "#on": "order_number",
    "#events": "events",
    "#round": "round",
    "#request": "request_id",
    "#updated": "updated_at",
    "#tracking": "tracking_number",
    "#attempts": "attempts",
}


class PostalOrderActive(Exception):
    """The leg already has an order in progress (not cancelled, failed or returned)."""

    def __init__(self, order: PostalOrder) -> None:
        super().__init__(f"postal order {order.order_number} is {order.status.value}")
        self.order = order


@dataclass(frozen=True)
class Registered:
    """The order a registration stored (``new`` False: this request had stored it before)."""

    order: PostalOrder
    new: bool


def _pk(code: str) -> str:
    return f"DOSSIER#{code}"


def _sk(leg: Leg) -> str:
    return f"POSTAL#{leg.value}"


def due_key(order: PostalOrder, calendar: WorkingCalendar) -> str | None:
    """The ``gsi3sk`` of an order's pickup reminder, or None when none is due."""
    if order.leg is not Leg.PICKUP or order.pickup_date is None:
        return None
    if order.status not in CANCELLABLE:
        return None
    day = reminder_date(order.pickup_date, calendar)
    return f"{day.isoformat()}#{REMINDER_KIND}#{order.order_number}"


def to_item(order: PostalOrder, calendar: WorkingCalendar) -> Item:
    a = order.address
    item: Item = {
        "pk": _pk(order.code),
        "sk": _sk(order.leg),
        "kind": "postal_order",
        "code": order.code,
        "leg": order.leg.value,
        "round": order.round,
        "order_number": order.order_number,
        "status": order.status.value,
        "owner": order.owner,
        "request_id": order.request_id,
        "commune_code": a.commune_code,
        "commune_name": a.commune_name,
        "street": a.street,
        "hamlet": a.hamlet,
        "house_number": a.house_number,
        "recipient_name": order.recipient_name,
        "recipient_phone": order.recipient_phone,
        "pickup_date": order.pickup_date.isoformat() if order.pickup_date else None,
        "agency_code": order.agency_code,
        "agency_name": order.agency_name,
        "agency_address": order.agency_address,
        "procedure_name": order.procedure_name,
        "postage_vnd": order.postage_vnd,
        "tracking_number": order.tracking_number,
        "attempts": order.attempts,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
    }
    due = due_key(order, calendar)
    if due is not None:
        item["gsi3pk"] = "DUE"
        item["gsi3sk"] = due
    return item


def from_item(item: Item) -> PostalOrder:
    return PostalOrder(
        code=item["code"],
        leg=Leg(item["leg"]),
        round=int(item.get("round", 1)),
        status=PostalStatus(item["status"]),
        owner=item["owner"],
        request_id=item.get("request_id", ""),
        address=PostalAddress(
            commune_code=item["commune_code"],
            commune_name=item["commune_name"],
            street=item.get("street", ""),
            hamlet=item.get("hamlet", ""),
            house_number=item.get("house_number", ""),
        ),
        recipient_name=item["recipient_name"],
        recipient_phone=item["recipient_phone"],
        pickup_date=date.fromisoformat(item["pickup_date"]) if item.get("pickup_date") else None,
        agency_code=item.get("agency_code", ""),
        agency_name=item.get("agency_name", ""),
        agency_address=item.get("agency_address", ""),
        procedure_name=item.get("procedure_name", ""),
        postage_vnd=item.get("postage_vnd"),
        tracking_number=item.get("tracking_number", ""),
        attempts=int(item.get("attempts", 0)),
        created_at=datetime.fromisoformat(item["created_at"]),
        updated_at=datetime.fromisoformat(item["updated_at"]),
    )


class PostalOrders:
    """Postal orders of dossiers."""

    def __init__(self, table: Table, calendar: WorkingCalendar | None = None) -> None:
        self._table = table
        self._calendar = calendar

    @property
    def calendar(self) -> WorkingCalendar:
        return self._calendar or default_calendar()

    def get(self, code: str, leg: Leg, *, consistent: bool = False) -> PostalOrder | None:
        item = self._table.get(_pk(code), _sk(leg), consistent=consistent)
        return from_item(item) if item else None

    def of_dossier(self, code: str) -> list[PostalOrder]:
        """Every leg's order of a dossier (one Query on the dossier's partition)."""
        items, _ = self._table.query(_pk(code), sk_prefix="POSTAL#")
        return [from_item(i) for i in items]

    def register(self, order: PostalOrder) -> Registered:
        """Store a new order (status requested) for its dossier and leg, exactly once per
        ``order.request_id``: a retry of the same request returns the stored order (``new``
        False). A leg cancelled, failed or returned before gets the next round. Raises
        PostalOrderActive when the leg has an order in progress. One consistent GetItem and
        one conditional PutItem."""
        current = self.get(order.code, order.leg, consistent=True)
        if current is not None and current.request_id == order.request_id:
            return Registered(current, new=False)
        if current is None:
            fresh = order.model_copy(update={"round": 1, "status": PostalStatus.REQUESTED})
            condition = "attribute_not_exists(pk)"
            values: dict[str, Any] = {}
        elif current.status in REOPENABLE:
            fresh = order.model_copy(
                update={"round": current.round + 1, "status": PostalStatus.REQUESTED}
            )
            condition = "#round = :round AND #status = :status"
            values = {":round": current.round, ":status": current.status.value}
        else:
            raise PostalOrderActive(current)
        try:
            self._table.put(
                to_item(fresh, self.calendar), condition=condition, names=_NAMES, values=values
            )
        except ConditionFailed as failed:
            # Another registration won the race: the same request's, or another one.
            raced = from_item(failed.item) if failed.item else self.get(order.code, order.leg)
            if raced is not None and raced.request_id == order.request_id:
                return Registered(raced, new=False)
            raise PostalOrderActive(raced or fresh) from None
        return Registered(fresh, new=True)

    def mark_booked(
        self, order: PostalOrder, tracking_number: str, at: datetime
    ) -> PostalOrder | None:
        """Record the provider's tracking number (requested -> booked). None when the order
        is no longer requested in this round (cancelled meanwhile, or another round)."""
        try:
            item = self._table.update(
                _pk(order.code),
                _sk(order.leg),
                "SET #status = :booked, #tracking = :tracking, #updated = :at",
                condition="#on = :on AND #status = :requested",
                names=_NAMES,
                values={
                    ":booked": PostalStatus.BOOKED.value,
                    ":tracking": tracking_number,
                    ":at": at.isoformat(),
                    ":on": order.order_number,
                    ":requested": PostalStatus.REQUESTED.value,
                },
            )
        except ConditionFailed:
            return None
        return from_item(item)

    def mark_failed(self, order_number: str, code: str, leg: Leg, at: datetime) -> bool:
        """Record that booking failed for good (requested -> failed; the reminder goes).
        False when the order was not requested any more (booked, cancelled, another round)."""
        try:
            self._table.update(
                _pk(code),
                _sk(leg),
                "SET #status = :failed, #updated = :at REMOVE gsi3pk, gsi3sk",
                condition="#on = :on AND #status = :requested",
                names=_NAMES,
                values={
                    ":failed": PostalStatus.FAILED.value,
                    ":at": at.isoformat(),
                    ":on": order_number,
                    ":requested": PostalStatus.REQUESTED.value,
                },
            )
        except ConditionFailed:
            return False
        return True

    def cancel(self, code: str, leg: Leg, user_id: str, at: datetime) -> PostalOrder | None:
        """Cancel the leg's order for its owner before pickup or delivery (requested or booked
        -> cancelled; the reminder goes). The order as it is now, None when it could not be
        cancelled (not this user's, already picked up or sent out, or none)."""
        try:
            item = self._table.update(
                _pk(code),
                _sk(leg),
                "SET #status = :cancelled, #updated = :at REMOVE gsi3pk, gsi3sk",
                condition="#owner = :u AND #status IN (:requested, :booked)",
                names=_NAMES,
                values={
                    ":cancelled": PostalStatus.CANCELLED.value,
                    ":at": at.isoformat(),
                    ":u": user_id,
                    ":requested": PostalStatus.REQUESTED.value,
                    ":booked": PostalStatus.BOOKED.value,
                },
            )
        except ConditionFailed:
            return None
        return from_item(item)

    def apply_event(
        self,
        order: PostalOrder,
        event_id: str,
        status: PostalStatus,
        attempts: int,
        at: datetime,
    ) -> PostalOrder | None:
        """Apply a provider event to ``order`` as read: its status and failed attempts become
        ``status`` and ``attempts``, once per ``event_id``, only if the order has not changed
        since it was read. None when it had (a replay or a concurrent event: read again)."""
        expression = "SET #status = :status, #attempts = :attempts, #updated = :at ADD #events :ids"
        if order.leg is Leg.PICKUP:
            expression += " REMOVE gsi3pk, gsi3sk"
        try:
            item = self._table.update(
                _pk(order.code),
                _sk(order.leg),
                expression,
                condition=(
                    "#on = :on AND #status = :was AND #attempts = :was_attempts"
                    " AND NOT contains(#events, :id)"
                ),
                names=_NAMES,
                values={
                    ":status": status.value,
                    ":attempts": attempts,
                    ":at": at.isoformat(),
                    ":ids": {event_id},
                    ":id": event_id,
                    ":on": order.order_number,
                    ":was": order.status.value,
                    ":was_attempts": order.attempts,
                },
            )
        except ConditionFailed:
            return None
        return from_item(item)

    def set_due(self, code: str, leg: Leg, current: str, day: date | None) -> bool:
        """Move the order's due-index date to ``day`` (None: remove it), for the reminders
        schedule, unless its ``gsi3sk`` is no longer ``current`` (the order changed meanwhile:
        its own write set the index). One conditional UpdateItem."""
        names = {"#due": "gsi3sk"}
        values: dict[str, Any] = {":current": current}
        if day is None:
            expression = "REMOVE gsi3pk, gsi3sk"
        else:
            ref = current.split("#", 2)[2] if current.count("#") >= 2 else code
            expression = "SET gsi3pk = :pk, #due = :sk"
            values.update({":pk": "DUE", ":sk": f"{day.isoformat()}#{REMINDER_KIND}#{ref}"})
        try:
            self._table.update(
                _pk(code),
                _sk(leg),
                expression,
                condition="#due = :current",
                names=names,
                values=values,
            )
        except ConditionFailed:
            return False
        return True

    def has_event(self, code: str, leg: Leg, event_id: str) -> bool:
        """Whether ``event_id`` was applied to the leg's order (one consistent GetItem)."""
        item = self._table.get(_pk(code), _sk(leg), consistent=True)
        return bool(item) and event_id in (item.get("events") or set())  # type: ignore[union-attr]
