"""The chat's postal effects on moto: registering (once per action, a leg in progress refused),
cancelling before pickup, and a dossier submitted "Qua bưu điện" getting its delivery leg."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.flows.postal import CancelPostal, RegisterPostal
from chalicelib.inbound import effects
from tests.postal.conftest import CODE, USER, receive

AT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)


@pytest.fixture
def c(aws):
    from chalicelib.postal.wiring import get_postal_service

    return effects.Collaborators(
        users=None,
        dossiers=None,
        notices=None,
        hotline="0290 3 822 822",
        postal=get_postal_service(),
    )  # type: ignore[arg-type]


def _register(legs=("pickup", "delivery"), at=AT) -> dict:
    return RegisterPostal(
        at=at,
        code=CODE,
        legs=list(legs),
        commune_code="32002",
        commune_name="Phường An Xuyên",
        hamlet="Khóm 3",
        house_number="12A",
        recipient_name="Nguyễn Văn An",
        recipient_phone="+84912345678",
        pickup_date=date(2026, 11, 30),
        agency_name="UBND phường An Xuyên",
    ).model_dump(mode="json")


def _order(c, leg: str):
    from chalicelib.domain.postal import Leg

    return c.postal.orders.get(CODE, Leg(leg), consistent=True)


def test_registering_stores_one_order_per_leg_and_queues_their_bookings(c) -> None:
    result = effects.apply(_register(), USER, c)
    assert result.applied
    pickup, delivery = _order(c, "pickup"), _order(c, "delivery")
    assert pickup.status.value == delivery.status.value == "requested"
    assert pickup.pickup_date == date(2026, 11, 30) and delivery.pickup_date is None
    assert pickup.owner == USER
    messages = sorted(json.loads(r["body"])["order_number"] for r in receive())
    assert messages == [f"{CODE}-DELIVERY", f"{CODE}-PICKUP"]


def test_the_pickup_carries_its_reminder_due_the_working_day_before(c) -> None:
    from chalicelib.storage.table import get_table

    effects.apply(_register(("pickup",)), USER, c)
    items, _ = get_table().query("DUE", index="gsi3", sk_prefix="2026-11-27#postal#")
    assert [i["order_number"] for i in items] == [f"{CODE}-PICKUP"]  # Friday before Monday


def test_a_retried_registration_changes_nothing(c) -> None:
    effects.apply(_register(), USER, c)
    again = effects.apply(_register(), USER, c)
    assert again.applied and again.replies_instead == []
    assert _order(c, "pickup").round == 1


def test_a_second_registration_of_a_leg_in_progress_is_refused(c) -> None:
    effects.apply(_register(("pickup",)), USER, c)
    later = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    result = effects.apply(_register(("pickup",), at=later), USER, c)
    assert not result.applied and result.reason == "postal_leg_taken"
    assert result.replies_instead == [texts.postal_already_registered("pickup", c.hotline)]


def test_cancel_before_pickup_cancels_and_removes_the_reminder(c) -> None:
    from chalicelib.storage.table import get_table

    effects.apply(_register(("pickup",)), USER, c)
    action = CancelPostal(at=AT, code=CODE, leg="pickup").model_dump(mode="json")
    assert effects.apply(action, USER, c).applied
    assert effects.apply(action, USER, c).applied  # a retried step is not a failure
    assert _order(c, "pickup").status.value == "cancelled"
    items, _ = get_table().query("DUE", index="gsi3", sk_prefix="2026-11-27#postal#")
    assert items == []
    # Registering again after a cancellation is a new round with its own order number.
    effects.apply(_register(("pickup",), at=datetime(2026, 11, 26, 4, 0, tzinfo=UTC)), USER, c)
    assert _order(c, "pickup").order_number == f"{CODE}-PICKUP-2"


def test_someone_else_cannot_cancel(c) -> None:
    effects.apply(_register(("pickup",)), USER, c)
    action = CancelPostal(at=AT, code=CODE, leg="pickup").model_dump(mode="json")
    result = effects.apply(action, "another-user", c)
    assert not result.applied and result.reason == "postal_not_cancellable"
    assert _order(c, "pickup").status.value == "requested"


def test_no_cancel_after_pickup(c) -> None:
    effects.apply(_register(("pickup",)), USER, c)
    service = c.postal
    order = _order(c, "pickup")
    booked = service.orders.mark_booked(order, "EB1VN", AT)
    from chalicelib.domain.postal import PostalStatus

    service.apply_event(booked.order_number, "e1", PostalStatus.PICKED_UP, AT)
    action = CancelPostal(at=AT, code=CODE, leg="pickup").model_dump(mode="json")
    result = effects.apply(action, USER, c)
    assert not result.applied
    assert result.replies_instead == [texts.postal_cancel_failed(c.hotline)]


def test_a_dossier_submitted_by_post_gets_its_delivery_leg(aws, monkeypatch) -> None:
    from chalicelib.conversation.flows.submission import CreateDossier
    from chalicelib.domain.postal import Leg
    from chalicelib.postal.wiring import get_postal_service
    from chalicelib.root import get_document_store, get_submission_service
    from chalicelib.storage.drafts import DraftFiles
    from chalicelib.storage.table import get_table

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dichvucong.camau.test")
    subs = effects.Submissions(
        intake=None, drafts=DraftFiles(get_table()), service=get_submission_service()
    )
    assert get_document_store()
    c = effects.Collaborators(
        users=None,
        dossiers=None,
        notices=None,
        hotline="0290",
        submissions=subs,
        postal=get_postal_service(),
    )  # type: ignore[arg-type]
    action = CreateDossier(
        at=AT,
        draft_id="d-post",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        receiving_agency_code="000.00.17.H12",
        receiving_agency_name="UBND phường An Xuyên",
        applicant={
            "kind": "person",
            "name": "Nguyễn Văn An",
            "phone": "+84912345678",
            "address": "Số 5 đường Trần Hưng Đạo",
            "id_number": "096201001234",
        },
        result_delivery="post",
        result_place="12, Lý Bôn, Phường An Xuyên, tỉnh Cà Mau",
        postal={
            "commune_code": "32002",
            "commune_name": "Phường An Xuyên",
            "street": "Lý Bôn",
            "hamlet": "",
            "house": "12",
        },
    ).model_dump(mode="json")
    first = effects.apply(action, USER, c)
    second = effects.apply(action, USER, c)  # the event retried
    assert first.replies_instead == second.replies_instead
    assert first.replies_instead[-1] == texts.POSTAL_REGISTERING
    code = next(
        word
        for line in first.replies_instead[0].splitlines()
        for word in line.split()
        if word.startswith("000.00.17.H12-")
    )
    order = get_postal_service().orders.get(code, Leg.DELIVERY, consistent=True)
    assert order is not None and order.recipient_name == "Nguyễn Văn An"
    assert order.address.house_number == "12" and order.round == 1
