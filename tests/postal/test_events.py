"""Provider events applied to orders (the service behind POST /integration/v1/postal/events):
once per event, one notice each, late news ignored, two failed attempts return the result,
a pickup handed to the agency is the dossier's submission time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.postal import PostalStatus
from tests.postal.conftest import CODE, T0, make_order, notices

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture
def booked(service):
    """A pickup and a delivery, both booked, for a stored dossier."""
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    dossier = sample_dossiers(T0)[0].model_copy(update={"code": CODE})
    Dossiers(get_table()).add(dossier)
    for leg, request in (("pickup", "r1"), ("delivery", "r2")):
        order = service.register(make_order(leg=leg, request=request)).order
        service.orders.mark_booked(order, f"EB{leg}VN", T0)
    return service


def test_each_event_changes_the_order_once_and_queues_one_notice(booked) -> None:
    first = booked.apply_event(f"{CODE}-PICKUP", "ev-1", PostalStatus.PICKED_UP, AT)
    again = booked.apply_event(f"{CODE}-PICKUP", "ev-1", PostalStatus.PICKED_UP, AT)
    assert first.applied and not again.applied
    assert again.order.status is PostalStatus.PICKED_UP
    assert [n["notice_id"] for n in notices()] == [f"postal:{CODE}-PICKUP:picked_up"]


def test_handed_to_agency_is_recorded_as_the_dossiers_submission_time(booked) -> None:
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    booked.apply_event(f"{CODE}-PICKUP", "ev-1", PostalStatus.PICKED_UP, AT)
    booked.apply_event(f"{CODE}-PICKUP", "ev-2", PostalStatus.HANDED_TO_AGENCY, AT)
    later = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    booked.apply_event(f"{CODE}-PICKUP", "ev-3", PostalStatus.HANDED_TO_AGENCY, later)
    dossier, _ = Dossiers(get_table()).get(CODE)
    assert dossier.postal_submitted_at == AT
    texts_sent = [n["message"]["text"] for n in notices()]
    assert any("thời điểm nộp hồ sơ" in t for t in texts_sent)


def test_a_late_event_changes_nothing(booked) -> None:
    booked.apply_event(f"{CODE}-PICKUP", "ev-2", PostalStatus.HANDED_TO_AGENCY, AT)
    late = booked.apply_event(f"{CODE}-PICKUP", "ev-1", PostalStatus.PICKED_UP, AT)
    assert not late.applied and late.order.status is PostalStatus.HANDED_TO_AGENCY
    assert len(notices()) == 1


def test_two_failed_delivery_attempts_return_the_result_to_the_agency(booked) -> None:
    number = f"{CODE}-DELIVERY"
    booked.apply_event(number, "d1", PostalStatus.OUT_FOR_DELIVERY, AT)
    first = booked.apply_event(number, "d2", PostalStatus.FAILED_ATTEMPT, AT)
    assert first.order.status is PostalStatus.FAILED_ATTEMPT and first.order.attempts == 1
    booked.apply_event(number, "d3", PostalStatus.OUT_FOR_DELIVERY, AT)
    second = booked.apply_event(number, "d4", PostalStatus.FAILED_ATTEMPT, AT)
    assert second.order.status is PostalStatus.RETURNED and second.order.attempts == 2
    replay = booked.apply_event(number, "d4", PostalStatus.FAILED_ATTEMPT, AT)
    assert not replay.applied and replay.order.attempts == 2
    ids = [n["notice_id"] for n in notices()]
    assert ids == [
        f"postal:{number}:out_for_delivery:0",
        f"postal:{number}:failed_attempt:1",
        f"postal:{number}:out_for_delivery:1",  # the second attempt is news of its own
        f"postal:{number}:returned:2",
    ]


def test_an_event_for_the_wrong_leg_or_an_unknown_order_is_refused(booked) -> None:
    from chalicelib.postal.service import EventNotForLeg, UnknownOrder

    with pytest.raises(EventNotForLeg):
        booked.apply_event(f"{CODE}-PICKUP", "x1", PostalStatus.DELIVERED, AT)
    with pytest.raises(UnknownOrder):
        booked.apply_event(f"{CODE}-PICKUP-2", "x2", PostalStatus.PICKED_UP, AT)
    with pytest.raises(UnknownOrder):
        booked.apply_event("not an order", "x3", PostalStatus.PICKED_UP, AT)


def test_the_owner_view_lists_the_orders(booked) -> None:
    from chalicelib.services.lookups import get_lookups
    from local.seed import sample_dossiers

    owner = sample_dossiers(T0)[0].owner_zalo_user_id
    view = get_lookups().dossier_by_code(CODE, owner)
    assert view is not None and view.is_owner
    assert [(line.leg, line.cancellable) for line in view.postal] == [
        ("delivery", True),
        ("pickup", True),
    ]
    assert "EBpickupVN" in view.postal[1].line
