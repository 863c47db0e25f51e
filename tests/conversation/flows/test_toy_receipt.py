"""The extension point: a flow in one module, plugged into a registry, with its own action."""

from __future__ import annotations

import pytest

from chalicelib.conversation.flow import FlowRegistry
from chalicelib.conversation.flows import default_flows
from chalicelib.conversation.model import Attachment, Location, Outcome, UserInfo

from ..conftest import Chat, all_text, payloads
from .toy_receipt import ASK_PHOTO, PHOTO_RECEIVED, PLACE_NOTED, KeepReceiptPhoto

PHOTO = Attachment(type="image", url="https://zalo.example/photo.jpg", name="giay-hen.jpg")


@pytest.fixture
def chat(toy_flows: FlowRegistry) -> Chat:
    return Chat(flows=toy_flows)


def test_the_toy_flow_gets_its_menu_entry_phrases_and_command_from_its_declaration(
    chat: Chat,
) -> None:
    assert "#flow:receipt_photo" in payloads(chat.send("menu")) + payloads(
        chat.send("#more:menu:1")
    )
    assert ASK_PHOTO in all_text(chat.send("gửi ảnh giấy hẹn"))
    assert ASK_PHOTO in all_text(chat.send("#receipt"))
    assert chat.session is not None and chat.session.flow == "receipt_photo"


def test_a_photo_sent_to_the_toy_flow_becomes_its_own_action(chat: Chat) -> None:
    chat.send("#flow:receipt_photo")
    outcome = chat.send(kind="image", attachments=[PHOTO])
    assert outcome.actions == [KeepReceiptPhoto(at=chat.now, url=PHOTO.url or "", name=PHOTO.name)]
    assert PHOTO_RECEIVED in all_text(outcome)
    assert outcome.session is None


def test_the_toy_action_round_trips_through_outcome_serialisation(chat: Chat) -> None:
    chat.send("#flow:receipt_photo")
    outcome = chat.send(kind="image", attachments=[PHOTO])
    dumped = outcome.model_dump(mode="json")
    assert dumped["actions"][0] == {
        "kind": "toy_keep_receipt_photo",
        "at": chat.now.isoformat().replace("+00:00", "Z"),
        "url": PHOTO.url,
        "name": PHOTO.name,
    }
    assert Outcome.model_validate(dumped) == outcome
    assert Outcome.model_validate_json(outcome.model_dump_json()) == outcome


def test_a_file_that_is_not_a_photo_is_refused_and_the_question_repeated(chat: Chat) -> None:
    chat.send("#flow:receipt_photo")
    outcome = chat.send(kind="file", attachments=[Attachment(type="file", url="https://x/a.pdf")])
    assert "chưa sử dụng được tệp" in all_text(outcome)
    assert ASK_PHOTO in all_text(outcome)
    assert outcome.actions == []
    assert outcome.session is not None and outcome.session.step == "photo"


def test_the_toy_flows_location_handler_is_called_with_the_place(chat: Chat) -> None:
    chat.send("#flow:receipt_photo")
    outcome = chat.send(kind="location", location=Location(latitude=9.17, longitude=105.15))
    assert all_text(outcome) == f"{PLACE_NOTED}\n{ASK_PHOTO}"
    assert outcome.session is not None and outcome.session.flow == "receipt_photo"


def test_submitted_user_info_gets_the_default_answer_and_the_question_again(chat: Chat) -> None:
    chat.send("#flow:receipt_photo")
    outcome = chat.send(kind="submit_info", user_info=UserInfo(name="Nguyễn Văn An"))
    assert ASK_PHOTO in all_text(outcome)
    assert "Nguyễn Văn An" not in all_text(outcome)
    assert outcome.session is not None and outcome.session.flow == "receipt_photo"


def test_the_toy_flow_needs_consent_like_any_flow_declaring_it(chat: Chat) -> None:
    chat.consented = False
    outcome = chat.send("#flow:receipt_photo")
    assert "Để sử dụng chức năng “Gửi ảnh giấy hẹn”" in all_text(outcome)
    assert outcome.session is not None and outcome.session.flow == "privacy"  # held, not begun


def test_cancel_names_the_toy_flow_by_its_title(chat: Chat) -> None:
    chat.send("#flow:receipt_photo")
    assert "Đã hủy “Gửi ảnh giấy hẹn”" in all_text(chat.send("hủy"))


def test_the_toy_flow_does_not_leak_into_the_products_flows(toy_flows: FlowRegistry) -> None:
    assert "receipt_photo" in toy_flows
    assert "receipt_photo" not in default_flows()
    assert "#flow:receipt_photo" not in [b.payload for b in default_flows().menu]
    assert "receipt" not in default_flows().command_names
    assert Chat().send("#receipt").session is None  # not a command of the product
