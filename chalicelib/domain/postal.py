"""Postal pickup and delivery of dossiers (bưu chính công ích): legs, statuses, order numbers.

The post office collects the dossier (``pickup``), delivers the result (``delivery``), or both,
only where the procedure allows it and never where the applicant must be present. One order
per dossier and leg at a time; the order number sent to the provider (also its idempotency key)
is the dossier code plus the leg, plus a round number when the leg was registered again after a
cancellation or a failure.

A pickup handed to the agency counts as the dossier's submission time. A delivery that fails
twice goes back to the agency (``returned``). Pure: no AWS, no clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.calendar import WorkingCalendar

PROVINCE = "tỉnh Cà Mau"


class Leg(StrEnum):
    PICKUP = "pickup"  # collect the dossier from the citizen
    DELIVERY = "delivery"  # deliver the result to the citizen


class PostalStatus(StrEnum):
    REQUESTED = "requested"  # stored, booking queued
    BOOKED = "booked"  # the provider accepted it (tracking number)
    PICKED_UP = "picked_up"
    HANDED_TO_AGENCY = "handed_to_agency"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED = "returned"  # the result went back to the agency
    CANCELLED = "cancelled"  # by the citizen, before pickup
    FAILED = "failed"  # could not be booked (dead-lettered)


# Provider callback events, by the status they lead to.
EVENTS: frozenset[PostalStatus] = frozenset(
    {
        PostalStatus.PICKED_UP,
        PostalStatus.HANDED_TO_AGENCY,
        PostalStatus.OUT_FOR_DELIVERY,
        PostalStatus.DELIVERED,
        PostalStatus.FAILED_ATTEMPT,
        PostalStatus.RETURNED,
    }
)
# The events each leg can receive.
LEG_EVENTS: dict[Leg, frozenset[PostalStatus]] = {
    Leg.PICKUP: frozenset({PostalStatus.PICKED_UP, PostalStatus.HANDED_TO_AGENCY}),
    Leg.DELIVERY: frozenset(
        {
            PostalStatus.OUT_FOR_DELIVERY,
            PostalStatus.DELIVERED,
            PostalStatus.FAILED_ATTEMPT,
            PostalStatus.RETURNED,
        }
    ),
}
# Where an order is in its life: an event whose rank is below the order's is late news (the
# provider delivers out of order) and changes nothing. ``failed_attempt`` and
# ``out_for_delivery`` share a rank: a second attempt follows a first failure.
RANK: dict[PostalStatus, int] = {
    PostalStatus.REQUESTED: 0,
    PostalStatus.BOOKED: 1,
    PostalStatus.PICKED_UP: 2,
    PostalStatus.OUT_FOR_DELIVERY: 2,
    PostalStatus.FAILED_ATTEMPT: 2,
    PostalStatus.HANDED_TO_AGENCY: 3,
    PostalStatus.DELIVERED: 3,
    PostalStatus.RETURNED: 3,
    PostalStatus.CANCELLED: 9,
    PostalStatus.FAILED: 9,
}
FINAL: frozenset[PostalStatus] = frozenset(
    {
        PostalStatus.HANDED_TO_AGENCY,
        PostalStatus.DELIVERED,
        PostalStatus.RETURNED,
        PostalStatus.CANCELLED,
        PostalStatus.FAILED,
    }
)
# Statuses the citizen may still cancel from (nothing was collected or sent yet).
CANCELLABLE: frozenset[PostalStatus] = frozenset({PostalStatus.REQUESTED, PostalStatus.BOOKED})
# Statuses after which the leg may be registered again (a new round).
REOPENABLE: frozenset[PostalStatus] = frozenset(
    {PostalStatus.CANCELLED, PostalStatus.FAILED, PostalStatus.RETURNED}
)
# Failed delivery attempts after which the result goes back to the agency.
MAX_DELIVERY_ATTEMPTS = 2
# How far ahead a pickup may be booked.
PICKUP_HORIZON_DAYS = 30

_ORDER_NUMBER = re.compile(r"^(?P<code>.+)-(?P<leg>PICKUP|DELIVERY)(?:-(?P<round>[2-9]|\d{2,3}))?$")


def order_number(code: str, leg: Leg, round_: int = 1) -> str:
    """The provider-side order number and idempotency key: ``<code>-PICKUP`` or
    ``<code>-DELIVERY`` (``-<round>`` appended from the second round on)."""
    base = f"{code}-{leg.value.upper()}"
    return base if round_ <= 1 else f"{base}-{round_}"


def parse_order_number(text: str) -> tuple[str, Leg, int] | None:
    """(dossier code, leg, round) of an order number, or None when it is not one."""
    from chalicelib.domain.dossier import normalize_code

    found = _ORDER_NUMBER.match(text.strip())
    if found is None:
        return None
    code = normalize_code(found["code"])
    if code is None or code != found["code"]:
        return None
    return code, Leg(found["leg"].lower()), int(found["round"] or 1)


def next_status(
    current: PostalStatus, event: PostalStatus, attempts: int
) -> tuple[PostalStatus, int] | None:
    """The status (and failed delivery attempts) after ``event``; None when the event changes
    nothing (late or repeated news, or an order already closed or cancelled). A second failed
    attempt returns the result to the agency."""
    if current in FINAL or event not in EVENTS:
        return None
    if event is PostalStatus.FAILED_ATTEMPT:
        attempts += 1
        if attempts >= MAX_DELIVERY_ATTEMPTS:
            return PostalStatus.RETURNED, attempts
        return PostalStatus.FAILED_ATTEMPT, attempts
    if RANK[event] < RANK[current] or event is current:
        return None
    return event, attempts


def earliest_pickup(today: date, calendar: WorkingCalendar) -> date:
    """The first day a pickup may be booked for: the next working day after ``today``."""
    return calendar.next_working_day(today)


def pickup_date_problem(day: date, today: date, calendar: WorkingCalendar) -> str | None:
    """Why ``day`` cannot be a pickup day (``past``, ``too_soon``, ``too_far``, ``day_off``),
    or None when it can."""
    if day < today:
        return "past"
    if day < earliest_pickup(today, calendar):
        return "too_soon" if calendar.is_working_day(day) else "day_off"
    if day > today + timedelta(days=PICKUP_HORIZON_DAYS):
        return "too_far"
    if not calendar.is_working_day(day):
        return "day_off"
    return None


def reminder_date(pickup: date, calendar: WorkingCalendar) -> date:
    """The local date the "pickup tomorrow" reminder is due: the working day before pickup."""
    return calendar.previous_working_day(pickup)


class PostalAddress(BaseModel):
    """Where the post office collects or delivers: a commune or ward of today's Cà Mau (no
    district level since 1 July 2025), then street, hamlet (ấp/khóm) and house number (each
    may be empty, but not both street and hamlet)."""

    model_config = ConfigDict(frozen=True)

    commune_code: str = Field(pattern=r"^\d{5}$")
    commune_name: str = Field(min_length=1)
    street: str = ""
    hamlet: str = ""
    house_number: str = ""
    province: str = PROVINCE

    def one_line(self) -> str:
        parts = [self.house_number, self.street, self.hamlet, self.commune_name, self.province]
        return ", ".join(p for p in parts if p)


class PostalOrder(BaseModel):
    """One leg of postal service for one dossier. ``owner`` is the Zalo user who registered it
    (notices go there); ``request_id`` identifies the registering action (a retry of it finds
    its own order instead of a conflict)."""

    model_config = ConfigDict(frozen=True)

    code: str
    leg: Leg
    round: int = Field(default=1, ge=1)
    status: PostalStatus = PostalStatus.REQUESTED
    owner: str
    request_id: str
    address: PostalAddress
    recipient_name: str = Field(min_length=1)
    recipient_phone: str = Field(min_length=1)  # E.164
    pickup_date: date | None = None
    agency_code: str = ""
    agency_name: str = ""
    agency_address: str = ""
    procedure_name: str = ""
    postage_vnd: int | None = None
    tracking_number: str = ""
    attempts: int = 0  # failed delivery attempts
    created_at: datetime
    updated_at: datetime

    @property
    def order_number(self) -> str:
        return order_number(self.code, self.leg, self.round)

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE
