"""The postal registration flow (issue 13), driven through the engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conversation.conftest import CARD, CODE, OWNER_VIEW, USER, Chat, all_text, payloads

POSTAL_CARD = CARD.model_copy(
    update={
        "postal_pickup_allowed": True,
        "postal_delivery_allowed": True,
        "receiving_agency_code": "000.00.17.H12",
        "agency": "UBND phường An Xuyên",
    }
)


@pytest.fixture
def owner_chat() -> Chat:
    chat = Chat()
    chat.lookups.owners.add(USER)
    chat.lookups.cards[CARD.code] = POSTAL_CARD
    view = OWNER_VIEW.model_copy(update={"procedure_code": CARD.code, "status": 1})
    chat.lookups.linked = [view]
    original = chat.lookups.dossier_by_code

    def by_code(code: str, user_id: str):
        found = original(code, user_id)
        return (
            found.model_copy(update={"procedure_code": CARD.code, "status": 1}) if found else None
        )

    chat.lookups.dossier_by_code = by_code  # type: ignore[method-assign]
    return chat


def _to_address(chat: Chat, leg: str = "both") -> None:
    out = chat.send("dang ky buu chinh")
    assert f"#post:d:{CODE}" in payloads(out)
    out = chat.send(f"#post:d:{CODE}")
    assert {"#post:leg:pickup", "#post:leg:delivery", "#post:leg:both"} <= set(payloads(out))
    chat.send(f"#post:leg:{leg}")


def test_a_commune_typed_without_diacritics_is_found(owner_chat: Chat) -> None:
    _to_address(owner_chat)
    out = owner_chat.send("phuong an xuyen")
    assert owner_chat.session is not None and owner_chat.session.step == "street"
    assert owner_chat.session.data["commune_name"] == "Phường An Xuyên"
    assert "đường" in all_text(out)


def test_an_ambiguous_or_misspelt_name_offers_close_matches_as_buttons(owner_chat: Chat) -> None:
    _to_address(owner_chat)
    out = owner_chat.send("xa khanh thuan")  # an old commune split between two of today's
    assert "(cũ)" in all_text(out)
    commune_buttons = [p for p in payloads(out) if p.startswith("#post:c:")]
    assert len(commune_buttons) >= 2
    owner_chat.send(commune_buttons[0])
    assert owner_chat.session is not None and owner_chat.session.step == "street"


def test_an_old_district_with_a_typo_still_finds_the_commune(owner_chat: Chat) -> None:
    _to_address(owner_chat)
    owner_chat.send("Xa U Mnh")
    assert (
        owner_chat.session is not None
        and owner_chat.session.data.get("commune_name") == "Xã U Minh"
    )


def test_an_unknown_commune_is_asked_again(owner_chat: Chat) -> None:
    _to_address(owner_chat)
    out = owner_chat.send("xa khong ton tai o dau ca")
    assert "Không tìm thấy" in all_text(out)
    assert owner_chat.session is not None and owner_chat.session.step == "commune"


def _through_address(chat: Chat) -> None:
    chat.send("phuong an xuyen")
    chat.send("#post:none")  # no street
    out = chat.send("#post:none")  # no hamlet either: the address needs one
    assert "ấp/khóm" in all_text(out)
    chat.send("Khóm 3")
    chat.send("12A")


def test_the_whole_registration_ends_in_one_action_with_both_legs(owner_chat: Chat) -> None:
    _to_address(owner_chat)
    _through_address(owner_chat)
    out = owner_chat.send("nguyen van an")
    assert "điện thoại" in all_text(out)
    out = owner_chat.send("0912 345 67")  # too short
    assert "chưa đúng" in all_text(out)
    out = owner_chat.send("0912 345 678")
    days = [p for p in payloads(out) if p.startswith("#post:day:")]
    assert len(days) == 3
    out = owner_chat.send("28/11")  # a Saturday
    assert "ngày nghỉ" in all_text(out)
    out = owner_chat.send("25/11/2026")  # past
    assert "đã qua" in all_text(out)
    out = owner_chat.send(days[0])
    text = all_text(out)
    assert "do Ông/Bà thanh toán" in text and "Khóm 3" in text
    out = owner_chat.send("#post:ok")
    (action,) = out.actions
    assert action.kind == "register_postal"
    assert action.legs == ["pickup", "delivery"]
    assert action.hamlet == "Khóm 3" and action.house_number == "12A"
    assert action.recipient_phone == "+84912345678"
    assert (
        action.pickup_date is not None
        and action.pickup_date.isoformat() == days[0].rsplit(":", 1)[1]
    )
    assert owner_chat.session is None


def test_postage_is_shown_when_configured(owner_chat: Chat, monkeypatch) -> None:
    from tests.conversation import conftest

    monkeypatch.setattr(
        conftest, "SETTINGS", conftest.SETTINGS.model_copy(update={"postal_postage_vnd": 25000})
    )
    _to_address(owner_chat, "delivery")
    _through_address(owner_chat)
    owner_chat.send("Nguyễn Văn An")
    out = owner_chat.send("0912345678")
    assert "50.000" not in all_text(out) and "25.000 đồng" in all_text(out)


def test_only_the_owner_may_register(owner_chat: Chat) -> None:
    owner_chat.lookups.owners.clear()
    out = owner_chat.send(f"#post:d:{CODE}")
    assert "Chỉ người nộp hồ sơ" in all_text(out)
    assert not out.actions


def test_no_postal_service_where_the_applicant_must_be_present(owner_chat: Chat) -> None:
    owner_chat.lookups.cards[CARD.code] = POSTAL_CARD.model_copy(update={"in_person": True})
    out = owner_chat.send(f"#post:d:{CODE}")
    assert "có mặt trực tiếp" in all_text(out)
    assert owner_chat.session is None


def test_cancel_before_pickup_is_confirmed_then_asked_for(owner_chat: Chat) -> None:
    out = owner_chat.send(f"#post:x:{CODE}:pickup")
    assert f"#post:xok:{CODE}:pickup" in payloads(out)
    out = owner_chat.send(f"#post:xok:{CODE}:pickup")
    (action,) = out.actions
    assert action.kind == "cancel_postal" and action.code == CODE and action.leg == "pickup"


def test_a_cancel_confirmation_out_of_the_blue_does_nothing(owner_chat: Chat) -> None:
    out = owner_chat.send(f"#post:xok:{CODE}:pickup")
    assert not out.actions


def test_the_owner_view_shows_postal_orders_and_their_cancel_button(owner_chat: Chat) -> None:
    from chalicelib.conversation.model import PostalLine

    line = PostalLine(
        leg="pickup", status="booked", line="- Thu gom hồ sơ tại nhà: x", cancellable=True
    )
    original = owner_chat.lookups.dossier_by_code

    def with_order(code: str, user_id: str):
        found = original(code, user_id)
        return found.model_copy(update={"postal": [line]}) if found else None

    owner_chat.lookups.dossier_by_code = with_order  # type: ignore[method-assign]
    out = owner_chat.send(f"#dossier:{CODE}")
    assert "Bưu chính công ích" in all_text(out)
    assert f"#post:x:{CODE}:pickup" in payloads(out)


def test_choosing_post_while_submitting_asks_the_address_then_the_summary(chat: Chat) -> None:
    from chalicelib.conversation.model import Attachment, DocumentLine

    card = CARD.model_copy(
        update={
            "submit_in_zalo": True,
            "receiving_agency_code": "000.00.17.H12",
            "postal_delivery_allowed": True,
            "documents": [DocumentLine(name="Tờ khai", code="c1")],
        }
    )
    chat.lookups.cards[card.code] = card
    chat.send(f"#flow:submit:{card.code}")
    chat.send("#sub:kind:person")
    chat.send("Nguyễn Văn An")
    chat.send("0912345678")
    chat.send("096201001234")
    chat.send("Số 1 đường Lý Bôn, phường An Xuyên")
    chat.send(kind="image", attachments=[Attachment(type="image", url="https://zdn.vn/a.jpg")])
    chat.send("#sub:done")
    out = chat.send("#sub:dl:post")
    assert chat.session is not None and chat.session.flow == "postal"
    chat.send("an xuyen")
    chat.send("Lý Bôn")
    chat.send("#post:none")
    out = chat.send("12")
    assert chat.session is not None and (chat.session.flow, chat.session.step) == (
        "submit",
        "confirm",
    )
    assert "12, Lý Bôn, Phường An Xuyên" in all_text(out)
    assert "#sub:confirm" in payloads(out)
    out = chat.send("#sub:confirm")
    (action,) = out.actions
    assert action.kind == "create_dossier" and action.result_delivery == "post"
    assert action.postal is not None and action.postal["commune_name"] == "Phường An Xuyên"
    assert "Phường An Xuyên" in action.result_place


def test_parse_day_reads_day_month_with_or_without_year() -> None:
    from datetime import date

    from chalicelib.conversation.flows.postal import parse_day

    today = date(2026, 12, 20)
    assert parse_day("05/01", today) == date(2027, 1, 5)
    assert parse_day("21-12", today) == date(2026, 12, 21)
    assert parse_day("1.2.2027", today) == date(2027, 2, 1)
    assert parse_day("31/02", today) is None
    assert parse_day("mai", today) is None
    assert datetime.now(tz=UTC)  # the module reads no clock itself
